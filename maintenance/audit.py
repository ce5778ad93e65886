"""The erasure audit: one row per request, naming no one (warehouse table audit__erasures).

The handle is kept as an HMAC-SHA256 under a key of this deployment, made on first use at
`<data_dir>/requests/erasure.key` (mode 0600). With the key, an operator can check whether
a given handle was erased (`carewire maintenance audit --handle NAME --source x`); without
it, the audit row says nothing about whom it concerned.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from carewire.settings import Settings
from maintenance.requests import ErasureRequest
from maintenance.target import Target
from warehouse.db import records

KEY_FILE = "erasure.key"


def _key(settings: Settings) -> bytes:
    path = settings.data_dir / "requests" / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return Path(path).read_bytes()
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
    return path.read_bytes()


def handle_hmac(settings: Settings, source: str, handle: str) -> str:
    message = f"{source}:{handle.strip().lstrip('@').lower()}".encode()
    return hmac.new(_key(settings), message, hashlib.sha256).hexdigest()


def record(con: duckdb.DuckDBPyConnection, settings: Settings, request: ErasureRequest,
           target: Target, removed: Counter, completed_at: datetime) -> dict[str, Any]:
    row = {"request_id": request.request_id, "kind": request.kind, "source": request.source,
           "handle_hmac": (handle_hmac(settings, request.source, request.handle)
                           if request.handle else None),
           "reason": target.scrub_text(request.reason),
           "requested_at": request.requested_at, "completed_at": completed_at,
           "mentions": len(target.source_ids),
           "removed": json.dumps(dict(sorted(removed.items())))}
    con.execute("INSERT OR REPLACE INTO audit__erasures BY NAME SELECT "
                + ", ".join(f"${name} AS {name}" for name in row), row)
    return row


def rows(con: duckdb.DuckDBPyConnection, settings: Settings, source: str | None = None,
         handle: str | None = None) -> list[dict[str, Any]]:
    """Audit rows, newest first; with `handle` (and `source`), only that author's."""
    where, params = "TRUE", {}
    if handle:
        where = "handle_hmac = $hmac"
        params = {"hmac": handle_hmac(settings, source or "", handle)}
    return records(con, f"SELECT * FROM audit__erasures WHERE {where} "
                        "ORDER BY completed_at DESC", params)
