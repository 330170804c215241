"""Sign-in, server-side sessions, sign-out (here or everywhere), flash messages.

* The cookie holds a random 256-bit token; the database holds its SHA-256 only.
* Every sign-in creates a new session (the token a browser had before is revoked,
  so a planted token is worth nothing: no session fixation).
* A session ends after ``idle_minutes`` without a request or ``absolute_hours``
  after sign-in, whichever comes first; a role change, a disabled account or a new
  password ends every session of that user.
* Failed sign-ins are counted per name (whether or not the name exists, so the
  answer never tells which names exist) and per address. After ``lock_after``
  failures the key is locked for one minute, doubling with each further failure
  up to an hour; an unknown name is checked against a dummy hash so timing does
  not tell either.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping

from ..config import Settings
from ..errors import ConfigError, SignInFailed
from ..i18n import _, ngettext
from ..model import utc_now
from ..store import users as store
from ..store.db import Database
from . import passwords
from .accounts import normalise_name
from .audit import Actor, record

TOUCH_EVERY = timedelta(seconds=60)     # last_seen_at is written at most once a minute
KEEP_ENDED = timedelta(days=30)         # ended sessions are deleted this long after expiry


@dataclass(frozen=True)
class SessionPolicy:
    """``[web]`` settings for sessions and sign-in throttling."""

    idle_minutes: int = 120
    absolute_hours: int = 12
    lock_after: int = 5              # failures per name before it locks
    lock_after_ip: int = 20          # failures per address before it locks
    max_lock_minutes: int = 60
    forget_after_minutes: int = 60   # failures older than this no longer count

    @classmethod
    def from_settings(cls, settings: Settings) -> "SessionPolicy":
        web = settings.section("web")
        values: dict[str, int] = {}
        for key in ("idle_minutes", "absolute_hours", "lock_after", "lock_after_ip",
                    "max_lock_minutes", "forget_after_minutes"):
            full = f"session_{key}" if key in ("idle_minutes", "absolute_hours") else key
            if full in web:
                value = web[full]
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    raise ConfigError(_("expected a whole number of at least 1, got {value!r}",
                                        value=value),
                                      file=settings.file or "outreach.toml", key=f"web.{full}")
                values[key] = value
        return cls(**values)


@dataclass(frozen=True)
class Session:
    """A live session with its user, as a request sees it."""

    id: int
    user_id: int
    name: str
    display_name: str
    role: str
    language: str | None
    csrf_token: str
    flashes: tuple[tuple[str, str], ...] = ()

    @property
    def actor(self) -> Actor:
        return Actor.web(self.user_id, self.name, self.role)

    @property
    def shown_name(self) -> str:
        return self.display_name or self.name


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def _lock_minutes(failures: int, threshold: int, cap: int) -> int:
    return min(cap, 2 ** max(0, failures - threshold))


def _locked_for(rows: Mapping[str, Any], now: datetime) -> int:
    """Minutes until every key in ``rows`` is unlocked (0: not locked)."""
    naive = store.to_db(now)
    waits = [(r.locked_until - naive).total_seconds() for r in rows.values()
             if r.locked_until is not None and r.locked_until > naive]
    return max(1, int(max(waits) // 60) + (1 if max(waits) % 60 else 0)) if waits else 0


def _locked_message(minutes: int) -> str:
    return ngettext("Too many failed sign-ins: try again in {n} minute.",
                    "Too many failed sign-ins: try again in {n} minutes.", minutes)


def sign_in(db: Database, policy: SessionPolicy, name: str, password: str, *,
            ip: str | None = None, user_agent: str | None = None,
            previous_token: str | None = None, now: datetime | None = None
            ) -> tuple[str, Session]:
    """Check the password and open a new session; returns (cookie token, session).

    Raises ``SignInFailed`` with the same words whether the name is unknown, the
    password wrong or the account disabled.
    """
    now = now or utc_now()
    name = normalise_name(name)[:64]
    keys = [f"name:{name}"] + ([f"ip:{ip}"] if ip else [])
    with db.read() as conn:
        throttles = store.attempts(conn, keys)
        row = store.get_user(conn, name=name) if name else None
    wait = _locked_for(throttles, now)
    if wait:
        raise SignInFailed(_locked_message(wait))
    ok = passwords.verify(row.password_hash if row is not None else passwords.dummy_hash(),
                          password or "")
    ok = ok and row is not None and not row.disabled
    if not ok:
        with db.begin() as conn:  # committed before the refusal is raised
            minutes = _fail(conn, policy, store.attempts(conn, keys), keys, now)
            record(conn, Actor(name=name or "?", via="web", self_declared=True),
                   "session.sign_in_failed", "user", name, {"ip": ip})
        if minutes:
            raise SignInFailed(_locked_message(minutes))
        raise SignInFailed(_("The name or the password is not right."))
    with db.begin() as conn:
        store.clear_attempts(conn, keys[0])
        # housekeeping on the rare write path: ended sessions and stale failure counts
        store.purge_sessions(conn, now - KEEP_ENDED)
        store.purge_attempts(conn, now - timedelta(minutes=policy.forget_after_minutes), now)
        if previous_token:
            old = store.session_with_user(conn, token_hash(previous_token))
            if old is not None and old.revoked_at is None:
                store.update_session(conn, old.session_id, revoked_at=store.to_db(now))
        if passwords.needs_rehash(row.password_hash):
            store.update_user(conn, row.id, password_hash=passwords.hash_password(password))
        token, csrf = secrets.token_urlsafe(32), new_csrf_token()
        sid = store.add_session(conn, {
            "token_hash": token_hash(token), "user_id": row.id, "csrf_token": csrf,
            "created_at": store.to_db(now), "last_seen_at": store.to_db(now),
            "expires_at": store.to_db(now + timedelta(hours=policy.absolute_hours)),
            "ip": (ip or "")[:64] or None, "user_agent": (user_agent or "")[:255] or None})
        actor = Actor.web(row.id, row.name, row.role)
        record(conn, actor, "session.sign_in", "user", row.name, {"ip": ip})
    return token, Session(id=sid, user_id=row.id, name=row.name,
                          display_name=row.display_name or "", role=row.role,
                          language=row.language, csrf_token=csrf)


def _fail(conn, policy: SessionPolicy, rows: Mapping[str, Any], keys: list[str],
          now: datetime) -> int:
    """Count one failure on each key; the minutes the name is now locked for (0: not)."""
    naive = store.to_db(now)
    forget = timedelta(minutes=policy.forget_after_minutes)
    locked = 0
    for key in keys:
        row = rows.get(key)
        failures = 1 if row is None or naive - row.last_failure_at > forget else row.failures + 1
        threshold = policy.lock_after if key.startswith("name:") else policy.lock_after_ip
        until = None
        if failures >= threshold:
            minutes = _lock_minutes(failures, threshold, policy.max_lock_minutes)
            until = now + timedelta(minutes=minutes)
            locked = max(locked, minutes)
        store.put_attempt(conn, key, failures, now, until, exists=row is not None)
    return locked


def lookup(db: Database, policy: SessionPolicy, token: str | None, *,
           now: datetime | None = None) -> Session | None:
    """The live session for a cookie token, or None. One indexed query; a write only
    when last_seen_at is over a minute old."""
    if not token or len(token) > 128:
        return None
    now = now or utc_now()
    naive = store.to_db(now)
    with db.read() as conn:
        row = store.session_with_user(conn, token_hash(token))
    if row is None or row.revoked_at is not None or row.disabled or row.expires_at <= naive \
            or row.last_seen_at + timedelta(minutes=policy.idle_minutes) <= naive:
        return None
    if naive - row.last_seen_at >= TOUCH_EVERY:
        with db.begin() as conn:
            store.update_session(conn, row.session_id, last_seen_at=naive)
    flashes: tuple[tuple[str, str], ...] = ()
    if row.flash:
        try:
            flashes = tuple((str(k), str(m)) for k, m in json.loads(row.flash))
        except (ValueError, TypeError):
            flashes = ()
    return Session(id=row.session_id, user_id=row.user_id, name=row.name,
                   display_name=row.display_name or "", role=row.role, language=row.language,
                   csrf_token=row.csrf_token, flashes=flashes)


def clear_flashes(db: Database, session_id: int) -> None:
    """The flash messages were shown: forget them."""
    with db.begin() as conn:
        store.update_session(conn, session_id, flash=None)


@dataclass(frozen=True)
class SessionInfo:
    """A live session as the account page lists it."""

    id: int
    created_at: datetime
    last_seen_at: datetime
    ip: str | None
    user_agent: str | None


def live(db: Database, policy: SessionPolicy, user_id: int, now: datetime | None = None
         ) -> list[SessionInfo]:
    """The user's sessions that still work, most recently used first."""
    now = now or utc_now()
    idle = timedelta(minutes=policy.idle_minutes)
    with db.read() as conn:
        rows = store.live_sessions(conn, user_id, now)
    return [SessionInfo(r.id, store.from_db(r.created_at), store.from_db(r.last_seen_at), r.ip,
                        r.user_agent) for r in rows
            if store.from_db(r.last_seen_at) + idle > now]


def flash(db: Database, session_id: int, message: str, kind: str = "info") -> None:
    """Keep a message for the next page this session shows (after a redirect)."""
    with db.begin() as conn:
        current = store.session_flash(conn, session_id)
        items = json.loads(current) if current else []
        items.append([kind, message])
        store.update_session(conn, session_id, flash=json.dumps(items[-5:], ensure_ascii=False))


def sign_out(db: Database, session: Session, *, everywhere: bool = False) -> int:
    """End this session (or every session of its user); the number ended."""
    now = utc_now()
    with db.begin() as conn:
        if everywhere:
            count = store.revoke_sessions(conn, session.user_id, now)
        else:
            store.update_session(conn, session.id, revoked_at=store.to_db(now))
            count = 1
        record(conn, session.actor, "session.sign_out_everywhere" if everywhere
               else "session.sign_out", "user", session.name, {"sessions": count})
    return count


def sign_out_user(db: Database, actor: Actor, name: str) -> int:
    """An admin (or the CLI) ends every session of ``name``."""
    now = utc_now()
    with db.begin() as conn:
        row = store.get_user(conn, name=normalise_name(name))
        if row is None:
            from ..errors import NotFound

            raise NotFound(_("no user named {name!r}: see 'outreach users list'", name=name))
        count = store.revoke_sessions(conn, row.id, now)
        record(conn, actor, "session.revoke_all", "user", row.name, {"sessions": count})
    return count
