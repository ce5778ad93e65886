"""The landing zone: append-only batch files per source, stream and run, plus cursors.

Layout, under the landing root:

    <source>/<stream>/<interval.key>.jsonl    one batch: a header line, then one line per page
    <source>/<stream>/_cursor.json            the cursor manifest of the stream

A batch is keyed by the run's data interval, so a rerun of the same interval *replaces*
its own file (written to a temporary name, then renamed: readers never see half a batch)
and never duplicates it. The cursor manifest keeps the cursor state saved at the end of
each interval, so a rerun of an old interval starts from the cursor it had back then and
asks the platform the same question again. Each stream has its own manifest, which lets
the mapped ingest tasks of one source run in parallel without sharing a file.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from carewire.connectors.base import Page, Stream
from carewire.core.settings import Settings
from carewire.core.errors import LandingError
from carewire.core.files import private_dir
from carewire.core.types import Interval, dumps, utc

CURSOR_FILE = "_cursor.json"


@dataclass(frozen=True)
class Batch:
    """A landed batch file and what its header says."""

    path: Path
    source: str
    stream: str
    interval: Interval
    fingerprint: tuple[int, int] | None = field(default=None, compare=False)
    """The file's (size, mtime_ns) when the scan found it, before anything read it."""

    @property
    def batch_id(self) -> str:
        return f"{self.source}/{self.stream}/{self.interval.key}"

    def pages(self) -> Iterator[Page]:
        with self.path.open(encoding="utf-8") as lines:
            next(lines)  # the header
            for line in lines:
                yield Page.from_record(json.loads(line))


@dataclass(frozen=True)
class Unreadable:
    """A landing file that cannot be read as a batch: cut short by a crash, bytes that are
    not UTF-8, a line that is not JSON, a header without its interval. It is quarantined
    whole (its bytes kept) and every other batch loads; once it is fixed or landed again,
    the next load reads it (its checksum was never recorded)."""

    path: Path
    source: str
    stream: str
    reason: str

    @property
    def batch_id(self) -> str:
        return f"{self.source}/{self.stream}/{self.path.stem}"

    @property
    def interval_end(self) -> datetime:
        """The end of the interval the file's name says, or its modification time when
        even the name is not an interval's."""
        try:
            return Interval.from_key(self.path.stem).end
        except ValueError:
            return datetime.fromtimestamp(self.path.stat().st_mtime, tz=timezone.utc)


def fingerprint(path: Path) -> tuple[int, int]:
    """A landing file's size and modification time in nanoseconds. A batch is only ever
    replaced by renaming a new file over it (`atomic_write`), which gives it a new mtime,
    so a file whose fingerprint is the one recorded when it was loaded holds the bytes that
    were loaded: the load need not read or hash it again."""
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


UNREADABLE = (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, StopIteration)
"""What reading a damaged landing file raises (json's errors are ValueErrors)."""


def unreadable(path: Path, exc: BaseException) -> Unreadable:
    return Unreadable(path, path.parent.parent.name, path.parent.name,
                      f"landing file {path} cannot be read ({type(exc).__name__}: {exc}); "
                      "its bytes are kept here: fetch the interval again (clear the ingest "
                      "task in Airflow) or repair the file, and the next load reads it")


def atomic_write(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, fsync, then rename over it."""
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def exclusive(path: Path) -> Iterator[Path]:
    """Hold an exclusive lock for a read-modify-write of `path` (a JSON state file that the
    parallel mapped tasks of one DAG share): the lock is a sibling `<name>.lock` file."""
    private_dir(path.parent)
    with open(path.with_name(f"{path.name}.lock"), "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


class LandingZone:
    def __init__(self, root: Path, cursor_history: int = 500):
        self.root = Path(root)
        self.cursor_history = cursor_history

    @classmethod
    def of(cls, settings: Settings) -> "LandingZone":
        """The landing zone a deployment's settings name."""
        return cls(settings.landing, settings.cursor_history)

    def _dir(self, source: str, stream: str) -> Path:
        return self.root / source / stream

    def write_batch(self, stream: Stream, interval: Interval, pages: list[Page]) -> Batch:
        """Land one run's pages verbatim; replaces an earlier batch of the same interval.

        The file holds nothing but what the platform sent and the interval, so fetching the
        same answers again gives the same bytes: the file is then left as it is, mtime
        included, and the load does not even open it (the warehouse has nothing to reload).
        """
        path = self._dir(stream.source, stream.name) / f"{interval.key}.jsonl"
        header = {"source": stream.source, "stream": stream.name,
                  "interval_start": interval.start.isoformat(),
                  "interval_end": interval.end.isoformat(), "pages": len(pages)}
        lines = [dumps(header)] + [dumps(page.to_record(seq)) for seq, page in enumerate(pages)]
        text = "\n".join(lines) + "\n"
        if not (path.is_file() and path.read_bytes() == text.encode("utf-8")):
            atomic_write(path, text)
        return Batch(path, stream.source, stream.name, interval)

    def scan(self, unchanged: Callable[[str, tuple[int, int]], bool] = lambda *_: False,
             ) -> tuple[list[Batch], list[Unreadable]]:
        """Every landed batch, oldest interval first (the order they must be loaded in),
        and the files whose header cannot be read.

        A file for which `unchanged(batch id, fingerprint)` holds is left out unopened: the
        load passes the fingerprints it recorded, because at a minute cadence the zone
        gains a file per stream a minute, and reading every one of them on every run
        would make each load slower than the last."""
        found, broken = [], []
        for path in self.root.glob("*/*/*.jsonl"):
            try:
                seen = fingerprint(path)
                if unchanged(f"{path.parent.parent.name}/{path.parent.name}/{path.stem}", seen):
                    continue
                with path.open(encoding="utf-8") as lines:
                    header = json.loads(next(lines))
                interval = Interval(datetime.fromisoformat(header["interval_start"]),
                                    datetime.fromisoformat(header["interval_end"]))
                found.append(Batch(path, header["source"], header["stream"], interval, seen))
            except UNREADABLE as exc:
                broken.append(unreadable(path, exc))
        found.sort(key=lambda b: (b.interval.end, b.interval.start, b.batch_id))
        return found, sorted(broken, key=lambda u: str(u.path))

    def batches(self) -> list[Batch]:
        """Every landed batch, oldest interval first; a file that cannot be read is an
        error that names it (the load quarantines such files instead: `scan`)."""
        found, broken = self.scan()
        if broken:
            raise LandingError("; ".join(u.reason for u in broken))
        return found

    # -- cursors -----------------------------------------------------------------------

    def _history(self, source: str, stream: str) -> list[dict[str, Any]]:
        path = self._dir(source, stream) / CURSOR_FILE
        if not path.exists():
            return []
        return json.loads(path.read_text(encoding="utf-8"))["history"]

    def cursor_before(self, stream: Stream, moment: datetime) -> dict[str, Any]:
        """The cursor as it stood at `moment`: the state saved by the latest earlier interval."""
        moment = utc(moment)
        earlier = [h for h in self._history(stream.source, stream.name)
                   if datetime.fromisoformat(h["interval_end"]) <= moment]
        return dict(earlier[-1]["state"]) if earlier else {}

    def save_cursor(self, stream: Stream, interval: Interval, state: dict[str, Any],
                    summary: dict[str, Any] | None = None) -> None:
        """Record the cursor reached by `interval`, and what the run reported (counts, the
        platform budget spent) for `carewire status`. Call only after its batch is landed.
        Under the manifest's lock: runs of several intervals at once (a backfill) each add
        their entry, none lost to another's rewrite."""
        path = self._dir(stream.source, stream.name) / CURSOR_FILE
        with exclusive(path):
            history = [h for h in self._history(stream.source, stream.name)
                       if h["interval_end"] != interval.end.isoformat()]
            history.append({"interval_start": interval.start.isoformat(),
                            "interval_end": interval.end.isoformat(),
                            "saved_at": datetime.now(timezone.utc).isoformat(), "state": state,
                            "summary": summary or {}})
            history.sort(key=lambda h: h["interval_end"])
            manifest = {"source": stream.source, "stream": stream.name,
                        "history": history[-self.cursor_history:]}
            atomic_write(path, dumps(manifest))

    def latest_cursors(self) -> list[dict[str, Any]]:
        """The newest cursor entry of every stream, for `carewire status`."""
        latest = []
        for path in sorted(self.root.glob(f"*/*/{CURSOR_FILE}")):
            manifest = json.loads(path.read_text(encoding="utf-8"))
            if manifest["history"]:
                latest.append({"source": manifest["source"], "stream": manifest["stream"],
                               **manifest["history"][-1]})
        return latest
