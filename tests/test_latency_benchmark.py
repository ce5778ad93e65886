"""The latency benchmark's pure parts (benchmarks/latency_stats.py, live_platform.py and the
clean-up of benchmarks/latency.py): no Airflow run, no timing asserted."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import threading

import pytest
import requests

from benchmarks.latency import processes_of, stop_airflow, trace, TaskRun, Watch
from benchmarks.latency_stats import (Latency, final_line, hourly_expectation, percentile,
                                      summarise)
from benchmarks.live_platform import (LivePlatform, Post, Timeline, TlsProxy,
                                      make_certificates, publish_steadily, ref_of)

LINE = re.compile(r"^post-to-queue p50 (>=)?[\d.]+ s, p95 (>=)?[\d.]+ s, max (>=)?[\d.]+ s "
                  r"over \d+ mentions \(rate [\d.]+/s, [\d.]+ min, \w+\)$")
T0 = dt.datetime(2026, 11, 24, 7, tzinfo=dt.timezone.utc)


def test_nearest_rank_percentiles_are_values_that_occurred():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile([7.0], 95) == 7.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_censored_posts_count_at_their_lower_bound_and_mark_every_figure():
    arrived = [Latency(float(s)) for s in range(10, 100, 10)]  # 10..90
    summary = summarise([*arrived, Latency(500.0, censored=True)])
    assert (summary.n, summary.censored, summary.max) == (10, 1, 500.0)
    assert summary.p95 == 500.0 and summary.p50 == 50.0
    line = final_line(summary, rate=1, minutes=10, executor="LocalExecutor")
    assert line == ("post-to-queue p50 >=50.0 s, p95 >=500.0 s, max >=500.0 s over 10 "
                    "mentions (rate 1/s, 10 min, LocalExecutor)")
    assert LINE.match(line)


def test_the_final_line_without_censoring_and_without_posts():
    summary = summarise([Latency(1.25), Latency(3.5)])
    line = final_line(summary, rate=5, minutes=15, executor="LocalExecutor")
    assert line == ("post-to-queue p50 1.2 s, p95 3.5 s, max 3.5 s over 2 mentions "
                    "(rate 5/s, 15 min, LocalExecutor)")
    assert LINE.match(line)
    assert final_line(None, rate=5, minutes=15, executor="LocalExecutor").startswith(
        "post-to-queue p50 n/a s, p95 n/a s, max n/a s over 0 mentions")


def test_the_cadence_alone_sets_the_expected_wait():
    assert hourly_expectation(3600, 0) == (1800, 3420, 3600)
    assert hourly_expectation(60, 30) == (60, 87, 90)


def test_each_post_is_traced_to_the_fetch_after_it_and_the_process_run_before_its_item():
    post = Post(0, "x", T0)
    def at(minutes):
        return T0 + dt.timedelta(minutes=minutes)
    runs = [TaskRun("ingest_x", "a", "fetch_brand", "success", at(-5), at(-4)),
            TaskRun("ingest_x", "b", "fetch_brand", "success", at(60), at(61)),
            TaskRun("process", "p1", "migrate", "success", at(62), at(62.5)),
            TaskRun("process", "p1", "hot_path", "success", at(64), at(67)),
            TaskRun("process", "p2", "migrate", "success", at(2), at(3)),
            TaskRun("process", "p2", "hot_path", "success", at(10), at(11)),
            TaskRun("process", "p3", "hot_path", "success", at(80), at(81))]
    # seen while p1's hot path still ran: p1 made it, not p2 whose hot path ended before
    watch = Watch(desk_seen={"k0": at(66.5)}, decided={"k0": ("community", at(65))})
    [item] = trace([post], watch, runs)
    assert item.fetch.run_id == "b"
    assert item.process["hot_path"].run_id == "p1"
    assert item.decided == at(65) and item.route == "community"


def test_refs_are_found_again_in_the_text():
    post = Post(41, "reddit", T0)
    assert ref_of(post.text) == "k41"
    assert ref_of(f"RT @x: {post.text}") == "k41"
    assert ref_of("no ref here") is None


def test_the_publisher_stamps_each_post_with_the_clock_and_stops_when_told():
    timeline, stop = Timeline(), threading.Event()
    stop.set()
    publish_steadily(timeline, rate=1000, seconds=60, stop=stop)
    assert timeline.posts() == []
    publish_steadily(timeline, rate=1000, seconds=0.01, stop=threading.Event())
    posts = timeline.posts()
    assert len(posts) == 10  # at 0, 1, ..., 9 ms: rate x seconds posts, not one more
    assert [p.number for p in posts] == list(range(len(posts)))
    assert [p.platform for p in posts[:4]] == ["x", "reddit", "feeds", "forums"]


def test_the_proxy_leads_https_for_the_platform_hosts_to_the_loopback_platform(tmp_path):
    timeline = Timeline()
    timeline.publish(dt.datetime.now(dt.timezone.utc))
    platform = LivePlatform(timeline).start()
    ca, cert, key = make_certificates(tmp_path)
    proxy = TlsProxy(platform, cert, key).start()
    try:
        with requests.Session() as session:
            session.trust_env = False
            answer = session.get("https://api.twitter.com/2/tweets/search/recent?query=k"
                                 "&max_results=10", proxies={"https": proxy.url}, verify=str(ca),
                                 timeout=10)
            assert answer.status_code == 200
            assert ref_of(answer.json()["data"][0]["text"]) == "k0"
            with pytest.raises(requests.exceptions.ProxyError):
                session.get("https://example.org/", proxies={"https": proxy.url},
                            verify=str(ca), timeout=10)
    finally:
        proxy.stop()
        platform.stop()


def test_stopping_leaves_no_process_with_the_benchmarks_airflow_home(tmp_path):
    """A stand-in for deploy/airflow-standalone: a script whose child ignores SIGTERM and
    lives in a session of its own; stop_airflow must still leave nothing behind."""
    home = tmp_path / "airflow_home"
    script = tmp_path / "standalone"
    script.write_text("#!/bin/sh\nsetsid sh -c 'trap \"\" TERM; while :; do sleep 1; done' &\n"
                      "wait\n")
    script.chmod(0o755)
    started = subprocess.Popen([str(script)], env={**os.environ, "AIRFLOW_HOME": str(home)},
                               start_new_session=True)
    try:
        for _ in range(100):
            if len(processes_of(home)) >= 2:
                break
            threading.Event().wait(0.05)
        assert len(processes_of(home)) >= 2
        stop_airflow(started, home)
        assert processes_of(home) == []
    finally:
        for pid in processes_of(home):
            os.kill(pid, 9)


def test_the_benchmark_runs_from_the_repository_root():
    assert sys.modules["benchmarks.latency"].ROOT.joinpath("dags").is_dir()


def test_cpu_is_charged_to_the_task_a_worker_title_names():
    from benchmarks.latency import cpu_role

    ids = {"0a1b2c3d4e5f60718293a4b5c6d7e8f9": "process.enrich",
           "11111111222233334444555555555555": "ingest_x.fetch_brand"}
    assert cpu_role("airflow worker -- LocalExecutor 0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9",
                    ids) == "task process enrich"
    assert cpu_role("airflow worker -- LocalExecutor 11111111-2222-3333-4444-555555555555",
                    ids) == "task ingest fetch_*"
    assert cpu_role("airflow worker -- LocalExecutor <idle>", ids) == \
        "airflow executor workers (idle)"
    assert cpu_role("/venv/bin/python -m airflow scheduler", ids) == "airflow scheduler"


def test_a_post_its_clusters_item_does_not_list_is_queued_when_the_warehouse_says():
    def at(minutes):
        return T0 + dt.timedelta(minutes=minutes)
    runs = [TaskRun("ingest_reddit", "a", "fetch_r-x", "success", at(1), at(2)),
            TaskRun("process", "p1", "hot_path", "success", at(4), at(7)),
            TaskRun("process", "p2", "hot_path", "success", at(64), at(67))]
    first, later = Post(1, "reddit", at(0)), Post(5, "reddit", at(60.5))
    watch = Watch(desk_seen={"k1": at(6.5)},
                  decided={"k1": ("community", at(5)), "k5": ("community", at(65))},
                  queued_at={"k1": at(6.4), "k5": at(65)})
    listed, joined = trace([first, later], watch, runs)
    assert listed.queued == at(6.5)     # seen in its desk item
    assert joined.queued == at(65)      # not listed there: the warehouse's queued_at
    assert joined.process["hot_path"].run_id == "p2"
    assert trace([Post(9, "reddit", at(0))], watch, runs)[0].queued is None