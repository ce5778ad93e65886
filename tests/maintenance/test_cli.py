"""`carewire erase` and `carewire maintenance` as an operator meets them."""

from __future__ import annotations

import pytest

from carewire.app.cli import main
from carewire.core.settings import SAMPLE_CONFIG
from carewire.maintenance import requests
from tests.maintenance.test_erase import pick_author


@pytest.mark.parametrize("argv", [["erase"], ["maintenance"], ["maintenance", "run"],
                                  ["maintenance", "audit"]])
def test_every_command_has_help(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("usage: carewire")


def test_erase_queues_then_maintenance_applies_and_the_audit_finds_it_by_handle(
        demo_settings, monkeypatch, capsys):
    monkeypatch.setenv("CAREWIRE_CONFIG", str(SAMPLE_CONFIG))
    handle, _ = pick_author(demo_settings, "forums")

    assert main(["erase", "--source", "forums", "--handle", handle, "--reason", "DSAR 9"]) == 0
    assert "queued author erasure" in capsys.readouterr().out
    assert [r.handle for r in requests.pending(demo_settings)] == [handle]

    assert main(["maintenance", "run"]) == 0
    capsys.readouterr()
    assert requests.pending(demo_settings) == []
    assert handle not in requests.queue_path(demo_settings).read_text()

    assert main(["maintenance", "audit", "--source", "forums", "--handle", handle]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 erasure(s) of that handle on forums")
    assert "DSAR 9" in out and handle not in out
    assert main(["maintenance", "audit", "--source", "forums", "--handle", "nobody_else"]) == 0
    assert capsys.readouterr().out.startswith("0 erasure(s)")


@pytest.mark.parametrize("argv, message", [
    (["erase", "--source", "x"], "erase needs --handle NAME"),
    (["erase", "--source", "myspace", "--handle", "tom", "--reason", "r"], "unknown source"),
    (["erase", "--source", "x", "--handle", "tom"], "needs a --reason"),
    (["erase", "--source", "x", "--deleted-ids", "/nonexistent/ids.txt"], "not found"),
])
def test_erase_refuses_what_it_cannot_do_in_one_line(argv, message, tmp_path, monkeypatch,
                                                     capsys):
    monkeypatch.setenv("CAREWIRE_CONFIG", str(SAMPLE_CONFIG))
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(tmp_path / "data"))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
