"""Erasure and retention: removing people's content on request, platform deletions, and
raw payloads past their age (docs/privacy.md).

    requests   the durable queue of erasure requests and platform deletions
    target     what one request erases: ids, handles, texts, and how to scrub them
    redact     the landing zone, each platform's wire format
    erase      the warehouse, the care desk, then the snapshot and exports
    retention  raw payloads older than retention.raw_days
    compact    the warehouse (and a SQLite desk) rewritten, so erased bytes leave the file
    audit      one row per request, what was removed where; never the handle itself
    step       what the maintenance DAG and `carewire maintenance run` do
"""
