"""Publishing the analyst snapshot, on the DuckDB file and on DuckLake, at 10k, 100k and
1M mentions: how long a publish takes, how long the Parquet exports after it take, how
long a reader takes to open what was published, and so how stale analysts' data can be.

Each size gets a fresh warehouse of each kind, migrated, with that many mentions and
their 384-float embeddings (what makes a warehouse big: 1.5 GB per million) generated in
SQL. The file's publish copies the whole warehouse into
`analytics.duckdb`; the lake's signs one commit (warehouse/snapshot.py). Staleness is how
old what an analyst sees can be at worst: the publish DAG's period (`publish.schedule`)
plus one publish with its exports, at the default 15 minutes and at one minute; the last
column says what share of each minute a publish every minute would spend.

The file is the baseline, measured in the same run: the ratio is lake / file.

    make bench            # runs this among the others, at 10k, 100k and 1M
    python -m benchmarks.publish [--sizes 10000,100000,1000000]

Needs PostgreSQL on this machine (CAREWIRE_TEST_POSTGRES_URL, as the tests) for the lake.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.connectors import machine
from carewire.core.types import Lake
from carewire.warehouse.db import connect, transaction
from carewire.warehouse.exports import export_parquet
from carewire.warehouse.migrate import migrate
from carewire.warehouse.snapshot import Publication, publish
from tests.conftest import fresh_database, lake_catalog

PERIOD_S = 15 * 60
"""The publish DAG's default period (`publish.schedule`, every 15 minutes)."""
MINUTE_S = 60
"""A publish every minute (`publish.schedule: "* * * * *"`), as often as the process DAG
runs on a minute's landing: what it would cost, as the share of each minute spent
publishing."""
CHUNK = 100_000
"""Mentions generated per INSERT, to keep the generator's memory small."""


def fill(con, mentions: int) -> None:
    """`mentions` mentions with an embedding each, in chunks."""
    for first in range(0, mentions, CHUNK):
        rows = f"range({first}, {min(first + CHUNK, mentions)}) t(n)"
        moment = "TIMESTAMPTZ '2026-11-01 00:00:00+00' + to_seconds(n)"
        with transaction(con):
            con.execute(f"""
                INSERT INTO core__mentions BY NAME
                SELECT 'x' AS source, 'bench-' || n AS source_id, 'x/brand' AS stream,
                       'https://x.com/a/status/' || n AS url,
                       'My Kestrel bill doubled this month and nobody answers the chat, '
                       || 'case ' || n AS text, 'author-' || (n % 50000) AS author_id,
                       'en' AS language, {moment} AS created_at, ['kestrel'] AS categories,
                       false AS is_deleted, 'bench' AS batch_id, {moment} AS first_seen_at,
                       {moment} AS last_seen_at
                FROM {rows}""")
            con.execute(f"""
                INSERT INTO core__embeddings BY NAME
                SELECT 'x' AS source, 'bench-' || n AS source_id, 'bench' AS encoder_version,
                       list_transform(range(384), i -> random()::FLOAT) AS embedding
                FROM {rows}""")


def measure(warehouse: Path | Lake, snapshot: Path | Lake, exports: Path,
            mentions: int) -> dict[str, float]:
    """Seconds to fill (not timed further), publish, export, and open what was published."""
    with connect(warehouse) as con:
        migrate(con)
        fill(con, mentions)
    publication = Publication(datetime.now(timezone.utc), "bench")
    start = time.perf_counter()
    published = publish(warehouse, snapshot, publication, storage_version="v1.0.0")
    published_s = time.perf_counter() - start
    start = time.perf_counter()
    export_parquet(published, exports)
    exported_s = time.perf_counter() - start
    start = time.perf_counter()
    with connect(published, read_only=True) as con:
        seen = con.execute("SELECT count(*) FROM core__mentions").fetchone()[0]
    opened_s = time.perf_counter() - start
    assert seen == mentions, (seen, mentions)
    return {"publish": published_s, "exports": exported_s, "open": opened_s}


def run(sizes: list[int]) -> None:
    print(f"publish and staleness, file (baseline) against DuckLake; {machine()}")
    print(f"{'mentions':>9} {'backend':>7} {'publish s':>10} {'exports s':>10} "
          f"{'open ms':>8} {'stale <= (15 min)':>18} {'stale <= (1 min)':>17} "
          f"{'publishing (1 min)':>19}")
    for mentions in sizes:
        results = {}
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            results["file"] = measure(root / "warehouse.duckdb", root / "analytics.duckdb",
                                      root / "exports-file", mentions)
            with fresh_database("carewire_bench") as catalog:
                lake = Lake(lake_catalog(catalog), f"{root / 'lake'}/")
                results["lake"] = measure(lake, replace(lake, published=True),
                                          root / "exports-lake", mentions)
        for backend, seconds in results.items():
            cost = seconds["publish"] + seconds["exports"]
            print(f"{mentions:>9,} {backend:>7} {seconds['publish']:>10.2f} "
                  f"{seconds['exports']:>10.2f} {seconds['open'] * 1000:>8.0f} "
                  f"{PERIOD_S + cost:>16.0f} s {MINUTE_S + cost:>15.0f} s "
                  f"{cost / MINUTE_S:>19.0%}")
        file, lake = results["file"], results["lake"]
        print(f"{'':>9} {'ratio':>7} {lake['publish'] / file['publish']:>10.3f} "
              f"{lake['exports'] / file['exports']:>10.2f} {lake['open'] / file['open']:>8.1f}"
              "   (lake / file)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="mention counts, comma-separated")
    args = parser.parse_args()
    run([int(size) for size in args.sizes.split(",")])


if __name__ == "__main__":
    main()
