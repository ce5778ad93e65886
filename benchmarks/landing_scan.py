"""What a load pays to find nothing new in a landing zone of many minute batches.

At a minute cadence the landing zone gains a file per stream a minute (about 65,000 per
stream in 90 days at `*/2`), and every `hot_path` run starts with a load that must find
the new ones. Until migration 0021 it opened every file for its header and hashed it; now
a file whose size and mtime are the ones recorded at its load is skipped unopened.

This builds a zone of `--files` batches (each a copy, under its own interval, of a real
landed X page of 100 posts: about 60 KB, `tests/connectors/x/payloads.py`), records them
as loaded the way a load does (checksum and fingerprint), and times, in the same run:

- baseline: what the load did before for each run, every file's header read and its
  SHA-256 (`LandingZone.scan()` and `file_sha256`, the code it called);
- `load_landed` as it is now, on the same zone, with nothing new to load.

    python -m benchmarks.landing_scan --files 20000
    make bench            # runs it with the default, 20,000 files
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from benchmarks.connectors import machine
from carewire.app import pipeline
from carewire.connectors.base import Page, Stream
from carewire.connectors.landing import LandingZone, fingerprint
from carewire.core.settings import Settings
from carewire.core.types import Interval
from carewire.warehouse.db import connect
from carewire.warehouse.load import file_sha256
from tests.connectors.x.payloads import at, page, tweet

START = datetime(2026, 9, 1, tzinfo=timezone.utc)
STREAMS = [Stream("x", "brand"), Stream("reddit", "r-kestrel"), Stream("forums", "community"),
           Stream("feeds", "press")]


def build(settings: Settings, files: int) -> None:
    """`files` landed minute batches over the four streams, recorded as loaded."""
    landing = LandingZone.of(settings)
    body = page([tweet(at(24, 10, 0, n % 60), f"kestrel mobile post {n}", author=str(1000 + n))
                 for n in range(100)])
    rows, files_seen = [], []
    for n in range(files):
        stream = STREAMS[n % len(STREAMS)]
        start = START + timedelta(minutes=2 * (n // len(STREAMS)))
        batch = landing.write_batch(stream, Interval(start, start + timedelta(minutes=2)),
                                    [Page(url="https://api.x.com/2/tweets/search/recent",
                                          status=200, headers={}, body=body)])
        size, mtime_ns = fingerprint(batch.path)
        rows.append((batch.batch_id, stream.source, stream.name, batch.interval.start,
                     batch.interval.end, str(batch.path.relative_to(landing.root)),
                     file_sha256(batch.path), 1, 100, 0))
        files_seen.append((batch.batch_id, size, mtime_ns))
    with connect(settings.warehouse) as con:
        con.executemany("INSERT INTO raw__landing_batches VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.executemany("INSERT INTO raw__landing_files VALUES (?, ?, ?)", files_seen)


def baseline(settings: Settings) -> float:
    """Seconds to read every header and hash every file: the old load's cost per run."""
    started = time.perf_counter()
    batches, _ = LandingZone.of(settings).scan()
    for batch in batches:
        file_sha256(batch.path)
    return time.perf_counter() - started


def now(settings: Settings) -> tuple[float, dict]:
    started = time.perf_counter()
    report = pipeline.load_landed(settings)
    return time.perf_counter() - started, report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000, help="landed batches in the zone")
    args = parser.parse_args(argv)
    print(machine())
    with tempfile.TemporaryDirectory(prefix="carewire-scan-") as folder:
        settings = Settings(data_dir=Path(folder))
        pipeline.migrate(settings)
        build(settings, args.files)
        size = sum(p.stat().st_size for p in settings.landing.glob("*/*/*.jsonl"))
        print(f"landing zone: {args.files} batches, {size / 2**20:.0f} MiB, "
              f"{len(STREAMS)} streams; nothing new to load")
        old = min(baseline(settings) for _ in range(3))  # the page cache warm for both
        new, report = min((now(settings) for _ in range(3)), key=lambda r: r[0])
        assert report["batches_loaded"] == 0 and report["batches_unchanged"] == args.files
        print(f"read and hash every file (before 0021)  {old:8.3f} s  "
              f"{1e6 * old / args.files:7.1f} us/file")
        print(f"load_landed now (size and mtime)        {new:8.3f} s  "
              f"{1e6 * new / args.files:7.1f} us/file")
        print(f"landing scan: {old / new:.1f}x faster than reading and hashing every file "
              f"({args.files} files)")


if __name__ == "__main__":
    main()
