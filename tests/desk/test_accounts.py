"""Users, sessions and the audit log on both desk store backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carewire.desk.accounts import AccountError, Accounts, password_matches
from carewire.desk.store import Desk
from tests.desk.conftest import PASSWORD, Clock


@pytest.fixture
def accounts(desk_url):
    clock = Clock()
    with Desk(desk_url, clock=clock) as desk:
        yield Accounts(desk.engine, clock, idle=timedelta(minutes=30),
                       lifetime=timedelta(hours=12)), clock, desk


def test_sessions_live_until_idle_or_too_old_and_users_can_be_disabled(accounts):
    store, clock, _ = accounts
    store.add_user("ann", PASSWORD, "agent", ["care"], actor="cli")
    token, session = store.sign_in("ann", PASSWORD, "127.0.0.1")
    assert store.session(token).csrf_token == session.csrf_token
    alive = []
    for _ in range(26):  # busy all day: never idle, but a session ends after 12 hours
        clock.advance(minutes=29)
        alive.append(store.session(token) is not None)
    assert alive == [True] * 24 + [False] * 2  # 24 x 29 min = 11.6 h; 25 x 29 min > 12 h
    token, _ = store.sign_in("ann", PASSWORD, None)
    store.set_active("ann", False, actor="ada")
    assert store.session(token) is None
    with pytest.raises(AccountError, match="do not match an active desk user"):
        store.sign_in("ann", PASSWORD, None)


def test_weak_or_incomplete_users_are_refused(accounts):
    store, _, _ = accounts
    with pytest.raises(AccountError, match="at least 12 characters"):
        store.add_user("ann", "short", "agent", ["care"])
    with pytest.raises(AccountError, match="needs at least one team"):
        store.add_user("ann", PASSWORD, "agent", [])
    with pytest.raises(AccountError, match="unknown role 'boss'"):
        store.add_user("ann", PASSWORD, "boss")
    store.add_user("ann", PASSWORD, "lead")
    with pytest.raises(AccountError, match="exists already"):
        store.add_user("ann", PASSWORD, "lead")


@pytest.mark.parametrize("weak, advice", [
    ("password1234", "This is a very common password."),
    ("carewire2026", "Add another word or two."),  # "carewire" is a known word
    ("Community2026", "Capitalization doesn't help very much."),  # so is the user's team
    ("abcdefghijklmnop", "Sequences like \"abc\""),
])
def test_a_password_that_is_easy_to_guess_is_refused_with_zxcvbns_advice(accounts, weak,
                                                                         advice):
    store, _, _ = accounts
    with pytest.raises(AccountError) as refused:
        store.add_user("cid", weak, "agent", ["community"])
    assert "the password for cid is too easy to guess" in str(refused.value)
    assert advice in str(refused.value) and "unrelated words" in str(refused.value)
    assert store.users() == []


def test_a_new_password_must_be_as_strong_and_a_refused_one_changes_nothing(accounts):
    store, _, _ = accounts
    store.add_user("ann", PASSWORD, "agent", ["kestrelcare"])
    for weak, message in (("short", "at least 12 characters"),
                          ("ann-ann-ann-ann", "too easy to guess"),
                          ("kestrelcare2026", "too easy to guess")):  # her team's name
        with pytest.raises(AccountError, match=message):
            store.set_password("ann", weak, actor="ada")
    assert store.sign_in("ann", PASSWORD, None)  # the old one still works
    with pytest.raises(AccountError, match="no desk user named bob"):
        store.set_password("bob", "Kettle lantern ribbon 94", actor="ada")
    store.set_password("ann", "Kettle lantern ribbon 94", actor="ada")
    assert store.sign_in("ann", "Kettle lantern ribbon 94", None)


def test_the_audit_log_holds_sign_ins_and_item_actions_newest_first(accounts):
    from tests.desk.test_store import delivery

    store, clock, desk = accounts
    steps = [lambda: store.add_user("ann", PASSWORD, "agent", ["care"], actor="cli"),
             lambda: store.sign_in("ann", PASSWORD, "10.0.0.7"),
             lambda: desk.add(delivery()), lambda: desk.claim(1, "ann")]
    for step in steps:
        step()
        clock.advance(seconds=1)
    item_id = 1
    log = store.audit_log()
    assert [(e.actor, e.action, e.target) for e in log] == [
        ("ann", "claimed", f"item {item_id}"), (None, "delivered", f"item {item_id}"),
        ("ann", "signed_in", "ann"), ("cli", "user_added", "ann")]
    assert all(e.at.tzinfo is not None for e in log)
    assert log[-1].detail == {"role": "agent", "teams": ["care"]}


def test_hashes_are_salted_and_only_the_right_password_matches():
    from carewire.desk.accounts import hash_password

    one, two = hash_password(PASSWORD), hash_password(PASSWORD)
    assert one != two and password_matches(PASSWORD, one) and password_matches(PASSWORD, two)
    assert not password_matches(PASSWORD + "!", one)
    assert not password_matches(PASSWORD, "md5$abc")


def test_parallel_guesses_are_counted_one_by_one_and_an_admin_lifts_the_lock(accounts):
    import threading

    store, _, _ = accounts
    store.add_user("ann", PASSWORD, "agent", ["care"])
    start = threading.Barrier(12, timeout=30)

    def guess():
        start.wait()
        with pytest.raises(AccountError):
            store.sign_in("ann", "a wrong password!", None)

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    actions = [e.action for e in store.audit_log() if e.target == "ann"]
    assert actions.count("sign_in_failed") == 5 and actions.count("sign_in_refused") == 7
    with pytest.raises(AccountError):
        store.sign_in("ann", PASSWORD, None)  # locked: even the right password waits
    store.set_password("ann", "a brand new password", actor="ada")
    assert store.sign_in("ann", "a brand new password", None)


def test_names_are_plain_and_nobody_disables_themselves(accounts):
    store, _, _ = accounts
    for bad in ("", "ann/../admin", "a b", "-x"):
        with pytest.raises(AccountError, match="cannot be a desk user's name"):
            store.add_user(bad, PASSWORD, "lead")
    store.add_user("ada", PASSWORD, "admin")
    with pytest.raises(AccountError, match="cannot disable yourself"):
        store.set_active("ada", False, actor="ada")


def test_a_password_is_checked_without_holding_the_store(accounts, monkeypatch):
    """While a sign-in hashes, an agent's action goes through (issue 23: a flood of
    sign-ins holding the write lock made replies fail with "database is locked")."""
    from carewire.desk import accounts as module
    from tests.desk.test_store import delivery

    store, _, desk = accounts
    store.add_user("ann", PASSWORD, "agent", ["care"])
    item_id, _ = desk.add(delivery())
    acted = []

    def hashing(password: str, stored: str) -> bool:
        acted.append(desk.claim(item_id, "lee").status)  # another writer, mid-hash
        return password_matches(password, stored)

    monkeypatch.setattr(module, "password_matches", hashing)
    store.sign_in("ann", PASSWORD, None)
    assert acted == ["claimed"]


def test_a_client_that_fails_too_often_is_refused_without_locking_names(accounts):
    """Issue 23: a flood of guesses from one address, over many names, is refused before
    any hash once it passes MAX_FAILED_PER_CLIENT; the users it named are not locked and
    sign in from elsewhere; after LOCKOUT the address may try again."""
    from carewire.desk.accounts import LOCKOUT, MAX_FAILED_PER_CLIENT, TOO_MANY

    store, clock, _ = accounts
    store.add_user("ann", PASSWORD, "agent", ["care"])
    for n in range(MAX_FAILED_PER_CLIENT):
        with pytest.raises(AccountError, match="do not match"):
            store.sign_in(f"guess{n}", "not the password", "10.0.0.9")
    with pytest.raises(AccountError, match=TOO_MANY):
        store.sign_in("ann", PASSWORD, "10.0.0.9")
    store.sign_in("ann", PASSWORD, "10.0.0.7")  # ann's name was never locked
    clock.advance(minutes=LOCKOUT.total_seconds() / 60 + 1)
    store.sign_in("ann", PASSWORD, "10.0.0.9")
