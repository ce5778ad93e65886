"""Which hours rose far above their usual level: the detection that the process DAG, the
backtest and the evaluation all run, on any DuckDB with carewire's schema.

A *series* is a brand's mentions on one source about one topic, plus the rollups across
sources and across topics (`*`): (brand, source, topic), (brand, *, topic),
(brand, source, *), (brand, *, *). Each series is counted per UTC hour twice: all its
mentions (`mentions`), and those enrichment read as negative and relevant (`negative`).

An hour is judged against the same hour of the week in the `history_weeks` weeks before
it: volume follows the week (Monday 9:00 is not Sunday 3:00), so the fair comparison is
last Monday 9:00, the Monday before, and so on. Those weeks are a grid: a week whose hour
had no mention counts as 0, not as missing. The baseline is their median, and their
median absolute deviation (MAD) scaled by 1.4826 (so that it estimates a standard
deviation for normal data); both ignore a past outage or spike, which a mean and standard
deviation would not. The hour fires when

    count >= min_count  and  count > median + k * spread,
    spread = max(MAD, sqrt(median), floor)

Counts of independent posts vary at least like a Poisson count, whose standard deviation
is the square root of its mean; eight values are few, and their MAD can collapse to 0
(on real traffic: a median of 18 with MAD 0), which would make any small excess fire.
The square root keeps the spread honest there; on the twcs evaluation it halves the
alerts at almost the same recall for real bursts (docs/alerts.md). `floor` keeps a
series that is nearly always quiet (median 0) from firing on two mentions; `min_count`
is the least volume anyone should be woken for.

Weeks before a source was watched (the start of its first landed interval) are not
zeros, they are unknown: an hour with fewer than `min_history_weeks` watched weeks is
reported as "not enough history" and never fires. A rollup across sources is watched
from when its last source was, because adding a source raises its volume for good.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import duckdb

from carewire.core.settings import AlertSettings
from carewire.core.types import utc
from carewire.warehouse.db import records

METRICS = {"mentions": "mentions", "negative": "negative relevant mentions"}
ALL = "*"
"""The source or topic of a rollup: every source, every topic."""
MAD_SCALE = 1.4826
TOP_CLUSTERS = 3
EXAMPLES = 3
FOUNDER_CHARS = 120

_JUDGE = """
WITH watched AS (        -- a source is watched from the start of its first landed interval
    SELECT source, min(interval_start AT TIME ZONE 'UTC') AS since
    FROM raw__landing_batches GROUP BY source
),
tagged AS (              -- one row per mention, brand and topic; hours in UTC
    SELECT DISTINCT t.brand, m.source AS src, t.topic AS tpc,
           m.source || ':' || m.source_id AS mention,
           date_trunc('hour', m.created_at AT TIME ZONE 'UTC') AS hour_start,
           coalesce(e.sentiment = 'negative' AND e.relevant, false) AS negative
    FROM core__mentions m
    JOIN core__mention_tags t USING (source, source_id)
    LEFT JOIN core__enrichments e USING (source, source_id)
    WHERE NOT m.is_deleted AND m.created_at >= $read_from AND m.created_at < $read_until
),
hourly AS (              -- a mention with two topics counts once in the brand's total
    SELECT brand, coalesce(src, '*') AS source, coalesce(tpc, '*') AS topic, hour_start,
           count(DISTINCT mention) AS mentions,
           count(DISTINCT mention) FILTER (WHERE negative) AS negative
    FROM tagged
    GROUP BY GROUPING SETS ((brand, src, tpc, hour_start), (brand, tpc, hour_start),
                            (brand, src, hour_start), (brand, hour_start))
),
counts AS (UNPIVOT hourly ON mentions, negative INTO NAME metric VALUE n),
candidates AS (          -- only an hour at or above min_count can fire
    SELECT * FROM counts
    WHERE hour_start >= $since AND hour_start < $until AND n >= $min_count
),
history AS (             -- the same hour of the week, 1..N weeks back: 0 when nothing came
    SELECT c.metric, c.brand, c.source, c.topic, c.hour_start, c.n,
           coalesce(p.n, 0) AS past,
           coalesce(c.hour_start - to_weeks(w.week) >= CASE
               WHEN c.source = '*' THEN (SELECT max(since) FROM watched)
               ELSE s.since END, false) AS known
    FROM candidates c
    CROSS JOIN range(1, $weeks + 1) AS w(week)
    LEFT JOIN counts p ON p.metric = c.metric AND p.brand = c.brand AND p.source = c.source
                      AND p.topic = c.topic AND p.hour_start = c.hour_start - to_weeks(w.week)
    LEFT JOIN watched s ON s.source = c.source
),
baselines AS (
    SELECT metric, brand, source, topic, hour_start, any_value(n) AS n,
           count(*) FILTER (WHERE known) AS weeks,
           coalesce(median(past) FILTER (WHERE known), 0) AS median,
           coalesce($mad_scale * mad(past) FILTER (WHERE known), 0) AS mad
    FROM history
    GROUP BY metric, brand, source, topic, hour_start
)
SELECT metric, brand, source, topic, hour_start, n, weeks, median, mad, spread,
       median + $k * spread AS threshold, (n - median) / spread AS score,
       CASE WHEN weeks < $min_weeks THEN 'not enough history'
            WHEN n > median + $k * spread THEN 'fired'
            ELSE 'usual' END AS verdict
FROM (SELECT *, greatest(mad, sqrt(median), $floor) AS spread FROM baselines)
ORDER BY hour_start, metric, brand, source, topic
"""

_HIT = """
WITH hit AS (            -- the mentions the alert counted
    SELECT DISTINCT m.source, m.source_id, coalesce(m.url, m.source || ':' || m.source_id)
           AS link, m.created_at
    FROM core__mentions m
    JOIN core__mention_tags t USING (source, source_id)
    LEFT JOIN core__enrichments e USING (source, source_id)
    WHERE NOT m.is_deleted AND t.brand = $brand
      AND ($source = '*' OR m.source = $source) AND ($topic = '*' OR t.topic = $topic)
      AND m.created_at >= $start AND m.created_at < $end
      AND ($metric = 'mentions' OR (e.sentiment = 'negative' AND e.relevant))
)
"""

_BEHIND = _HIT + """
SELECT k.cluster_id, count(*) AS mentions, any_value(c.size) AS size,
       any_value(c.founder_text) AS founder_text,
       list(h.link ORDER BY h.created_at, h.source, h.source_id)[1:$examples] AS examples
FROM hit h
JOIN core__cluster_members k USING (source, source_id)
LEFT JOIN core__issue_clusters c USING (cluster_id)
GROUP BY k.cluster_id
HAVING count(*) > 1      -- an issue is raised by more than one mention
ORDER BY mentions DESC, size DESC NULLS LAST, k.cluster_id
LIMIT $top
"""

_NOT_SCORED = """
SELECT count(DISTINCT (m.source, m.source_id))
FROM core__mentions m
JOIN core__mention_tags t USING (source, source_id)
JOIN core__enrichments e USING (source, source_id)
WHERE NOT m.is_deleted AND t.brand = $brand
  AND ($source = '*' OR m.source = $source) AND ($topic = '*' OR t.topic = $topic)
  AND m.created_at >= $start AND m.created_at < $end
  AND e.sentiment = 'not_scored' AND e.relevant
"""
"""The relevant mentions of an hour whose sentiment no model could score (their language
has none): a negative spike cannot count them, so its explanation says how many there were."""

_EXAMPLES = _HIT + """
SELECT link FROM hit ORDER BY created_at, source, source_id LIMIT $examples
"""


@dataclass(frozen=True)
class Alert:
    """One hour of one series that rose: what, by how much, and what it was about."""

    alert_id: str
    metric: str                 # mentions | negative
    brand: str
    source: str                 # a source, or * (all)
    topic: str                  # a topic, or * (all)
    hour_start: datetime
    count: int
    baseline_median: float
    baseline_mad: float
    baseline_weeks: int
    baseline_spread: float
    threshold: float
    score: float
    explanation: str
    top_clusters: tuple[dict[str, Any], ...] = ()
    examples: tuple[str, ...] = ()

    @property
    def series(self) -> str:
        return series_label(self.brand, self.source, self.topic)

    @property
    def title(self) -> str:
        return (f"{METRICS[self.metric].capitalize()} spike: {self.series}, "
                f"{self.hour_start:%a %d %b %H:00} UTC")


@dataclass
class Detection:
    """What one pass over a window found. `judged` counts the series-hours at or above
    `min_count` that had enough history; `not_enough_history` those that had not."""

    since: datetime
    until: datetime
    alerts: list[Alert] = field(default_factory=list)
    judged: int = 0
    not_enough_history: int = 0
    series_without_history: list[str] = field(default_factory=list)


def alert_id(metric: str, brand: str, source: str, topic: str, hour_start: datetime) -> str:
    """Stable: the same spike found by a rerun, a retry or a backtest is the same alert."""
    key = f"{metric}|{brand}|{source}|{topic}|{utc(hour_start).isoformat()}"
    return "alert-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def hour_floor(moment: datetime) -> datetime:
    return utc(moment).replace(minute=0, second=0, microsecond=0)


def series_label(brand: str, source: str, topic: str) -> str:
    where = "all sources" if source == ALL else source
    about = "all topics" if topic == ALL else f"topic {topic}"
    return f"{brand} / {where} / {about}"


def detect(con: duckdb.DuckDBPyConnection, since: datetime, until: datetime,
           settings: AlertSettings) -> Detection:
    """Judge every complete hour in [since, until) (both rounded down to the hour) and
    explain the ones that fired. Reads only."""
    start, end = hour_floor(since), hour_floor(until)
    detection = Detection(start, end)
    if end <= start:
        return detection
    judged = records(con, _JUDGE, {
        "read_from": start - timedelta(weeks=settings.history_weeks), "read_until": end,
        "since": _naive(start), "until": _naive(end), "weeks": settings.history_weeks,
        "min_count": settings.min_count, "min_weeks": settings.min_history_weeks,
        "k": settings.k, "floor": settings.floor, "mad_scale": MAD_SCALE,
    })
    no_history: dict[str, None] = {}
    fired = []
    for row in judged:
        if row["verdict"] == "not enough history":
            detection.not_enough_history += 1
            no_history[series_label(row["brand"], row["source"], row["topic"])] = None
            continue
        detection.judged += 1
        if row["verdict"] == "fired":
            fired.append(row)
    detection.alerts = [_explained(con, row, settings.k) for row in _without_repeats(fired)]
    detection.series_without_history = list(no_history)
    return detection


def _without_repeats(fired: list[dict]) -> list[dict]:
    """Drop a rollup that fired with the same count as a narrower series inside it that
    fired too: it holds exactly the same mentions (a subset of equal size), so it would
    only repeat that alert. A rollup with more mentions than any narrower alert stays: a
    rise spread over several sources or topics is news of its own."""
    def repeats(wide: dict, narrow: dict) -> bool:
        return (narrow is not wide and narrow["n"] == wide["n"]
                and all(narrow[key] == wide[key] for key in ("metric", "brand", "hour_start"))
                and wide["source"] in (ALL, narrow["source"])
                and wide["topic"] in (ALL, narrow["topic"]))
    return [row for row in fired if not any(repeats(row, other) for other in fired)]


def _explained(con, row: dict, k: float) -> Alert:
    metric, brand, source, topic = row["metric"], row["brand"], row["source"], row["topic"]
    hour = row["hour_start"].replace(tzinfo=timezone.utc)
    n, weeks, median, mad = int(row["n"]), int(row["weeks"]), float(row["median"]), \
        float(row["mad"])
    spread, threshold, score = float(row["spread"]), float(row["threshold"]), \
        float(row["score"])
    params = {"brand": brand, "source": source, "topic": topic, "metric": metric,
              "start": hour, "end": hour + timedelta(hours=1), "examples": EXAMPLES}
    clusters = tuple(
        {"cluster_id": cluster, "mentions": int(mentions), "size": None if size is None
         else int(size), "founder_text": _shorten(founder), "examples": list(examples)}
        for cluster, mentions, size, founder, examples
        in con.execute(_BEHIND, {**params, "top": TOP_CLUSTERS}).fetchall())
    examples = (tuple(c["examples"][0] for c in clusters) or
                tuple(link for (link,) in con.execute(_EXAMPLES, params).fetchall()))
    ratio = (f"{n / median:.1f}x the median" if median > 0 else "from a median of 0")
    rose = (f"{METRICS[metric].capitalize()} of {series_label(brand, source, topic)}: {n} in "
            f"the hour from {hour:%Y-%m-%d %H:00} UTC against a median of {median:g} in that "
            f"hour of the week over the {weeks} weeks before (MAD {mad:.1f}, spread "
            f"{spread:.1f}); {ratio}, {score:.1f} spreads above it (alerts start above "
            f"{k:g} spreads: more than {threshold:.1f}).")
    if metric == "negative":
        unscored = con.execute(_NOT_SCORED, {key: params[key] for key in (
            "brand", "source", "topic", "start", "end")}).fetchone()[0]
        if unscored:
            rose += (f" {unscored} relevant mentions of that hour were not scored (no "
                     "sentiment model for their language) and are not counted.")
    behind = "; ".join(f'"{c["founder_text"]}" ({c["mentions"]})' for c in clusters)
    return Alert(
        alert_id=alert_id(metric, brand, source, topic, hour), metric=metric, brand=brand,
        source=source, topic=topic, hour_start=hour, count=n, baseline_median=median,
        baseline_mad=mad, baseline_weeks=weeks, baseline_spread=spread,
        threshold=threshold, score=score,
        explanation=rose + (f" Top issues: {behind}." if behind else
                            " No two of these mentions are in one issue cluster."),
        top_clusters=clusters, examples=examples)


def _shorten(text: str | None) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= FOUNDER_CHARS else flat[:FOUNDER_CHARS - 1].rstrip() + "…"


def _naive(moment: datetime) -> datetime:
    """UTC wall time: the SQL works on hours as plain timestamps in UTC, so that neither
    the session's time zone nor a daylight-saving change moves an hour or a week."""
    return utc(moment).replace(tzinfo=None)
