"""Recognition, the helpers group and fact sheets (routing/community.py, issue 22) through
the real Discourse client against the loopback Discourse: each act is done exactly once,
whatever the forum answers (already granted, already a member, 429, a timeout after it
did the work), and staff and the brand's accounts are never recognised."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import duckdb
import pytest

from carewire.core.settings import (CommunitySettings, DestinationSettings, HttpSettings,
                                    RecognitionSettings, Settings)
from carewire.core.types import Credentials
from carewire.routing import community
from carewire.routing.destinations.discourse import DiscourseDestination
from carewire.warehouse.community import fact_sheets
from carewire.warehouse.migrate import migrate

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=timezone.utc)
HTTP = HttpSettings(backoff_s=0, max_retries=4, max_backoff_s=0)
BADGE, GROUP, CATEGORY = 9, 41, 12
THANKS = "Thank you @{username}, your answer helped! The Acme community team"


@pytest.fixture
def con():
    con = duckdb.connect()
    migrate(con)
    yield con
    con.close()


def settings(server, *, badge: int | None = BADGE, thank_you: str | None = THANKS,
             min_likes: int | None = None, timeout_s: float = 30.0) -> Settings:
    destination = DestinationSettings(name="forum", kind="discourse", url=server.url,
                                      conn_id="carewire_forum", category_id=7,
                                      timeout_s=timeout_s)
    return Settings(
        routing={"destinations": [destination]},
        community=CommunitySettings(
            recognition=[RecognitionSettings(destination="forum", badge_id=badge,
                                             thank_you=thank_you, min_likes=min_likes)],
            destination="forum", helpers_group_id=GROUP, helpers_category_id=CATEGORY))


def clients(server, config: Settings) -> dict[str, DiscourseDestination]:
    creds = {"carewire_forum": Credentials(login=server.api_username, password=server.api_key)}
    return {"forum": community.discourse(config, "forum", creds, "test")}


def delivered(con, topic_id: int, key: str = "k1", team: str = "community") -> None:
    con.execute("""INSERT INTO core__deliveries (delivery_key, destination, route, unit, team,
                       priority, sla_due_at, rule_id, reason, experts, status, attempts,
                       external_id, created_for)
                   VALUES (?, 'forum', 'community', 'mention', ?, 'normal', ?, 'R7', 'q', [],
                           'delivered', 1, ?, ?)""", [key, team, NOW, str(topic_id), NOW])


def thread(server, answerer: str = "ana") -> tuple[int, dict]:
    topic = server.add_topic("Printer drops wifi after firmware update",
                             "Since 4.2 my printer loses wifi every hour.", username="pat")
    answer = server.reply(topic.id, "Turn off Wi-Fi power saving in the printer menu.",
                          username=answerer)
    return topic.id, answer


def events(con, kind: str) -> list[tuple]:
    return con.execute("SELECT actor, data FROM core__events WHERE kind = ? ORDER BY actor",
                       [kind]).fetchall()


def thanks_posts(server) -> list[dict]:
    return [p for p in server.posts_by(server.api_username) if "carewire:" in p["raw"]]


def test_an_accepted_answer_in_the_topic_view_earns_one_badge_and_one_thank_you(
        discourse, con):
    topic_id, answer = thread(discourse)
    discourse.accept(topic_id, answer["post_number"])
    delivered(con, topic_id)
    config = settings(discourse)

    first = community.recognise(con, config, clients(discourse, config), NOW)
    again = community.recognise(con, config, clients(discourse, config), NOW)

    assert first["planned"] == 2 and first["done"] == {"badge_granted": 1, "thanked": 1}
    assert again["planned"] == 0 and again["done"] == {}
    assert discourse.badges_of("ana") == [BADGE]
    assert discourse.count("POST", "/user_badges.json") == 1
    grant = next(r for r in discourse.requests if r.path == "/user_badges.json")
    body = json.loads(grant.body)
    assert (body["username"], body["badge_id"]) == ("ana", BADGE)
    assert body["reason"].endswith(f"/{topic_id}/{answer['post_number']}")
    [reply] = thanks_posts(discourse)
    assert reply["reply_to_post_number"] == answer["post_number"]
    assert reply["raw"].startswith("Thank you @ana, your answer helped!")
    [(actor, data)] = events(con, "badge_granted")
    assert actor == "ana" and json.loads(data)["why"] == "accepted"
    assert len(events(con, "badge_planned")) == len(events(con, "thanked")) == 1


def test_a_badge_already_granted_is_success(discourse, con):
    topic_id, answer = thread(discourse)
    discourse.accept(topic_id, answer["post_number"])
    discourse.user_badges.append({"id": 1, "badge_id": BADGE, "username": "ana",
                                  "granted_at": "2026-01-01T00:00:00.000Z", "user_id": 5,
                                  "granted_by_id": 1})
    delivered(con, topic_id)
    config = settings(discourse, thank_you=None)

    result = community.recognise(con, config, clients(discourse, config), NOW)

    assert result["done"] == {"badge_granted": 1} and result["errors"] == {}
    assert discourse.badges_of("ana") == [BADGE]
    assert json.loads(events(con, "badge_granted")[0][1])["detail"] == "already granted"


def test_a_422_for_a_badge_granted_meanwhile_is_success(discourse, con, monkeypatch):
    """The look-up said no badge, then the grant was refused as a repeat: looked up again."""
    topic_id, answer = thread(discourse)
    discourse.accept(topic_id, answer["post_number"])
    delivered(con, topic_id)
    config = settings(discourse, thank_you=None)
    forum = clients(discourse, config)
    looked = iter([set(), {BADGE}])
    monkeypatch.setattr(forum["forum"], "user_badge_ids", lambda username: next(looked))
    discourse.user_badges.append({"id": 1, "badge_id": BADGE, "username": "ana",
                                  "granted_at": "2026-01-01T00:00:00.000Z", "user_id": 5,
                                  "granted_by_id": 1})

    result = community.recognise(con, config, forum, NOW)

    assert result["done"] == {"badge_granted": 1}
    assert discourse.count("POST", "/user_badges.json") == 1
    assert discourse.badges_of("ana") == [BADGE]


def test_429_then_success_grants_once(discourse, con):
    topic_id, answer = thread(discourse)
    discourse.accept(topic_id, answer["post_number"])
    delivered(con, topic_id)
    discourse.rate_limit_next(2, retry_after=0, on="POST /user_badges.json")
    config = settings(discourse, thank_you=None)

    result = community.recognise(con, config, clients(discourse, config), NOW)

    assert result["done"] == {"badge_granted": 1} and result["errors"] == {}
    assert discourse.badges_of("ana") == [BADGE]


def test_a_timeout_after_the_server_granted_ends_with_one_badge_and_one_thanks(
        discourse, con):
    topic_id, answer = thread(discourse)
    discourse.accept(topic_id, answer["post_number"])
    delivered(con, topic_id)
    discourse.delay_next(1.5, on="POST /user_badges.json")
    discourse.delay_next(1.5, on="POST /posts.json")
    config = settings(discourse, timeout_s=0.5)

    first = community.recognise(con, config, clients(discourse, config), NOW)
    again = community.recognise(con, config, clients(discourse, config), NOW)

    assert discourse.badges_of("ana") == [BADGE]
    assert len(thanks_posts(discourse)) == 1
    assert {**first["done"], **again["done"]} == {"badge_granted": 1, "thanked": 1}
    assert len(events(con, "badge_granted")) == len(events(con, "thanked")) == 1


def test_a_timeout_that_outlasts_the_retries_stays_planned_and_is_finished_later(
        discourse, con):
    topic_id, answer = thread(discourse)
    discourse.accept(topic_id, answer["post_number"])
    delivered(con, topic_id)
    for _ in range(5):  # the first try and every retry of the transport
        discourse.fail_next(1, 503, on="POST /user_badges.json", after_handling=True)
    config = settings(discourse, thank_you=None)

    first = community.recognise(con, config, clients(discourse, config), NOW)
    assert first["done"] == {} and first["errors"]
    later = community.finish(con, clients(discourse, config), NOW)

    assert later["done"] == {"badge_granted": 1}
    assert discourse.badges_of("ana") == [BADGE]
    assert discourse.count("POST", "/user_badges.json") == 5   # none after the look-up


@pytest.mark.parametrize("role", ["admin", "moderator"])
def test_staff_are_never_recognised(discourse, con, role):
    topic_id, answer = thread(discourse, answerer="mod")
    discourse.staff["mod"] = role
    discourse.accept(topic_id, answer["post_number"])
    delivered(con, topic_id)
    config = settings(discourse)

    result = community.recognise(con, config, clients(discourse, config), NOW)

    assert result["planned"] == 0 and discourse.user_badges == []
    assert thanks_posts(discourse) == []


def test_the_brands_own_accounts_are_never_recognised(discourse, con):
    topic_id, answer = thread(discourse, answerer="acme_support")
    discourse.accept(topic_id, answer["post_number"])
    delivered(con, topic_id)
    con.execute("""INSERT INTO core__author_influence (source, author_id, handle, mentions,
                       engagement_per_mention, engagement_pct, history_pct, helpful_replies,
                       score, tier, tier_reason)
                   VALUES ('forums', 'u1', 'acme_support', 1, 0, 0, 0, 0, 0, 'brand',
                           'a brand handle')""")
    config = settings(discourse)

    assert community.recognise(con, config, clients(discourse, config), NOW)["planned"] == 0
    assert discourse.user_badges == []


def test_liked_answers_are_recognised_from_the_configured_number_of_likes(discourse, con):
    topic_id, answer = thread(discourse)
    other = discourse.reply(topic_id, "Mine came back after a reset of the router.",
                            username="bo")
    discourse.like(answer["id"], 3)
    discourse.like(other["id"], 2)
    delivered(con, topic_id)
    config = settings(discourse, thank_you=None, min_likes=3)

    community.recognise(con, config, clients(discourse, config), NOW)

    assert discourse.badges_of("ana") == [BADGE] and discourse.badges_of("bo") == []
    assert json.loads(events(con, "badge_granted")[0][1])["why"] == "3 likes"


def test_only_the_configured_teams_threads_are_watched(discourse, con):
    topic_id, answer = thread(discourse)
    discourse.accept(topic_id, answer["post_number"])
    delivered(con, topic_id, team="contact_center")
    config = settings(discourse)

    assert community.recognise(con, config, clients(discourse, config), NOW)["planned"] == 0


def test_approved_helpers_join_the_group_once(discourse, con):
    config = settings(discourse)
    forum = clients(discourse, config)
    discourse.groups[GROUP].add("bo")   # added by hand before

    first = community.add_helpers(con, config.community, forum, ["ana", "@bo"], "lee", NOW)
    again = community.add_helpers(con, config.community, forum, ["ana"], "lee", NOW)

    assert discourse.groups[GROUP] == {"ana", "bo"}
    assert first["done"] == {"helper_added": 2} and first["errors"] == {}
    assert again["planned"] == 0
    details = {actor: json.loads(data)["detail"] for actor, data in events(con, "helper_added")}
    assert details == {"ana": "added", "bo": "already a member"}
    assert all(json.loads(d)["approved_by"] == "lee" for _, d in events(con, "helper_approved"))


def test_a_group_add_that_timed_out_after_the_server_added_is_one_membership(discourse, con):
    config = settings(discourse, timeout_s=0.5)
    discourse.delay_next(1.5, on=f"PUT /groups/{GROUP}/members.json")
    discourse.rate_limit_next(1, retry_after=0, on=f"PUT /groups/{GROUP}/members.json")

    result = community.add_helpers(con, config.community, clients(discourse, config), ["ana"],
                                   "lee", NOW)

    assert discourse.groups[GROUP] == {"ana"}
    assert result["done"] == {"helper_added": 1}


def cluster(con, cluster_id: str = "c1") -> None:
    con.execute("""INSERT INTO core__cluster_members (source, source_id, cluster_id, joined_by,
                       encoder_version)
                   VALUES ('reddit', 't3_a', ?, 'founder', 'e1')""", [cluster_id])


def sheet(con, config, forum, **kwargs):
    return community.post_fact_sheet(
        con, config.community, forum, title="Printers dropping wifi after firmware 4.2",
        known="Firmware 4.2 drops wifi on model X every hour.",
        tell="Turn off Wi-Fi power saving; a fix ships next week.",
        next_update="Friday 12:00 UTC", by="lee", now=NOW, **kwargs)


def test_a_fact_sheet_is_posted_once_to_the_helpers_category_and_linked_from_the_cluster(
        discourse, con):
    cluster(con)
    config = settings(discourse)
    forum = clients(discourse, config)

    first = sheet(con, config, forum, cluster_id="c1")
    again = sheet(con, config, forum, cluster_id="c1")

    [topic] = [t for t in discourse.topics.values() if t.category_id == CATEGORY]
    assert topic.title == "Printers dropping wifi after firmware 4.2"
    assert "**What we know**" in topic.posts[0]["raw"]
    assert "**When we will update**\n\nFriday 12:00 UTC" in topic.posts[0]["raw"]
    assert first["url"] == again["url"] == f"{discourse.url}/t/{topic.slug}/{topic.id}"
    assert again["planned"] == 0 and discourse.count("POST", "/posts.json") == 1
    [linked] = fact_sheets(con, cluster_id="c1")
    assert (linked["url"], linked["by"]) == (first["url"], "lee")


def test_a_fact_sheet_that_timed_out_after_the_server_posted_is_one_topic(discourse, con):
    cluster(con)
    config = settings(discourse, timeout_s=0.5)
    discourse.delay_next(1.5, on="POST /posts.json")
    discourse.rate_limit_next(1, retry_after=0, on="POST /posts.json")

    result = sheet(con, config, clients(discourse, config), cluster_id="c1")

    assert len([t for t in discourse.topics.values() if t.category_id == CATEGORY]) == 1
    assert result["done"] == {"fact_sheet_posted": 1} and result["url"]


def test_a_fact_sheet_needs_a_known_cluster_or_alert(discourse, con):
    config = settings(discourse)
    from carewire.core.errors import ConfigError

    with pytest.raises(ConfigError, match="no issue cluster"):
        sheet(con, config, clients(discourse, config), cluster_id="nope")
    assert discourse.requests == []



def printed(capsys):
    """What a command printed as JSON. A test that ran Airflow earlier in this process
    leaves Airflow's log handler writing to stdout, so a log line (a timestamp first) may
    come before the JSON: it starts at the first line that opens an object or a list."""
    lines = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(("{", "[")))
    return json.loads("\n".join(lines[start:]))


def test_the_cli_adds_approved_helpers_and_posts_a_fact_sheet(discourse, tmp_path, monkeypatch,
                                                              capsys):
    from carewire.app.cli import main
    from carewire.warehouse.db import connect

    config = tmp_path / "carewire.yaml"
    config.write_text(f"""
data_dir: {tmp_path / 'data'}
routing:
  destinations:
    - {{name: forum, kind: discourse, url: "{discourse.url}", conn_id: carewire_forum}}
community:
  destination: forum
  helpers_group_id: {GROUP}
  helpers_category_id: {CATEGORY}
""")
    host = discourse.url.split("//")[1]
    monkeypatch.setenv("AIRFLOW_CONN_CAREWIRE_FORUM",
                       f"http://{discourse.api_username}:{discourse.api_key}@{host}")
    assert main(["--config", str(config), "warehouse", "migrate"]) == 0
    from carewire.core.settings import load_settings
    with connect(load_settings(config).warehouse) as con:
        cluster(con)
    capsys.readouterr()

    assert main(["--config", str(config), "community", "add-helpers", "ana", "--by",
                 "lee"]) == 0
    assert printed(capsys)["done"] == {"helper_added": 1}
    assert main(["--config", str(config), "community", "fact-sheet", "--cluster", "c1",
                 "--title", "Printers dropping wifi after firmware 4.2", "--known", "A bug.",
                 "--tell", "Turn off power saving.", "--next-update", "Friday", "--by",
                 "lee"]) == 0
    url = printed(capsys)["url"]
    assert main(["--config", str(config), "community", "fact-sheets", "--cluster", "c1",
                 "--json"]) == 0
    assert [s["url"] for s in printed(capsys)] == [url]
    assert discourse.groups[GROUP] == {"ana"}


# Recognition on schedule: the sync_outcomes step (pipeline.sync_outcomes, the DAG's task)

def synced_settings(server, tmp_path, *, recognition: bool = True) -> Settings:
    destination = DestinationSettings(name="forum", kind="discourse", url=server.url,
                                      conn_id="carewire_forum", category_id=7)
    return Settings(
        data_dir=tmp_path / "data", http=HTTP,
        routing={"destinations": [destination]},
        community=CommunitySettings(recognition=[RecognitionSettings(
            destination="forum", badge_id=BADGE, thank_you=THANKS)] if recognition else []))


def sync_twice(server, config: Settings, *scripted) -> list[dict]:
    """Two runs of the sync_outcomes step, an hour apart; `scripted[i]` (a callable) sets
    up the forum's trouble before run i."""
    from carewire.app import pipeline

    creds = {"carewire_forum": Credentials(login=server.api_username, password=server.api_key)}
    results = []
    for run, moment in enumerate((NOW, NOW + timedelta(hours=1))):
        if run < len(scripted):
            scripted[run]()
        results.append(pipeline.sync_outcomes(config, creds, moment))
    return results


def warehouse(config: Settings):
    from carewire.app import pipeline
    from carewire.warehouse.db import connect

    pipeline.migrate(config)
    return connect(config.warehouse)


def test_sync_outcomes_recognises_an_accepted_customer_answer_once_and_staff_never(
        discourse, tmp_path):
    topic_id, answer = thread(discourse)
    discourse.accept(topic_id, answer["post_number"])
    staffed, staff_answer = thread(discourse, answerer="mod")
    discourse.staff["mod"] = "moderator"
    discourse.accept(staffed, staff_answer["post_number"])
    discourse.like(staff_answer["id"], 9)
    config = synced_settings(discourse, tmp_path)
    with warehouse(config) as con:
        delivered(con, topic_id, key="k1")
        delivered(con, staffed, key="k2")

    first, again = sync_twice(discourse, config)

    assert first["recognition"] == {"planned": 2, "done": {"badge_granted": 1, "thanked": 1},
                                    "errors": {}}
    assert again["recognition"] == {"planned": 0, "done": {}, "errors": {}}
    # the thank-you is carewire's own act (`thanked`), not a reply the next sync records
    assert sum(again["outcomes_recorded"].values()) == 0
    assert discourse.count("POST", "/user_badges.json") == 1
    assert discourse.badges_of("ana") == [BADGE] and discourse.badges_of("mod") == []
    assert [p["reply_to_post_number"] for p in thanks_posts(discourse)] == [
        answer["post_number"]]
    with warehouse(config) as con:
        assert [a for a, _ in events(con, "badge_granted")] == ["ana"]
        # the outcomes were recorded first, in the same run: both acceptances are there
        assert con.execute("SELECT count(*) FROM core__events "
                           "WHERE kind = 'accepted_answer'").fetchone()[0] == 2


def test_a_badge_the_forum_refuses_to_take_leaves_the_sync_whole_and_is_granted_next_run(
        discourse, tmp_path):
    config = synced_settings(discourse, tmp_path)
    config.community.recognition[0].thank_you = None
    with warehouse(config) as con:
        for key, answerer in (("k1", "ana"), ("k2", "bo")):
            topic_id, answer = thread(discourse, answerer=answerer)
            discourse.accept(topic_id, answer["post_number"])
            delivered(con, topic_id, key=key)
    tries = HTTP.max_retries + 1   # the first try and every retry of the transport

    def rate_limited():
        discourse.rate_limit_next(tries, retry_after=0, on="POST /user_badges.json")

    def after_the_first_run():
        # one grant was tried; the other waited for the next run instead of trying too
        assert discourse.count("POST", "/user_badges.json") == tries
        assert discourse.user_badges == []

    first, again = sync_twice(discourse, config, rate_limited, after_the_first_run)

    assert first["errors"] == {} and sum(first["outcomes_recorded"].values()) == 4
    assert first["recognition"]["planned"] == 2 and first["recognition"]["done"] == {}
    why = sorted(first["recognition"]["errors"].values())
    assert "HTTP 429" in why[0] and why[1].startswith("not tried: forum failed earlier")
    assert again["recognition"] == {"planned": 0, "done": {"badge_granted": 2},
                                    "errors": {}}
    assert discourse.badges_of("ana") == discourse.badges_of("bo") == [BADGE]
    assert discourse.count("POST", "/user_badges.json") == tries + 2
    with warehouse(config) as con:
        assert len(events(con, "badge_planned")) == len(events(con, "badge_granted")) == 2


def test_without_recognition_configured_the_sync_recognises_nobody(discourse, tmp_path):
    from carewire.core.settings import SAMPLE_CONFIG, load_settings

    assert load_settings(SAMPLE_CONFIG).community.recognition == []  # the demo's config
    topic_id, answer = thread(discourse)
    discourse.accept(topic_id, answer["post_number"])
    config = synced_settings(discourse, tmp_path, recognition=False)
    with warehouse(config) as con:
        delivered(con, topic_id)

    first, _ = sync_twice(discourse, config)

    assert "recognition" not in first and sum(first["outcomes_recorded"].values()) == 2
    assert discourse.user_badges == [] and thanks_posts(discourse) == []
    assert discourse.count("GET", "/user-badges/ana.json") == 0


def test_recognition_must_name_a_discourse_destination():
    with pytest.raises(ValueError, match="community.recognition names 'forum'"):
        Settings(community={"recognition": [{"destination": "forum", "badge_id": BADGE}]})
    with pytest.raises(ValueError, match="community.destination names 'tickets'"):
        Settings(routing={"destinations": [{"name": "tickets", "kind": "zendesk",
                                            "url": "https://z.example"}]},
                 community={"destination": "tickets"})
