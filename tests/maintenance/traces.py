"""Looking for traces everywhere a person's content could be: every landing file (its bytes
and each page body decoded, JSON unescaped), every column of every table and view in the
warehouse and the snapshot (cast to text), every Parquet export, every desk table.

Written independently of maintenance/target.py on purpose: the proof must not share the
erasure's own idea of what a trace is. Texts are looked for by a chunk from their middle,
not the prefix the erasure fingerprints.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import sqlalchemy as sa

from carewire.settings import Settings
from connectors.base import Page


def needles(handle: str, author_ids: list[str], source_ids: list[str],
            texts: list[str]) -> set[str]:
    found = {handle.lower(), *(a.lower() for a in author_ids),
             *(s.lower() for s in source_ids)}
    for text in texts:
        words = " ".join(text.split())
        if len(words) >= 60:
            middle = len(words) // 2
            found.add(words[middle - 15:middle + 15].lower())
        elif len(words) >= 20:
            found.add(words.lower())
    return found


def _hits(text: str, wanted: set[str], where: str) -> list[str]:
    text = " ".join(text.split()).lower()
    return [f"{where}: {needle!r}" for needle in sorted(wanted) if needle in text]


def in_landing(root: Path, wanted: set[str]) -> list[str]:
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", "replace")
        hits += _hits(text, wanted, str(path))
        if path.suffix == ".jsonl":
            for line in text.splitlines()[1:]:
                page = Page.from_record(json.loads(line))
                body = page.body.decode("utf-8", "replace")
                try:
                    body = json.dumps(json.loads(body), ensure_ascii=False)
                except ValueError:
                    pass
                hits += _hits(body + " " + page.url, wanted, f"{path} page")
    return hits


def in_duckdb(path: Path, wanted: set[str]) -> list[str]:
    """Every row of every table and view, all its columns as one text (BLOBs decoded as
    UTF-8 where they are, else cast), searched by DuckDB for every needle at once."""
    hits = []
    with duckdb.connect(str(path), read_only=True) as con:
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, column, kind in con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
                ).fetchall():
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
            hits += [f"{path.name} {table}: {needle!r} in {count} rows"
                     for needle, count in found]
    return hits


def in_parquet(directory: Path, wanted: set[str]) -> list[str]:
    hits = []
    with duckdb.connect() as con:
        for path in sorted(directory.glob("*.parquet")):
            frame = con.execute(f"SELECT * FROM read_parquet('{path}')").fetchall()
            for row in frame:
                hits += _hits(" | ".join(str(v) for v in row), wanted, path.name)
    return hits


def in_desk(url: str, wanted: set[str]) -> list[str]:
    hits = []
    engine = sa.create_engine(url)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            for table in meta.sorted_tables:
                for row in conn.execute(sa.select(table)).all():
                    hits += _hits(" | ".join(str(v) for v in row), wanted, f"desk {table.name}")
    finally:
        engine.dispose()
    return hits


def everywhere(settings: Settings, wanted: set[str]) -> list[str]:
    return (in_landing(settings.landing, wanted) + in_duckdb(settings.warehouse, wanted)
            + in_duckdb(settings.snapshot, wanted) + in_parquet(settings.exports, wanted)
            + in_desk(settings.desk_url, wanted))
