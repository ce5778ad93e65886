"""The landing zone: append-only batch files per source, stream and run, plus cursors.

Layout, under the landing root (a local folder, or an object-store prefix):

    <source>/<stream>/<interval.key>.jsonl    one batch: a header line, then one line per page
    <source>/<stream>/_cursor.json            the cursor manifest of the stream (local)
    <source>/<stream>/_cursors/<interval.key>.json   one cursor entry per interval (object store)

A batch is keyed by the run's data interval, so a rerun of the same interval *replaces*
its own file and never duplicates it; readers never see half a batch: a local file is
written to a temporary name, fsynced and renamed, an object is one PUT, which a store
makes visible whole or not at all. The cursor state saved at the end of each interval is
kept, so a rerun of an old interval starts from the cursor it had back then and asks the
platform the same question again. Each stream has its own cursors, which lets the mapped
ingest tasks of one source run in parallel without sharing a file.

A local manifest is read-modify-written under an `fcntl` lock. An object store has no
locks, so there each interval's entry is an object of its own, written whole once by the
run of that interval (a rerun writes the same name again): nothing is read-modify-written,
no entry is lost to a parallel writer, and the cursor before a moment is the entry whose
name (its interval) ends latest at or before it, found by one listing and one read.

Object stores are reached through fsspec, as universal_pathlib paths (what Airflow's
`ObjectStoragePath` is built on), so batches keep a `path` that opens, reads and stats the
same way whether local or not.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterator, Mapping
from urllib.parse import urlsplit

from upath import UPath

from carewire.connectors.base import Page, Stream
from carewire.core.settings import Settings
from carewire.core.errors import LandingError
from carewire.core.files import private_dir
from carewire.core.types import Interval, dumps, utc

CURSOR_FILE = "_cursor.json"
CURSOR_OBJECTS = "_cursors"
"""The folder of a stream's cursor entries on object storage, one object per interval."""

Location = Path | UPath
"""A file of the landing zone: a local path, or an object-store path (fsspec)."""


@dataclass(frozen=True)
class Batch:
    """A landed batch file and what its header says."""

    path: Location
    source: str
    stream: str
    interval: Interval
    fingerprint: tuple[int, int] | None = field(default=None, compare=False)
    """The file's fingerprint (`fingerprint`) when the scan found it, before anything read it."""

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

    path: Location
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


def fingerprint(path: Location) -> tuple[int, int]:
    """A landing file's size and a stamp that changes whenever it is replaced.

    A local file's stamp is its modification time in nanoseconds: a batch is only ever
    replaced by renaming a new file over it (`atomic_write`), which gives it a new mtime.
    An object's is its ETag (`stamp_of`): S3 keeps the modification time to the second
    only, so two replacements within a second, of the same size, would look the same; the
    ETag differs for different bytes. Either way a file whose fingerprint is the one
    recorded when it was loaded holds the bytes that were loaded: the load need not read
    or hash it again."""
    if isinstance(path, Path):
        stat = path.stat()
        return stat.st_size, stat.st_mtime_ns
    return object_fingerprint(path.fs.info(path.path))


def object_fingerprint(info: Mapping[str, Any]) -> tuple[int, int]:
    """(size, stamp) from what an object store's listing or HEAD says of an object."""
    return int(info["size"]), stamp_of(info)


def stamp_of(info: Mapping[str, Any]) -> int:
    """An object's ETag (S3, and most stores: it changes with the bytes) as a number that
    fits where a local file's mtime_ns is recorded (63 bits of its digest); a store that
    gives no ETag: its modification time, in nanoseconds."""
    etag = info.get("ETag") or info.get("etag")
    if etag:
        digest = hashlib.blake2b(str(etag).encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "big") >> 1
    modified = info.get("LastModified") or info.get("mtime")
    if isinstance(modified, datetime):
        return int(modified.timestamp() * 1_000_000_000)
    return int(float(modified) * 1_000_000_000)


UNREADABLE = (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, StopIteration)
"""What reading a damaged landing file raises (json's errors are ValueErrors)."""


def unreadable(path: Location, exc: BaseException) -> Unreadable:
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


def open_root(root: Path | str, storage_options: Mapping[str, Any] | None = None
              ) -> Location:
    """The landing root `root` names: a local folder as a `Path`, an fsspec URL
    ('s3://bucket/prefix') as the store's path, opened with `storage_options`. Listings
    are never cached: other machines write the zone."""
    if isinstance(root, Path) or not urlsplit(root).scheme:
        return Path(root)
    try:
        return UPath(root, **{"use_listings_cache": False, **(storage_options or {})})
    except (ImportError, ValueError) as exc:
        raise LandingError(f"cannot open the landing zone {root} ({exc}): install the "
                           f"store's fsspec package (pip install 'carewire[objectstore]' "
                           "for s3://) and check landing_url") from exc


class LandingZone:
    def __init__(self, root: Path | str, cursor_history: int = 500,
                 storage_options: Mapping[str, Any] | None = None):
        self.root = open_root(root, storage_options)
        self.cursor_history = cursor_history

    @property
    def local(self) -> bool:
        """A folder of this machine (fcntl locks, renames), not an object store."""
        return isinstance(self.root, Path)

    @classmethod
    def of(cls, settings: Settings) -> "LandingZone":
        """The landing zone a deployment's settings name."""
        return cls(settings.landing, settings.cursor_history, settings.landing_storage_options)

    def write_text(self, path: Location, text: str) -> None:
        """Replace `path` whole: a local file by `atomic_write`, an object by one PUT."""
        if isinstance(path, Path):
            atomic_write(path, text)
        else:
            path.fs.pipe_file(path.path, text.encode("utf-8"))

    def locked(self, path: Location) -> ContextManager[Any]:
        """A read-modify-write of a local state file holds its lock (`exclusive`); an
        object is written whole by the one run it belongs to, and needs none."""
        return exclusive(path) if isinstance(path, Path) else nullcontext(path)

    def version(self, path: Location) -> tuple[int, ...]:
        """What tells whether `path` was replaced since it was read: a local file's inode,
        mtime and size; an object's fingerprint."""
        if isinstance(path, Path):
            stat = os.stat(path)
            return stat.st_ino, stat.st_mtime_ns, stat.st_size
        return fingerprint(path)

    def _dir(self, source: str, stream: str) -> Location:
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
            self.write_text(path, text)
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
        for path, seen in self._listing():
            try:
                if isinstance(seen, BaseException):
                    raise seen
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

    def _listing(self) -> Iterator[tuple[Location, tuple[int, int] | OSError]]:
        """Every batch file with its fingerprint (or why it has none). An object store
        gives the fingerprints in its listing: one LIST request per thousand objects, not
        a HEAD per object."""
        if isinstance(self.root, Path):
            for path in self.root.glob("*/*/*.jsonl"):
                try:
                    yield path, fingerprint(path)
                except OSError as exc:  # removed since the listing (retention)
                    yield path, exc
            return
        for name, info in self._objects().items():
            if name.endswith(".jsonl") and name.count("/") == 2:
                yield self.root / name, object_fingerprint(info)

    def _objects(self) -> dict[str, dict[str, Any]]:
        """Every object under the root by its name there, with what the listing says of
        it. One flat listing (a LIST request per thousand objects), not a walk of the
        folders (a LIST per stream)."""
        found = self.root.fs.find(self.root.path, detail=True)
        return {name[len(self.root.path):].lstrip("/"): info for name, info in found.items()}

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

    def _entries(self, source: str, stream: str) -> list[tuple[Interval, Location]]:
        """A stream's cursor objects by interval, oldest end first (object stores)."""
        folder = self._dir(source, stream) / CURSOR_OBJECTS
        entries = []
        for name in self.root.fs.glob(f"{folder.path}/*.json"):
            try:
                interval = Interval.from_key(name.rsplit("/", 1)[-1].removesuffix(".json"))
            except ValueError:
                continue  # not an entry carewire wrote
            entries.append((interval, folder / f"{interval.key}.json"))
        return sorted(entries, key=lambda entry: (entry[0].end, entry[0].start))

    def cursor_before(self, stream: Stream, moment: datetime) -> dict[str, Any]:
        """The cursor as it stood at `moment`: the state saved by the latest earlier interval."""
        moment = utc(moment)
        if not self.local:
            earlier = [path for interval, path in self._entries(stream.source, stream.name)
                       if interval.end <= moment]
            return (dict(json.loads(earlier[-1].read_text(encoding="utf-8"))["state"])
                    if earlier else {})
        earlier = [h for h in self._history(stream.source, stream.name)
                   if datetime.fromisoformat(h["interval_end"]) <= moment]
        return dict(earlier[-1]["state"]) if earlier else {}

    def save_cursor(self, stream: Stream, interval: Interval, state: dict[str, Any],
                    summary: dict[str, Any] | None = None) -> None:
        """Record the cursor reached by `interval`, and what the run reported (counts, the
        platform budget spent) for `carewire status`. Call only after its batch is landed.
        Runs of several intervals at once (a backfill) each add their entry, none lost to
        another's rewrite: under the manifest's lock locally, as objects of their own on
        an object store."""
        entry = {"interval_start": interval.start.isoformat(),
                 "interval_end": interval.end.isoformat(),
                 "saved_at": datetime.now(timezone.utc).isoformat(), "state": state,
                 "summary": summary or {}}
        if not self.local:
            folder = self._dir(stream.source, stream.name) / CURSOR_OBJECTS
            self.write_text(folder / f"{interval.key}.json",
                            dumps({"source": stream.source, "stream": stream.name, **entry}))
            self._forget_old_entries(stream)
            return
        path = self._dir(stream.source, stream.name) / CURSOR_FILE
        with exclusive(path):
            history = [h for h in self._history(stream.source, stream.name)
                       if h["interval_end"] != interval.end.isoformat()]
            history.append(entry)
            history.sort(key=lambda h: h["interval_end"])
            manifest = {"source": stream.source, "stream": stream.name,
                        "history": history[-self.cursor_history:]}
            atomic_write(path, dumps(manifest))

    def _forget_old_entries(self, stream: Stream) -> None:
        """Keep the newest `cursor_history` entries of a stream. A parallel run may remove
        the same objects: removing one that is gone already is no error."""
        for _, path in self._entries(stream.source, stream.name)[:-self.cursor_history]:
            try:
                path.unlink()
            except FileNotFoundError:
                pass

    def latest_cursors(self) -> list[dict[str, Any]]:
        """The newest cursor entry of every stream, for `carewire status`."""
        latest = []
        if not self.local:
            streams = {tuple(name.split("/")[:2]) for name in self._objects()
                       if name.count("/") == 3 and name.split("/")[2] == CURSOR_OBJECTS}
            for source, stream in sorted(streams):
                entries = self._entries(source, stream)
                if entries:
                    latest.append(json.loads(entries[-1][1].read_text(encoding="utf-8")))
            return latest
        for path in sorted(self.root.glob(f"*/*/{CURSOR_FILE}")):
            manifest = json.loads(path.read_text(encoding="utf-8"))
            if manifest["history"]:
                latest.append({"source": manifest["source"], "stream": manifest["stream"],
                               **manifest["history"][-1]})
        return latest
