"""The audit key and rows: a lookup never makes a key, `u/NAME` finds what was erased as
`NAME`, and applying a request again keeps its first row."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import duckdb
import pytest

from carewire.core.errors import ConfigError
from carewire.maintenance import audit, requests
from carewire.maintenance.target import Target
from carewire.warehouse.migrate import migrate

T0 = datetime(2026, 11, 24, 9, tzinfo=timezone.utc)


def test_a_lookup_without_a_key_fails_and_names_where_the_key_should_be(sample_settings):
    with duckdb.connect() as con:
        migrate(con)
        with pytest.raises(ConfigError) as error:
            audit.rows(con, sample_settings, "reddit", "someone")
    assert str(audit.key_path(sample_settings)) in str(error.value)
    assert "CAREWIRE_DATA_DIR" in str(error.value)
    assert not audit.key_path(sample_settings).exists()


def test_lookup_normalises_the_handle_as_the_request_does_and_a_rerun_keeps_the_first_row(
        sample_settings):
    request = requests.author_request("reddit", "u/Some_One", "DSAR 3", T0)
    target = Target("reddit", frozenset({"some_one"}))
    with duckdb.connect() as con:
        migrate(con)
        first = audit.record(con, sample_settings, request, target,
                             Counter({"warehouse:core__mentions": 4}), T0)
        again = audit.record(con, sample_settings, request, target, Counter(), T0)
        assert again == first and '"warehouse:core__mentions": 4' in again["removed"]
        for typed in ("u/Some_One", "/u/some_one", "@SOME_ONE", "some_one"):
            assert [r["request_id"] for r in audit.rows(con, sample_settings, "reddit",
                                                        typed)] == [request.request_id]
    assert audit.key_path(sample_settings).stat().st_mode & 0o777 == 0o600
