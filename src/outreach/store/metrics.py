"""Every query of post analytics: what is due, snapshots in, figures out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import and_, func, or_, select

from ..publishing import model as m
from .db import Database
from .ledger_tables import delivery, occurrence
from .metrics_tables import follower_count, metric_snapshot

Row = dict[str, Any]
SENT = func.coalesce(delivery.c.sent_at, delivery.c.handed_off_at)
OUT_STATES = (m.D_SENT, m.D_HANDED_OFF)


def _insert(db: Database, table):
    if db.is_postgres:
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def out_since(db: Database, since: datetime, channels: Sequence[str]) -> list[Row]:
    """Deliveries out (sent or handed off) since ``since`` on ``channels``, with the ages
    already taken (``ages``: a set of labels)."""
    with db.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(
            select(delivery.c.id, delivery.c.channel, delivery.c.remote_id, delivery.c.url,
                   SENT.label("sent"), occurrence.c.context_json)
            .join(occurrence, occurrence.c.id == delivery.c.occurrence_id)
            .where(delivery.c.state.in_(OUT_STATES), SENT >= since,
                   delivery.c.channel.in_(list(channels)),
                   or_(delivery.c.remote_id.is_not(None), delivery.c.url.is_not(None)))
            .order_by(SENT))]
        taken: dict[int, set[str]] = {}
        if rows:
            for did, age in conn.execute(
                    select(metric_snapshot.c.delivery_id, metric_snapshot.c.age).distinct()
                    .join(delivery, delivery.c.id == metric_snapshot.c.delivery_id)
                    .where(SENT >= since)):
                taken.setdefault(did, set()).add(age)
    for row in rows:
        row["ages"] = taken.get(row["id"], set())
    return rows


def save_snapshot(db: Database, delivery_id: int, age: str, taken_at: datetime,
                  figures: Iterable[Any]) -> int:
    """Store one age's figures of one delivery once (a second collector finds them there)."""
    values = [dict(delivery_id=delivery_id, age=age, taken_at=taken_at, metric=f.name,
                   value=f.value, source=f.source or None, reason=f.reason or None,
                   provisional=bool(f.provisional)) for f in figures]
    if not values:
        return 0
    with db.begin() as conn:
        stmt = _insert(db, metric_snapshot).values(values).on_conflict_do_nothing(
            index_elements=["delivery_id", "age", "metric"])
        return conn.execute(stmt).rowcount or 0


def followers_taken(db: Database, day: date) -> set[str]:
    with db.read() as conn:
        return set(conn.execute(select(follower_count.c.channel).where(follower_count.c.day == day))
                   .scalars())


def save_followers(db: Database, channel: str, day: date, value: int | None, reason: str | None,
                   taken_at: datetime) -> None:
    with db.begin() as conn:
        conn.execute(_insert(db, follower_count).values(
            channel=channel, day=day, value=value, reason=reason, taken_at=taken_at)
            .on_conflict_do_nothing(index_elements=["channel", "day"]))


def followers(db: Database, since: date, until: date) -> list[Row]:
    """Follower counts of days in [since, until]."""
    with db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(follower_count.c.channel, follower_count.c.day, follower_count.c.value,
                   follower_count.c.reason)
            .where(follower_count.c.day >= since, follower_count.c.day <= until)
            .order_by(follower_count.c.channel, follower_count.c.day))]


def posts(db: Database, since: datetime, until: datetime, *, channel: str | None = None,
          schedule: str | None = None, occurrence_id: int | None = None) -> list[Row]:
    """Deliveries out in [since, until) with their occurrence, oldest first."""
    conds = [delivery.c.state.in_(OUT_STATES), SENT >= since, SENT < until]
    if channel:
        conds.append(delivery.c.channel == channel)
    if schedule:
        conds.append(occurrence.c.schedule == schedule)
    if occurrence_id is not None:
        conds = [delivery.c.occurrence_id == occurrence_id, delivery.c.state.in_(OUT_STATES)]
    with db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(delivery.c.id, delivery.c.occurrence_id, delivery.c.channel, delivery.c.state,
                   delivery.c.url, delivery.c.remote_id, SENT.label("sent"),
                   delivery.c.created_at, delivery.c.handed_off_at, occurrence.c.schedule,
                   occurrence.c.template, occurrence.c.scheduled_for, occurrence.c.draft_dir)
            .join(occurrence, occurrence.c.id == delivery.c.occurrence_id)
            .where(and_(*conds)).order_by(SENT, delivery.c.id))]


def snapshots(db: Database, delivery_ids: Sequence[int]) -> list[Row]:
    """Every snapshot row of these deliveries (chunked: PostgreSQL and SQLite cap parameters)."""
    out: list[Row] = []
    ids = list(delivery_ids)
    with db.read() as conn:
        for start in range(0, len(ids), 900):
            out += [dict(r._mapping) for r in conn.execute(
                select(metric_snapshot.c.delivery_id, metric_snapshot.c.age,
                       metric_snapshot.c.taken_at, metric_snapshot.c.metric,
                       metric_snapshot.c.value, metric_snapshot.c.source,
                       metric_snapshot.c.reason, metric_snapshot.c.provisional)
                .where(metric_snapshot.c.delivery_id.in_(ids[start:start + 900])))]
    return out
