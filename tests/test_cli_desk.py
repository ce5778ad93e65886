"""`carewire desk user ...` as an admin meets it: the first admin is added from a shell, and
a password that is easy to guess is refused there with zxcvbn's advice, as on the web."""

from __future__ import annotations

import io

import pytest

from carewire.app.cli import main
from carewire.core.settings import SAMPLE_CONFIG

STRONG = "Kettle lantern ribbon 94"


@pytest.fixture
def shell(tmp_path, monkeypatch):
    monkeypatch.setenv("CAREWIRE_CONFIG", str(SAMPLE_CONFIG))
    monkeypatch.setenv("CAREWIRE_DATA_DIR", str(tmp_path / "data"))

    def run(*argv: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return main(["desk", "user", *argv])

    return run


def test_a_weak_password_is_refused_with_the_advice_and_nothing_is_added(shell, capsys):
    assert shell("add", "ada", "--role", "admin", "--password-stdin",
                 stdin="carewire2026\n") == 2
    err = capsys.readouterr().err
    assert err.startswith("carewire: the password for ada is too easy to guess: ")
    assert "Add another word or two." in err and "unrelated words" in err
    assert shell("list") == 0
    assert "ada" not in capsys.readouterr().out


def test_the_first_admin_is_added_with_a_strong_password_and_can_change_it(shell, capsys):
    assert shell("add", "ada", "--role", "admin", "--password-stdin", stdin=STRONG) == 0
    assert "added admin ada" in capsys.readouterr().out
    assert shell("password", "ada", "--password-stdin", stdin="password1234\n") == 2
    err = capsys.readouterr().err
    assert "too easy to guess: This is a very common password." in err
    assert shell("password", "ada", "--password-stdin", stdin="Violet otter canal 17\n") == 0
    assert "new password set for ada" in capsys.readouterr().out


def test_asked_on_the_terminal_a_weak_password_is_refused_too(shell, capsys, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt: "ann-ann-ann-ann")
    assert shell("add", "ann", "--role", "agent", "--team", "care") == 2
    assert "Repeats like" in capsys.readouterr().err


def test_an_agents_skills_capacity_and_status_are_set_from_the_shell(shell, capsys):
    assert shell("add", "ann", "--role", "agent", "--team", "care", "--password-stdin",
                 stdin=STRONG) == 0
    assert shell("skills", "ann", "--language", "en", "--language", "de", "--source",
                 "reddit", "--topic", "complaint", "--capacity", "3") == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "ann: languages de en; sources reddit; topics complaint; holds 0 of 3; offline")
    assert shell("skills", "ann", "--any-topic") == 0  # the rest is kept
    assert "topics any; holds 0 of 3" in capsys.readouterr().out
    assert shell("status", "ann", "available") == 0
    assert capsys.readouterr().out.strip() == "ann is available; holds 0 of 3"
    assert shell("list") == 0
    listed = capsys.readouterr().out
    assert "available" in listed and "0/3" in listed and "de en" in listed

    assert shell("skills", "ann", "--capacity", "-2") == 2
    assert "capacity -2 for ann is not allowed" in capsys.readouterr().err
    assert shell("status", "nobody", "away") == 2
    assert "nobody is not a desk agent" in capsys.readouterr().err


def test_a_teams_auto_assignment_is_switched_from_the_shell(shell, capsys, tmp_path):
    from carewire.desk.store import Desk

    assert main(["desk", "auto-assign", "care", "off"]) == 0
    assert capsys.readouterr().out.strip() == "auto-assignment off for care"
    with Desk(f"sqlite:///{tmp_path / 'data' / 'desk.sqlite'}") as desk:
        assert desk.assignment.auto_assign(["care"]) == {"care": False}
    assert main(["desk", "auto-assign", "nowhere", "off"]) == 2
    assert "no queue for team nowhere" in capsys.readouterr().err
