"""Queries for accounts, departments, sessions, sign-in throttles and the audit log.

Times are naive UTC in the database (``to_db`` / ``from_db``), as in the ledger.
A signed-in request costs one indexed query: ``session_with_user`` joins the
session (unique token hash) with its user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import Connection, Row, and_, delete, func, insert, select, update

from .users_tables import (audit_log, departments, memberships, sessions, sign_in_attempts,
                           users)

UTC = timezone.utc


def to_db(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_db(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)


# -- users -------------------------------------------------------------------

def add_user(conn: Connection, values: Mapping[str, Any]) -> int:
    return conn.execute(insert(users).values(**values).returning(users.c.id)).scalar_one()


def get_user(conn: Connection, *, user_id: int | None = None, name: str | None = None
             ) -> Row | None:
    cond = users.c.id == user_id if user_id is not None else users.c.name == name
    return conn.execute(select(users).where(cond)).first()


def update_user(conn: Connection, user_id: int, **values: Any) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(**values))


def list_users(conn: Connection) -> list[Row]:
    return list(conn.execute(select(users).order_by(users.c.name)))


def count_admins(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(users).where(
        and_(users.c.role == "admin", users.c.disabled.is_(False)))).scalar_one()


# -- departments and memberships ---------------------------------------------

def department_id(conn: Connection, name: str) -> int | None:
    return conn.execute(select(departments.c.id).where(departments.c.name == name)).scalar()


def add_department(conn: Connection, name: str, at: datetime) -> int:
    return conn.execute(insert(departments).values(name=name, created_at=to_db(at))
                        .returning(departments.c.id)).scalar_one()


def list_departments(conn: Connection) -> list[Row]:
    counts = (select(memberships.c.department_id, func.count().label("members"))
              .group_by(memberships.c.department_id).subquery())
    return list(conn.execute(
        select(departments.c.id, departments.c.name,
               func.coalesce(counts.c.members, 0).label("members"))
        .outerjoin(counts, counts.c.department_id == departments.c.id)
        .order_by(departments.c.name)))


def delete_department(conn: Connection, dept_id: int) -> None:
    conn.execute(delete(memberships).where(memberships.c.department_id == dept_id))
    conn.execute(delete(departments).where(departments.c.id == dept_id))


def set_memberships(conn: Connection, user_id: int, dept_ids: Iterable[int]) -> None:
    conn.execute(delete(memberships).where(memberships.c.user_id == user_id))
    rows = [{"user_id": user_id, "department_id": d} for d in sorted(set(dept_ids))]
    if rows:
        conn.execute(insert(memberships), rows)


def memberships_of(conn: Connection, user_ids: Sequence[int] | None = None
                   ) -> dict[int, list[str]]:
    """User id -> department names, for all users or the given ones (one query)."""
    q = (select(memberships.c.user_id, departments.c.name)
         .join(departments, departments.c.id == memberships.c.department_id)
         .order_by(departments.c.name))
    if user_ids is not None:
        q = q.where(memberships.c.user_id.in_(list(user_ids)))
    out: dict[int, list[str]] = {}
    for uid, name in conn.execute(q):
        out.setdefault(uid, []).append(name)
    return out


# -- sessions ----------------------------------------------------------------

def add_session(conn: Connection, values: Mapping[str, Any]) -> int:
    return conn.execute(insert(sessions).values(**values).returning(sessions.c.id)).scalar_one()


def session_with_user(conn: Connection, token_hash: str) -> Row | None:
    """The live-or-not session for a token hash with its user's columns (one query)."""
    return conn.execute(
        select(sessions.c.id.label("session_id"), sessions.c.csrf_token,
               sessions.c.created_at, sessions.c.last_seen_at, sessions.c.expires_at,
               sessions.c.revoked_at, sessions.c.flash, users.c.id.label("user_id"),
               users.c.name, users.c.display_name, users.c.role, users.c.language,
               users.c.disabled)
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.token_hash == token_hash)).first()


def update_session(conn: Connection, session_id: int, **values: Any) -> None:
    conn.execute(update(sessions).where(sessions.c.id == session_id).values(**values))


def session_flash(conn: Connection, session_id: int) -> str | None:
    return conn.execute(select(sessions.c.flash).where(sessions.c.id == session_id)).scalar()


def revoke_sessions(conn: Connection, user_id: int, at: datetime,
                    except_id: int | None = None) -> int:
    cond = and_(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
    if except_id is not None:
        cond = and_(cond, sessions.c.id != except_id)
    return conn.execute(update(sessions).where(cond).values(revoked_at=to_db(at))).rowcount


def live_sessions(conn: Connection, user_id: int, now: datetime) -> list[Row]:
    return list(conn.execute(select(sessions).where(and_(
        sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None),
        sessions.c.expires_at > to_db(now))).order_by(sessions.c.last_seen_at.desc())))


def purge_sessions(conn: Connection, before: datetime) -> int:
    """Drop sessions that ended before ``before`` (kept a while for the account page)."""
    return conn.execute(delete(sessions).where(sessions.c.expires_at < to_db(before))).rowcount


# -- sign-in throttles ---------------------------------------------------------

def attempts(conn: Connection, keys: Sequence[str]) -> dict[str, Row]:
    rows = conn.execute(select(sign_in_attempts).where(sign_in_attempts.c.key.in_(list(keys))))
    return {r.key: r for r in rows}


def put_attempt(conn: Connection, key: str, failures: int, at: datetime,
                locked_until: datetime | None, exists: bool) -> None:
    values = {"failures": failures, "last_failure_at": to_db(at),
              "locked_until": to_db(locked_until)}
    if exists:
        conn.execute(update(sign_in_attempts).where(sign_in_attempts.c.key == key)
                     .values(**values))
    else:
        conn.execute(insert(sign_in_attempts).values(key=key, **values))


def purge_attempts(conn: Connection, before: datetime, now: datetime) -> int:
    """Forget failures older than ``before`` whose lock (if any) is over."""
    return conn.execute(delete(sign_in_attempts).where(and_(
        sign_in_attempts.c.last_failure_at < to_db(before),
        (sign_in_attempts.c.locked_until.is_(None)) |
        (sign_in_attempts.c.locked_until < to_db(now))))).rowcount


def clear_attempts(conn: Connection, key: str) -> None:
    conn.execute(delete(sign_in_attempts).where(sign_in_attempts.c.key == key))


# -- audit log -----------------------------------------------------------------

def add_audit(conn: Connection, values: Mapping[str, Any]) -> None:
    conn.execute(insert(audit_log).values(**values))


@dataclass(frozen=True)
class AuditFilter:
    """What the 활동 기록 page and ``outreach audit`` filter on; ``before_id`` pages."""

    actor: str | None = None
    action: str | None = None          # exact key, or a prefix ending in "." ("user.")
    target_type: str | None = None
    target_id: str | None = None
    via: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None
    limit: int = 100


def list_audit(conn: Connection, f: AuditFilter) -> list[Row]:
    q = select(audit_log)
    if f.actor:
        q = q.where(audit_log.c.actor_name == f.actor)
    if f.action:
        q = q.where(audit_log.c.action.startswith(f.action) if f.action.endswith(".")
                    else audit_log.c.action == f.action)
    if f.target_type:
        q = q.where(audit_log.c.target_type == f.target_type)
    if f.target_id:
        q = q.where(audit_log.c.target_id == f.target_id)
    if f.via:
        q = q.where(audit_log.c.via == f.via)
    if f.since:
        q = q.where(audit_log.c.at >= to_db(f.since))
    if f.until:
        q = q.where(audit_log.c.at < to_db(f.until))
    if f.before_id:
        q = q.where(audit_log.c.id < f.before_id)
    return list(conn.execute(q.order_by(audit_log.c.id.desc()).limit(f.limit)))
