"""A real DuckDB warehouse, migrated, that a test fills hour by hour: mentions with their
brand and topic tags, enrichment (sentiment, relevance), issue clusters, and the landing
batch that says since when a source has been watched."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from carewire.warehouse.db import registered
from carewire.warehouse.migrate import migrate

SPIKE_HOUR = datetime(2026, 11, 24, 9, tzinfo=timezone.utc)   # a Tuesday
WATCHED_FROM = SPIKE_HOUR - timedelta(weeks=10)
BRAND = "Kestrel Mobile"


@dataclass
class Warehouse:
    path: Path
    con: duckdb.DuckDBPyConnection
    _rows: list[dict] = field(default_factory=list)
    _serial: int = 0

    def watch(self, source: str, since: datetime = WATCHED_FROM) -> None:
        """A landing batch for `source` whose interval starts at `since`."""
        self.con.execute("""
            INSERT INTO raw__landing_batches (batch_id, source, stream, interval_start,
                interval_end, path, sha256, page_count, item_count, reject_count)
            VALUES (?, ?, 'main', ?, ?, 'x.jsonl', 'sha', 1, 1, 0)
            """, [f"{source}/main/{since:%Y%m%dT%H}", source, since, since + timedelta(hours=1)])

    def mentions(self, at: datetime, count: int, *, brand: str = BRAND, source: str = "x",
                 topics: tuple[str, ...] = ("billing",), sentiment: str = "neutral",
                 relevant: bool = True, cluster: str | None = None,
                 text: str = "my bill is wrong again") -> list[str]:
        """`count` mentions spread over the hour that starts at `at`; returns their ids."""
        ids = []
        for i in range(count):
            self._serial += 1
            source_id = f"{self._serial:07d}"
            ids.append(source_id)
            self._rows.append({
                "source": source, "source_id": source_id, "brand": brand, "topics": topics,
                "created_at": at + timedelta(seconds=(3599 * i) // max(count, 1)),
                "text": text, "sentiment": sentiment, "relevant": relevant,
                "cluster_id": cluster or f"solo-{source}-{source_id}",
                "founder": cluster is None or i == 0})
        return ids

    def flush(self) -> None:
        """Write everything added since the last flush, in bulk."""
        if not self._rows:
            return
        frame = pd.DataFrame(self._rows)
        self._rows = []
        tags = frame[["source", "source_id", "brand", "topics"]].explode("topics") \
            .rename(columns={"topics": "topic"})
        with registered(self.con, frame, "incoming") as incoming, \
                registered(self.con, tags, "incoming_tags") as incoming_tags:
            self.con.execute(f"""
                INSERT INTO core__mentions (source, source_id, stream, url, text, created_at,
                    categories, batch_id, first_seen_at, last_seen_at)
                SELECT source, source_id, 'main', 'https://example.com/' || source || '/'
                       || source_id, text, created_at, [], 'b', created_at, created_at
                FROM {incoming}""")
            self.con.execute(f"""
                INSERT INTO core__mention_tags SELECT source, source_id, brand, false, topic
                FROM {incoming_tags}""")
            self.con.execute(f"""
                INSERT INTO core__enrichments SELECT source, source_id, 'sha', 'en', 1.0,
                    'detected', sentiment, if(scored, 0.0, NULL), if(scored, 0.9, NULL),
                    relevant, 0.9, 'test', 'complaint', 'test', '{{}}', 'v1', created_at, 0.1,
                    'test', if(scored, 'en', NULL), 'test'
                FROM (SELECT *, sentiment <> 'not_scored' AS scored FROM {incoming})""")
            self.con.execute(f"""
                INSERT INTO core__cluster_members SELECT source, source_id, cluster_id,
                    CASE WHEN founder THEN 'founder' ELSE 'similar' END, 0.9, 0.9, 'enc', NULL
                FROM {incoming}""")


def build(path: Path) -> Warehouse:
    con = duckdb.connect(str(path))
    migrate(con)
    return Warehouse(path, con)


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    built = build(tmp_path / "warehouse.duckdb")
    yield built
    built.con.close()


def flat_history(warehouse: Warehouse, start: datetime, end: datetime, *,
                 brand: str = BRAND, source: str = "x", topics=("billing",),
                 base: int = 3) -> None:
    """Every hour in [start, end): `base` to `base + 2` mentions (by hour and week), one of
    them negative in every other hour: a steady series with a little honest noise."""
    hour = start
    while hour < end:
        week = int((hour - WATCHED_FROM) / timedelta(weeks=1))
        count = base + (hour.hour + week) % 3
        warehouse.mentions(hour, count - 1, brand=brand, source=source, topics=topics)
        warehouse.mentions(hour, 1, brand=brand, source=source, topics=topics,
                           sentiment="negative" if hour.hour % 2 else "neutral")
        hour += timedelta(hours=1)
