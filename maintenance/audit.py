"""The erasure audit: one row per request, naming no one (warehouse table audit__erasures).

The handle is kept as an HMAC-SHA256 under a key of this deployment, made by the first
erasure at `<data_dir>/requests/erasure.key` (mode 0600; written whole, then linked into
place, so no reader sees it empty). With the key, an operator can check whether a given
handle was erased (`carewire maintenance audit --handle NAME --source x`); without it, the
audit row says nothing about whom it concerned. A lookup never makes a key: one made then
would match nothing, and the next erasure's rows would not match older ones.

A request applied again (a run that failed after its audit row) keeps its first row: the
counts of what was removed then.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from carewire.core.settings import Settings
from carewire.core.errors import ConfigError
from carewire.core.files import private_dir
from carewire.maintenance.requests import ErasureRequest, normalised_handle
from carewire.maintenance.target import Target
from carewire.warehouse.db import records
from carewire.warehouse.keyed import add_new

KEY_FILE = "erasure.key"


def key_path(settings: Settings) -> Path:
    return settings.data_dir / "requests" / KEY_FILE


def _key(settings: Settings, *, create: bool) -> bytes:
    path = key_path(settings)
    if path.exists():
        return path.read_bytes()
    if not create:
        raise ConfigError(
            f"no erasure key at {path}: no erasure was recorded with this data directory. "
            "Check CAREWIRE_DATA_DIR (the key lives in <data_dir>/requests/), or restore "
            "the key from the data directory's backups")
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{KEY_FILE}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)  # whole or not at all; never replaces a key made meanwhile
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
    return path.read_bytes()


def handle_hmac(settings: Settings, source: str, handle: str, *, create: bool = False) -> str:
    message = f"{source}:{normalised_handle(source, handle).lower()}".encode()
    return hmac.new(_key(settings, create=create), message, hashlib.sha256).hexdigest()


def record(con: duckdb.DuckDBPyConnection, settings: Settings, request: ErasureRequest,
           target: Target, removed: Counter, completed_at: datetime) -> dict[str, Any]:
    row = {"request_id": request.request_id, "kind": request.kind, "source": request.source,
           "handle_hmac": (handle_hmac(settings, request.source, request.handle, create=True)
                           if request.handle else None),
           "reason": target.scrub_words(request.reason),
           "requested_at": request.requested_at, "completed_at": completed_at,
           "mentions": len(target.source_ids),
           "removed": json.dumps(dict(sorted(removed.items())))}
    add_new(con, "audit__erasures", "SELECT " + ", ".join(f"${name}" for name in row), row,
            columns=list(row))
    return records(con, "SELECT * FROM audit__erasures WHERE request_id = ?",
                   [request.request_id])[0]


def rows(con: duckdb.DuckDBPyConnection, settings: Settings, source: str | None = None,
         handle: str | None = None) -> list[dict[str, Any]]:
    """Audit rows, newest first; with `handle` (and `source`), only that author's."""
    where, params = "TRUE", {}
    if handle:
        where = "handle_hmac = $hmac"
        params = {"hmac": handle_hmac(settings, source or "", handle)}
    return records(con, f"SELECT * FROM audit__erasures WHERE {where} "
                        "ORDER BY completed_at DESC", params)
