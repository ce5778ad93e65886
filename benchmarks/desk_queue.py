"""The desk's queue page with 100,000 open items, against the same page with 1,000.

Items are bulk-inserted into a fresh SQLite desk store (the default backend) with the
facets spread as in real traffic; the desk runs under uvicorn on loopback and a signed-in
`requests` session times whole page loads (HTTP, session check, the paged and filtered
queries, rendering). The baseline is the same page over a 1,000-item store, measured in
the same run: the ratio says how much the page slows with a 100x larger queue.

    make bench            # runs this after the other benchmarks
    python -m benchmarks.desk_queue [--items 100000]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

from benchmarks.connectors import machine
from carewire.core.settings import Settings
from carewire.desk.web import create_app
from carewire.routing.policy import policy_for
from carewire.desk.schema import desk_items
from tests.browser.conftest import LiveDesk

REPEATS = 21
PASSWORD = "benchmark password"
PAGES = {
    "queue, first page": "/queue/care",
    "queue, filtered": "/queue/care?sentiment=negative&source=x&influence_tier=regular",
    "queue, page 1000": "/queue/care?page=1000",
    "home (counts per team)": "/",
}
SOURCES = ("x", "reddit", "forums", "feeds")
SENTIMENTS = ("negative", "neutral", "negative", "positive")
INTENTS = ("complaint", "question", "praise", "other", "feature_idea")
TIERS = ("regular",) * 18 + ("influencer", "superfan")
TEAMS = ("care",) * 8 + ("community", "advocacy")


def seed(settings: Settings, app, items: int) -> None:
    """`items` open items, 80% in the care queue, in batches of 10,000."""
    start = datetime(2026, 11, 24, tzinfo=timezone.utc)
    mention = {"source": "x", "source_id": "1", "url": "https://x.com/a/status/1",
               "author": "a", "text": "my bill doubled", "created_at": start.isoformat()}
    engine = app.state.desk.engine
    for first in range(0, items, 10_000):
        rows = [{"delivery_key": f"bench-{n}", "route": "contact_center", "team": TEAMS[n % 10],
                 "priority": ("normal", "high", "urgent", "low")[n % 4],
                 "sla_due_at": start + timedelta(minutes=n), "status": "open",
                 "title": f"Kestrel bill doubled, case {n}", "body": "...", "cluster_id": None,
                 "rule_id": "account-problem", "reason": "bench", "mentions": [mention],
                 "experts": [], "created_at": start, "updated_at": start,
                 "source": SOURCES[n % 4], "language": "en", "sentiment": SENTIMENTS[n % 4],
                 "intent": INTENTS[n % 5], "influence_tier": TIERS[n % 20]}
                for n in range(first, min(first + 10_000, items))]
        with engine.begin() as conn:
            conn.execute(desk_items.insert(), rows)
    app.state.accounts.add_user("bench", PASSWORD, "lead")


def timings(items: int) -> dict[str, float]:
    """Median milliseconds per page load over a store of `items` open items."""
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(data_dir=Path(scratch))
        app = create_app(settings, policy_for(settings).desk_teams())
        seed(settings, app, items)
        with LiveDesk(app) as live:
            browser = requests.Session()
            form = browser.get(f"{live.url}/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
            signed = browser.post(f"{live.url}/login", data={
                "name": "bench", "password": PASSWORD, "csrf_token": token, "next": "/"})
            signed.raise_for_status()
            found = {}
            for label, path in PAGES.items():
                browser.get(live.url + path).raise_for_status()  # warm the caches
                runs = []
                for _ in range(REPEATS):
                    began = time.perf_counter()
                    answer = browser.get(live.url + path)
                    runs.append((time.perf_counter() - began) * 1000)
                    answer.raise_for_status()
                found[label] = statistics.median(runs)
        app.state.desk.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    print(machine())
    print(f"desk store: SQLite; each figure: median of {REPEATS} page loads over loopback HTTP,"
          " 80% of the items in the care queue\n")
    base, big = timings(1_000), timings(args.items)
    print(f"{'page':24} {'1,000 items ms':>15} {f'{args.items:,} items ms':>18} {'ratio':>6}")
    for label in PAGES:
        print(f"{label:24} {base[label]:>15.1f} {big[label]:>18.1f} "
              f"{big[label] / base[label]:>6.1f}")


if __name__ == "__main__":
    main()
