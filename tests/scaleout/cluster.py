"""Airflow scaled out as processes on this machine, configured by deploy/scaleout.env.

The documented file is read as is; the test only relocates what names a place (database
URLs, the broker's database index, the api-server's port, folders) and adds what the file
says comes from a secret store. So what passes here is the configuration ops deploy, with
each process started the way docs/scaling.md says.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[2]
ENV_FILE = REPO / "deploy" / "scaleout.env"
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines; blank lines and # comments skipped (the format the file keeps to)."""
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.replace("_", "").isalnum():
            raise ValueError(f"{path}:{number}: expected KEY=value, found {line!r}")
        values[key] = value
    return values


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """api-server, scheduler, dag-processor and Celery workers as child processes, each in
    its own process group with its output in a log file; `stop` ends every group it began,
    and runs on the way out of the `with` block whatever happened inside it."""

    def __init__(self, home: Path, relocate: dict[str, str]):
        from cryptography.fernet import Fernet

        documented = read_env_file(ENV_FILE)
        unknown = sorted(set(relocate) - set(documented))
        if unknown:
            raise ValueError(f"the test may only relocate what {ENV_FILE.name} sets: {unknown}")
        self.home = home
        self.logs = home / "process-logs"
        self.logs.mkdir(parents=True)
        self.api_port = free_port()
        # Outside settings must not leak in: pytest's own Airflow home from tests/dags, or
        # a developer's CAREWIRE_DATA_DIR.
        inherited = {key: value for key, value in os.environ.items()
                     if not key.startswith(("AIRFLOW", "CAREWIRE_"))}
        self.env = {
            **inherited, **documented,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL":
                f"http://127.0.0.1:{self.api_port}/execution/",
            **relocate,
            "AIRFLOW_HOME": str(home),
            # What the file says comes from a secret store, the same for every process.
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            # The test triggers each run itself, for the hour it chooses: the scheduler
            # starts none, neither the current hour's on unpausing nor asset-triggered ones.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "PATH": f"{Path(AIRFLOW).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(REPO),  # tests.scaleout.worker_host, for the workers
        }
        self.processes: dict[str, subprocess.Popen] = {}

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def airflow(self, *args: str, timeout: float = 180) -> str:
        """Run one `airflow` command to completion; its output, or a failure that shows it."""
        done = subprocess.run([AIRFLOW, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, cwd=self.home)
        if done.returncode != 0:
            raise AssertionError(f"airflow {' '.join(args)} exited {done.returncode}:\n"
                                 f"{done.stdout[-3000:]}\n{done.stderr[-6000:]}")
        return done.stdout

    def airflow_each(self, commands: list[tuple[str, ...]], timeout: float = 180) -> None:
        """Run `airflow` commands side by side (each costs seconds of start-up alone)."""
        running = [(args, subprocess.Popen([AIRFLOW, *args], env=self.env, cwd=self.home,
                                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                           text=True)) for args in commands]
        for args, proc in running:
            output, _ = proc.communicate(timeout=timeout)
            if proc.returncode != 0:
                raise AssertionError(f"airflow {' '.join(args)} exited {proc.returncode}:\n"
                                     f"{output[-6000:]}")

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            [AIRFLOW, *args], env={**self.env, **(env or {})}, stdout=log,
            stderr=subprocess.STDOUT, cwd=self.home, start_new_session=True)
        log.close()

    def start_worker(self, name: str, queue: str, concurrency: int) -> None:
        """`airflow celery worker` on one queue, as docs/scaling.md runs it, recording
        `name` as its host (tests/scaleout/worker_host.py) and serving its logs on a port
        of its own, since both share this machine."""
        self.start(f"worker-{name}", "celery", "worker", "--queues", queue,
                   "--concurrency", str(concurrency), "--celery-hostname", f"{name}@%h",
                   env={"CAREWIRE_TEST_WORKER_HOST": name,
                        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.scaleout.worker_host.hostname",
                        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port())})

    def dead(self) -> list[str]:
        return [f"{name} (exit {proc.returncode})" for name, proc in self.processes.items()
                if proc.poll() is not None]

    def wait(self, done: Callable[[], bool], what: str, timeout: float) -> None:
        """Poll `done` until it holds; fail at once, with every log, if a process died or
        `done` itself fails."""
        deadline = time.monotonic() + timeout
        while not self._holds(done, what):
            if dead := self.dead():
                raise AssertionError(f"waiting for {what}: {', '.join(dead)} stopped\n"
                                     f"{self.report()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} after {timeout:.0f} s\n{self.report()}")
            time.sleep(2)

    def _holds(self, done: Callable[[], bool], what: str) -> bool:
        try:
            return done()
        except AssertionError as exc:
            raise AssertionError(f"waiting for {what}: {exc}\n{self.report()}") from None

    def report(self, lines: int = 60) -> str:
        """The end of each process's log and of every task log, for a failure message."""
        parts = []
        task_logs = sorted((self.home / "logs").glob("dag_id=*/**/*.log"))
        for path in [*sorted(self.logs.glob("*.log")), *task_logs]:
            tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            parts.append(f"----- {path.relative_to(self.home)} -----\n" + "\n".join(tail))
        return "\n".join(parts)

    def stop(self, grace_s: float = 30) -> None:
        """SIGTERM to each process group started here, then SIGKILL to what is left."""
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in self.processes.values():
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # the group is gone: every process in it has ended
            proc.wait()
