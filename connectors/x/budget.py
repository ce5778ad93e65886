"""The monthly read budget of the X API: a ledger shared by every X stream.

X bills (and caps) tweets read per month per project, whatever query read them. The
ledger is one file in the landing root, `x/_budget.json`:

    {"2026-11": {"tweets_read": 1520, "requests": 31}}

keyed by the month of the run's data interval end (never the wall clock, so a rerun of an
old interval is charged to the month it belongs to). The mapped ingest tasks of the X
streams run in parallel, so every read-modify-write holds an exclusive `fcntl` lock on
`x/_budget.json.lock` and replaces the file atomically.

Each month also records what every run read (`by_run`, keyed by stream and interval). A
retry or rerun of an interval is allowed to read again what its earlier attempts read:
otherwise it would stop short and its smaller batch would replace the one landed before,
losing tweets from the landing zone. The ledger still counts every read, so status shows
the true spend; the overshoot is at most one interval's reads per rerun.

Checking and charging are two steps: two streams that check at the same moment may each
read one more page than the budget allows, so the overshoot is at most one page
(`max_results` tweets) per stream running in parallel.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from carewire.connectors.landing import atomic_write, exclusive

CONFIG_KEY = "sources.x.monthly_read_budget"


def ledger_path(landing: Path) -> Path:
    return Path(landing) / "x" / "_budget.json"


def month_of(moment: datetime) -> str:
    return f"{moment:%Y-%m}"


def _locked(landing: Path):
    return exclusive(ledger_path(landing))


def _load(path: Path) -> dict[str, dict[str, int]]:
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def spent(landing: Path, month: str, run: str | None = None) -> dict[str, int]:
    """What the ledger holds for `month`: tweets_read and requests (zeros when new), and
    what earlier attempts of `run` read (`this_run`)."""
    with _locked(landing) as path:
        entry = _load(path).get(month, {})
    return {"tweets_read": int(entry.get("tweets_read", 0)),
            "requests": int(entry.get("requests", 0)),
            "this_run": int(entry.get("by_run", {}).get(run, 0)) if run else 0}


def charge(landing: Path, month: str, tweets: int, run: str, requests: int = 1
           ) -> dict[str, int]:
    """Add one page's reads to the ledger; returns the month's new totals."""
    with _locked(landing) as path:
        ledger = _load(path)
        entry = ledger.setdefault(month, {"tweets_read": 0, "requests": 0})
        entry["tweets_read"] = int(entry.get("tweets_read", 0)) + tweets
        entry["requests"] = int(entry.get("requests", 0)) + requests
        by_run = entry.setdefault("by_run", {})
        by_run[run] = int(by_run.get(run, 0)) + tweets
        atomic_write(path, json.dumps(ledger, indent=1, sort_keys=True) + "\n")
        return {"tweets_read": entry["tweets_read"], "requests": entry["requests"]}


def read(landing: Path, monthly_read_budget: int | None) -> dict[str, Any]:
    """For `carewire status`: the configured budget and what each month has used."""
    path = ledger_path(landing)
    months: dict[str, dict[str, int]] = {}
    if path.exists():  # status must not create folders
        with _locked(landing):
            months = _load(path)
    return {"ledger": str(path), "monthly_read_budget": monthly_read_budget,
            "config_key": CONFIG_KEY, "months": months}
