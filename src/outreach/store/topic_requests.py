"""Every query of the ranking requests and the workers' heartbeat.

Claims are atomic on both databases: on SQLite the caller's ``db.begin()`` holds the
write lock (``BEGIN IMMEDIATE``); on PostgreSQL the pending row is read ``FOR UPDATE
SKIP LOCKED`` and the update repeats the state condition, so two passes at once never
take the same request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from .topic_request_tables import (CANCELLED, FAILED, OPEN_STATES, PENDING, RUNNING,
                                   topic_request, worker_beat)

Row = Any
r = topic_request.c


def _insert(conn: Connection, table):
    """INSERT that can say ON CONFLICT on either backend."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def add(conn: Connection, **values: Any) -> int | None:
    """A new pending request; None when one is already open for the same scope."""
    stmt = _insert(conn, topic_request).values(state=PENDING, **values) \
        .on_conflict_do_nothing().returning(r.id)
    found = conn.execute(stmt).first()
    return int(found[0]) if found else None


def open_for(conn: Connection, scope: str) -> Row | None:
    return conn.execute(select(topic_request).where(r.scope == scope,
                                                    r.state.in_(OPEN_STATES))).first()


def get(conn: Connection, request_id: int) -> Row | None:
    return conn.execute(select(topic_request).where(r.id == request_id)).first()


def open_requests(conn: Connection) -> list[Row]:
    return list(conn.execute(select(topic_request).where(r.state.in_(OPEN_STATES))
                             .order_by(r.id)))


def latest(conn: Connection, limit: int = 5) -> list[Row]:
    return list(conn.execute(select(topic_request).order_by(r.id.desc()).limit(limit)))


def claim_next(conn: Connection, now: datetime, worker: str) -> Row | None:
    """Take the oldest pending request (inside the caller's write transaction)."""
    stmt = select(r.id).where(r.state == PENDING).order_by(r.id).limit(1)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    found = conn.execute(stmt).first()
    if found is None:
        return None
    taken = conn.execute(update(topic_request).where(r.id == found.id, r.state == PENDING)
                         .values(state=RUNNING, started_at=now, worker=worker[:64])).rowcount
    return get(conn, found.id) if taken else None


def abandon_stale(conn: Connection, started_before: datetime, now: datetime,
                  message: str) -> list[int]:
    """Requests left running by a process that died: failed, so they can be asked again."""
    ids = [i for (i,) in conn.execute(select(r.id).where(r.state == RUNNING,
                                                         r.started_at < started_before))]
    if ids:
        conn.execute(update(topic_request).where(r.id.in_(ids), r.state == RUNNING)
                     .values(state=FAILED, finished_at=now, message=message))
    return ids


def finish(conn: Connection, request_id: int, state: str, now: datetime, *,
           run_id: int | None = None, message: str | None = None) -> None:
    conn.execute(update(topic_request).where(r.id == request_id, r.state == RUNNING)
                 .values(state=state, finished_at=now, run_id=run_id, message=message))


def cancel(conn: Connection, request_id: int, now: datetime, message: str) -> bool:
    """Withdraw a request only while still pending (the state condition makes it atomic
    against a pass claiming it at the same moment); False when it was not pending."""
    return conn.execute(update(topic_request).where(r.id == request_id, r.state == PENDING)
                        .values(state=CANCELLED, finished_at=now, message=message)
                        ).rowcount == 1


def beat(conn: Connection, name: str, now: datetime) -> None:
    stmt = _insert(conn, worker_beat).values(name=name, beat_at=now)
    conn.execute(stmt.on_conflict_do_update(index_elements=[worker_beat.c.name],
                                            set_={"beat_at": now}))


def take_slot(conn: Connection, name: str, slot: datetime) -> bool:
    """Move the mark ``name`` forward to ``slot`` (a schedule's latest slot handed to the
    queue); True only for the one caller that moved it. A conditional upsert: on
    PostgreSQL a concurrent caller waits for the row and then finds it no longer older."""
    stmt = _insert(conn, worker_beat).values(name=name, beat_at=slot)
    stmt = stmt.on_conflict_do_update(index_elements=[worker_beat.c.name],
                                      set_={"beat_at": slot},
                                      where=worker_beat.c.beat_at < slot)
    return conn.execute(stmt.returning(worker_beat.c.name)).first() is not None


def last_beat(conn: Connection, name: str) -> datetime | None:
    return conn.execute(select(worker_beat.c.beat_at)
                        .where(worker_beat.c.name == name)).scalar()


def asked_by_since(conn: Connection, requested_by: str, since: datetime) -> list[Row]:
    """Requests ``requested_by`` asked at or after ``since``, oldest first (the schedule's
    requests of its latest slot)."""
    return list(conn.execute(select(topic_request).where(r.requested_by == requested_by,
                                                         r.requested_at >= since)
                             .order_by(r.id)))


def any_after(conn: Connection, scope: str, request_id: int) -> bool:
    """True when someone asked for ``scope`` again after request ``request_id``."""
    return conn.execute(select(r.id).where(r.scope == scope, r.id > request_id).limit(1)
                        ).first() is not None
