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
