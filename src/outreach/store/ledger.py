"""Every query of the publication ledger; the publishing service decides, this module records.

Claims are conditional updates inside ``Database.begin()`` (BEGIN IMMEDIATE on
SQLite, row locks on PostgreSQL): a worker owns a row only when its UPDATE
changed it, so several processes may call the same claim at once and exactly
one wins. ``attempting`` is committed before the platform call and the result
after it, each in its own short transaction.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import Connection, and_, exists, func, or_, select, update

from ..publishing import model as m
from .db import Database
from .ledger_tables import attempt, delivery, occurrence, schedule_mark

Row = dict[str, Any]
#: called inside a change's transaction, only when the change happened: the audit row
#: commits (or rolls back) with it
Audit = Callable[[Connection], None] | None


def _insert(db: Database, table):
    """INSERT that can say ON CONFLICT DO NOTHING on either backend."""
    if db.is_postgres:
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _rows(result) -> list[Row]:
    return [dict(r._mapping) for r in result]


class Ledger:
    """The ledger tables of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- planning ---------------------------------------------------------
    def plan(self, spec: m.OccurrenceSpec, channel_keys: Sequence[tuple[str, str]], now: datetime,
             *, state: str = m.PLANNED, delivery_state: str = m.D_PENDING,
             error: str | None = None, draft_dir: str | None = None,
             audit: Callable[[Connection, int], None] | None = None) -> tuple[int, bool]:
        """Insert the occurrence and its deliveries unless (schedule, key) exists: (id, created)."""
        values = dict(
            schedule=spec.schedule, key=spec.key, template=spec.template,
            data_file=str(spec.data_file) if spec.data_file is not None else None,
            data_json=json.dumps(dict(spec.data), ensure_ascii=False) if spec.data is not None else None,
            context_json=json.dumps(dict(spec.context), ensure_ascii=False),
            scheduled_for=spec.scheduled_for, prepare_at=spec.prepare_at,
            grace_seconds=int(spec.grace.total_seconds()), approval_required=spec.approval_required,
            state=state, error=error, draft_dir=draft_dir,
            prepared_at=now if draft_dir else None, draft_revision=1 if draft_dir else 0,
            created_by=spec.created_by, created_at=now,
            updated_at=now)
        with self.db.begin() as conn:
            stmt = _insert(self.db, occurrence).values(**values).on_conflict_do_nothing(
                index_elements=["schedule", "key"]).returning(occurrence.c.id)
            occ_id = conn.execute(stmt).scalar()
            created = occ_id is not None
            if not created:
                occ_id = conn.execute(select(occurrence.c.id).where(
                    occurrence.c.schedule == spec.schedule,
                    occurrence.c.key == spec.key)).scalar_one()
            else:
                for channel, key in channel_keys:
                    conn.execute(delivery.insert().values(
                        occurrence_id=occ_id, channel=channel, key=key, state=delivery_state,
                        attempts=0, error=error if delivery_state == m.D_CANCELLED else None,
                        created_at=now, updated_at=now))
                if audit is not None:
                    audit(conn, occ_id)
        return occ_id, created

    # -- reading ----------------------------------------------------------
    def occurrence(self, occ_id: int) -> Row | None:
        with self.db.read() as conn:
            row = conn.execute(select(occurrence).where(occurrence.c.id == occ_id)).first()
        return dict(row._mapping) if row else None

    def occurrence_by_key(self, schedule: str, key: str) -> Row | None:
        with self.db.read() as conn:
            row = conn.execute(select(occurrence).where(
                occurrence.c.schedule == schedule, occurrence.c.key == key)).first()
        return dict(row._mapping) if row else None

    def deliveries(self, occ_ids: Iterable[int]) -> list[Row]:
        ids = list(occ_ids)
        if not ids:
            return []
        with self.db.read() as conn:
            return _rows(conn.execute(select(delivery).where(delivery.c.occurrence_id.in_(ids))
                                      .order_by(delivery.c.occurrence_id, delivery.c.id)))

    def delivery(self, ref: str | int) -> Row | None:
        """A delivery by id or by key, with its occurrence's schedule, template and state."""
        cond = (delivery.c.id == int(ref)) if str(ref).isdigit() else (delivery.c.key == str(ref))
        with self.db.read() as conn:
            row = conn.execute(self._joined().where(cond)).first()
        return dict(row._mapping) if row else None

    def delivery_by_remote(self, channel: str, remote_id: str) -> Row | None:
        """The delivery that published ``remote_id`` on ``channel`` (the inbox links replies to it)."""
        with self.db.read() as conn:
            row = conn.execute(self._joined().where(delivery.c.channel == channel,
                                                   delivery.c.remote_id == remote_id)).first()
        return dict(row._mapping) if row else None

    def attempts(self, delivery_id: int) -> list[Row]:
        with self.db.read() as conn:
            return _rows(conn.execute(select(attempt).where(attempt.c.delivery_id == delivery_id)
                                      .order_by(attempt.c.id)))

    def recorded_media(self, delivery_id: int) -> list[str]:
        """Every media id the delivery's attempts uploaded, oldest first, once each."""
        with self.db.read() as conn:
            values = conn.execute(select(attempt.c.media).where(
                attempt.c.delivery_id == delivery_id, attempt.c.media.is_not(None))
                .order_by(attempt.c.id)).scalars()
            return list(dict.fromkeys(str(i) for value in values for i in json.loads(value)))

    def count_attempts(self, *, kind: str = "publish") -> int:
        with self.db.read() as conn:
            return conn.execute(select(func.count()).select_from(attempt)
                                .where(attempt.c.kind == kind)).scalar_one()

    def recent(self, *, since: datetime, until: datetime, schedule: str | None = None,
               limit: int = 50) -> list[Row]:
        """Occurrences scheduled in [since, until] or still needing attention, newest first."""
        cond = occurrence.c.scheduled_for.between(since, until)
        attention = occurrence.c.state.in_([m.FAILED, m.PARTIAL, m.HELD, m.AWAITING_APPROVAL,
                                            m.PUBLISHING])
        stmt = select(occurrence).where(or_(cond, attention))
        if schedule:
            stmt = stmt.where(occurrence.c.schedule == schedule)
        with self.db.read() as conn:
            return _rows(conn.execute(stmt.order_by(occurrence.c.scheduled_for.desc(),
                                                    occurrence.c.id.desc()).limit(limit)))

    def deliveries_in(self, states: Sequence[str], *, channel: str | None = None) -> list[Row]:
        stmt = self._joined().where(delivery.c.state.in_(list(states)))
        if channel:
            stmt = stmt.where(delivery.c.channel == channel)
        with self.db.read() as conn:
            return _rows(conn.execute(stmt.order_by(delivery.c.id)))

    def sent_times(self, channel: str, since: datetime) -> list[datetime]:
        """When the channel's deliveries recorded ``sent`` since ``since`` went out (the
        cost and quota guard, publishing/budget.py: one narrow read, no join)."""
        stmt = select(delivery.c.sent_at).where(delivery.c.channel == channel,
                                                delivery.c.state == m.D_SENT,
                                                delivery.c.sent_at >= since)
        with self.db.read() as conn:
            return [t for (t,) in conn.execute(stmt) if t is not None]

    @staticmethod
    def _joined():
        return (select(delivery, occurrence.c.schedule, occurrence.c.key.label("occurrence_key"),
                       occurrence.c.template, occurrence.c.scheduled_for,
                       occurrence.c.state.label("occurrence_state"), occurrence.c.draft_dir,
                       occurrence.c.grace_seconds)
                .join(occurrence, occurrence.c.id == delivery.c.occurrence_id))

    # -- drafts -----------------------------------------------------------
    def to_prepare(self, now: datetime, schedule: str | None = None) -> list[Row]:
        """Planned occurrences whose draft time has come and that nobody is rendering."""
        when = func.coalesce(occurrence.c.prepare_at, occurrence.c.scheduled_for)
        stmt = select(occurrence).where(
            occurrence.c.state == m.PLANNED, when <= now,
            or_(occurrence.c.lease_until.is_(None), occurrence.c.lease_until < now))
        if schedule:
            stmt = stmt.where(occurrence.c.schedule == schedule)
        with self.db.read() as conn:
            return _rows(conn.execute(stmt.order_by(occurrence.c.scheduled_for, occurrence.c.id)))

    def claim_prepare(self, occ_id: int, now: datetime, lease_until: datetime) -> bool:
        with self.db.begin() as conn:
            return conn.execute(update(occurrence).where(
                occurrence.c.id == occ_id, occurrence.c.state == m.PLANNED,
                or_(occurrence.c.lease_until.is_(None), occurrence.c.lease_until < now))
                .values(lease_until=lease_until, updated_at=now)).rowcount == 1

    def prepared(self, occ_id: int, draft_dir: str, state: str, now: datetime) -> None:
        with self.db.begin() as conn:
            conn.execute(update(occurrence).where(occurrence.c.id == occ_id,
                                                  occurrence.c.state == m.PLANNED)
                         .values(state=state, draft_dir=draft_dir, prepared_at=now,
                                 draft_revision=occurrence.c.draft_revision + 1,
                                 lease_until=None, error=None, updated_at=now))

    def hold_for_change(self, occ_id: int, now: datetime, lease_until: datetime, *,
                        from_states: Sequence[str], audit: Audit = None) -> bool:
        """Take a draft nobody has approved back to planned, leased to the caller while its
        data changes (nobody renders or approves it meanwhile); False when it moved on."""
        with self.db.begin() as conn:
            changed = conn.execute(update(occurrence).where(
                occurrence.c.id == occ_id, occurrence.c.state.in_(list(from_states)),
                or_(occurrence.c.lease_until.is_(None), occurrence.c.lease_until < now))
                .values(state=m.PLANNED, lease_until=lease_until, updated_at=now)).rowcount == 1
            if changed and audit is not None:
                audit(conn)
            return changed

    def reopen_rejected(self, occ_id: int, now: datetime, lease_until: datetime, *,
                        channels: Sequence[str], audit: Audit = None) -> bool:
        """Take a rejected run back to planned, leased to the caller who renders it again
        (changes requested, not final), and reopen its deliveries on ``channels`` that the
        rejection cancelled. The rejection's reason, who and when stay on the row until the
        next decision; False when it is no longer rejected."""
        with self.db.begin() as conn:
            changed = conn.execute(update(occurrence).where(
                occurrence.c.id == occ_id, occurrence.c.state == m.REJECTED)
                .values(state=m.PLANNED, lease_until=lease_until, error=None,
                        updated_at=now)).rowcount == 1
            if changed:
                conn.execute(update(delivery).where(
                    delivery.c.occurrence_id == occ_id, delivery.c.state == m.D_CANCELLED,
                    delivery.c.channel.in_(list(channels)))
                    .values(state=m.D_PENDING, error=None, updated_at=now))
                if audit is not None:
                    audit(conn)
            return changed

    def release_hold(self, occ_id: int, now: datetime) -> None:
        """End ``hold_for_change``: the draft is rendered again at the next ``work()``."""
        with self.db.begin() as conn:
            conn.execute(update(occurrence).where(occurrence.c.id == occ_id,
                                                  occurrence.c.state == m.PLANNED)
                         .values(lease_until=None, updated_at=now))

    def prepare_failed(self, occ_id: int, error: str, now: datetime, *,
                       retry_at: datetime | None) -> None:
        """Keep it planned and try again at ``retry_at``, or (None) fail it and its deliveries."""
        with self.db.begin() as conn:
            if retry_at is not None:
                conn.execute(update(occurrence).where(occurrence.c.id == occ_id,
                                                      occurrence.c.state == m.PLANNED)
                             .values(lease_until=retry_at, error=error, updated_at=now))
                return
            done = conn.execute(update(occurrence).where(occurrence.c.id == occ_id,
                                                         occurrence.c.state == m.PLANNED)
                                .values(state=m.FAILED, lease_until=None, error=error,
                                        updated_at=now)).rowcount
            if done:
                conn.execute(update(delivery).where(delivery.c.occurrence_id == occ_id,
                                                    delivery.c.state == m.D_PENDING)
                             .values(state=m.D_FAILED, error=error, updated_at=now))

    # -- occurrence decisions ---------------------------------------------
    def not_started_due(self, now: datetime, schedule: str | None = None) -> list[Row]:
        stmt = select(occurrence).where(occurrence.c.state.in_(m.NOT_STARTED),
                                        occurrence.c.scheduled_for <= now)
        if schedule:
            stmt = stmt.where(occurrence.c.schedule == schedule)
        with self.db.read() as conn:
            return _rows(conn.execute(stmt.order_by(occurrence.c.scheduled_for)))

    def close_occurrence(self, occ_id: int, state: str, reason: str | None, now: datetime, *,
                         from_states: Sequence[str], by: str | None = None,
                         audit: Audit = None) -> bool:
        """Move a not-started occurrence to a final state (missed, rejected); cancel its deliveries."""
        with self.db.begin() as conn:
            values: dict[str, Any] = dict(state=state, error=reason, lease_until=None,
                                          updated_at=now)
            if by is not None:
                values.update(decided_by=by, decided_at=now, decision_reason=reason, error=None)
            changed = conn.execute(update(occurrence).where(
                occurrence.c.id == occ_id, occurrence.c.state.in_(list(from_states)))
                .values(**values)).rowcount == 1
            if changed:
                conn.execute(update(delivery).where(delivery.c.occurrence_id == occ_id,
                                                    delivery.c.state == m.D_PENDING)
                             .values(state=m.D_CANCELLED, error=reason, updated_at=now))
                if audit is not None:
                    audit(conn)
            return changed

    def set_occurrence_state(self, occ_id: int, state: str, now: datetime, *,
                             from_states: Sequence[str], by: str | None = None,
                             reason: str | None = None, revision: int | None = None,
                             audit: Audit = None) -> bool:
        """A conditional state change; with ``revision``, only while the draft is still that
        render (an approval of what the approver saw, never of a newer draft)."""
        values: dict[str, Any] = dict(state=state, updated_at=now)
        if by is not None:
            values.update(decided_by=by, decided_at=now, decision_reason=reason)
        cond = [occurrence.c.id == occ_id, occurrence.c.state.in_(list(from_states))]
        if revision is not None:
            cond.append(occurrence.c.draft_revision == revision)
        with self.db.begin() as conn:
            changed = conn.execute(update(occurrence).where(*cond)
                                   .values(**values)).rowcount == 1
            if changed and audit is not None:
                audit(conn)
            return changed

    def move_occurrence(self, occ_id: int, scheduled_for: datetime, now: datetime, *,
                        from_states: Sequence[str], prepare_at: datetime | None = None,
                        audit: Audit = None) -> bool:
        """Give a not-started occurrence a new time; a held draft waits for approval again."""
        with self.db.begin() as conn:
            values: dict[str, Any] = dict(scheduled_for=scheduled_for, updated_at=now)
            if prepare_at is not None:
                values["prepare_at"] = prepare_at
            changed = conn.execute(update(occurrence).where(
                occurrence.c.id == occ_id, occurrence.c.state.in_(list(from_states)))
                .values(**values)).rowcount == 1
            if changed:
                conn.execute(update(occurrence).where(occurrence.c.id == occ_id,
                                                      occurrence.c.state == m.HELD)
                             .values(state=m.AWAITING_APPROVAL))
                if audit is not None:
                    audit(conn)
            return changed

    # -- deliveries -------------------------------------------------------
    def due_deliveries(self, now: datetime, schedule: str | None = None) -> list[Row]:
        stmt = self._joined().where(
            occurrence.c.state.in_(m.PUBLISHABLE), occurrence.c.scheduled_for <= now,
            or_(delivery.c.state == m.D_PENDING,
                and_(delivery.c.state == m.D_RETRY_WAIT, delivery.c.next_attempt_at <= now)))
        if schedule:
            stmt = stmt.where(occurrence.c.schedule == schedule)
        with self.db.read() as conn:
            return _rows(conn.execute(stmt.order_by(occurrence.c.scheduled_for, delivery.c.id)))

    def claim_delivery(self, delivery_id: int, occ_id: int, now: datetime, lease_until: datetime,
                       worker: str) -> int | None:
        """Take a due delivery: commit ``attempting`` and an attempt row; the attempt number or None."""
        with self.db.begin() as conn:
            # locks the occurrence row first, so it cannot turn missed/rejected under us; the
            # time is checked again because a one-off post may have been moved meanwhile
            if not conn.execute(update(occurrence).where(
                    occurrence.c.id == occ_id, occurrence.c.state.in_(m.PUBLISHABLE),
                    occurrence.c.scheduled_for <= now)
                    .values(state=m.PUBLISHING, updated_at=now)).rowcount:
                return None
            claimed = conn.execute(update(delivery).where(
                delivery.c.id == delivery_id,
                or_(delivery.c.state == m.D_PENDING,
                    and_(delivery.c.state == m.D_RETRY_WAIT, delivery.c.next_attempt_at <= now)))
                .values(state=m.D_ATTEMPTING, attempts=delivery.c.attempts + 1,
                        lease_until=lease_until, next_attempt_at=None, updated_at=now)).rowcount
            if not claimed:
                self._settle(conn, occ_id, now)   # undo the publishing mark if nothing is open
                return None
            number = conn.execute(select(delivery.c.attempts)
                                  .where(delivery.c.id == delivery_id)).scalar_one()
            conn.execute(attempt.insert().values(delivery_id=delivery_id, number=number,
                                                 kind="publish", worker=worker, started_at=now))
            return number

    def extend_lease(self, delivery_id: int, lease_until: datetime) -> None:
        """Heartbeat of a worker still inside a slow platform call."""
        with self.db.begin() as conn:
            conn.execute(update(delivery).where(delivery.c.id == delivery_id,
                                                delivery.c.state == m.D_ATTEMPTING)
                         .values(lease_until=lease_until))

    def stale_attempting(self, now: datetime, schedule: str | None = None) -> list[Row]:
        stmt = self._joined().where(delivery.c.state == m.D_ATTEMPTING,
                                    delivery.c.lease_until < now)
        if schedule:
            stmt = stmt.where(occurrence.c.schedule == schedule)
        with self.db.read() as conn:
            return _rows(conn.execute(stmt.order_by(delivery.c.id)))

    def claim_stale(self, delivery_id: int, now: datetime, lease_until: datetime,
                    worker: str) -> int | None:
        """Take over an ``attempting`` delivery whose worker vanished; closes its open attempt."""
        with self.db.begin() as conn:
            if not conn.execute(update(delivery).where(
                    delivery.c.id == delivery_id, delivery.c.state == m.D_ATTEMPTING,
                    delivery.c.lease_until < now)
                    .values(lease_until=lease_until, updated_at=now)).rowcount:
                return None
            number = conn.execute(select(delivery.c.attempts)
                                  .where(delivery.c.id == delivery_id)).scalar_one()
            conn.execute(update(attempt).where(attempt.c.delivery_id == delivery_id,
                                               attempt.c.finished_at.is_(None))
                         .values(finished_at=now, outcome="interrupted",
                                 error="the worker stopped during the platform call"))
            conn.execute(attempt.insert().values(delivery_id=delivery_id, number=number,
                                                 kind="reconcile", worker=worker, started_at=now))
            return number

    def finish_delivery(self, delivery_id: int, number: int, state: str, now: datetime, *,
                        outcome: str, remote_id: str | None = None, url: str | None = None,
                        location: str | None = None, error: str | None = None,
                        error_class: str | None = None,
                        next_attempt_at: datetime | None = None, media: Sequence[str] = ()) -> bool:
        """Record the result of attempt ``number``; False when another worker took the row over.

        ``media``: ids of images the attempt uploaded, kept so that those of a post never
        made can be deleted when the delivery is reconciled."""
        with self.db.begin() as conn:
            values: dict[str, Any] = dict(state=state, lease_until=None, error=error,
                                          next_attempt_at=next_attempt_at, updated_at=now)
            if state in m.D_OUT:
                values.update(remote_id=remote_id, url=url, location=location, sent_at=now)
            changed = conn.execute(update(delivery).where(
                delivery.c.id == delivery_id, delivery.c.state == m.D_ATTEMPTING,
                delivery.c.attempts == number).values(**values)).rowcount == 1
            conn.execute(update(attempt).where(attempt.c.delivery_id == delivery_id,
                                               attempt.c.number == number,
                                               attempt.c.finished_at.is_(None))
                         .values(finished_at=now, outcome=outcome if changed else "superseded",
                                 error_class=error_class, error=error,
                                 media=json.dumps(list(media)) if media else None))
            if changed:
                occ_id = conn.execute(select(delivery.c.occurrence_id)
                                      .where(delivery.c.id == delivery_id)).scalar_one()
                self._settle(conn, occ_id, now)
            return changed

    def set_delivery(self, delivery_id: int, now: datetime, *, from_states: Sequence[str],
                     note: str, audit: Audit = None, **values: Any) -> bool:
        """A person's decision on a delivery (handed off, send again): state change + attempt row."""
        with self.db.begin() as conn:
            changed = conn.execute(update(delivery).where(
                delivery.c.id == delivery_id, delivery.c.state.in_(list(from_states)))
                .values(updated_at=now, **values)).rowcount == 1
            if changed:
                row = conn.execute(select(delivery.c.attempts, delivery.c.occurrence_id)
                                   .where(delivery.c.id == delivery_id)).one()
                conn.execute(attempt.insert().values(
                    delivery_id=delivery_id, number=row.attempts, kind="manual",
                    worker=values.get("handed_off_by") or "staff", started_at=now,
                    finished_at=now, outcome=values.get("state"), error=note))
                if values.get("state") in m.D_OPEN:
                    conn.execute(update(occurrence).where(
                        occurrence.c.id == row.occurrence_id,
                        occurrence.c.state.in_([m.DONE, m.PARTIAL, m.FAILED]))
                        .values(state=m.PUBLISHING, updated_at=now))
                self._settle(conn, row.occurrence_id, now)
                if audit is not None:
                    audit(conn)
            return changed

    def _settle(self, conn: Connection, occ_id: int, now: datetime) -> None:
        """Derive a started occurrence's state from its deliveries."""
        states = [s for (s,) in conn.execute(select(delivery.c.state)
                                            .where(delivery.c.occurrence_id == occ_id))
                  if s != m.D_CANCELLED]
        if not states or any(s in m.D_OPEN for s in states):
            return
        if all(s in m.D_OUT for s in states):
            new = m.DONE
        elif any(s in m.D_OUT for s in states):
            new = m.PARTIAL
        else:
            new = m.FAILED
        conn.execute(update(occurrence).where(
            occurrence.c.id == occ_id,
            occurrence.c.state.in_([m.PUBLISHING, m.DONE, m.PARTIAL, m.FAILED]))
            .values(state=new, updated_at=now))

    # -- schedule marks ---------------------------------------------------
    def checked_until(self, schedule: str) -> datetime | None:
        with self.db.read() as conn:
            return conn.execute(select(schedule_mark.c.checked_until)
                                .where(schedule_mark.c.schedule == schedule)).scalar()

    def set_checked_until(self, schedule: str, when: datetime, now: datetime) -> None:
        """Move the watermark forward (never back, so concurrent workers cannot rewind it)."""
        with self.db.begin() as conn:
            stmt = _insert(self.db, schedule_mark).values(schedule=schedule, checked_until=when,
                                                          updated_at=now)
            stmt = stmt.on_conflict_do_update(
                index_elements=["schedule"],
                set_={"checked_until": when, "updated_at": now},
                where=or_(schedule_mark.c.checked_until.is_(None),
                          schedule_mark.c.checked_until < when))
            conn.execute(stmt)

    def has_schedule(self, schedule: str) -> bool:
        with self.db.read() as conn:
            return conn.execute(select(exists().where(occurrence.c.schedule == schedule))).scalar()
