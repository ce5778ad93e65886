"""The alerts evaluation of `make eval`: the pipeline's detection SQL on real traffic.

Data: the twcs inbound customer tweets (Kaggle "Customer Support on Twitter", Oct-Dec
2017), each given to the brand whose support handle it addresses (the first @handle that
is a brand's account in the files). They are loaded into a migrated DuckDB shaped like
the warehouse (core__mentions, core__mention_tags with topic 'other', core__enrichments
with the configured sentiment model's reading, and a landing batch that says the source
is watched from 2017-10-04, when the corpus's volume begins) and judged by
`alerts.detect.detect`, exactly as the process DAG judges a warehouse.

There is no ground truth for spikes in twcs, so two things are reported, and neither is
a precision:

1. The alert rate on the real series: how many alerts would have fired per week, per
   metric, and the strongest ones, so a person can judge whether they look like real
   incidents. Some surely are (an app update that breaks playback shows as a burst).
2. A synthetic injection check: a burst of N extra negative mentions is added to a real
   hour (one hour per hour-of-week slot, so that no injection sits in another's baseline)
   and we count how often that brand's hour then fires: detection recall per burst size,
   on the dense series (SpotifyCares, about 10 mentions an hour) and on sparse ones
   (brands with a few mentions a day). Hours that fired before the injection are left out.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import duckdb
import numpy as np
import pandas as pd

from carewire.alerts.detect import Detection, detect
from carewire.core.settings import AlertSettings, load_settings
from evals import datasets
from carewire.warehouse.db import registered
from carewire.warehouse.migrate import migrate

SOURCE = "x"
WATCHED_FROM = datetime(2017, 10, 4, tzinfo=timezone.utc)
UNTIL = datetime(2017, 12, 4, tzinfo=timezone.utc)
DENSE = ("SpotifyCares",)
SPARSE_MIN_MENTIONS = 40
"""Brands with at least this many inbound tweets in the files (from a few a week to a few a
day) form the sparse group; rarer ones would barely ever reach min_count."""
BURSTS = (5, 10, 20, 40)
SEED = 20171204
_LISTED = 40
_HANDLE = re.compile(r"@(\w+)")


def brand_handles() -> set[str]:
    """The brands' own accounts: every author of an outbound (brand) tweet in the files."""
    rows = datasets.twcs_rows(["author_id", "inbound"])
    return set(rows.loc[rows["inbound"].str.strip() == "False", "author_id"].dropna())


def inbound_by_brand() -> pd.DataFrame:
    """Inbound tweets with the brand they address; tweets that name no brand are left out."""
    handles = brand_handles()
    tweets = datasets.twcs_inbound()
    tweets["brand"] = tweets["text"].map(
        lambda text: next((h for h in _HANDLE.findall(text) if h in handles), None))
    return tweets.dropna(subset=["brand"]).reset_index(drop=True)


def negative_relevant(texts: list[str]) -> np.ndarray:
    """The configured enrichment's reading, as the warehouse would hold it."""
    from carewire import enrichment

    scored = enrichment.score_texts(texts)
    return ((scored["sentiment"] == "negative") & scored["relevant"]).to_numpy()


def warehouse(tweets: pd.DataFrame, negative: np.ndarray) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with carewire's schema holding the tweets as X mentions."""
    con = duckdb.connect()
    migrate(con)
    con.execute("INSERT INTO raw__landing_batches VALUES ('x/twcs/0', ?, 'twcs', ?, ?, "
                "'twcs', '-', 0, 0, 0)", [SOURCE, WATCHED_FROM, WATCHED_FROM + timedelta(hours=1)])
    add_mentions(con, tweets.assign(negative=negative))
    return con


def add_mentions(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> None:
    """Rows with tweet_id, created_at, text, brand, negative (bool) into the core tables."""
    with registered(con, rows[["tweet_id", "created_at", "text", "brand", "negative"]]) as new:
        con.execute(f"""INSERT INTO core__mentions (source, source_id, stream, text, created_at,
                            categories, batch_id, first_seen_at, last_seen_at)
                        SELECT '{SOURCE}', tweet_id, 'twcs', text, created_at, [], 'twcs',
                               created_at, created_at FROM {new}""")
        con.execute(f"""INSERT INTO core__mention_tags
                        SELECT '{SOURCE}', tweet_id, brand, false, 'other' FROM {new}""")
        con.execute(f"""INSERT INTO core__enrichments BY NAME
                        SELECT '{SOURCE}' AS source, tweet_id AS source_id, '-' AS text_sha,
                               'en' AS language, 1 AS language_confidence,
                               'detected' AS language_source,
                               CASE WHEN negative THEN 'negative' ELSE 'neutral' END
                                   AS sentiment, 0 AS sentiment_score,
                               1 AS sentiment_confidence, true AS relevant,
                               1 AS relevance_score, 'eval' AS relevance_reason,
                               'other' AS intent, 'eval' AS intent_reason, '{{}}' AS models,
                               'eval' AS models_version, created_at AS enriched_for
                        FROM {new}""")


def remove_mentions(con: duckdb.DuckDBPyConnection, prefix: str) -> None:
    for table in ("core__mentions", "core__mention_tags", "core__enrichments"):
        con.execute(f"DELETE FROM {table} WHERE source_id LIKE ?", [prefix + "%"])


def judged_window(settings: AlertSettings) -> tuple[datetime, datetime]:
    """From the first hour with `min_history_weeks` watched weeks behind it to the end."""
    return WATCHED_FROM + timedelta(weeks=settings.min_history_weeks), UNTIL


def injection_recall(con: duckdb.DuckDBPyConnection, settings: AlertSettings,
                     brands: list[str], fired_before: set[tuple[str, datetime]],
                     burst: int, rng: np.random.Generator) -> dict[str, float]:
    """Add `burst` negative mentions to one random judged hour per hour-of-week slot
    (each to a random brand of `brands`), judge, and count the injected hours that fire."""
    since, until = judged_window(settings)
    hours = pd.date_range(since, until, freq="h", inclusive="left")
    slots = pd.Series(hours).groupby(hours.dayofweek * 24 + hours.hour)
    chosen = [(brands[rng.integers(len(brands))], slot.iloc[rng.integers(len(slot))])
              for _, slot in slots]
    chosen = [(brand, hour.to_pydatetime()) for brand, hour in chosen
              if (brand, hour.to_pydatetime()) not in fired_before]
    rows = [{"tweet_id": f"inject-{i}-{k}", "text": "injected", "brand": brand,
             "created_at": hour + timedelta(seconds=k * 3599 // burst), "negative": True}
            for i, (brand, hour) in enumerate(chosen) for k in range(burst)]
    add_mentions(con, pd.DataFrame(rows))
    try:
        found = detect(con, since, until, settings)
    finally:
        remove_mentions(con, "inject-")
    fired = {(a.metric, a.brand, a.hour_start) for a in found.alerts}
    return {metric: float(np.mean([(metric, brand, hour) in fired for brand, hour in chosen]))
            for metric in ("mentions", "negative")} | {"hours": len(chosen)}


def evaluate() -> None:
    settings = load_settings().alerts
    tweets = inbound_by_brand()
    tweets = tweets[(tweets["created_at"] >= WATCHED_FROM) & (tweets["created_at"] < UNTIL)]
    tweets = tweets.reset_index(drop=True)
    negative = negative_relevant(tweets["text"].tolist())
    con = warehouse(tweets, negative)
    since, until = judged_window(settings)
    weeks = (until - since) / timedelta(weeks=1)
    counts = tweets["brand"].value_counts()
    sparse = sorted(b for b, n in counts.items() if n >= SPARSE_MIN_MENTIONS and b not in DENSE)
    print(f"Alerts, twcs inbound customer tweets: {len(tweets)} tweets to {counts.size} brands, "
          f"{WATCHED_FROM:%Y-%m-%d} .. {UNTIL:%Y-%m-%d}; {negative.mean():.3f} read as negative "
          f"and relevant by the configured model")
    print(f"  settings: k {settings.k:g}, min_count {settings.min_count}, floor "
          f"{settings.floor:g}, baseline of up to {settings.history_weeks} weeks, at least "
          f"{settings.min_history_weeks}; hours judged {since:%Y-%m-%d} .. {until:%Y-%m-%d} "
          f"({weeks:.1f} weeks)")
    print("  no ground truth for spikes: the rates below are what would reach the desk, "
          "not precision")

    found = detect(con, since, until, settings)
    _report_real(found, weeks, counts)
    fired_before = {(a.brand, a.hour_start) for a in found.alerts}
    rng = np.random.default_rng(SEED)
    print("  injection check: a burst of N extra negative mentions in one real hour per "
          "hour-of-week slot; recall = share of those hours that fire")
    for label, brands in (("dense (SpotifyCares, median ~10/h)", list(DENSE)),
                          (f"sparse ({len(sparse)} brands with >= {SPARSE_MIN_MENTIONS} "
                           "tweets)", sparse)):
        results = [(burst, injection_recall(con, settings, brands, fired_before, burst, rng))
                   for burst in BURSTS]
        print(f"    {label}: " + "; ".join(
            f"+{burst}: volume {r['mentions']:.2f}, negative {r['negative']:.2f}"
            for burst, r in results) + f"  (n={results[0][1]['hours']} hours each)")
    _show_examples(con, found, tweets, settings)


def _report_real(found: Detection, weeks: float, counts: pd.Series) -> None:
    per_metric = {m: sum(a.metric == m for a in found.alerts) for m in ("mentions", "negative")}
    dense = sum(a.brand in DENSE for a in found.alerts)
    print(f"  real series: {len(found.alerts)} alerts in {found.judged} series-hours judged "
          f"(at or above min_count): {len(found.alerts) / weeks:.1f} a week "
          f"(volume {per_metric['mentions']}, negative {per_metric['negative']}); "
          f"{dense} on SpotifyCares, {len(found.alerts) - dense} on "
          f"{len({a.brand for a in found.alerts} - set(DENSE))} other brands")
    per_week = pd.Series([a.hour_start.replace(tzinfo=None) for a in found.alerts],
                         dtype="datetime64[ns]")
    if len(per_week):
        weekly = per_week.dt.to_period("W").value_counts().sort_index()
        print("  alerts per week: " + ", ".join(f"{p.start_time:%m-%d} {n}"
                                                for p, n in weekly.items()))
    listed = [f"{a.hour_start:%m-%d %H}h {a.brand} {a.metric} {a.count} vs "
              f"{a.baseline_median:g}" for a in found.alerts[:_LISTED]]
    for start in range(0, len(listed), 4):
        print(("  every alert (count vs median): " if start == 0 else " " * 33)
              + "; ".join(listed[start:start + 4]))


def _show_examples(con: duckdb.DuckDBPyConnection, found: Detection, tweets: pd.DataFrame,
                   settings: AlertSettings) -> None:
    """The strongest alerts, with the issue clusters behind them: the hour's tweets are
    clustered by the pipeline's own model first (the eval does not cluster everything)."""
    from carewire import enrichment

    strongest = sorted(found.alerts, key=lambda a: -a.score)[:3]
    if not strongest:
        return
    print("  strongest alerts (the hour's tweets clustered by the pipeline's model):")
    for alert in strongest:
        hour = tweets[(tweets["brand"] == alert.brand)
                      & (tweets["created_at"] >= alert.hour_start)
                      & (tweets["created_at"] < alert.hour_start + timedelta(hours=1))]
        # Named after the founder's text: prefixed with the hour, so that two hours whose
        # clusters start with the same words do not share one.
        clusters = enrichment.cluster(hour["text"].tolist())
        members = pd.DataFrame({"source": SOURCE, "source_id": hour["tweet_id"],
                                "cluster_id": [f"{alert.hour_start:%Y%m%d%H}-{c}"
                                               for c in clusters]})
        with registered(con, members) as new:
            con.execute(f"""INSERT OR REPLACE INTO core__cluster_members
                            SELECT source, source_id, cluster_id, 'similar', NULL, NULL,
                                   'eval', NULL FROM {new}""")
        again = detect(con, alert.hour_start, alert.hour_start + timedelta(hours=1), settings)
        print(f"    {next(a for a in again.alerts if a.alert_id == alert.alert_id).explanation}")
