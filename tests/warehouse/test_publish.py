"""Publishing is atomic even after a crash: what a killed publish left is removed by the
next one, and the Parquet exports switch from the old set to the new one at once."""

from __future__ import annotations

from carewire.app import pipeline
from carewire.warehouse.tables import exported
from tests.warehouse.test_load import atom, hour, land, settings  # noqa: F401


def test_a_killed_publish_leaves_nothing_the_next_one_keeps(settings):
    land(settings, hour(0), atom(("a", "eSIM stuck", "Sam")))
    pipeline.load_landed(settings)
    data = settings.snapshot.parent
    (data / f".{settings.snapshot.name}.x1y2z3").write_bytes(b"half a copy")  # kill -9
    half = data / ".exports.0123456789ab"
    half.mkdir()
    (half / "core__mentions.parquet").write_bytes(b"half an export")
    (data / ".exports.link-0123456789ab").symlink_to(half.name)

    pipeline.publish(settings)

    assert sorted(p.name for p in data.iterdir() if p.name.startswith(".")) == [
        settings.exports.resolve().name]
    assert settings.exports.is_symlink()
    assert sorted(p.name for p in settings.exports.iterdir()) == sorted(
        [*(f"{name}.parquet" for name in exported()), "manifest.json"])


def test_the_exports_switch_as_a_whole_and_a_folder_from_0_1_is_replaced(settings):
    land(settings, hour(0), atom(("a", "eSIM stuck", "Sam")))
    pipeline.load_landed(settings)
    settings.exports.mkdir(parents=True)
    (settings.exports / "core__gone.parquet").write_bytes(b"from 0.1")  # a real folder

    pipeline.publish(settings)
    first = settings.exports.resolve()
    pipeline.publish(settings)
    second = settings.exports.resolve()

    assert first != second and not first.exists()  # the old set went only after the switch
    assert sorted(p.name for p in settings.exports.iterdir()) == sorted(
        [*(f"{name}.parquet" for name in exported()), "manifest.json"])
