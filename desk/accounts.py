"""Who may use the care desk: users with a role, their sign-in sessions, and the audit log.

Kept in the desk's own store (SQLite by default, PostgreSQL when scaled out), beside the
queue tables (desk/schema.py), so one backup holds the queue and who worked it.

- A new password must be 12 characters or more and hard to guess: zxcvbn (the Dropbox
  estimator, its dictionaries inside the package, so the check works offline) must score it
  3 or more, with the user's name, their teams and "carewire" counted as known words.
- Passwords are hashed with argon2id (argon2-cffi, its RFC 9106 defaults), a random salt
  each. Hashes made by carewire 0.1 (scrypt) still verify, and are replaced by an argon2id
  hash at the user's next sign-in, when the password is at hand.
- A session is a random token in a cookie; the store keeps only its SHA-256, so a copy of
  the database signs nobody in. Sessions end after `idle` without a request and after
  `lifetime` in any case. Each carries its own CSRF token for the forms it renders.
- Five failed sign-ins in a row lock the name for 15 minutes; neither the message nor
  the time taken says whether the name exists.
- `desk_audit` records sign-ins (and failures), sign-outs, refused requests and user
  changes. What agents do to items is in `desk_events` (written in the same transaction as
  the change itself); `audit_log` shows both, newest first.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Literal

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy.exc import IntegrityError
from zxcvbn import zxcvbn

from carewire.core.errors import CarewireError
from carewire.desk.schema import (DEFAULT_CAPACITY, JsonText, UtcDateTime, desk_agents,
                                  desk_audit, desk_events, desk_sessions, desk_users)

Role = Literal["agent", "lead", "admin"]
ROLES: tuple[Role, ...] = ("agent", "lead", "admin")
MIN_PASSWORD_LENGTH = 12
MIN_PASSWORD_SCORE = 3
"""zxcvbn's score (0 to 4) a new password needs: 3 is its "safely unguessable" (about 10^8
guesses or more, against an attacker who knows common passwords, words, names, keyboard
patterns, dates and the words given as the user's own)."""
_JUDGED_CHARS = 72
"""zxcvbn judges at most this many characters (its own bound: the estimate grows slowly
with length); a longer password is judged by its start, which only errs on the safe side."""
_ZXCVBN = threading.Lock()
"""zxcvbn keeps the words of the user in a module-level dictionary while it estimates:
two estimates at once (the web app's threads) would read each other's words."""
MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)
MAX_FAILED_PER_CLIENT = 20
"""Failed sign-ins one client (address) may make within LOCKOUT, over all names: past it,
its attempts are refused before any password is hashed, so a flood costs the desk one
small write each and locks nobody's name."""
TOO_MANY = ("too many failed sign-ins from your address: wait 15 minutes, or ask an admin "
            "if you cannot sign in")
_ARGON2 = PasswordHasher()  # argon2id, 64 MiB, 3 passes: about 50 ms per hash on one core
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
REFUSED = ("that name and password do not match an active desk user; after 5 wrong "
           "tries in a row a name is locked for 15 minutes (an admin lifts it with `carewire "
           "desk user password NAME`)")

class AccountError(CarewireError):
    """A sign-in or user change that cannot be done; the message says what to do."""


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    teams: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class Session:
    user: User
    csrf_token: str


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str | None
    action: str
    target: str | None
    detail: dict[str, Any]


def password_problem(password: str, name: str, teams: Iterable[str] = ()) -> str | None:
    """Why `password` may not be `name`'s, or None when it may: too short, or too easy to
    guess (zxcvbn's score below MIN_PASSWORD_SCORE), said with zxcvbn's own warning and
    suggestions. The user's name (and its parts), their teams, "carewire" and "desk" count
    as words an attacker knows, so "carewire2026" is weak."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return (f"the password for {name} is too short: use at least {MIN_PASSWORD_LENGTH} "
                "characters")
    known = ["carewire", "desk", name, *re.split(r"[._@-]+", name), *teams]
    with _ZXCVBN:
        judged = zxcvbn(password[:_JUDGED_CHARS], user_inputs=[w for w in known if w])
    if judged["score"] >= MIN_PASSWORD_SCORE:
        return None
    feedback = judged["feedback"]
    advice = (" ".join(part for part in [feedback["warning"], *feedback["suggestions"]] if part)
              or "it is made of words, names or patterns that are tried early.")
    return (f"the password for {name} is too easy to guess: {advice} Three or four "
            "unrelated words, or a password manager's random one, will do (the user's name, "
            "teams and \"carewire\" add nothing: they are tried first)")


def hash_password(password: str) -> str:
    return _ARGON2.hash(password)


_DECOY = hash_password(secrets.token_urlsafe(16))
"""Checked against when the name is unknown or disabled, so that costs one hash too."""


def password_matches(password: str, stored: str) -> bool:
    if stored.startswith("$argon2"):
        try:
            return _ARGON2.verify(stored, password)
        except (VerifyMismatchError, InvalidHashError):
            return False
    return _legacy_scrypt_matches(password, stored)


def needs_rehash(stored: str) -> bool:
    """A hash from carewire 0.1 (scrypt), or argon2 with weaker parameters than today's."""
    return not stored.startswith("$argon2") or _ARGON2.check_needs_rehash(stored)


def _legacy_scrypt_matches(password: str, stored: str) -> bool:
    """carewire 0.1's `scrypt$n$r$p$salt$digest`, compared in constant time."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    computed = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n),
                              r=int(r), p=int(p))
    return hmac.compare_digest(computed.hex(), digest)


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Accounts:
    """Users, sessions and the audit log in the desk store behind `engine` (an opened
    `Desk`'s: opening it migrates the store)."""

    def __init__(self, engine: sa.Engine, clock: Callable[[], datetime], *,
                 idle: timedelta, lifetime: timedelta,
                 known_teams: Iterable[str] | None = None):
        """`known_teams`: the queues the desk shows (the policy's teams); a user's teams
        must be among them, or the user would see no queue. None checks nothing."""
        self.engine = engine
        self._clock = clock
        self.idle = idle
        self.lifetime = lifetime
        self.known_teams = None if known_teams is None else frozenset(known_teams)

    def add_user(self, name: str, password: str, role: str, teams: Iterable[str] = (),
                 actor: str | None = None) -> User:
        name = name.strip()
        teams = tuple(sorted({t.strip() for t in teams if t.strip()}))
        if not NAME_PATTERN.match(name):
            raise AccountError(f"{name!r} cannot be a desk user's name: use letters, digits "
                               "and . _ @ - (up to 64), starting with a letter or digit")
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
        if role == "agent" and not teams:
            raise AccountError(f"agent {name} needs at least one team (--team care): an "
                               "agent sees only their teams' queues")
        unknown = sorted(set(teams) - self.known_teams) if self.known_teams is not None else []
        if unknown:
            raise AccountError(f"no queue for team {', '.join(unknown)}: the teams are "
                               f"{', '.join(sorted(self.known_teams))} (the routing policy's)")
        problem = password_problem(password, name, teams)
        if problem:
            raise AccountError(problem)
        hashed = hash_password(password)  # before the transaction: it takes tens of ms
        now = self._clock()
        try:
            with self.engine.begin() as conn:
                conn.execute(desk_users.insert().values(
                    name=name, password_hash=hashed, role=role,
                    teams=list(teams), active=True, failed_sign_ins=0, locked_until=None,
                    created_at=now))
                if role == "agent":  # takes no auto-assigned work until set available
                    conn.execute(desk_agents.insert().values(
                        name=name, languages=[], sources=[], topics=[],
                        capacity=DEFAULT_CAPACITY, status="offline", status_at=now))
                self._audit(conn, actor, "user_added", name, None,
                            {"role": role, "teams": list(teams)})
        except IntegrityError as exc:
            raise AccountError(f"a desk user named {name} exists already") from exc
        return User(name, role, teams, True)

    def set_active(self, name: str, active: bool, actor: str) -> None:
        """Disable (or enable again) a user; disabling ends their sessions at once. Nobody
        disables themselves: the last admin could lock everyone out."""
        if name == actor and not active:
            raise AccountError("you cannot disable yourself; ask another admin")
        with self.engine.begin() as conn:
            if not conn.execute(desk_users.update().where(desk_users.c.name == name)
                                .values(active=active)).rowcount:
                raise AccountError(f"no desk user named {name}")
            if not active:
                conn.execute(desk_sessions.delete().where(desk_sessions.c.user_name == name))
            self._audit(conn, actor, "user_enabled" if active else "user_disabled", name, None,
                        {})

    def users(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(desk_users).order_by(desk_users.c.name)).mappings()
            return [_user(row) for row in rows]

    def sign_in(self, name: str, password: str, ip: str | None) -> tuple[str, Session]:
        """A new session token for a right name and password, or AccountError.

        The password is hashed before any write transaction opens: a hash takes tens of
        milliseconds, and a flood of sign-ins holding the store's write lock that long would
        fail agents' actions with "database is locked". The outcome is then applied in one
        short transaction that reads the row again under the store's lock (SQLite: the
        write lock at BEGIN; PostgreSQL: FOR UPDATE), so parallel guesses are still counted
        one after another and the sixth is refused however many arrive at once. Every
        refusal reads the same and costs one password hash, so neither the message nor the
        time says whether a name exists. A failure is committed before the error is
        raised."""
        now = self._clock()
        with self.engine.connect() as conn:
            flooding = ip is not None and conn.scalar(
                sa.select(sa.func.count()).select_from(desk_audit).where(
                    desk_audit.c.ip == ip, desk_audit.c.at > now - LOCKOUT,
                    desk_audit.c.action == "sign_in_failed")) >= MAX_FAILED_PER_CLIENT
            seen = conn.execute(sa.select(desk_users.c.password_hash, desk_users.c.active)
                                .where(desk_users.c.name == name)).one_or_none()
        if flooding:
            with self.engine.begin() as conn:
                self._audit(conn, None, "sign_in_refused", name, ip, {"why": "client"})
            raise AccountError(TOO_MANY)
        checked = seen.password_hash if seen is not None and seen.active else _DECOY
        matches = password_matches(password, checked)
        rehash = hash_password(password) if matches and needs_rehash(checked) else None
        refusal = None
        with self.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            row = conn.execute(sa.select(desk_users).where(desk_users.c.name == name)
                               .with_for_update()).mappings().one_or_none()
            usable = row is not None and row["active"]
            if usable and row["password_hash"] != checked:  # changed since: check it again
                matches, rehash = password_matches(password, row["password_hash"]), None
            if usable and row["locked_until"] is not None and row["locked_until"] > now:
                self._audit(conn, name, "sign_in_refused", name, ip, {"why": "locked"})
                refusal = "locked"
            elif not (usable and matches):
                if row is not None:
                    failed = row["failed_sign_ins"] + 1
                    locks = failed >= MAX_FAILED_SIGN_INS
                    conn.execute(desk_users.update().where(desk_users.c.name == name).values(
                        failed_sign_ins=0 if locks else failed,
                        locked_until=now + LOCKOUT if locks else None))
                self._audit(conn, None, "sign_in_failed", name, ip, {})
                refusal = "failed"
            else:
                rehashed = {"password_hash": rehash} if rehash else {}
                conn.execute(desk_users.update().where(desk_users.c.name == name)
                             .values(failed_sign_ins=0, locked_until=None, **rehashed))
                token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
                conn.execute(desk_sessions.insert().values(
                    token_sha256=_sha(token), user_name=name, csrf_token=csrf, created_at=now,
                    last_seen_at=now))
                self._audit(conn, name, "signed_in", name, ip, {})
        if refusal:
            raise AccountError(REFUSED)
        return token, Session(_user(row), csrf)

    def set_password(self, name: str, password: str, actor: str) -> None:
        """A new password, which also lifts a lockout (the admin's answer to "locked"). It
        must be as strong as a new user's (password_problem), judged with their teams."""
        with self.engine.connect() as conn:
            user = conn.execute(sa.select(desk_users.c.teams)
                                .where(desk_users.c.name == name)).one_or_none()
        if user is None:
            raise AccountError(f"no desk user named {name}")
        problem = password_problem(password, name, user.teams or ())
        if problem:
            raise AccountError(problem)
        hashed = hash_password(password)
        with self.engine.begin() as conn:
            if not conn.execute(desk_users.update().where(desk_users.c.name == name).values(
                    password_hash=hashed, failed_sign_ins=0,
                    locked_until=None)).rowcount:
                raise AccountError(f"no desk user named {name}")
            conn.execute(desk_sessions.delete().where(desk_sessions.c.user_name == name))
            self._audit(conn, actor, "password_set", name, None, {})

    def session(self, token: str | None) -> Session | None:
        """The live session for this cookie value; None when unknown, idle too long or too
        old (an expired one is deleted)."""
        if not token:
            return None
        now = self._clock()
        key = _sha(token)
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(desk_sessions.c.csrf_token, desk_sessions.c.last_seen_at,
                          desk_sessions.c.created_at.label("started_at"), desk_users)
                .join(desk_users, desk_users.c.name == desk_sessions.c.user_name)
                .where(desk_sessions.c.token_sha256 == key)).mappings().one_or_none()
            if row is None:
                return None
            if (not row["active"] or now - row["last_seen_at"] > self.idle
                    or now - row["started_at"] > self.lifetime):
                conn.execute(desk_sessions.delete().where(desk_sessions.c.token_sha256 == key))
                return None
            if now - row["last_seen_at"] > timedelta(minutes=1):  # one write a minute at most
                conn.execute(desk_sessions.update().where(desk_sessions.c.token_sha256 == key)
                             .values(last_seen_at=now))
        return Session(_user(row), row["csrf_token"])

    def sign_out(self, token: str, ip: str | None) -> None:
        with self.engine.begin() as conn:
            name = conn.scalar(sa.select(desk_sessions.c.user_name)
                               .where(desk_sessions.c.token_sha256 == _sha(token)))
            conn.execute(desk_sessions.delete().where(desk_sessions.c.token_sha256 == _sha(token)))
            if name is not None:
                self._audit(conn, name, "signed_out", name, ip, {})

    def audit(self, actor: str | None, action: str, target: str | None, ip: str | None,
              detail: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            self._audit(conn, actor, action, target, ip, detail)

    def audit_log(self, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
        """Sign-ins, user changes and refusals together with every item action from
        desk_events, newest first."""
        audit = sa.select(desk_audit.c.at, desk_audit.c.actor, desk_audit.c.action,
                          desk_audit.c.target, desk_audit.c.detail)
        items = sa.select(desk_events.c.at, desk_events.c.actor, desk_events.c.kind,
                          sa.literal("item ", sa.String)
                          + sa.cast(desk_events.c.item_id, sa.String), desk_events.c.data)
        both = sa.union_all(audit, items).subquery()
        # The union's columns lose the decorated types: read them back as the store wrote them.
        query = (sa.select(sa.type_coerce(both.c.at, UtcDateTime), both.c.actor,
                           both.c.action, both.c.target, sa.type_coerce(both.c.detail, JsonText))
                 .order_by(both.c.at.desc()).limit(limit).offset(offset))
        with self.engine.connect() as conn:
            return [AuditEntry(*row) for row in conn.execute(query)]

    def _audit(self, conn, actor: str | None, action: str, target: str | None, ip: str | None,
               detail: dict[str, Any]) -> None:
        write_audit(conn, self._clock(), actor, action, target, ip, detail)


def write_audit(conn, at: datetime, actor: str | None, action: str, target: str | None,
                ip: str | None, detail: dict[str, Any]) -> None:
    """One audit row, in the caller's transaction. Every value is capped (AUDITED_CHARS): a
    sign-in attempt with a megabyte "name" must not write a megabyte into the log."""
    conn.execute(desk_audit.insert().values(
        at=at, actor=_capped(actor), action=action, target=_capped(target),
        ip=_capped(ip), detail={key: _capped(value) if isinstance(value, str) else value
                                for key, value in detail.items()}))


AUDITED_CHARS = 200
"""The most of any one value the audit log keeps (names are 64 at most; paths and reasons
are short unless someone is trying to fill the log)."""


def _capped(value: str | None) -> str | None:
    if value is None or len(value) <= AUDITED_CHARS:
        return value
    return f"{value[:AUDITED_CHARS]}… ({len(value)} characters)"


def _user(row) -> User:
    return User(row["name"], row["role"], tuple(row["teams"]), bool(row["active"]))
