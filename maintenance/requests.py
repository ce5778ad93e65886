"""The queue of erasure requests: durable, and writable while the pipeline runs.

DuckDB admits one writer, and the process DAG may hold the warehouse for minutes, so a
request is not written there when it is made: it is appended to a JSON-lines file,
`<data_dir>/requests/erasures.jsonl`, under a file lock, and the maintenance run applies it
when it holds the warehouse. A request leaves the queue only when it is applied in full
(its audit row is written in the same step), so a run that fails half-way applies it again
next time; every step of an erasure can be repeated.

The queue holds the handle until then: it is the one place it must be kept. Two kinds:

- `author`: everything by one handle on one platform (a person's erasure request);
- `platform_deletion`: content the platform reports deleted or removed, by id (a file of
  deleted tweet ids or Reddit fullnames). Mentions the warehouse already marks `is_deleted`
  are erased by every maintenance run without a request (see maintenance/step.py).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Literal

from carewire.core.errors import ConfigError
from carewire.core.settings import Settings
from carewire.connectors import CONNECTORS
from carewire.connectors.landing import atomic_write, exclusive

Kind = Literal["author", "platform_deletion"]
QUEUE_FILE = "erasures.jsonl"


@dataclass(frozen=True)
class ErasureRequest:
    kind: Kind
    source: str
    reason: str
    requested_at: datetime
    handle: str | None = None
    source_ids: tuple[str, ...] = ()
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "requested_at": self.requested_at.isoformat(),
                           "source_ids": list(self.source_ids)}, sort_keys=True)

    @classmethod
    def from_json(cls, line: str) -> "ErasureRequest":
        data = json.loads(line)
        return cls(**{**data, "requested_at": datetime.fromisoformat(data["requested_at"]),
                      "source_ids": tuple(data["source_ids"])})


def queue_path(settings: Settings) -> Path:
    return settings.data_dir / "requests" / QUEUE_FILE


def normalised_handle(source: str, handle: str) -> str:
    """A handle as the platform shows it, without what people type around it (`@`, Reddit's
    `u/`): the one form a request and an audit lookup both use."""
    handle = handle.strip().lstrip("@")
    if source == "reddit":
        handle = handle.removeprefix("/u/").removeprefix("u/")
    return handle.strip()


def author_request(source: str, handle: str, reason: str,
                   now: datetime | None = None) -> ErasureRequest:
    """An erasure of everything one handle wrote on one platform."""
    _check_source(source)
    handle = normalised_handle(source, handle)
    if not handle:
        raise ConfigError("erase needs the author's handle as the platform shows it "
                          "(--handle NAME)")
    if not reason.strip():
        raise ConfigError("erase needs a --reason (the ticket or legal basis), kept in the "
                          "audit row")
    return ErasureRequest("author", source, reason.strip(), now or datetime.now(timezone.utc),
                          handle=handle)


def deletion_request(source: str, ids: Iterable[str | int], reason: str = "platform deletion",
                     now: datetime | None = None) -> ErasureRequest:
    """Platform deletions by id, as the warehouse keys them (`source_id`): tweet ids for x,
    fullnames (t1_..., t3_...) for reddit."""
    _check_source(source)
    ids = tuple(dict.fromkeys(str(i).strip() for i in ids if str(i).strip()))
    if not ids:
        raise ConfigError("no deleted ids given; nothing to erase")
    return ErasureRequest("platform_deletion", source, reason, now or datetime.now(timezone.utc),
                          source_ids=ids)


def read_ids(path: Path) -> list[str]:
    """A file of ids, one a line (blank lines ignored)."""
    if not path.is_file():
        raise ConfigError(f"{path} not found: give a file with one deleted id a line")
    return path.read_text(encoding="utf-8").splitlines()


def _check_source(source: str) -> None:
    if source not in CONNECTORS:
        raise ConfigError(f"unknown source {source!r}; carewire has "
                          f"{', '.join(sorted(CONNECTORS))}")


def enqueue(settings: Settings, request: ErasureRequest) -> Path:
    path = queue_path(settings)
    with exclusive(path):
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        atomic_write(path, existing + request.to_json() + "\n")
    return path


def pending(settings: Settings) -> list[ErasureRequest]:
    path = queue_path(settings)
    with exclusive(path):
        if not path.exists():
            return []
        return [ErasureRequest.from_json(line)
                for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def done(settings: Settings, request_id: str) -> None:
    """Take an applied request off the queue (its handle goes with it)."""
    path = queue_path(settings)
    with exclusive(path):
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        kept = [line for line in lines
                if line.strip() and ErasureRequest.from_json(line).request_id != request_id]
        atomic_write(path, "".join(f"{line}\n" for line in kept))
