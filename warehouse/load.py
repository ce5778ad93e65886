"""Loading one landed batch: replace its raw rows, upsert its authors and mentions.

Everything for one batch happens in one transaction, so a failure leaves the warehouse as
it was and the batch is simply loaded again next time. Upserts keep the newest version of
a row (by `last_seen_at`, the end of the data interval that saw it), which makes the load
order-independent: reloading an old interval after a newer one never rolls a mention back.
An answer a page marks accepted (`Parsed.accepted`: a Discourse topic's) is recorded once as
an `accepted_answer` event, so the community views know it without a delivery.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, fields, replace
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from carewire.core.types import dumps
from carewire.connectors.base import Accepted, Author, Mention, Page, Parsed, Reject
from carewire.connectors.landing import Batch, Unreadable
from carewire.warehouse.db import registered, transaction
from carewire.warehouse.keyed import add_new, put, values
from carewire.warehouse.tables import TABLES, Table


MENTION_CONTEXT = ("author_id", "language", "thread_id", "parent_id", "reply_count",
                   "like_count", "share_count", "quote_count")
"""Kept when a later row lacks them: a deletion notice (X's "not found") names only the id,
and the row must still say who wrote what was deleted and where it sat."""

AUTHOR_METRICS = ("handle", "display_name", "profile_url", "followers_count",
                  "following_count", "post_count", "karma", "is_verified", "account_created_at")
"""Kept when a later row lacks them: a profile the platform leaves out (an X author
suspended or withheld now) is known by its id alone, and must not blank what was known."""


def _merged(known: Author | None, new: Author) -> Author:
    """`new`, with what only `known` said kept: within one batch, the later sighting wins
    field by field, never blanking a value."""
    if known is None:
        return new
    return replace(known, **{f.name: getattr(new, f.name) for f in fields(new)
                             if getattr(new, f.name) is not None})


EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
"""Older than any platform carewire reads: an earlier created_at is a misread field."""
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)
"""Later than any post can be, whenever its batch was fetched. Not tied to the batch's
interval: a backfill of last month fetches feeds and listings as they are now, newer
than its interval. "Not in the future" is the quality gate's judgement, against the
clock; this bound only keeps values that break date arithmetic out of the warehouse."""
COUNT_LIMIT = 2**63 - 1
"""The largest count a BIGINT column holds."""


def _out_of_range(mention: Mention) -> str | None:
    """Why a mention cannot be loaded as it is, or None: a created_at outside the range a
    post can have would stop every later step (a year 1 or 9999 breaks date arithmetic)."""
    if EARLIEST <= mention.created_at < LATEST:
        return None
    return (f"{mention.source} {mention.source_id}: created_at "
            f"{mention.created_at.isoformat()} is outside {EARLIEST:%Y-%m-%d} .. "
            f"{LATEST:%Y-%m-%d}: the platform's field was misread; fix the mapping, then "
            "reload")


def _counted(mention: Mention) -> Mention:
    """Engagement counts a BIGINT can hold and a platform can mean: a negative or absurd
    one is unknown (None), not a number to sum into KPIs."""
    fixed = {name: None for name in ("reply_count", "like_count", "share_count",
                                     "quote_count", "crosspost_count")
             if getattr(mention, name) is not None
             and not 0 <= getattr(mention, name) <= COUNT_LIMIT}
    return replace(mention, **fixed) if fixed else mention


def file_sha256(path: Path) -> str:
    with path.open("rb") as data:
        return hashlib.file_digest(data, "sha256").hexdigest()


def loaded_checksums(con: duckdb.DuckDBPyConnection
                     ) -> dict[str, tuple[str, tuple[int, int] | None]]:
    """Per loaded batch, its file's checksum and fingerprint (landing.fingerprint; None
    where none is recorded: loaded before migration 0021, or reloaded by an erasure)."""
    return {batch_id: (sha, None if size is None else (size, mtime_ns))
            for batch_id, sha, size, mtime_ns in con.execute(
                "SELECT batch_id, sha256, file_size, file_mtime_ns FROM raw__landing_batches "
                "LEFT JOIN raw__landing_files USING (batch_id)").fetchall()}


def record_fingerprint(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    """Remember the fingerprint of the batch's file, which holds the bytes loaded (just
    loaded, or landed again with the same checksum), so the next load does not read it."""
    put(con, "raw__landing_files", values(3), [batch.batch_id, *batch.fingerprint])


def _frame(table: Table, rows: list[dict]) -> pd.DataFrame:
    """`rows` with the columns of `table`, in its order (warehouse/tables.py)."""
    return pd.DataFrame(rows, columns=table.column_names)


def _upsert(con: duckdb.DuckDBPyConnection, spec: Table, frame: pd.DataFrame,
            keep_known: tuple[str, ...] = ()) -> None:
    """Insert, or update rows whose incoming `last_seen_at` is at least as new, on the
    table's primary key.

    `first_seen_at` always keeps the earliest value. Columns in `keep_known` are not blanked
    by a newer row that lacks them (an author seen on a mention carries no karma; the
    profile fetched earlier did). Every column is cast to its registered type, so a column
    pandas saw only as None still lands as what the table holds.
    """
    if frame.empty:
        return
    table, key, columns = spec.name, spec.primary_key, list(frame.columns)
    select = ", ".join(f"CAST({c} AS {spec.column(c).type}) AS {c}" for c in columns)
    newer = f"arriving.last_seen_at >= {table}.last_seen_at"
    updates = {}
    for column in columns:
        if column in key:
            continue
        if column == "first_seen_at":
            updates[column] = f"least({table}.first_seen_at, arriving.first_seen_at)"
        else:
            value = (f"coalesce(arriving.{column}, {table}.{column})"
                     if column in keep_known else f"arriving.{column}")
            updates[column] = f"CASE WHEN {newer} THEN {value} ELSE {table}.{column} END"
    with registered(con, frame) as incoming:
        put(con, table, f"SELECT {select} FROM {incoming}", columns=columns, updates=updates)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    with registered(con, frame) as incoming:
        con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) "
                    f"SELECT {', '.join(frame.columns)} FROM {incoming}")


def _quarantined(batch_id: str, source: str, stream: str, reject: Reject,
                 seen: datetime) -> dict:
    """The raw__quarantine row of a record the load set aside (stage `parse`). Its key
    hashes batch, item and reason, so a reload replaces the row rather than adding one."""
    key = f"{batch_id}|{reject.item_ref}|{reject.reason}"
    return {"quarantine_id": hashlib.sha256(key.encode()).hexdigest()[:32],
            "batch_id": batch_id, "source": source, "stream": stream, "stage": "parse",
            "item_ref": reject.item_ref, "reason": reject.reason, "payload": reject.payload,
            "seen_at": seen}


def quarantine_file(con: duckdb.DuckDBPyConnection, broken: Unreadable, landing_root: Path
                    ) -> None:
    """Set a landing file that cannot be read aside, whole, with the reason: one
    quarantine row holding its bytes (replacing what an earlier load said of it). Its
    checksum is not recorded, so the next load tries it again."""
    row = _quarantined(broken.batch_id, broken.source, broken.stream,
                       Reject(broken.reason, broken.path.read_bytes(),
                              str(broken.path.relative_to(landing_root))),
                       broken.interval_end)
    with transaction(con):
        con.execute("DELETE FROM raw__quarantine WHERE batch_id = ? AND stage = 'parse'",
                    [broken.batch_id])
        _insert(con, "raw__quarantine", _frame(TABLES["raw__quarantine"], [row]))


def load_batch(con: duckdb.DuckDBPyConnection, batch: Batch, landing_root: Path, sha256: str,
               pages: list[Page], parsed: list[Parsed], rejudge: bool = False) -> dict[str, int]:
    """Load one batch; return counts of what it held and the reason of each record set
    aside (`reasons`). With `rejudge` (a reload asked for,
    `carewire rerun --reload`), the batch-level quality gates judge it again even if its
    file, and so its checksum, did not change."""
    seen = batch.interval.end
    batch_id = batch.batch_id
    mentions: dict[str, Mention] = {}
    items: dict[str, dict] = {}
    authors: dict[str, Author] = {}
    rejects = []
    accepted: dict[str, Accepted] = {}
    skipped = 0
    for page, result in zip(pages, parsed):
        accepted.update((a.source_id, a) for a in result.accepted)
        for mention, item in zip(result.mentions, result.items):
            if (why := _out_of_range(mention)) is not None:
                rejects.append(Reject(why, dumps(item).encode("utf-8"),
                                      f"{mention.source}:{mention.source_id}"))
                continue
            mentions[mention.source_id] = _counted(mention)  # a repeated id: the last wins
            items[mention.source_id] = item
            if mention.author:
                authors[mention.author.author_id] = _merged(authors.get(
                    mention.author.author_id), mention.author)
        for author in result.authors:  # profile pages: more complete than a mention's
            authors[author.author_id] = _merged(authors.get(author.author_id), author)
        rejects.extend(result.rejects)
        skipped += sum(result.skipped.values())

    page_rows = _frame(TABLES["raw__pages"], [
        {"batch_id": batch_id, "seq": seq, "source": batch.source, "stream": batch.stream,
         "url": page.url, "status": page.status, "headers": dumps(page.headers),
         "body": page.body} for seq, page in enumerate(pages)])
    item_rows = _frame(TABLES["raw__items"], [
        {"batch_id": batch_id, "source": batch.source, "stream": batch.stream,
         "source_id": source_id, "payload": dumps(item)} for source_id, item in items.items()])
    quarantine_rows = _frame(TABLES["raw__quarantine"], [
        _quarantined(batch_id, batch.source, batch.stream, r, seen) for r in rejects
    ]).drop_duplicates("quarantine_id", keep="last")
    author_rows = _frame(TABLES["core__authors"], [
        {**asdict(a), "first_seen_at": seen, "last_seen_at": seen} for a in authors.values()])
    mention_rows = _frame(TABLES["core__mentions"], [
        {**m.row(), "batch_id": batch_id, "first_seen_at": seen,
         "last_seen_at": seen} for m in mentions.values()])
    acceptances = [_acceptance(batch, a, seen) for a in accepted.values()
                   if a.source_id in mentions]

    with transaction(con):
        withdrawn = _withdraw(con, batch_id, batch.source, sha256, set(mentions))
        for table in ("raw__pages", "raw__items"):
            con.execute(f"DELETE FROM {table} WHERE batch_id = ?", [batch_id])
        # Only what load writes: a quality gate's rows (stage 'gate') stay as evidence
        # until the gate judges the batch again (quality/store.py).
        con.execute("DELETE FROM raw__quarantine WHERE batch_id = ? AND stage = 'parse'",
                    [batch_id])
        if rejudge:
            con.execute("DELETE FROM quality__checked WHERE unit = ? "
                        "AND suite IN ('landing_raw', 'raw_core_mentions')", [batch_id])
        _insert(con, "raw__pages", page_rows)
        _insert(con, "raw__items", item_rows)
        _insert(con, "raw__quarantine", quarantine_rows)
        _upsert(con, TABLES["core__authors"], author_rows, keep_known=AUTHOR_METRICS)
        _upsert(con, TABLES["core__mentions"], mention_rows, keep_known=MENTION_CONTEXT)
        if acceptances:  # once each, whatever batch shows it again
            add_new(con, "core__events", values(9, len(acceptances)),
                    [value for row in acceptances for value in row])
        landed = {"batch_id": batch_id, "source": batch.source, "stream": batch.stream,
                  "interval_start": batch.interval.start, "interval_end": batch.interval.end,
                  "path": str(batch.path.relative_to(landing_root)), "sha256": sha256,
                  "page_count": len(pages), "item_count": len(mention_rows),
                  "reject_count": len(quarantine_rows)}
        put(con, "raw__landing_batches", values(len(landed)), list(landed.values()),
            columns=list(landed))
        if batch.fingerprint is not None:
            record_fingerprint(con, batch)
        else:  # nothing known of this file: the next load hashes it
            con.execute("DELETE FROM raw__landing_files WHERE batch_id = ?", [batch_id])
    counts = {"pages": len(pages), "mentions": len(mention_rows), "authors": len(author_rows),
              "quarantined": len(quarantine_rows), "reasons": [r.reason for r in rejects]}
    if skipped:  # records a mapping leaves out by design (Parsed.skipped): not errors
        counts["skipped"] = skipped
    if withdrawn:
        counts["withdrawn"] = withdrawn
    return counts


def _acceptance(batch: Batch, answer: Accepted, seen: datetime) -> tuple:
    """The `accepted_answer` event of an answer the platform marks accepted, as
    routing/outcomes.py records one for a delivered topic (occurred_at: the answer's own
    time, `data` its url, post number and author), with no delivery. Keyed by the answer,
    so it is recorded once however many batches show it; recorded_at is when the first
    batch that showed it was seen (the end of its data interval)."""
    return (hashlib.sha256(f"accepted_answer|{batch.source}:{answer.source_id}".encode())
            .hexdigest(), answer.created_at, "accepted_answer", None, None,
            answer.external_id, answer.username,
            dumps({"url": answer.url, "post_number": answer.post_number,
                   "username": answer.username, "seen_in": f"{batch.source}/{batch.stream}"}),
            seen)


def _withdraw(con: duckdb.DuckDBPyConnection, batch_id: str, source: str, sha256: str,
              yielded: set[str]) -> int:
    """When the same bytes are parsed again (`carewire rerun --reload` after an upgrade),
    a mention this batch carried and no longer yields is one the mapping now leaves out (a
    retweet, a moderator notice, an earlier version of an edited tweet, a record it now
    rejects): it is taken out of every live view as a deleted one is (`is_deleted`, texts
    blanked; the raw page keeps what was fetched), so its pending work is cancelled and it
    is not routed again. A batch whose bytes changed (an interval fetched again) proves
    nothing by leaving a post out: a feed drops old entries, so nothing is withdrawn then."""
    known = con.execute("SELECT sha256 FROM raw__landing_batches WHERE batch_id = ?",
                        [batch_id]).fetchone()
    if known is None or known[0] != sha256:
        return 0
    return con.execute("""
        UPDATE core__mentions SET is_deleted = true, text = '', title = NULL,
                                  quoted_text = NULL
        WHERE batch_id = ? AND source = ? AND NOT is_deleted
          AND source_id NOT IN (SELECT unnest(CAST(? AS VARCHAR[])))""",
                       [batch_id, source, sorted(yielded)]).fetchone()[0]
