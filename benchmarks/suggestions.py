"""An item page's suggested replies over a snapshot of 1,000,000 mentions, against 10,000.

A migrated DuckDB file gets that many X mentions with 384-float embeddings (MiniLM's
width; random, so few pass the threshold: the work is the same, every searched answer is
scored), 4% of them answered: 2% by the brand's account on the platform (a reply mention
whose parent is the question), 2% by desk replies, a third of those rated.
`carewire.desk.suggestions.suggestions` is timed as the item page calls it (the file
opened read-only, then the query), median of 21 questions. The ratio says how much the
lookup slows with a 100x larger warehouse; `SEARCHED` bounds the embeddings it reads.

    make bench            # runs this after the desk queue benchmark
    python -m benchmarks.suggestions [--mentions 1000000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.connectors import machine
from carewire.desk.suggestions import SEARCHED, suggestions
from carewire.warehouse.migrate import migrate

REPEATS = 21
ANSWERED_EVERY = 25
"""One mention in 25 is answered: every 50th by the brand on X, every 50th at the desk."""


def build(path: Path, mentions: int) -> None:
    with duckdb.connect(str(path)) as con:
        migrate(con)
        con.execute("""
            INSERT INTO core__mentions (source, source_id, stream, text, author_id, created_at,
                                        categories, parent_id, batch_id, first_seen_at,
                                        last_seen_at)
            SELECT 'x', i::VARCHAR, 'bench', 'my bill doubled ' || i,
                   CASE WHEN i % 50 = 1 THEN 'brand' ELSE 'a' || (i % 100000) END,
                   TIMESTAMPTZ '2026-11-24' + to_seconds(i), [],
                   CASE WHEN i % 50 = 1 THEN (i - 1)::VARCHAR END, 'bench',
                   TIMESTAMPTZ '2026-11-24', TIMESTAMPTZ '2026-11-24'
            FROM range(?) t(i)""", [mentions])
        con.execute("INSERT INTO core__author_influence VALUES ('x', 'brand', 'KestrelHelp', "
                    "NULL, NULL, 0, 0, 0, 0, NULL, 0, 0, 'brand', 'the brand''s account')")
        con.execute("""
            INSERT INTO core__embeddings SELECT 'x', i::VARCHAR, 'bench',
                   list_transform(range(384), lambda x: (random() - 0.5)::FLOAT)
            FROM range(?) t(i)""", [mentions])
        desk = f"FROM range(25, {mentions}, 50) t(i)"
        con.execute("INSERT INTO core__delivery_mentions (delivery_key, source, source_id, "
                    f"added_for) SELECT 'd' || i, 'x', i::VARCHAR, "
                    f"TIMESTAMPTZ '2026-11-24' {desk}")
        con.execute(f"""INSERT INTO core__deliveries (delivery_key, destination, route, unit,
                            team, priority, sla_due_at, rule_id, reason, experts, status,
                            created_for)
                        SELECT 'd' || i, 'desk', 'contact_center', 'mention', 'care', 'normal',
                               TIMESTAMPTZ '2026-11-25', 'bench', 'bench', [], 'delivered',
                               TIMESTAMPTZ '2026-11-24' {desk}""")
        for kind, data in (("replied", "json_object('text', 'Refunded within 5 days, ' || i)"),
                           ("rated", "json_object('score', 5)")):
            con.execute(f"""INSERT INTO core__events SELECT '{kind}' || i,
                                TIMESTAMPTZ '2026-11-24' + to_seconds(i + 60), '{kind}',
                                'd' || i, 'desk', i::VARCHAR, 'ann', {data},
                                TIMESTAMPTZ '2026-11-24'
                            {desk} {"WHERE i % 3 = 0" if kind == "rated" else ""}""")


def timing(mentions: int) -> float:
    """Median milliseconds of one item's suggestions over `mentions` mentions."""
    with tempfile.TemporaryDirectory() as scratch:
        snapshot = Path(scratch) / "analytics.duckdb"
        build(snapshot, mentions)
        suggestions(snapshot, "x", "7")  # warm the file cache
        runs = []
        for n in range(REPEATS):
            began = time.perf_counter()
            found = suggestions(snapshot, "x", str((n * 7919) % mentions))
            runs.append((time.perf_counter() - began) * 1000)
            assert isinstance(found, list), found
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    args = parser.parse_args()
    print(machine())
    print(f"snapshot: DuckDB; 1 mention in {ANSWERED_EVERY} answered; at most {SEARCHED:,} "
          f"answers searched; median of {REPEATS} items\n")
    base, big = timing(10_000), timing(args.mentions)
    print(f"{'suggestions of an item':24} {'10,000 mentions ms':>19} "
          f"{f'{args.mentions:,} mentions ms':>22} {'ratio':>6}")
    print(f"{'':24} {base:>19.1f} {big:>22.1f} {big / base:>6.1f}")


if __name__ == "__main__":
    main()
