"""Read queries behind the publishing desk's pages and notifications.

Every method runs a fixed number of queries whatever the ledger's size or the
number of rows shown (lists are bounded by ``limit`` and come with a total
count), so pages stay fast on five years of history. Rows are plain dicts.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Sequence

from sqlalchemy import and_, func, literal, or_, select, union_all

from ..publishing import model as m
from .db import Database
from .ledger import Row, _rows
from .ledger_tables import attempt, delivery, occurrence

#: occurrence columns a list needs (no JSON blobs)
_OCC = (occurrence.c.id, occurrence.c.schedule, occurrence.c.key, occurrence.c.template,
        occurrence.c.scheduled_for, occurrence.c.state, occurrence.c.error,
        occurrence.c.approval_required, occurrence.c.draft_dir, occurrence.c.decided_by,
        occurrence.c.created_by, occurrence.c.grace_seconds, occurrence.c.draft_revision,
        occurrence.c.decided_at, occurrence.c.decision_reason)
#: delivery columns a list needs, with its run's (SQLite parses every datetime it returns)
_DEL = (delivery.c.id, delivery.c.occurrence_id, delivery.c.channel, delivery.c.key,
        delivery.c.state, delivery.c.attempts, delivery.c.next_attempt_at, delivery.c.url,
        delivery.c.location, delivery.c.error, delivery.c.handed_off_by,
        occurrence.c.schedule, occurrence.c.template, occurrence.c.scheduled_for,
        occurrence.c.state.label("occurrence_state"))
#: what a calendar cell shows (each datetime column costs a parse per row on SQLite)
_CAL = (occurrence.c.id, occurrence.c.schedule, occurrence.c.key, occurrence.c.template,
        occurrence.c.scheduled_for, occurrence.c.state)


class DeskQueries:
    """Bounded reads over the ledger for the desk."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _list(self, stmt, count_stmt, limit: int) -> tuple[list[Row], int]:
        with self.db.read() as conn:
            rows = _rows(conn.execute(stmt.limit(limit)))
            total = len(rows) if len(rows) < limit else conn.execute(count_stmt).scalar_one()
        return rows, total

    # -- occurrences --------------------------------------------------------
    def occurrences_in(self, states: Sequence[str], *, limit: int = 50,
                       since: datetime | None = None, oldest_first: bool = True
                       ) -> tuple[list[Row], int]:
        """Occurrences in ``states`` (changed since ``since``), bounded, with the total."""
        cond = [occurrence.c.state.in_(list(states))]
        if since is not None:
            cond.append(occurrence.c.updated_at >= since)
        order = occurrence.c.scheduled_for if oldest_first else occurrence.c.scheduled_for.desc()
        stmt = select(*_OCC).where(*cond).order_by(order, occurrence.c.id)
        count = select(func.count()).select_from(occurrence).where(*cond)
        return self._list(stmt, count, limit)

    def render_failures(self, *, limit: int = 20) -> tuple[list[Row], int]:
        """Drafts that could not be rendered: still retrying (planned + error) or given up."""
        cond = or_(and_(occurrence.c.state == m.PLANNED, occurrence.c.error.is_not(None)),
                   and_(occurrence.c.state == m.FAILED, occurrence.c.draft_dir.is_(None)))
        stmt = select(*_OCC).where(cond).order_by(occurrence.c.scheduled_for.desc())
        return self._list(stmt, select(func.count()).select_from(occurrence).where(cond), limit)

    def between(self, start: datetime, end: datetime, *, limit: int = 2000) -> list[Row]:
        """Occurrences scheduled in [start, end) with their delivery counts (the calendar)."""
        # correlated counts keep the outer query on the scheduled_for index (a GROUP BY
        # over the join made SQLite scan every occurrence in id order)
        def count(*cond):
            return (select(func.count()).select_from(delivery)
                    .where(delivery.c.occurrence_id == occurrence.c.id, *cond)
                    .correlate(occurrence).scalar_subquery())

        stmt = (select(*_CAL, count().label("channels"),
                       count(delivery.c.state.in_(m.D_OUT)).label("out"),
                       count(delivery.c.state.in_([m.D_FAILED, m.D_UNKNOWN])).label("bad"))
                .where(occurrence.c.scheduled_for >= start, occurrence.c.scheduled_for < end)
                .order_by(occurrence.c.scheduled_for, occurrence.c.id).limit(limit))
        with self.db.read() as conn:
            return _rows(conn.execute(stmt))

    # -- deliveries ---------------------------------------------------------
    def deliveries_in(self, states: Sequence[str], *, limit: int = 50,
                      since: datetime | None = None, channel: str | None = None
                      ) -> tuple[list[Row], int]:
        """Deliveries in ``states``, most recently changed first, with their occurrence."""
        extra = []
        if since is not None:
            extra.append(delivery.c.updated_at >= since)
        if channel:
            extra.append(delivery.c.channel == channel)
        # the newest ``limit`` of each state walk the (state, updated_at) index in order;
        # only those few rows are joined and sorted, however many the history holds
        newest = [select(delivery.c.id).where(delivery.c.state == state, *extra)
                  .order_by(delivery.c.updated_at.desc(), delivery.c.id.desc()).limit(limit)
                  .subquery() for state in states]
        ids = union_all(*[select(sub.c.id) for sub in newest]).subquery()
        stmt = (select(*_DEL).join(occurrence, occurrence.c.id == delivery.c.occurrence_id)
                .where(delivery.c.id.in_(select(ids.c.id)))
                .order_by(delivery.c.updated_at.desc(), delivery.c.id.desc()))
        count = select(func.count()).select_from(delivery).where(
            delivery.c.state.in_(list(states)), *extra)
        return self._list(stmt, count, limit)

    def run(self, occ_id: int) -> tuple[Row | None, list[Row], list[Row]]:
        """One occurrence, its deliveries and all their attempts: three queries."""
        with self.db.read() as conn:
            row = conn.execute(select(occurrence).where(occurrence.c.id == occ_id)).first()
            if row is None:
                return None, [], []
            deliveries = _rows(conn.execute(select(delivery)
                                            .where(delivery.c.occurrence_id == occ_id)
                                            .order_by(delivery.c.id)))
            attempts = _rows(conn.execute(
                select(attempt).join(delivery, delivery.c.id == attempt.c.delivery_id)
                .where(delivery.c.occurrence_id == occ_id).order_by(attempt.c.id)))
        return dict(row._mapping), deliveries, attempts

    def channel_stats(self, channels: Sequence[str], since: datetime) -> dict[str, dict[str, Any]]:
        """Per channel: last post out and problems since ``since``; two queries, each walking
        an index (channel, sent_at) or (state, updated_at), never the whole table."""
        out: dict[str, dict[str, Any]] = {c: {"last_sent": None, "recent_problems": 0}
                                          for c in channels}
        if not channels:
            return out
        last = [select(literal(c).label("channel"),
                       select(func.max(delivery.c.sent_at)).where(delivery.c.channel == c)
                       .scalar_subquery().label("last_sent")) for c in channels]
        problems = (select(delivery.c.channel, func.count().label("n"))
                    .where(delivery.c.state.in_([m.D_FAILED, m.D_UNKNOWN]),
                           delivery.c.updated_at >= since)
                    .group_by(delivery.c.channel))
        with self.db.read() as conn:
            for row in conn.execute(union_all(*last)):
                value = row.last_sent
                if isinstance(value, str):   # SQLite returns max() of a compound select as text
                    value = datetime.fromisoformat(value)
                if value is not None and value.tzinfo is None:
                    value = value.replace(tzinfo=timezone.utc)
                out[row.channel]["last_sent"] = value
            for row in conn.execute(problems):
                if row.channel in out:
                    out[row.channel]["recent_problems"] = row.n
        return out


def _int():
    from sqlalchemy import Integer

    return Integer
