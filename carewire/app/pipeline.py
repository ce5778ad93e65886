"""The pipeline's steps as plain functions: the DAG tasks and the CLI both call these.

    ingest_stream   platform -> landing batch + cursor        (one per stream, in parallel)
    migrate         bring the warehouse schema up to date
    load_landed     landing batches not loaded yet -> raw / core tables
    enrich          new mentions -> sentiment, language, relevance, intent, embeddings,
                    issue clusters; author influence recomputed; brand and topic tags
    detect_alerts   recent hours -> volume and negative spikes -> desk and webhooks
    route           enriched mentions -> routing decisions (rule, evidence) -> deliveries
    gate            data-quality suites on what a step touched -> results, held
                    batches, quarantined rows (after load, enrich and route)
    deliver         pending deliveries -> desk, Discourse, Zendesk, webhook (once each)
    sync_outcomes   destinations -> outcome events; answer offers and escalations;
                    badges and thank-yous for helpful answers (community.recognition)
    publish         warehouse -> analyst snapshot (atomic replace) -> Parquet exports
    maintain        erasures, platform deletions, retention, compaction -> publish

Only the steps after ingest touch the warehouse; the process and sync_outcomes DAGs run
them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

from carewire.core.errors import ConfigError, FatalSourceError
from carewire.core.settings import Settings
from carewire.connectors import CONNECTORS, connector_for
from carewire.core.types import Credentials, Interval, Lake
from carewire.connectors.base import MALFORMED, Stream
from carewire.connectors.landing import LandingZone

log = logging.getLogger(__name__)


REPLAY_CREDENTIALS = Credentials(login="replay", password="replay",
                                 extra={"bearer_token": "replay", "user_agent": "carewire replay"})


def find_stream(settings: Settings, source: str, name: str) -> Stream:
    """The configured stream `name` of `source`; a clear error when there is none."""
    if source not in CONNECTORS:
        raise ConfigError(f"unknown source {source!r}; carewire has connectors for "
                          f"{', '.join(sorted(CONNECTORS))}")
    for stream in CONNECTORS[source].streams(getattr(settings.sources, source)):
        if stream.name == name:
            return stream
    raise ConfigError(f"no {source} stream named {name!r} in the config")


def ingest_stream(settings: Settings, source: str, stream_name: str, interval: Interval,
                  credentials: Mapping[str, Credentials] | None = None) -> dict[str, Any]:
    """Fetch one stream for one data interval into the landing zone.

    The cursor is read as it stood when the interval began and saved only after the batch
    is on disk: a failure in between leaves the old cursor, and the rerun replaces the batch.
    """
    stream = find_stream(settings, source, stream_name)
    credentials = dict(credentials or {})
    if settings.http.replay_dir is not None and stream.conn_id:
        # Recorded traffic carries placeholder tokens (as praw's own cassettes do): the
        # demo and tests need no Airflow Connection and no secret.
        credentials.setdefault(stream.conn_id, REPLAY_CREDENTIALS)
    connector = connector_for(settings, source, credentials)
    landing = LandingZone.of(settings)
    try:
        result = connector.fetch(stream, landing.cursor_before(stream, interval.start), interval)
    except MALFORMED as exc:  # paging read a field of a shape it did not expect
        raise FatalSourceError(
            f"the platform answered in a shape the {source} connector cannot page through "
            f"({type(exc).__name__}: {exc}); nothing was landed and the cursor did not move. "
            "Report it with this message; the next run asks again.",
            source=source, stream=stream_name) from exc
    batch = landing.write_batch(stream, interval, result.pages)
    landing.save_cursor(stream, interval, result.cursor, result.summary)
    return {"source": source, "stream": stream_name, "interval": interval.key,
            "batch": str(batch.path), "pages": len(result.pages),
            "statuses": [page.status for page in result.pages], **result.summary}


def migrate(settings: Settings) -> list[str]:
    from carewire.warehouse.db import connect
    from carewire.warehouse.migrate import migrate as apply

    with connect(settings.warehouse) as con:
        return [f"{m.version:04d}_{m.name}" for m in apply(con)]


def load_landed(settings: Settings,
                window: tuple[datetime, datetime] | None = None) -> dict[str, Any]:
    """Load every landing batch that is new or changed since it was last loaded; with
    `window`, reload every batch whose interval overlaps it, changed or not, and no other
    (a rerun: the landing files are parsed again, no platform is asked, and the load gates
    judge each reloaded batch again)."""
    from carewire.connectors.landing import UNREADABLE, unreadable
    from carewire.warehouse.db import connect
    from carewire.warehouse.load import (file_sha256, load_batch, loaded_checksums,
                                         quarantine_file, record_fingerprint)

    landing = LandingZone.of(settings)
    per_stream: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    reasons: dict[str, int] = defaultdict(int)
    loaded = skipped = 0
    with connect(settings.warehouse) as con:
        known = loaded_checksums(con)

        def unchanged(batch_id: str, seen: tuple[int, int]) -> bool:
            """The very file that was loaded: not opened again (a rerun reads every file)."""
            nonlocal skipped
            if window is None and batch_id in known and known[batch_id][1] == seen:
                skipped += 1
                return True
            return False

        batches, broken = landing.scan(unchanged)
        for batch in batches:
            if window is not None and not (batch.interval.start < window[1]
                                           and batch.interval.end > window[0]):
                continue
            sha = file_sha256(batch.path)
            if window is None and batch.batch_id in known and known[batch.batch_id][0] == sha:
                record_fingerprint(con, batch)
                skipped += 1
                continue
            stream = Stream(batch.source, batch.stream)
            parse = CONNECTORS[batch.source].parse
            try:
                pages = list(batch.pages())
            except UNREADABLE as exc:  # one damaged file never stops the other batches
                broken.append(unreadable(batch.path, exc))
                continue
            parsed = [parse(stream, page) for page in pages]
            counts = load_batch(con, batch, landing.root, sha, pages, parsed,
                                rejudge=window is not None)
            for reason in counts.pop("reasons"):
                reasons[f"{batch.source}/{batch.stream}: {reason}"] += 1
            for name, value in counts.items():
                per_stream[f"{batch.source}/{batch.stream}"][name] += value
            loaded += 1
        for file in broken:
            quarantine_file(con, file, landing.root)
            reasons[f"{file.source}/{file.stream}: landing file cannot be read"] += 1
        totals = dict(con.execute("""
            SELECT 'mentions', count(*) FROM core__mentions UNION ALL
            SELECT 'authors', count(*) FROM core__authors UNION ALL
            SELECT 'quarantined', count(*) FROM raw__quarantine""").fetchall())
    return {"batches_loaded": loaded, "batches_unchanged": skipped,
            "unreadable_files": [file.reason for file in broken],
            "per_stream": {k: dict(v) for k, v in sorted(per_stream.items())},
            "quarantine_reasons": dict(reasons), "warehouse_totals": totals}


def enrich(settings: Settings, window: tuple[datetime, datetime] | None = None,
           all_in_window: bool = False) -> dict[str, Any]:
    """Enrich and cluster what is new; with `window`, also re-enrich the mentions created
    in it whose models are not the configured ones (after a model change), or all of them
    with `all_in_window`. Then tag every mention with the brands and topics configured
    now, for the dashboards."""
    from carewire.enrichment.pairs import PairModel
    from carewire.enrichment.enricher import Enricher
    from carewire.enrichment.step import run
    from carewire.warehouse.db import connect
    from carewire.warehouse.community import write_spaces
    from carewire.warehouse.tags import tag_mentions

    enricher = Enricher(settings.enrichment)
    with connect(settings.warehouse) as con:
        enriched = run(con, settings, enricher, PairModel.default(), window, all_in_window)
        tags = tag_mentions(con, settings)
        spaces = write_spaces(con, settings)
    _say_set_aside("enrich", enriched["set_aside"])
    _say_set_aside("cluster", enriched["cluster_set_aside"])
    return {**enriched, "tags_by_brand": tags, "community_spaces": spaces}


def set_aside_in(enriched: dict | None, routed: dict | None) -> dict[str, int]:
    """Per step, the records the run's enrich and route steps set aside (none when a step
    did not run)."""
    counts = {"enrich": (enriched or {}).get("set_aside", 0),
              "cluster": (enriched or {}).get("cluster_set_aside", 0),
              "route": (routed or {}).get("set_aside", 0)}
    return {step: count for step, count in counts.items() if count}


def _say_set_aside(step: str, count: int) -> None:
    if count:
        log.warning("%s failed on %d records alone: they are set aside in raw__quarantine "
                    "(stage %s) with the error, the others went on. After the fix, "
                    "`carewire quality retry %s` has the next run try them again",
                    step, count, step, step)


def publish(settings: Settings, *, run_id: str | None = None, interval: Interval | None = None,
            now: datetime | None = None) -> Path | Lake:
    """Publish the snapshot, then export its analyst-facing tables from it. `now` is when
    (the wall clock when not given: `published_at` records the moment it happened, not a
    data time); `run_id` and `interval` say which run and data interval it follows."""
    from carewire.warehouse.exports import export_parquet
    from carewire.warehouse.snapshot import Publication
    from carewire.warehouse.snapshot import publish as publish_snapshot

    now = now or datetime.now(timezone.utc)
    publication = Publication(now, run_id or f"manual-{now:%Y%m%dT%H%M%SZ}", interval)
    shared = settings.share_with_group
    snapshot = publish_snapshot(settings.warehouse, settings.snapshot, publication,
                                share_with_group=shared,
                                storage_version=settings.snapshot_storage_version)
    export_parquet(snapshot, settings.exports, share_with_group=shared)
    return snapshot


def maintain(settings: Settings, now: datetime) -> dict[str, Any]:
    """Everything the maintenance DAG does, in one call (`carewire maintenance run`):
    erasures, platform deletions, retention, compaction, then a fresh snapshot."""
    from carewire.maintenance import step

    migrate(settings)
    erased = step.erase_all(settings, now)
    purged = step.retention(settings, now)
    compacted = step.compact(settings)
    return {"erasures": erased, "retention": purged, "compacted": compacted,
            "snapshot": str(publish(settings))}


def detect_alerts(settings: Settings, now: datetime,
                  credentials: Mapping[str, Credentials] | None = None,
                  since: datetime | None = None) -> dict[str, Any]:
    """Judge the recent complete hours (or those since `since`) for spikes, store the new
    alerts once, and send them and any earlier unsent ones to the desk and the webhooks."""
    from carewire.alerts.step import run
    from carewire.desk.store import Desk
    from carewire.warehouse.db import connect

    if not settings.alerts.enabled:
        return {"enabled": False}
    with Desk(settings.desk_url) as desk, connect(settings.warehouse) as con:
        return run(con, settings, credentials or {}, desk.engine, now, since)


def route(settings: Settings, decided_for: datetime, now: datetime) -> dict[str, Any]:
    """Decide every enriched mention that has no decision yet, and plan its delivery:
    for the interval ending `decided_for`, at `now` (the decisions' decided_at)."""
    from carewire.routing.policy import policy_for
    from carewire.routing.step import run
    from carewire.warehouse.db import connect

    with connect(settings.warehouse) as con:
        routed = run(con, policy_for(settings), decided_for, now)
    _say_set_aside("route", routed["set_aside"])
    return routed


def gate(settings: Settings, suite_names: Sequence[str], run_id: str,
         now: datetime) -> dict[str, Any]:
    """Judge what the suites have not judged yet (docs/quality.md): store the results,
    quarantine the failing rows and hold their batches back from routing. It does not
    raise for failed expectations, so the good batches flow on; `quality_failures` says
    at the end of the run what failed."""
    from carewire.quality.gates import run
    from carewire.warehouse.db import connect

    with connect(settings.warehouse) as con:
        return run(con, settings, suite_names, run_id, now)


def quality_failures(settings: Settings, run_ids: list[str]) -> list[dict[str, Any]]:
    """Every expectation that failed in the runs `run_ids`, read back from the warehouse."""
    from carewire.quality.store import run_failures
    from carewire.warehouse.db import connect

    with connect(settings.warehouse, read_only=True) as con:
        return run_failures(con, run_ids)


def deliver(settings: Settings, credentials: Mapping[str, Credentials], now: datetime,
            retry_blocked: bool = False) -> dict[str, Any]:
    """Hand every due delivery to its destination; what fails waits in the backlog."""
    from carewire.routing.deliver import deliver_pending
    from carewire.warehouse.db import connect

    with _destinations(settings, credentials) as destinations, \
            connect(settings.warehouse) as con:
        return deliver_pending(con, destinations, settings.routing, now, retry_blocked)


def sync_outcomes(settings: Settings, credentials: Mapping[str, Credentials],
                  now: datetime) -> dict[str, Any]:
    """Record what destinations report, queue answer offers and escalations, deliver them;
    then, where `community.recognition` is configured, recognise the accepted (or liked)
    answers by customers, once each (`recognition` in the result: acts planned, done, and
    the errors of those left planned for the next run). A destination that could not be
    asked fails the call, after the others are done; a recognition that could not be done
    never does."""
    from carewire.routing.deliver import deliver_pending
    from carewire.routing.destinations.base import RetriableDestinationError
    from carewire.routing.outcomes import sync
    from carewire.routing.policy import policy_for
    from carewire.warehouse.db import connect

    policy = policy_for(settings)
    with _destinations(settings, credentials) as destinations, \
            connect(settings.warehouse) as con:
        synced = sync(con, policy, destinations, now)
        synced["delivery"] = deliver_pending(con, destinations, settings.routing, now)
        if settings.community.recognition:
            synced["recognition"] = _recognise(con, settings, destinations, now)
    if synced["errors"]:
        raise RetriableDestinationError(
            f"outcomes could not be read from {', '.join(sorted(synced['errors']))}: "
            f"{'; '.join(synced['errors'].values())}. The rest were synced ({synced}); the "
            "next run asks again.", destination=",".join(sorted(synced["errors"])))
    return synced


def _recognise(con, settings: Settings, destinations: Mapping[str, Any],
               now: datetime) -> dict[str, Any]:
    """routing/community.py's recognise, through the destinations the sync built (the
    settings make sure each one recognition names is a Discourse). Acts the forum did not
    take (429, timeout, refusal) stay planned and are tried again by the next run."""
    from carewire.routing.community import recognise

    forums = {name: d for name, d in destinations.items() if d.kind == "discourse"}
    recognised = recognise(con, settings, forums, now)
    if recognised["errors"]:
        log.warning("recognition: %d act(s) or thread(s) not done, left for the next run: %s",
                    len(recognised["errors"]),
                    "; ".join(f"{k}: {v}" for k, v in recognised["errors"].items()))
    return recognised


@contextmanager
def _destinations(settings: Settings, credentials: Mapping[str, Credentials]):
    """Every destination, with the desk's queue store open for the duration."""
    from carewire.desk.store import Desk
    from carewire.routing.destinations import build, same_issue_matcher

    matcher = None
    if any(d.kind == "discourse" for d in settings.routing.destinations):
        from carewire.enrichment.enricher import Enricher
        from carewire.enrichment.pairs import PairModel

        matcher = same_issue_matcher(Enricher(settings.enrichment), PairModel.default())
    desk = Desk(settings.desk_url)
    try:
        yield build(settings, credentials, desk, matcher)
    finally:
        desk.close()
