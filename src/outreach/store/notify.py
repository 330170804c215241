"""Queries of the notification outbox and the stored channel checks.

An event is recorded with INSERT ... ON CONFLICT DO NOTHING on its key, so it
exists once however many passes (daemon, cron, two servers) see it. Sending
claims a row with a conditional update and a lease, so two senders never mail
the same row at once; a sender that dies after the SMTP server accepted the
message but before recording it leaves the row to be sent again after the
lease.

A notice is mailed once per recipient group (the language they read); each group's mail
has a row in ``notify_groups``, claimed before the SMTP send (``sending``, committed) and
recorded right after it (``sent``, or ``failed`` when the server refused: tried again
later). A group found still ``sending`` after its lease belongs to a pass that died
between the send and recording it: like the ledger's unknown outcome, it becomes
``unknown`` and is never mailed again. So each group gets the notice at most once
(docs/publishing.md, "Each recipient group mailed at most once").

When the server accepts a group's mail but refuses some of its addresses, those are
recorded in ``notify_refusals`` in the same transaction as the group's ``sent``: a
temporary refusal (4xx) ``deferred`` and mailed again alone later, claimed the same way
(``sending`` with a lease, then recorded; found ``sending`` after its lease: ``unknown``,
never mailed again), a permanent one (5xx) ``refused`` for good, one that is no longer a
recipient of the notice when its retry time comes ``dropped`` (never mailed). So each
address, too, gets the notice at most once.

The tries are counted apart: a notification's ``attempts`` counts the passes that mailed (or
tried to mail) one of its groups, and decides when a failed group is given up; a failed
group waits for its own retry time (``notify_groups.next_attempt_at``); a refused address
counts its own tries and keeps its own time in its ``notify_refusals`` row. A pass that
only mails refused addresses again neither counts as a try of the notification nor tries
its failed groups early.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Container, Iterable, Mapping

from sqlalchemy import String, cast, func, literal, or_, select, update

from ..i18n import portable, shown, stored
from .db import Database
from .desk_tables import channel_check, notification, notify_group, notify_refusal
from .ledger import Row, _insert, _rows

PENDING, SENDING, SENT, FAILED, NOBODY = "pending", "sending", "sent", "failed", "nobody"
#: a notification whose every group is sent or of unknown outcome, at least one unknown
UNKNOWN = "unknown"
#: what ``claim_group`` found: send now | mailed before | outcome unknown | another pass sends
CLAIMED, DONE, LOST, BUSY = "claimed", "sent", "unknown", "sending"
#: a refused address: tried again later (4xx) | refused for good (5xx); see notify_refusals
DEFERRED, REFUSED = "deferred", "refused"
#: a deferred address no longer a recipient of the notice at its retry time: never mailed
DROPPED = "dropped"
#: the error of a group or address left ``sending`` by a pass that died
LOST_ERROR = "the pass that sent it stopped before recording it"
#: the words of a stored channel check (what was checked, what to do)
_WORDS = ("what", "fix")


class NotificationStore:
    """The ``notification`` and ``channel_check`` tables of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- events -----------------------------------------------------------
    def record(self, events: Iterable[Mapping[str, Any]], now: datetime) -> int:
        """Insert events not seen before (by ``key``); how many were new."""
        new = 0
        with self.db.begin() as conn:
            for event in events:
                stmt = _insert(self.db, notification).values(
                    key=event["key"], kind=event["kind"], roles=",".join(event["roles"]),
                    subject=stored(event["subject"]), body=stored(event["body"]),
                    link=event.get("link"),
                    state=PENDING, attempts=0, created_at=now).on_conflict_do_nothing(
                    index_elements=["key"]).returning(notification.c.id)
                if conn.execute(stmt).scalar() is not None:
                    new += 1
        return new

    def known(self, keys: Iterable[str]) -> set[str]:
        wanted = list(keys)
        if not wanted:
            return set()
        with self.db.read() as conn:
            return set(conn.execute(select(notification.c.key)
                                    .where(notification.c.key.in_(wanted))).scalars())

    def due(self, now: datetime, limit: int = 100) -> list[Row]:
        stmt = select(notification).where(or_(
            notification.c.state == PENDING,
            (notification.c.state == SENDING) & (notification.c.next_attempt_at < now)),
            or_(notification.c.next_attempt_at.is_(None), notification.c.next_attempt_at <= now))
        with self.db.read() as conn:
            return _rows(conn.execute(stmt.order_by(notification.c.id).limit(limit)))

    def claim(self, note_id: int, now: datetime, lease_until: datetime) -> bool:
        with self.db.begin() as conn:
            return conn.execute(update(notification).where(
                notification.c.id == note_id,
                or_(notification.c.state == PENDING,
                    (notification.c.state == SENDING) & (notification.c.next_attempt_at < now)),
                or_(notification.c.next_attempt_at.is_(None),
                    notification.c.next_attempt_at <= now))
                .values(state=SENDING, next_attempt_at=lease_until)).rowcount == 1

    def finish(self, note_id: int, state: str, now: datetime, *, recipients: str | None = None,
               error: str | None = None, retry_at: datetime | None = None,
               tried: bool = False) -> None:
        """Record what the claimed pass did; ``tried``: it mailed (or tried to mail) one of
        the notification's groups, one more of its ``attempts`` (a pass that only mailed
        refused addresses again is not one: those count their own)."""
        values: dict[str, Any] = dict(state=state, error=error, next_attempt_at=retry_at)
        if tried:
            values["attempts"] = notification.c.attempts + 1
        if recipients is not None:
            values["recipients"] = recipients
        if state == SENT:
            values["sent_at"] = now
        with self.db.begin() as conn:
            conn.execute(update(notification).where(notification.c.id == note_id,
                                                    notification.c.state == SENDING)
                         .values(**values))

    def all(self, limit: int = 200) -> list[Row]:
        with self.db.read() as conn:
            return _rows(conn.execute(select(notification).order_by(notification.c.id.desc())
                                      .limit(limit)))

    def count(self, state: str | None = None) -> int:
        stmt = select(func.count()).select_from(notification)
        if state:
            stmt = stmt.where(notification.c.state == state)
        with self.db.read() as conn:
            return conn.execute(stmt).scalar_one()

    def listing(self, state: str | None = None, before_id: int | None = None,
                limit: int = 50) -> list[Row]:
        """The newest notifications (id descending, keyset: ``before_id``), each with its
        group rows as ``groups`` (by language, sorted) and its refused addresses as
        ``refusals`` (by language and address); ``state`` one of ``pending`` (also
        ``sending``: being mailed now), ``sent``, ``failed``, ``unknown``, ``nobody``.
        ``failed`` also finds the notifications in another state some address of which will
        not get the notice (refused for good, or still refused after the last try): the
        notices that did not reach someone."""
        stmt = select(notification)
        if state == PENDING:
            stmt = stmt.where(notification.c.state.in_((PENDING, SENDING)))
        elif state == FAILED:
            r = notify_refusal.c
            refused = select(r.notice).where(
                r.notice == literal("notification:") + cast(notification.c.id, String),
                r.state.in_((REFUSED, FAILED))).exists()
            stmt = stmt.where(or_(notification.c.state == FAILED, refused))
        elif state:
            stmt = stmt.where(notification.c.state == state)
        if before_id is not None:
            stmt = stmt.where(notification.c.id < before_id)
        with self.db.read() as conn:
            rows = _rows(conn.execute(stmt.order_by(notification.c.id.desc()).limit(limit)))
            notices = {f"notification:{row['id']}": row for row in rows}
            for row in rows:
                row["groups"], row["refusals"] = [], []
            if notices:
                for group in _rows(conn.execute(
                        select(notify_group).where(notify_group.c.notice.in_(list(notices)))
                        .order_by(notify_group.c.notice, notify_group.c.language))):
                    notices[group["notice"]]["groups"].append(group)
                r = notify_refusal.c
                for refusal in _rows(conn.execute(
                        select(notify_refusal).where(r.notice.in_(list(notices)))
                        .order_by(r.notice, r.language, r.address))):
                    notices[refusal["notice"]]["refusals"].append(refusal)
        return rows

    # -- recipient groups ------------------------------------------------------
    def claim_group(self, notice: str, language: str, recipients: str, now: datetime,
                    lease_until: datetime) -> str:
        """Claim the mail of one group of ``notice``: ``CLAIMED`` (send it, then
        ``group_sent`` or ``group_failed``), ``DONE`` (mailed before), ``LOST`` (a pass died
        between its send and recording it: outcome unknown, not sent again), ``BUSY``
        (another pass holds it) or ``FAILED`` (failed before; its retry time, which
        ``group_failed`` was given, has not come). A new row is inserted (ON CONFLICT DO
        NOTHING on the key), a ``failed`` one taken with a conditional update: one winner,
        as ``claim``."""
        g = notify_group.c
        mine = (g.notice == notice) & (g.language == language)
        with self.db.begin() as conn:
            stmt = _insert(self.db, notify_group).values(
                notice=notice, language=language, state=SENDING, recipients=recipients,
                lease_until=lease_until).on_conflict_do_nothing().returning(g.notice)
            if conn.execute(stmt).scalar() is not None:
                return CLAIMED
            if conn.execute(update(notify_group).where(
                    mine, g.state == FAILED,
                    or_(g.next_attempt_at.is_(None), g.next_attempt_at <= now)).values(
                    state=SENDING, recipients=recipients, lease_until=lease_until,
                    next_attempt_at=None)).rowcount:
                return CLAIMED
            conn.execute(update(notify_group).where(mine, g.state == SENDING,
                                                    g.lease_until < now)
                         .values(state=UNKNOWN, lease_until=None, error=LOST_ERROR))
            return conn.execute(select(g.state).where(mine)).scalar_one()

    def group_sent(self, notice: str, language: str, now: datetime,
                   refused: Iterable[Mapping[str, Any]] = ()) -> None:
        """Record the group's mail as accepted by the server, and in the same transaction
        the addresses it refused (each: ``address``, ``state`` DEFERRED, REFUSED or FAILED,
        ``code``, ``reply``, ``next_attempt_at``): a pass that dies before this records
        neither, so the group is ``unknown`` and none of them is mailed again."""
        g = notify_group.c
        with self.db.begin() as conn:
            conn.execute(update(notify_group).where(g.notice == notice, g.language == language,
                                                    g.state == SENDING)
                         .values(state=SENT, sent_at=now, lease_until=None, error=None))
            for each in refused:
                conn.execute(_insert(self.db, notify_refusal).values(
                    notice=notice, language=language, address=each["address"],
                    state=each["state"], code=each["code"], reply=each["reply"], attempts=1,
                    next_attempt_at=each.get("next_attempt_at"), refused_at=now)
                    .on_conflict_do_nothing())

    def group_failed(self, notice: str, language: str, error: str,
                     retry_at: datetime | None = None) -> None:
        """The group's mail did not go; ``claim_group`` takes it again from ``retry_at``
        (None: at once, on the next pass)."""
        g = notify_group.c
        with self.db.begin() as conn:
            conn.execute(update(notify_group).where(g.notice == notice, g.language == language,
                                                    g.state == SENDING)
                         .values(state=FAILED, lease_until=None, error=error,
                                 next_attempt_at=retry_at))

    # -- refused addresses ------------------------------------------------------
    def claim_refused(self, notice: str, now: datetime, lease_until: datetime,
                      wanted: Container[str] | None = None) -> dict[str, list[str]]:
        """Claim the ``deferred`` addresses of ``notice`` whose retry time has come (language
        -> addresses, each claimed by one pass only: a conditional update per address), for
        a mail to them alone, then ``settle_refused``; only those in ``wanted`` when given.
        An address still ``sending`` after its lease is first marked ``unknown``: never
        mailed again."""
        r = notify_refusal.c
        claimed: dict[str, list[str]] = {}
        with self.db.begin() as conn:
            conn.execute(update(notify_refusal).where(
                r.notice == notice, r.state == SENDING, r.next_attempt_at < now)
                .values(state=UNKNOWN, next_attempt_at=None, reply=LOST_ERROR, code=None))
            due = conn.execute(select(r.address, r.language).where(
                r.notice == notice, r.state == DEFERRED, r.next_attempt_at <= now)
                .order_by(r.language, r.address)).all()
            for address, language in due:
                if wanted is not None and address not in wanted:
                    continue
                if conn.execute(update(notify_refusal).where(
                        r.notice == notice, r.address == address, r.state == DEFERRED,
                        r.next_attempt_at <= now)
                        .values(state=SENDING, attempts=r.attempts + 1,
                                next_attempt_at=lease_until)).rowcount == 1:
                    claimed.setdefault(language, []).append(address)
        return claimed

    def settle_refused(self, notice: str, outcomes: Mapping[str, Mapping[str, Any]],
                       now: datetime) -> None:
        """Record what became of claimed addresses (address -> ``state`` SENT, DEFERRED,
        REFUSED or FAILED, and for a refusal ``code``, ``reply``, ``next_attempt_at``)."""
        r = notify_refusal.c
        with self.db.begin() as conn:
            for address, outcome in outcomes.items():
                values: dict[str, Any] = dict(state=outcome["state"],
                                              next_attempt_at=outcome.get("next_attempt_at"))
                if outcome["state"] == SENT:
                    values["sent_at"] = now
                else:
                    values.update(code=outcome.get("code"), reply=outcome.get("reply"))
                conn.execute(update(notify_refusal).where(
                    r.notice == notice, r.address == address, r.state == SENDING)
                    .values(**values))

    def drop_refused(self, notice: str, addresses: Iterable[str], now: datetime) -> list[str]:
        """Settle the ``deferred`` ``addresses`` of ``notice`` whose retry time has come as
        ``dropped``: no longer recipients of it, never mailed (their tries and the server's
        last reply kept). A conditional update: an address another pass has claimed
        meanwhile is left to it. The addresses dropped."""
        r = notify_refusal.c
        dropped = []
        with self.db.begin() as conn:
            for address in addresses:
                if conn.execute(update(notify_refusal).where(
                        r.notice == notice, r.address == address, r.state == DEFERRED,
                        r.next_attempt_at <= now)
                        .values(state=DROPPED, next_attempt_at=None)).rowcount == 1:
                    dropped.append(address)
        return dropped

    def give_up_refused(self, notice: str) -> None:
        """The notice is finished (failed for good): its ``deferred`` addresses too."""
        r = notify_refusal.c
        with self.db.begin() as conn:
            conn.execute(update(notify_refusal).where(r.notice == notice, r.state == DEFERRED)
                         .values(state=FAILED, next_attempt_at=None))

    def refusals(self, notice: str) -> dict[str, Row]:
        """The refused addresses of ``notice``, by address."""
        with self.db.read() as conn:
            rows = _rows(conn.execute(select(notify_refusal)
                                      .where(notify_refusal.c.notice == notice)))
        return {row["address"]: row for row in rows}

    def groups(self, notice: str) -> dict[str, Row]:
        """The group rows of ``notice`` by language."""
        with self.db.read() as conn:
            rows = _rows(conn.execute(select(notify_group)
                                      .where(notify_group.c.notice == notice)))
        return {row["language"]: row for row in rows}

    # -- recipients -----------------------------------------------------------
    def staff_addresses(self) -> list[tuple[str, str, str | None]]:
        """(role, e-mail, language) of every enabled staff account that has an address
        (language None: the workspace's)."""
        from .users_tables import users

        with self.db.read() as conn:
            return [(r.role, r.email, r.language) for r in conn.execute(
                select(users.c.role, users.c.email, users.c.language).where(
                    users.c.disabled.is_(False), users.c.email.is_not(None)))]

    # -- channel checks -----------------------------------------------------
    def save_check(self, channel: str, results: list[dict[str, Any]], now: datetime,
                   expires_at: datetime | None) -> None:
        # the words of a check are kept language-independent (outreach.i18n.portable): the
        # channels page reads them in its reader's language, whoever ran the check
        kept = [{k: portable(v) if k in _WORDS else v for k, v in r.items()} for r in results]
        values = dict(checked_at=now, ok=all(r["ok"] for r in results),
                      results_json=json.dumps(kept, ensure_ascii=False), expires_at=expires_at)
        with self.db.begin() as conn:
            stmt = _insert(self.db, channel_check).values(channel=channel, **values)
            conn.execute(stmt.on_conflict_do_update(index_elements=["channel"], set_=values))

    def checks(self) -> dict[str, Row]:
        with self.db.read() as conn:
            rows = _rows(conn.execute(select(channel_check)))
        for row in rows:
            row["results"] = [{k: shown(v) if k in _WORDS else v for k, v in r.items()}
                              for r in json.loads(row.pop("results_json") or "[]")]
        return {row["channel"]: row for row in rows}
