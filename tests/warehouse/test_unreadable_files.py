"""A landing file that cannot be read (cut short by a crash, a byte that is not UTF-8, a
NUL, no header at all) is quarantined whole with its path and reason, and every other batch
loads; once the file is landed again it loads like any other."""

from __future__ import annotations

import pytest

from carewire.app import pipeline
from carewire.connectors.landing import LandingZone
from carewire.core.errors import LandingError
from tests.warehouse.test_load import atom, hour, land, query, settings  # noqa: F401

DAMAGE = {
    "cut short": lambda data: data[: len(data) // 2],
    "not utf-8": lambda data: data.replace(b"eSIM", b"e\xffSIM", 1),
    "a raw NUL": lambda data: data.replace(b'"seq"', b'"s\x00eq"', 1),
    "empty": lambda data: b"",
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_file_is_quarantined_whole_and_the_others_load(settings, damage):
    land(settings, hour(0), atom(("a", "eSIM stuck", "Sam")))
    land(settings, hour(1), atom(("b", "eSIM gone", "Ana")))
    land(settings, hour(2), atom(("c", "Bill doubled", "Jo")))
    [bad] = [b.path for b in LandingZone(settings.landing).batches()
             if b.interval == hour(1)]
    bad.write_bytes(DAMAGE[damage](bad.read_bytes()))
    kept = bad.read_bytes()

    result = pipeline.load_landed(settings)

    assert result["batches_loaded"] == 2
    [reason] = result["unreadable_files"]
    assert str(bad) in reason and "fetch the interval again" in reason
    assert query(settings, "SELECT source_id FROM core__mentions ORDER BY 1") == [("forum:a",), ("forum:c",)]
    assert query(settings, "SELECT batch_id, item_ref, payload FROM raw__quarantine") == [
        (f"feeds/forum/{hour(1).key}", f"feeds/forum/{bad.name}", kept)]
    assert (f"feeds/forum/{hour(1).key}",) not in query(
        settings, "SELECT batch_id FROM raw__landing_batches")

    pipeline.load_landed(settings)  # again: the same one row, nothing else
    assert query(settings, "SELECT count(*) FROM raw__quarantine") == [(1,)]

    land(settings, hour(1), atom(("b", "eSIM gone", "Ana")))  # fetched again
    again = pipeline.load_landed(settings)
    assert again["batches_loaded"] == 1 and again["unreadable_files"] == []
    assert query(settings, "SELECT count(*) FROM raw__quarantine") == [(0,)]
    assert query(settings, "SELECT count(*) FROM core__mentions") == [(3,)]


def test_other_readers_of_the_landing_zone_name_the_file_they_cannot_read(settings):
    land(settings, hour(0), atom(("a", "eSIM stuck", "Sam")))
    [path] = [b.path for b in LandingZone(settings.landing).batches()]
    path.write_bytes(b"")
    with pytest.raises(LandingError, match=f"landing file {path} cannot be read"):
        LandingZone(settings.landing).batches()
