"""Bounds where the data enters: one absurd record never stops a stage for the others.
A created_at outside what a post can have (2000 to 2100) is set aside with its reason at
the load, a count no BIGINT holds is unknown, and a post of megabytes is scored on its
beginning."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from carewire.app import pipeline
from carewire.connectors.base import Mention
from carewire.warehouse.load import _counted
from tests.warehouse.test_load import atom, hour, land, query, settings  # noqa: F401


def dated(entry: tuple[str, str, str], updated: str) -> bytes:
    return atom(entry).replace(b"2026-11-24T05:00:00Z</updated><content",
                               f"{updated}</updated><content".encode())


def test_a_created_at_no_post_can_have_is_quarantined_and_the_rest_loads(settings):
    land(settings, hour(0), atom(("a", "eSIM stuck", "Sam")))
    land(settings, hour(1), dated(("old", "Kestrel in year one", "Al"), "0001-01-02T00:00:00Z"))
    land(settings, hour(2), dated(("late", "Kestrel from the future", "Fu"),
                                  "9999-12-30T00:00:00Z"))

    result = pipeline.load_landed(settings)

    assert query(settings, "SELECT source_id FROM core__mentions") == [("forum:a",)]
    reasons = sorted(reason for reason, _ in query(
        settings, "SELECT reason, item_ref FROM raw__quarantine"))
    assert len(reasons) == 2 and all("the platform's field was misread" in r for r in reasons)
    assert any("old: created_at 0001-01-02T00:00:00+00:00 is outside 2000-01-01" in r
               for r in reasons)
    assert any("9999-12-30" in reason for reason in result["quarantine_reasons"])


def test_a_count_no_bigint_holds_or_below_zero_is_unknown():
    mention = Mention("x", "1", "brand", None, None, "t",
                      datetime(2026, 11, 24, tzinfo=timezone.utc), reply_count=-3,
                      like_count=2**70, share_count=4)
    assert (_counted(mention).reply_count, _counted(mention).like_count,
            _counted(mention).share_count) == (None, None, 4)
    assert _counted(replace(mention, reply_count=0, like_count=1)) is not mention


def test_a_post_of_megabytes_is_enriched_on_its_beginning(settings):
    land(settings, hour(0), atom(("a", "eSIM stuck", "Sam"),
                                 ("big", "Kestrel Mobile bill " * 250_000, "Bo")))
    pipeline.load_landed(settings)
    assert pipeline.enrich(settings)["enriched"] == 2
    assert query(settings, "SELECT length(text) > 4000000 FROM core__mentions "
                           "WHERE source_id = 'forum:big'") == [(True,)]  # the whole text is kept
