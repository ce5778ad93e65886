"""Through Airflow itself: a task that retrying cannot help (a feed answering 404) fails on
its first try with the message that says what to fix, while a passing trouble (a 503) is
retried as common.RETRIES say. The retries are kept, only their delay is cut to a second, so
a fatal error that were retried would show here as a later try."""

from __future__ import annotations

import email
import json
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from carewire.core.settings import SAMPLE_CONFIG
from tests.conftest import Reply
from tests.dags.conftest import DAGS, for_dag_test

pytestmark = pytest.mark.airflow

LOGICAL_DATE = datetime(2026, 11, 24, 8, tzinfo=timezone.utc)


@pytest.fixture
def notify() -> dict:
    """The `notify` section of the config the DAGs are parsed with: nobody by default."""
    return {}


@pytest.fixture
def feed_dag(airflow_db, tmp_path, monkeypatch, server, notify):
    """ingest_feeds with one feed, served by `server` at /feed.xml."""
    config = yaml.safe_load(SAMPLE_CONFIG.read_text())
    config["sources"] = {"feeds": [{"name": "phonebeat", "kind": "news",
                                    "url": server.url("/feed.xml")}]}
    config["http"] = {"timeout_s": 2, "max_retries": 0}
    config["notify"] = notify
    path = tmp_path / "carewire.yaml"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("CAREWIRE_CONFIG", str(path))
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.syspath_prepend(str(DAGS))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    dag = bag.get_dag("ingest_feeds")
    for_dag_test(dag)
    for task in dag.tasks:
        assert task.retries == 3  # production's
        task.retry_delay = task.max_retry_delay = timedelta(seconds=1)
    return dag


def fetch_try(dag_run) -> tuple[str, int]:
    [ti] = [ti for ti in dag_run.get_task_instances() if ti.task_id.startswith("fetch_")]
    return str(ti.state).rsplit(".", 1)[-1].lower(), ti.try_number


def test_a_feed_that_is_gone_fails_its_task_on_the_first_try_saying_what_to_fix(
        feed_dag, server, capfd):
    server.route("/feed.xml", Reply(404, b"no such feed"))
    dag_run = feed_dag.test(logical_date=LOGICAL_DATE)
    log = "".join(capfd.readouterr())

    assert fetch_try(dag_run) == ("failed", 1)
    assert len(server.hits("/feed.xml")) == 1
    assert "AirflowFailException" in log and "HTTP 404" in log
    assert "retrying will not help; check the URL in carewire.yaml" in log
    assert "[not retried: fix this first, then clear the task]" in log


def test_a_passing_trouble_is_retried(feed_dag, server):
    server.route("/feed.xml", Reply(503, b"busy"))
    dag_run = feed_dag.test(logical_date=LOGICAL_DATE)

    state, tries = fetch_try(dag_run)
    assert state == "failed" and tries == 4  # the first try and three retries
    assert len(server.hits("/feed.xml")) == 4


@pytest.fixture
def smtp():
    from tests.smtp_server import SmtpServer

    receiver = SmtpServer().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def notifying(notify, smtp, server, monkeypatch):
    """Failures told by e-mail (to the local SMTP server) and by webhook (to `server`)."""
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": smtp.port,
        "extra": {"disable_tls": True, "disable_ssl": True}}))
    monkeypatch.setenv("AIRFLOW_CONN_CAREWIRE_PAGER", json.dumps({
        "conn_type": "http", "host": server.url("/hooks/ops")}))
    server.route("/hooks/ops", Reply(200, b"ok"))
    notify.update(email_to=["oncall@kestrel.example"], email_from="carewire@kestrel.example",
                  webhook_conn_id="carewire_pager")


def test_a_failure_reaches_the_on_call_by_mail_and_webhook_once(notifying, feed_dag, server,
                                                                 smtp):
    server.route("/feed.xml", Reply(404, b"no such feed"))
    dag_run = feed_dag.test(logical_date=LOGICAL_DATE)

    assert fetch_try(dag_run) == ("failed", 1)
    [mail] = smtp.messages
    assert mail.recipients == ["oncall@kestrel.example"]
    parsed = email.message_from_string(mail.data)
    assert parsed["Subject"].startswith("carewire: ingest_feeds.fetch_phonebeat failed")
    [html] = [part.get_payload(decode=True).decode() for part in parsed.walk()
              if part.get_content_type() == "text/html"]
    assert "HTTP 404" in html and "retrying will not help" in html
    [hook] = [json.loads(hit["_body"]) for hit in server.hits("/hooks/ops")]
    assert hook["text"].startswith("carewire: ingest_feeds.fetch_phonebeat failed in ")
    assert "HTTP 404" in hook["text"] and hook["dag_id"] == "ingest_feeds"


def test_a_retry_tells_nobody_until_the_task_fails_for_good(notifying, feed_dag, server,
                                                             smtp):
    server.route("/feed.xml", Reply(503, b"busy"), Reply(503, b"busy"), Reply(200, b""))
    feed_dag.test(logical_date=LOGICAL_DATE)  # the third try gets an (empty) answer

    assert smtp.messages == [] and server.hits("/hooks/ops") == []
