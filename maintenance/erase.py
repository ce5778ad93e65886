"""Applying one erasure to the warehouse and the care desk.

The warehouse is walked generically, from its own catalogue, so that a table added later
(by any migration) is covered without a change here:

1. every table with (`source`, `source_id`) loses the target's mention rows; every table
   with (`source`, `author_id`) loses the author's rows;
2. deliveries left with no mention are removed with every row that names their
   `delivery_key` (events, outcome data); a cluster delivery that keeps other customers'
   mentions stays;
3. the landing batches the redaction rewrote are loaded again, which replaces their raw
   pages, raw items and quarantined records with the redacted ones (and records the new
   checksum, so the next load does not load them a third time, and moves the quality
   gate's judgement of the batch to it, so the gate does not judge it again);
4. every text, JSON and list column is scrubbed of what still points at the target (see
   maintenance/target.py), rows picked by a LIKE filter first;
5. author influence is recomputed (percentiles and tiers move when an author goes); the
   KPI views recompute themselves.

The desk: an item whose mentions are all erased is removed with its events; an item that
keeps other mentions is rebuilt from those the way the delivery step builds it (title,
body, facets from the first mention left); then every text column of every desk table is
scrubbed the same way.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd
import sqlalchemy as sa

from carewire.core.settings import Settings
from carewire.connectors import CONNECTORS
from carewire.core.types import dumps
from carewire.connectors.base import Stream
from carewire.connectors.feeds.mapping import SOURCE as FEEDS, entry_guid
from carewire.connectors.landing import Batch, LandingZone
from carewire.enrichment import influence
from carewire.maintenance.redact import scrub_bytes
from carewire.maintenance.requests import ErasureRequest
from carewire.maintenance.target import Target
from carewire.routing.deliver import build_delivery
from carewire.desk.store import FACETS
from carewire.desk.schema import desk_events, desk_items, desk_replies
from carewire.core.delivery import MentionRef
from carewire.warehouse.db import affected, records, registered, transaction
from carewire.warehouse.holds import forget
from carewire.warehouse.load import file_sha256, load_batch
from carewire.warehouse.tables import TABLES

TEXT_TYPES = ("VARCHAR", "JSON", "VARCHAR[]", "BLOB")
REJUDGED_SUITES = "('landing_raw', 'raw_core_mentions')"
"""The quality suites that judge a landing batch by its checksum (quality/frames.py)."""


def resolve(con: duckdb.DuckDBPyConnection, desk: sa.Engine | None,
            request: ErasureRequest) -> Target:
    """What the request erases, from the warehouse and the desk (a repeated run, after the
    warehouse was cleaned, still finds what the desk holds)."""
    source = request.source
    handles: set[str] = set()
    author_ids: set[str] = set()
    names: set[str] = set()
    source_ids = set(request.source_ids)
    if request.kind == "author":
        handle = request.handle.lower()
        handles.add(handle)
        for author_id, known, name in con.execute(
                "SELECT author_id, handle, display_name FROM core__authors WHERE source = ? "
                "AND (lower(handle) = ? OR lower(author_id) = ?)",
                [source, handle, handle]).fetchall():
            author_ids.add(author_id)
            if known:
                handles.add(known.lower())
            if name and name.strip():
                names.add(name.strip().lower())
        if author_ids:
            with registered(con, pd.DataFrame({"author_id": sorted(author_ids)}), "erased"):
                source_ids |= {row[0] for row in con.execute(
                    "SELECT source_id FROM core__mentions WHERE source = ? AND author_id IN "
                    "(SELECT author_id FROM erased)", [source]).fetchall()}
    source_ids |= _copies(con, source, source_ids)
    texts = _texts(con, source, source_ids)
    former = _former_ids(con, source, source_ids)
    if desk is not None:
        for mention in _desk_mentions(desk, source):
            if mention["source_id"] in former:
                texts.append(mention["text"])
            elif (mention["source_id"] in source_ids
                    or str(mention.get("author") or "").lower() in handles):
                source_ids.add(mention["source_id"])
                texts.append(mention["text"])
    published = ({entry_guid(i) for i in source_ids if ":" in i} if source == FEEDS
                 else set())
    return Target(source, frozenset(handles), frozenset(author_ids), frozenset(source_ids),
                  tuple(t for t in texts if t), frozenset(names),
                  frozenset(published - source_ids), frozenset(former))


def _former_ids(con: duckdb.DuckDBPyConnection, source: str, source_ids: set[str]) -> set[str]:
    """The ids these mentions had before their key changed form (feed entries before they
    were keyed within their feed): what a desk item delivered before names them by."""
    if not source_ids:
        return set()
    with registered(con, pd.DataFrame({"source_id": sorted(source_ids)}), "erased"):
        return {row[0] for row in con.execute(
            "SELECT former_source_id FROM core__mention_former_ids WHERE source = ? AND "
            "source_id IN (SELECT source_id FROM erased)", [source]).fetchall()}


def _copies(con: duckdb.DuckDBPyConnection, source: str, source_ids: set[str]) -> set[str]:
    """Other mentions of the same platform at the same address: a keyword alert quoting an
    erased article, a feed carrying another's post. They are the same content."""
    if not source_ids:
        return set()
    with registered(con, pd.DataFrame({"source_id": sorted(source_ids)}), "erased"):
        return {row[0] for row in con.execute("""
            SELECT source_id FROM core__mentions WHERE source = $1 AND url IN (
                SELECT url FROM core__mentions WHERE source = $1 AND url IS NOT NULL
                  AND source_id IN (SELECT source_id FROM erased))""", [source]).fetchall()}


def _texts(con: duckdb.DuckDBPyConnection, source: str, source_ids: set[str]) -> list[str]:
    if not source_ids:
        return []
    with registered(con, pd.DataFrame({"source_id": sorted(source_ids)}), "erased"):
        rows = con.execute("SELECT title, text FROM core__mentions WHERE source = ? AND "
                           "source_id IN (SELECT source_id FROM erased)", [source]).fetchall()
    return [t for row in rows for t in row if t]


def _desk_mentions(desk: sa.Engine, source: str) -> list[dict[str, Any]]:
    found = []
    with desk.connect() as conn:
        for (mentions,) in conn.execute(sa.select(desk_items.c.mentions)):
            found.extend(m for m in mentions if m.get("source") == source)
    return found


# -- warehouse -------------------------------------------------------------------------

def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Base table -> column -> type, for the warehouse's own tables."""
    tables: dict[str, dict[str, str]] = {}
    for table, column, kind in con.execute("""
            SELECT c.table_name, c.column_name, c.data_type
            FROM information_schema.columns c
            JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
            WHERE c.table_catalog = current_database() AND c.table_schema = 'main'
              AND t.table_type = 'BASE TABLE'
            ORDER BY c.table_name, c.ordinal_position""").fetchall():
        tables.setdefault(table, {})[column] = kind
    return tables


def erase_warehouse(con: duckdb.DuckDBPyConnection, settings: Settings, target: Target,
                    landing: LandingZone, redacted: list[Batch]) -> Counter:
    removed: Counter = Counter()
    tables = _columns(con)
    ids = pd.DataFrame({"source_id": sorted(target.source_ids)}, dtype="object")
    authors = pd.DataFrame({"author_id": sorted(target.author_ids)}, dtype="object")
    with transaction(con), registered(con, ids, "erased_ids"), \
            registered(con, authors, "erased_authors"):
        emptied = [row[0] for row in con.execute("""
            SELECT delivery_key FROM core__delivery_mentions
            GROUP BY delivery_key
            HAVING bool_and(source = $1 AND source_id IN (SELECT source_id FROM erased_ids))
            """, [target.source]).fetchall()]
        for table, columns in tables.items():
            for key, frame in (("source_id", "erased_ids"), ("author_id", "erased_authors")):
                if "source" in columns and key in columns:
                    removed[table] += affected(con, f"""DELETE FROM {table} WHERE source = ?
                        AND {key} IN (SELECT {key} FROM {frame})""", [target.source])
        removed["raw__quarantine"] += forget(  # what a step set aside of them
            con, "SELECT ? AS source, source_id FROM erased_ids", [target.source])
        with registered(con, pd.DataFrame({"delivery_key": emptied}, dtype="object"),
                        "erased_deliveries"):
            for table, columns in tables.items():
                if "delivery_key" in columns:
                    removed[table] += affected(con, f"""DELETE FROM {table} WHERE delivery_key
                        IN (SELECT delivery_key FROM erased_deliveries)""")
    for batch in redacted:
        pages = list(batch.pages())
        parse = CONNECTORS[batch.source].parse
        parsed = [parse(Stream(batch.source, batch.stream), page) for page in pages]
        judged = con.execute("SELECT sha256 FROM raw__landing_batches WHERE batch_id = ?",
                             [batch.batch_id]).fetchone()
        sha = file_sha256(batch.path)
        load_batch(con, batch, landing.root, sha, pages, parsed)
        if judged:
            # The quality gate judged this batch before; what the erasure took out is not
            # a new batch to judge again (a batch left with no items would trip the volume
            # check): its judgement follows it to the new checksum.
            con.execute(f"""UPDATE quality__checked SET fingerprint = ? WHERE unit = ?
                AND fingerprint = ? AND suite IN {REJUDGED_SUITES}""",
                        [sha, batch.batch_id, judged[0]])
        removed["raw__landing_batches (reloaded)"] += 1
    # the registry's keys, which DuckLake holds no constraint for (the file's are the same)
    keys = {name: set(spec.primary_key) for name, spec in TABLES.items()}
    with transaction(con):
        for table, columns in tables.items():
            scrubbed, dropped = _scrub_table(con, table, columns, keys.get(table, set()),
                                             target)
            if scrubbed:
                removed[f"{table} (scrubbed)"] += scrubbed
            if dropped:
                removed[table] += dropped
    influence.recompute(con, settings.influence,
                        [h for brand in settings.own_brands for h in brand.handles])
    return +removed


def _scrub_table(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str],
                 keys: set[str], target: Target) -> tuple[int, int]:
    """Scrub the rows of `table` that hold a trace; a row whose key holds one (a record
    about an erased mention, keyed by its id) is deleted instead. (scrubbed, deleted)."""
    texts = [c for c, kind in columns.items() if kind in TEXT_TYPES]
    pattern = target.search_pattern()
    if not texts or pattern is None:
        return 0, 0
    others = sorted(set(CONNECTORS) - {target.source})
    where, params = "TRUE", []
    if "source" in columns and others:  # another platform's "bob" is another person
        where, params = f"source NOT IN ({', '.join('?' for _ in others)})", others
    changed = deleted = 0
    for column in texts:
        rows = con.execute(f"SELECT rowid, {column} FROM {table} WHERE {where} AND "
                           f"regexp_matches(lower(CAST({column} AS VARCHAR)), ?)",
                           params + [pattern]).fetchall()
        kind = columns[column]
        scrubbed, gone = [], []
        for rowid, value in rows:
            if kind == "VARCHAR[]":
                new = target.scrub_json(list(value))
            elif kind == "JSON":
                new = dumps(target.scrub_json(json.loads(value)))
            elif kind == "BLOB":  # a payload: JSON, XML or text
                new = _scrub_payload(bytes(value), target)
            else:
                new = target.scrub_text(value)
            if new == value:
                continue
            if column in keys:
                gone.append(rowid)
            else:
                scrubbed.append((rowid, new))
        # one statement each, not one a row: DuckDB 1.5 scans the table for every
        # `WHERE rowid = ?`
        if gone:
            con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT unnest(?::BIGINT[]))",
                        [gone])
        if scrubbed:
            frame = pd.DataFrame(scrubbed, columns=["row_id", "scrubbed"])
            with registered(con, frame, "scrubbed_rows") as new_values:
                con.execute(f"UPDATE {table} SET {column} = CAST(n.scrubbed AS {kind}) "
                            f"FROM {new_values} n WHERE {table}.rowid = n.row_id")
        changed += len(scrubbed)
        deleted += len(gone)
    return changed, deleted


def _scrub_payload(payload: bytes, target: Target) -> bytes:
    try:
        return dumps(target.scrub_json(json.loads(payload))).encode("utf-8")
    except ValueError:  # not JSON (or not UTF-8): XML, HTML or text, line by line
        return scrub_bytes(payload, target)


# -- care desk ---------------------------------------------------------------------------

def erase_desk(desk: sa.Engine, con: duckdb.DuckDBPyConnection, target: Target) -> Counter:
    removed: Counter = Counter()
    with desk.begin() as conn:
        # a reply to their post is about them, whatever item holds it
        removed["desk_replies"] += conn.execute(desk_replies.delete().where(
            desk_replies.c.source == target.source,
            desk_replies.c.source_id.in_(sorted(target.source_ids | target.former_ids)))
            ).rowcount
        for item in conn.execute(sa.select(desk_items)).all():
            mentions = item.mentions
            erased = [m for m in mentions if m.get("source") == target.source and (
                m["source_id"] in target.source_ids or m["source_id"] in target.former_ids
                or str(m.get("author") or "").lower() in target.handles)]
            if erased and len(erased) == len(mentions):
                removed["desk_replies"] += conn.execute(
                    desk_replies.delete().where(desk_replies.c.item_id == item.item_id)).rowcount
                removed["desk_events"] += conn.execute(
                    desk_events.delete().where(desk_events.c.item_id == item.item_id)).rowcount
                conn.execute(desk_items.delete().where(desk_items.c.item_id == item.item_id))
                removed["desk_items"] += 1
                continue
            same_source = [m for m in mentions if m.get("source") == target.source]
            if not erased and not any(target.holds(dumps(m)) for m in same_source):
                continue
            # Rebuilt the way the delivery step builds it, from the mentions left (scrubbed
            # on the target's platform only: a namesake elsewhere keeps their name).
            left = tuple(_mention_ref(target.scrub_json(m) if m in same_source else m)
                         for m in mentions if m not in erased)
            rows = records(con, "SELECT * FROM core__deliveries WHERE delivery_key = ?",
                           [item.delivery_key])
            rebuilt = build_delivery(rows[0] if rows else _delivery_row(item), left)
            conn.execute(desk_items.update().where(desk_items.c.item_id == item.item_id).values(
                title=rebuilt.title, body=rebuilt.body,
                mentions=[asdict(m) for m in rebuilt.mentions],
                **{name: getattr(rebuilt.mentions[0], name) for name in FACETS}))
            removed["desk_items (rebuilt)"] += 1
    removed.update(_scrub_desk(desk, target, skip={"desk_items": {"title", "body",
                                                                  "mentions"}}))
    return +removed


def _mention_ref(stored: dict[str, Any]) -> MentionRef:
    """A desk item's stored mention (JSON) as the delivery step's MentionRef."""
    return MentionRef(**{**stored, "created_at": datetime.fromisoformat(stored["created_at"])})


def _delivery_row(item) -> dict[str, Any]:
    """What the delivery step reads from core__deliveries, from the desk item itself, for an
    item whose delivery the warehouse no longer holds."""
    return {"delivery_key": item.delivery_key, "destination": "desk", "route": item.route,
            "unit": "cluster" if item.cluster_id else "mention", "cluster_id": item.cluster_id,
            "team": item.team, "priority": item.priority, "sla_due_at": item.sla_due_at,
            "rule_id": item.rule_id, "reason": item.reason, "experts": item.experts,
            "body_note": None}


def _scrub_desk(desk: sa.Engine, target: Target, skip: dict[str, set[str]]) -> Counter:
    """Every text column of every desk table (items, events, audit log, alerts, and any
    table added later) but those in `skip`, rows picked by LIKE first, rewritten by
    primary key."""
    scrubbed: Counter = Counter()
    patterns = target.like_patterns()
    if not patterns:
        return scrubbed
    meta = sa.MetaData()
    meta.reflect(desk)
    with desk.begin() as conn:
        for table in meta.sorted_tables:
            keys = list(table.primary_key.columns)
            texts = [c for c in table.columns
                     if isinstance(c.type, (sa.String, sa.Text)) and c not in keys
                     and c.name not in skip.get(table.name, ())]
            if not keys or not texts:
                continue
            for column in texts:
                matches = sa.or_(*(sa.func.lower(column).like(p, escape="\\")
                                   for p in patterns))
                for row in conn.execute(sa.select(*keys, column).where(matches)).all():
                    value = row[-1]
                    try:
                        new = dumps(target.scrub_json(json.loads(value)))
                    except ValueError:  # plain text, not JSON
                        new = target.scrub_text(value)
                    if new != value:
                        conn.execute(table.update().where(
                            *(k == row[i] for i, k in enumerate(keys))).values(
                                {column.name: new}))
                        scrubbed[f"{table.name} (scrubbed)"] += 1
    return scrubbed
