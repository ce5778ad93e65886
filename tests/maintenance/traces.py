"""Looking for traces everywhere a person's content could be: every landing file (its bytes,
each page body and state file decoded: JSON values walked and unescaped, HTML entities
unescaped), every column of every table and view in the warehouse and the snapshot (cast to
text), every Parquet export, every desk table, every document of the ingest state store
(the Reddit author cache), and the raw bytes of the warehouse, snapshot and SQLite desk
and state files (a deleted row's bytes may stay in a file's free blocks).

Written independently of maintenance/target.py on purpose: the proof must not share the
erasure's own idea of what a trace is. Texts are looked for by a chunk from their middle,
not the prefix the erasure fingerprints. Ids are also looked for in the form the platform
writes them (`exact`): a Discourse user id `2362`, not the warehouse's `host:2362`, as a
whole JSON value of a landed page.

A hit is (store, place, needle).
"""

from __future__ import annotations

import html
import json
import subprocess
from pathlib import Path
from typing import Any, Iterator

import duckdb
import sqlalchemy as sa

from carewire.core.settings import Settings
from carewire.core.types import Lake
from carewire.connectors.base import Page
from carewire.warehouse.db import connect


Hit = tuple[str, str, str]


def kinds(handle: str, author_ids: list[str], source_ids: list[str], texts: list[str],
          names: list[str] = ()) -> dict[str, set[str]]:
    """The needles by kind, lower case."""
    chunks = set()
    for text in texts:
        words = " ".join(text.split())
        if len(words) >= 60:
            middle = len(words) // 2
            chunks.add(words[middle - 15:middle + 15].lower())
        elif len(words) >= 20:
            chunks.add(words.lower())
    return {"handle": {handle.lower()}, "author_id": {a.lower() for a in author_ids},
            "source_id": {s.lower() for s in source_ids}, "text": chunks,
            "name": {n for n in map(_name, names) if is_full_name(n)}}


def _name(name: str) -> str:
    return " ".join((name or "").split()).lower()


def is_full_name(name: str) -> bool:
    """A display name specific enough to look for inside text ("Jo Hughes"); a single word
    ("Steve") is another platform's Steve too, and is looked for as a whole value."""
    return " " in name and len(name) >= 8


def needles(handle: str, author_ids: list[str], source_ids: list[str], texts: list[str],
            names: list[str] = ()) -> set[str]:
    return set().union(*kinds(handle, author_ids, source_ids, texts, names).values())


def native(source: str, ids: list[str], names: list[str] = ()) -> set[str]:
    """What to look for as whole JSON values of the platform's own landed pages: ids as
    the platform writes them (Discourse's bare user and post ids, where the warehouse keys
    `host:2362`, `host:post:31738`) and display names too short to look for in text."""
    found = {n for n in map(_name, names) if n and not is_full_name(n)}
    if source == "forums":
        found |= {i.rsplit(":", 1)[-1].lower() for i in ids}
    return found


def _hits(text: str, wanted: set[str], store: str, where: str) -> list[Hit]:
    text = " ".join(text.split()).lower()
    return [(store, where, needle) for needle in sorted(wanted) if needle in text]


def _values(node: Any) -> Iterator[Any]:
    """Every key and scalar of a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _values(value)
    elif isinstance(node, list):
        for value in node:
            yield from _values(value)
    else:
        yield node


def _decoded(text: str, wanted: set[str], exact: set[str], where: str) -> list[Hit]:
    """A JSON document's values (or a markup document) with escapes and entities undone;
    `exact` ids as whole JSON values."""
    try:
        values = list(_values(json.loads(text)))
    except ValueError:
        return _hits(html.unescape(text), wanted, "landing", where)
    strings = [html.unescape(v) for v in values if isinstance(v, str)]
    hits = _hits(" | ".join(strings), wanted, "landing", where)
    whole = {str(v).lower() for v in values if not isinstance(v, (dict, list, bool))}
    return hits + [("landing", where, needle) for needle in sorted(exact & whole)]


def in_landing(root: Path, wanted: set[str], exact: set[str] = frozenset(),
               source: str | None = None) -> list[Hit]:
    """`exact` values are looked for in `source`'s own files only."""
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", "replace")
        hits += _hits(text, wanted, "landing", str(path))
        own = exact if source and path.relative_to(root).parts[0] == source else set()
        if path.suffix == ".json":
            hits += _decoded(text, wanted, own, f"{path} decoded")
        if path.suffix == ".jsonl":
            for line in text.splitlines()[1:]:
                page = Page.from_record(json.loads(line))
                body = page.body.decode("utf-8", "replace")
                hits += _decoded(body, wanted, own, f"{path} page")
                hits += _hits(html.unescape(page.url), wanted, "landing", f"{path} url")
    return hits


def in_raw_bytes(path: Path, wanted: set[str], store: str) -> list[Hit]:
    """The file's bytes as they lie on disk (and its write-ahead log), freed blocks
    included."""
    hits = []
    for part in (path, path.with_name(path.name + ".wal"), path.with_name(path.name + "-wal")):
        if part.is_file():
            data = part.read_bytes().lower()
            hits += [(store, f"{part.name} bytes", needle) for needle in sorted(wanted)
                     if needle.encode("utf-8") in data]
    return hits


def in_duckdb(path: Path | Lake, wanted: set[str], store: str) -> list[Hit]:
    """Every row of every table and view, all its columns as one text (BLOBs decoded as
    UTF-8 where they are, else cast), searched by DuckDB for every needle at once. A
    DuckDB file, the lake, or the lake's published view."""
    hits = []
    name = path.name if isinstance(path, Path) else "lake"
    with connect(path, read_only=True) as con:
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, column, kind in con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_catalog = current_database() AND table_schema = 'main' "
                "ORDER BY table_name, ordinal_position").fetchall():
            columns.setdefault(table, []).append((column, kind))
        for table, cols in columns.items():
            text = ", ".join(
                f'coalesce(try(decode("{c}")), CAST("{c}" AS VARCHAR))' if kind == "BLOB"
                else f'CAST("{c}" AS VARCHAR)' for c, kind in cols)
            found = con.execute(f"""
                WITH rows AS (SELECT regexp_replace(lower(concat_ws(' | ', {text})), '\\s+',
                                                    ' ', 'g') AS row FROM {table}),
                     needles AS (SELECT unnest($needles) AS needle)
                SELECT needle, count(*) FROM rows, needles WHERE contains(row, needle)
                GROUP BY needle ORDER BY needle""", {"needles": sorted(wanted)}).fetchall()
            hits += [(store, f"{name} {table} ({count} rows)", needle)
                     for needle, count in found]
    return hits


def in_lake_files(lake: Lake, wanted: set[str], store: str) -> list[Hit]:
    """What the lake keeps outside its tables' current rows: every Parquet file under its
    data path, whichever snapshot still names it or none (each row, all columns as text),
    and its catalog database dumped whole by pg_dump (rows inlined in the catalog, column
    statistics, snapshots)."""
    hits = []
    with duckdb.connect() as con:
        for path in sorted(Path(lake.data_path).rglob("*.parquet")):
            for row in con.execute("SELECT * FROM read_parquet(?)", [str(path)]).fetchall():
                hits += _hits(" | ".join(str(v) for v in row), wanted, store, path.name)
    return hits + _hits(html.unescape(catalog_dump(lake)), wanted, store, "catalog (pg_dump)")


def catalog_dump(lake: Lake) -> str:
    """The lake's catalog database dumped whole by pg_dump, as SQL text."""
    options = dict(part.split("=", 1) for part in lake.catalog.removeprefix(
        "postgres:").split())
    return subprocess.run(["pg_dump", "-h", options["host"], "-p", options.get("port", "5432"),
                           "-U", options["user"], options["dbname"]],
                          capture_output=True, check=True, text=True).stdout


def in_parquet(directory: Path, wanted: set[str]) -> list[Hit]:
    hits = []
    with duckdb.connect() as con:
        for path in sorted(directory.glob("*.parquet")):
            frame = con.execute(f"SELECT * FROM read_parquet('{path}')").fetchall()
            for row in frame:
                hits += _hits(" | ".join(str(v) for v in row), wanted, "exports", path.name)
    return hits


def in_desk(url: str, wanted: set[str], store: str = "desk") -> list[Hit]:
    """Every row of every table of a SQLAlchemy store (the desk, the ingest state store)."""
    hits = []
    engine = sa.create_engine(url)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            for table in meta.sorted_tables:
                for row in conn.execute(sa.select(table)).all():
                    hits += _hits(" | ".join(str(v) for v in row), wanted, store,
                                  table.name)
    finally:
        engine.dispose()
    url = sa.make_url(url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        hits += in_raw_bytes(Path(url.database), wanted, f"{store} bytes")
    return hits


def everywhere(settings: Settings, wanted: set[str], exact: set[str] = frozenset(),
               source: str | None = None) -> list[Hit]:
    """On the DuckDB file: its rows and bytes, and the snapshot's. On the lake: its rows,
    its files and catalog ("warehouse bytes"), and the rows of its published view."""
    warehouse, snapshot = settings.warehouse, settings.snapshot
    stored = (in_duckdb(warehouse, wanted, "warehouse")
              + in_duckdb(snapshot, wanted, "snapshot"))
    if isinstance(warehouse, Lake):
        stored += in_lake_files(warehouse, wanted, "warehouse bytes")
    else:
        stored += (in_raw_bytes(warehouse, wanted, "warehouse bytes")
                   + in_raw_bytes(snapshot, wanted, "snapshot bytes"))
    return (in_landing(settings.landing, wanted, exact, source) + stored
            + in_parquet(settings.exports, wanted) + in_desk(settings.desk_url, wanted)
            + in_desk(settings.ingest_state_url, wanted, "ingest state"))
