"""Post-to-queue latency through Airflow: how long after a post is written does it reach an
agent's queue?

Starts Airflow standalone (LocalExecutor, SQLite metadata, as `make airflow` does, through
deploy/airflow-standalone) in a temporary AIRFLOW_HOME with carewire's DAGs and a temporary
data dir, against a live loopback platform (benchmarks/live_platform.py): X, Reddit, an RSS
feed and a Discourse forum that publish `--rate` new posts a second, shared evenly, with
real current timestamps, for `--minutes`. The config it writes for that platform is carewire's
own, with `--schedule` as the ingest cron (the product's default unless given), so the
benchmark measures whatever cadence and process DAG carewire has.

For every post it records when its desk item exists (polling the desk store) and when its
routing decision was made, then prints the per-stage breakdown (wait for the fetch, fetch,
wait for process, each process task, deliver) from Airflow's task instances, the CPU each
part used, and last the line tools read:

    post-to-queue p50 <s> s, p95 <s> s, max <s> s over <n> mentions (rate <r>/s, <m> min, <executor>)

After publishing stops it drains: it waits until every post is queued (or routed away
from the queue) or `--drain-minutes` pass. Posts never queued are counted as not reached
and kept at their lower bound, so the percentiles are then lower bounds (`>=`).

How it reads carewire's stores without disturbing them:
* the desk store (SQLite) is opened read-only (`mode=ro`) each time its file changes: a
  reader holds SQLite's shared lock for the few milliseconds of one SELECT, which the
  delivery step's writes wait out (busy timeout); the desk-seen time is late by at most
  the poll interval (`--poll-s`).
* the warehouse (DuckDB) is never opened while Airflow runs: DuckDB allows one writing
  process, and a reader holding the file would make the process DAG's next task fail on
  the lock. Once Airflow has stopped, it is read for each post's route, when routing
  decided it (`decided_at`) and when it reached its queue (`queued_at`), which times
  the members of an issue cluster that its desk item does not list.
* Airflow's metadata DB is read once, after Airflow has stopped.

Everything lives in one temporary folder, removed at the end, and every process Airflow
started is stopped (its process group, then any process left whose environment names the
temporary AIRFLOW_HOME).

    python -m benchmarks.latency                          # the full run: 15 min at 5/s
    python -m benchmarks.latency --minutes 10 --rate 1 --drain-minutes 20 --plot lat.png
    python -m benchmarks.latency --minutes 2 --rate 1 --schedule '* * * * *'   # make bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from benchmarks.latency_stats import (Latency, final_line, hourly_expectation, stage_table,
                                      summarise)
from carewire.core.settings import Settings
from benchmarks.live_platform import (FEED_NAME, FORUM_NAME, SUBREDDIT, LivePlatform, Post,
                                      Timeline, TlsProxy, make_certificates, publish_steadily,
                                      ref_of)

ROOT = Path(__file__).resolve().parents[1]
UTC = dt.timezone.utc
EXECUTOR = "LocalExecutor"
PROCESS_TASKS = ("migrate", "rerun", "hot_path")
"""The process DAG's tasks, in order; `hot_path` loads, gates, enriches, routes and
delivers in one process (carewire/dag_tasks/hot_path.py)."""
"""The process DAG's tasks up to the desk item (publish and quality_gates come after it)."""
DEFAULT_SCHEDULE: str = Settings.model_fields["schedule"].default
"""carewire's default ingest cron (carewire/core/settings.py `schedule`), read from the
settings model so that the benchmark follows the product's default."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(folder: Path, platform_url: str, schedule: str) -> Path:
    """carewire.yaml for the live platform: the sample brand, one stream per platform."""
    config = {
        "brands": [{"name": "Kestrel Mobile", "keywords": ["kestrel mobile"],
                    "handles": ["@KestrelMobile", "@KestrelHelp"]}],
        "schedule": schedule,
        "sources": {
            "feeds": [{"name": FEED_NAME, "kind": "alerts", "url": f"{platform_url}/feed"}],
            "x": {"conn_id": "carewire_x",
                  "queries": [{"name": "brand", "query": '"kestrel mobile" -is:retweet'}]},
            "reddit": {"conn_id": "carewire_reddit", "subreddits": [SUBREDDIT]},
            "forums": [{"name": FORUM_NAME, "kind": "discourse", "url": platform_url}],
        },
        "http": {"timeout_s": 30, "max_retries": 4},
    }
    path = folder / "carewire.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def airflow_command(folder: Path) -> Path:
    """A folder with an `airflow` that is this interpreter's (`python -m airflow`), first
    on PATH: Airflow and its tasks then import the carewire this benchmark runs from (a
    worktree's venv may have no `airflow` script of its own)."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    script = bin_dir / "airflow"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m airflow "$@"\n')
    script.chmod(0o755)
    return bin_dir


def airflow_env(home: Path, data: Path, config: Path, proxy_url: str, ca: Path,
                port: int, bin_dir: Path) -> dict[str, str]:
    """`make airflow`'s environment (the Makefile's AIRFLOW_ENV), in the temporary folder,
    on free ports, with the platform's credentials as Airflow connections and the HTTPS
    proxy that leads tweepy and praw to the loopback platform."""
    venv_bin = Path(sys.executable).parent
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": os.environ.get("AIRFLOW__CORE__PARALLELISM", "4"),
        "AIRFLOW__CORE__EXECUTOR": EXECUTOR,
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        "CAREWIRE_CONFIG": str(config),
        "CAREWIRE_DATA_DIR": str(data),
        "PATH": f"{bin_dir}:{venv_bin}:{os.environ.get('PATH', '')}",
        "AIRFLOW_CONN_CAREWIRE_X": json.dumps({"conn_type": "http", "password": "bench-token"}),
        "AIRFLOW_CONN_CAREWIRE_REDDIT": json.dumps({
            "conn_type": "http", "login": "bench-id", "password": "bench-secret",
            "extra": {"user_agent": "carewire latency bench"}}),
        "HTTPS_PROXY": proxy_url, "https_proxy": proxy_url,
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        "REQUESTS_CA_BUNDLE": str(ca),
    }


# -- watching ------------------------------------------------------------------------------

@dataclass
class Watch:
    """What the benchmark saw while Airflow ran, keyed by each post's ref."""

    desk_seen: dict[str, dt.datetime] = field(default_factory=dict)
    """ref -> when a desk item first listed it among its mentions."""
    items_seen: dict[str, dt.datetime] = field(default_factory=dict)
    """delivery_key -> when its desk item was first seen."""
    decided: dict[str, tuple[str, dt.datetime | None]] = field(default_factory=dict)
    """ref -> (route, when routing decided it: the warehouse's `decided_at`)."""
    queued_at: dict[str, dt.datetime | None] = field(default_factory=dict)
    """ref -> when the warehouse says it reached its queue (core__delivery_mentions
    `queued_at`): an issue cluster's desk item lists a few of its mentions, not each
    one, so the others are timed by the warehouse's own record."""


def poll_desk(path: Path, watch: Watch, now: dt.datetime) -> None:
    """Every ref in a desk item's mentions, first seen now."""
    if not path.exists():
        return
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
        rows = conn.execute("SELECT delivery_key, mentions FROM desk_items").fetchall()
    for key, mentions in rows:
        watch.items_seen.setdefault(key, now)
        for mention in json.loads(mentions or "[]"):
            ref = ref_of(mention.get("text", ""))
            if ref and ref not in watch.desk_seen:
                watch.desk_seen[ref] = now


def read_warehouse(path: Path, watch: Watch) -> None:
    """Each post's route, when it was decided and when it reached its queue, as the
    warehouse recorded them; read once, after Airflow has stopped (a reader while it runs
    would hold the file a writing task needs)."""
    import duckdb

    if not path.exists():
        return
    with duckdb.connect(str(path), read_only=True) as conn:
        rows = conn.execute(
            "SELECT m.text, d.route, d.decided_at FROM core__routing_decisions d "
            "JOIN core__mentions m USING (source, source_id)").fetchall()
        units = conn.execute(
            "SELECT m.text, u.queued_at FROM core__delivery_mentions u "
            "JOIN core__mentions m USING (source, source_id)").fetchall()
    for text, route, decided_at in rows:
        ref = ref_of(text)
        if ref:
            watch.decided[ref] = (route, decided_at)
    for text, queued_at in units:
        ref = ref_of(text)
        if ref and queued_at is not None:
            watch.queued_at[ref] = queued_at


class CpuSampler(threading.Thread):
    """Per-process CPU time from /proc, once a second, for every process under `root`:
    each interval's CPU is charged to the process's title then (an executor worker's
    title names the task it runs), so the CPU of each task and each Airflow service adds up."""

    def __init__(self, root: int, every_s: float = 1.0):
        super().__init__(daemon=True)
        self.root, self.every_s = root, every_s
        self.stop = threading.Event()
        self.last: dict[int, int] = {}
        self.charged: dict[str, float] = defaultdict(float)
        self.tick = os.sysconf("SC_CLK_TCK")

    def run(self) -> None:
        while not self.stop.wait(self.every_s):
            self.sample()

    def sample(self) -> None:
        tree = _descendants(self.root)
        for pid in tree:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
                title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
                    "utf-8", "replace").strip()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            ticks = int(fields[11]) + int(fields[12])  # utime + stime of this process
            before = self.last.get(pid)
            self.last[pid] = ticks
            # A process first seen now ran for less than a second before: charge it all.
            spent = ticks - (before or 0)
            if spent:
                self.charged[title] += spent / self.tick


UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")


def cpu_role(title: str, task_ids: dict[str, str]) -> str:
    """The part of Airflow, or the task, a process title belongs to. An executor worker's
    title ends in the id of the task instance it runs (`task_ids`: id -> "dag.task")."""
    found = UUID.search(title)
    if found and found.group(0).replace("-", "") in task_ids:
        dag_id, task_id = task_ids[found.group(0).replace("-", "")].split(".", 1)
        if task_id.startswith("fetch_"):
            return "task ingest fetch_*"
        return f"task {'ingest' if dag_id.startswith('ingest_') else dag_id} {task_id}"
    if "LocalExecutor" in title:
        return "airflow executor workers (idle)"
    for role in ("scheduler", "api-server", "api_server", "dag-processor", "dag_processor",
                 "triggerer", "standalone", "serve-logs", "db migrate", "pools import",
                 "dags unpause"):
        if role in title:
            return f"airflow {role.replace('_', '-')}"
    return "other (" + " ".join(title.split()[:3])[:50] + ")"


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children[int(stat[stat.rindex(")") + 2:].split()[1])].append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def processes_of(home: Path) -> list[int]:
    """Processes of this user whose environment names `home` as AIRFLOW_HOME."""
    marker = f"AIRFLOW_HOME={home}\0".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "environ").read_bytes() + b"\0":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def stop_airflow(script: subprocess.Popen, home: Path) -> list[int]:
    """SIGTERM to deploy/airflow-standalone (which stops standalone's process group), then
    SIGKILL to whatever still runs with our AIRFLOW_HOME. Returns the pids it had to kill."""
    if script.poll() is None:
        script.send_signal(signal.SIGTERM)
        try:
            script.wait(timeout=45)
        except subprocess.TimeoutExpired:
            os.killpg(script.pid, signal.SIGKILL)
            script.wait()
    left = processes_of(home)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    while processes_of(home) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


# -- Airflow's record of the runs ------------------------------------------------------------

@dataclass(frozen=True)
class TaskRun:
    dag_id: str
    run_id: str
    task_id: str
    state: str
    start: dt.datetime
    end: dt.datetime
    ti_id: str = ""


def task_runs(metadata: Path) -> list[TaskRun]:
    """Every finished task instance (read after Airflow stopped)."""
    with sqlite3.connect(f"file:{metadata}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT dag_id, run_id, task_id, state, start_date, end_date, id FROM "
            "task_instance WHERE start_date IS NOT NULL AND end_date IS NOT NULL").fetchall()
    return [TaskRun(d, r, t, s or "", _utc(a), _utc(b), str(i).replace("-", "").lower())
            for d, r, t, s, a, b, i in rows]


def _utc(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class Traced:
    post: Post
    queued: dt.datetime | None
    fetch: TaskRun | None = None
    process: dict[str, TaskRun] = field(default_factory=dict)
    route: str | None = None
    decided: dt.datetime | None = None


def trace(posts: list[Post], watch: Watch, runs: list[TaskRun]) -> list[Traced]:
    """Each post's path: the fetch task of its platform that started first after it was
    written (the first that could have seen it; one that started a few seconds after the
    post but whose interval ended before it is the one exception, not corrected), and
    the process run whose `hot_path` started last before it reached the queue (its desk
    item is written while that task runs, so it is seen before the task ends). A post its
    desk item does not list (an issue cluster's later members) reached the queue when
    the warehouse says (`queued_at`)."""
    fetches: dict[str, list[TaskRun]] = defaultdict(list)
    by_run: dict[str, dict[str, TaskRun]] = defaultdict(dict)
    for run in runs:
        if run.dag_id.startswith("ingest_") and run.task_id.startswith("fetch_") \
                and run.state == "success":
            fetches[run.dag_id.removeprefix("ingest_")].append(run)
        if run.dag_id == "process":
            by_run[run.run_id][run.task_id] = run
    for found in fetches.values():
        found.sort(key=lambda r: r.start)
    hot_paths = sorted((tasks["hot_path"].start, run_id) for run_id, tasks in by_run.items()
                       if "hot_path" in tasks)
    traced = []
    for post in posts:
        item = Traced(post, watch.desk_seen.get(post.ref) or watch.queued_at.get(post.ref))
        item.fetch = next((f for f in fetches[post.platform] if f.start >= post.created_at), None)
        item.route, item.decided = watch.decided.get(post.ref, (None, None))
        if item.queued is not None:
            before = [r for start, r in hot_paths if start <= item.queued]
            if before:
                item.process = by_run[before[-1]]
        traced.append(item)
    return traced


def stages(traced: list[Traced]) -> dict[str, list[float]]:
    """Seconds each queued post spent in each stage, in order; for a process task the
    gap before it started (the scheduler's turn) is a stage of its own."""
    out: dict[str, list[float]] = {"wait for the next fetch": [], "fetch": [],
                                   "wait for process": []}
    for task in PROCESS_TASKS:
        out[f"  start-up gap before {task}"] = []
        out[f"  {task}"] = []
    for item in traced:
        if item.queued is None or item.fetch is None or "migrate" not in item.process:
            continue
        out["wait for the next fetch"].append((item.fetch.start - item.post.created_at)
                                              .total_seconds())
        out["fetch"].append((item.fetch.end - item.fetch.start).total_seconds())
        out["wait for process"].append((item.process["migrate"].start - item.fetch.end)
                                       .total_seconds())
        previous = None
        for task in PROCESS_TASKS:
            run = item.process.get(task)
            if run is None:
                continue
            if previous is not None:
                out[f"  start-up gap before {task}"].append(
                    (run.start - previous).total_seconds())
            # hot_path: until the item was seen, which is before the task ends
            end = min(run.end, item.queued) if task == "hot_path" else run.end
            out[f"  {task}"].append((end - run.start).total_seconds())
            previous = run.end
    return {name: values for name, values in out.items()
            if values or not name.startswith("  start-up gap before migrate")}


def plot(traced: list[Traced], watched_until: dt.datetime, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = min(item.post.created_at for item in traced)
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
    queued = [item for item in traced if item.queued]
    decided = [item for item in traced if item.decided]
    missing = [item for item in traced if not item.queued and item.route in (None, "")]
    minutes = lambda item: (item.post.created_at - start).total_seconds() / 60  # noqa: E731
    ax.scatter([minutes(i) for i in queued],
               [(i.queued - i.post.created_at).total_seconds() for i in queued],
               s=6, label="post -> desk item")
    ax.scatter([minutes(i) for i in decided],
               [(i.decided - i.post.created_at).total_seconds() for i in decided],
               s=6, marker="x", label="post -> routing decision")
    ax.scatter([minutes(i) for i in missing],
               [(watched_until - i.post.created_at).total_seconds() for i in missing],
               s=8, marker="^", label="not reached (lower bound)")
    ax.axhline(120, linestyle="--", linewidth=1, color="grey", label="120 s target")
    ax.set_xlabel(f"post written, minutes after {start:%H:%M:%S} UTC")
    ax.set_ylabel("seconds")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# -- the run ---------------------------------------------------------------------------------

def run(args: argparse.Namespace) -> int:
    timeline = Timeline()
    platform = LivePlatform(timeline).start()
    with tempfile.TemporaryDirectory(prefix="carewire-latency-") as scratch:
        folder = Path(scratch)
        home, data = folder / "airflow_home", folder / "data"
        home.mkdir()
        ca, cert, key = make_certificates(folder)
        proxy = TlsProxy(platform, cert, key).start()
        config = write_config(folder, platform.url("").rstrip("/"), args.schedule)
        port = free_port()
        env = airflow_env(home, data, config, proxy.url, ca, port, airflow_command(folder))
        log = (folder / "airflow.log").open("wb")
        print(f"latency: Airflow standalone ({EXECUTOR}, SQLite) in {home}, API on :{port}; "
              f"schedule {args.schedule!r}; publishing {args.rate:g} posts/s for "
              f"{args.minutes:g} min, then draining up to {args.drain_minutes:g} min",
              flush=True)
        script = subprocess.Popen([str(ROOT / "deploy" / "airflow-standalone")], env=env,
                                  cwd=folder, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        sampler = CpuSampler(script.pid)
        sampler.start()
        cpu_bench_before = time.process_time()
        watch, stop = Watch(), threading.Event()
        leftovers: list[int] = []
        try:
            if not wait_for_airflow(home, script, port, timeout_s=args.startup_minutes * 60):
                print(f"latency: Airflow did not start; its log:\n"
                      f"{(folder / 'airflow.log').read_text(errors='replace')[-3000:]}")
                return 1
            unpause(env)
            if not wait_for_first_fetches(home, timeout_s=args.startup_minutes * 60):
                print("latency: the first ingest runs after unpausing did not end in "
                      f"{args.startup_minutes:g} min; publishing anyway", flush=True)
            print(f"latency: Airflow is up, {STEADY_DAGS} unpaused, their first runs "
                  "done; publishing", flush=True)
            publisher = threading.Thread(
                target=publish_steadily, args=(timeline, args.rate, args.minutes * 60, stop),
                daemon=True)
            published_from = dt.datetime.now(UTC)
            publisher.start()
            watched_until = watch_until(args, watch, timeline, publisher, data)
        finally:
            stop.set()
            sampler.stop.set()
            sampler.join()
            cpu_bench = time.process_time() - cpu_bench_before
            leftovers = stop_airflow(script, home)
            log.close()
            proxy.stop()
            platform.stop()
        posts = timeline.posts()
        runs = task_runs(home / "airflow.db")
        read_warehouse(data / "warehouse.duckdb", watch)
        traced = trace(posts, watch, runs)
        cpu = defaultdict(float)
        task_ids = {r.ti_id: f"{r.dag_id}.{r.task_id}" for r in runs}
        for title, seconds in sampler.charged.items():
            cpu[cpu_role(title, task_ids)] += seconds
        report(args, traced, watched_until, published_from, cpu, cpu_bench, platform)
        if leftovers:
            print(f"latency: {len(leftovers)} Airflow processes outlived the standalone "
                  "group and were killed")
    print(f"latency: removed {scratch}; Airflow processes left: "
          f"{len(processes_of(home))}", flush=True)
    return 0


STEADY_DAGS = "^(ingest_.*|process|publish|sync_outcomes|send_replies)$"
"""The DAGs the benchmark unpauses: those that run all day. `maintenance` and `rerun` are
daily and stay paused: unpaused at start, each would run its latest day at once, a
first-start cost no steady hour pays."""


def wait_for_airflow(home: Path, script: subprocess.Popen, port: int, timeout_s: float) -> bool:
    """Wait until the API server answers (task processes report to it: a task started
    before it listens fails and waits out its retry delay) and the DAGs are parsed."""
    import urllib.request

    deadline = time.monotonic() + timeout_s
    metadata = home / "airflow.db"
    while time.monotonic() < deadline and script.poll() is None:
        time.sleep(2)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health",
                                        timeout=5):
                pass
            with sqlite3.connect(f"file:{metadata}?mode=ro", uri=True, timeout=5) as conn:
                parsed = conn.execute("SELECT count(*) FROM serialized_dag WHERE dag_id "
                                      "LIKE 'ingest_%' OR dag_id = 'process'").fetchone()[0]
        except (OSError, sqlite3.Error):
            continue
        if parsed >= 5:
            return True
    return False


def wait_for_first_fetches(home: Path, timeout_s: float) -> bool:
    """Wait until every ingest DAG's first run has ended. Unpaused, a DAG at once runs the
    latest whole interval before now (catchup=False), a run a steady deployment never
    has; the feed, Reddit and forum connectors land all they list, so posts published
    before it fetched would reach the queue at a speed no later hour repeats."""
    deadline = time.monotonic() + timeout_s
    metadata = home / "airflow.db"
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(f"file:{metadata}?mode=ro", uri=True, timeout=5) as conn:
                rows = conn.execute(
                    "SELECT d.dag_id, count(r.id) FROM dag d LEFT JOIN dag_run r ON "
                    "r.dag_id = d.dag_id AND r.state IN ('success', 'failed') "
                    "WHERE d.dag_id LIKE 'ingest_%' GROUP BY d.dag_id").fetchall()
        except sqlite3.Error:
            rows = []
        if rows and all(count for _, count in rows):
            return True
        time.sleep(2)
    return False


def unpause(env: dict[str, str]) -> None:
    """`airflow dags unpause` for STEADY_DAGS (they were created paused, Airflow's default)."""
    subprocess.run(["airflow", "dags", "unpause", "--treat-dag-id-as-regex", "-y",
                    STEADY_DAGS], env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=300)


def watch_until(args, watch: Watch, timeline: Timeline, publisher: threading.Thread,
                data: Path) -> dt.datetime:
    """Poll the desk while publishing, then drain until every post is in a desk item or
    the drain time is up (a post routed away from the queue, or one of an issue cluster
    whose item lists others, waits out the drain: the warehouse says what became of it
    once Airflow has stopped)."""
    desk = data / "desk.sqlite"
    seen_mtime: dict[Path, float] = {}
    drain_deadline = None
    last_note = time.monotonic()
    while True:
        now = dt.datetime.now(UTC)
        mtime = desk.stat().st_mtime if desk.exists() else None
        if mtime is not None and mtime != seen_mtime.get(desk):
            seen_mtime[desk] = mtime
            poll_desk(desk, watch, now)
        posts = timeline.posts()
        pending = [p for p in posts if p.ref not in watch.desk_seen]
        if time.monotonic() - last_note > 60:
            last_note = time.monotonic()
            print(f"latency: {now:%H:%M:%S} published {len(posts)}, queued "
                  f"{len(watch.desk_seen)}, pending "
                  f"{len(pending)}", flush=True)
        if not publisher.is_alive():
            if drain_deadline is None:
                drain_deadline = time.monotonic() + args.drain_minutes * 60
                print(f"latency: publishing done ({len(posts)} posts); draining", flush=True)
            if not pending or time.monotonic() >= drain_deadline:
                return now
        time.sleep(args.poll_s)


def report(args, traced: list[Traced], watched_until: dt.datetime,
           published_from: dt.datetime, cpu: dict[str, float], cpu_bench: float,
           platform: LivePlatform) -> None:
    routed_away = [i for i in traced if i.queued is None and i.route not in (None, "")]
    counted = [i for i in traced if i not in routed_away]
    latencies = [Latency((i.queued - i.post.created_at).total_seconds()) if i.queued else
                 Latency((watched_until - i.post.created_at).total_seconds(), censored=True)
                 for i in counted]
    decisions = [Latency((i.decided - i.post.created_at).total_seconds()) for i in traced
                 if i.decided]
    summary = summarise(latencies)
    wall = (watched_until - published_from).total_seconds()
    print(f"\nlatency: {len(traced)} posts published from {published_from:%H:%M:%S} UTC "
          f"({', '.join(f'{p} {sum(i.post.platform == p for i in traced)}' for p in ('x', 'reddit', 'feeds', 'forums'))}); "
          f"watched until {watched_until:%H:%M:%S} UTC")
    print(f"  queued in the desk: {sum(1 for i in traced if i.queued)}; routed away from the "
          f"queue ({', '.join(sorted({i.route for i in routed_away})) or '-'}): "
          f"{len(routed_away)}; not reached when watching ended: "
          f"{sum(1 for i in latencies if i.censored)}")
    if decisions:
        d = summarise(decisions)
        print(f"  post-to-routing-decision p50 {d.p50:.1f} s, p95 {d.p95:.1f} s, max "
              f"{d.max:.1f} s over {d.n} decided posts")
    print("\nwhere the time goes (queued posts; seconds):")
    print("\n".join(stage_table(stages(traced))))
    period = schedule_period_s(args.schedule, published_from)
    if period is not None:
        exp = hourly_expectation(period, 0.0)
        print(f"\nexpected from the cadence alone ({args.schedule!r}, one fetch every "
              f"{period / 60:g} min, posts uniform in time): wait for the fetch p50 "
              f"{exp[0]:.0f} s, p95 {exp[1]:.0f} s, max {exp[2]:.0f} s, plus the fetch-to-"
              "desk time above")
    print(f"\nCPU seconds over {wall / 60:.1f} min of watching (2 cores = {2 * wall:.0f} "
          "CPU-s available; shared machine):")
    total = sum(cpu.values())
    for role, seconds in sorted(cpu.items(), key=lambda kv: -kv[1]):
        print(f"  {role:<44}{seconds:>9.1f}")
    print(f"  {'Airflow and carewire, all':<44}{total:>9.1f}  "
          f"({100 * total / max(wall, 1):.0f}% of one core)")
    print(f"  {'this benchmark (platform, polling)':<44}{cpu_bench:>9.1f}")
    print(f"  platform requests: {dict(sorted(platform.calls.items()))}")
    if args.plot:
        plot(traced, watched_until, Path(args.plot),
             final_line(summary, rate=args.rate, minutes=args.minutes, executor=EXECUTOR))
        print(f"  plot: {args.plot}")
    if summary and summary.lower_bounds:
        print(f"\n{summary.censored} of {summary.n} posts had not reached the queue when "
              "watching ended: they count at their lower bound, so every figure below is a "
              "lower bound (>=)")
    print(final_line(summary, rate=args.rate, minutes=args.minutes, executor=EXECUTOR),
          flush=True)


def schedule_period_s(schedule: str, moment: dt.datetime) -> float | None:
    """Seconds between two runs of the cron after `moment` (None when unreadable)."""
    try:
        from croniter import croniter
    except ImportError:
        return None
    cron = croniter(schedule, moment)
    first = cron.get_next(dt.datetime)
    return (cron.get_next(dt.datetime) - first).total_seconds()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.latency",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=15.0, help="how long to publish")
    parser.add_argument("--rate", type=float, default=5.0, help="posts per second, all platforms")
    parser.add_argument("--schedule", default=DEFAULT_SCHEDULE,
                        help="the ingest cron written into the config (default: carewire's, "
                        f"{DEFAULT_SCHEDULE!r})")
    parser.add_argument("--drain-minutes", type=float, default=10.0,
                        help="after publishing, wait at most this long for the rest")
    parser.add_argument("--startup-minutes", type=float, default=5.0,
                        help="wait at most this long for Airflow to parse the DAGs")
    parser.add_argument("--poll-s", type=float, default=2.0, help="desk polling interval")
    parser.add_argument("--plot", default=None, help="save a PNG of latency over the run here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    # Stopped by SIGTERM or Ctrl-C (also when started in the background, where SIGINT is
    # ignored by default), the run still stops Airflow and removes its folder.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
