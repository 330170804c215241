"""Rankings asked for on the web, done in the background by the daemon or ``run-due``.

Ranking takes seconds to a minute, too long for a browser to wait on, and staff never
use a shell. So the 주제 page (and a survey's page) only *records* a request
(``request_ranking``, audited in the same transaction); the daemon's background job
and cron's ``outreach run-due`` call ``work_pending``, which claims one pending request
at a time atomically (two passes never run the same one), ranks it with the same
``service.rank_scope`` as ``outreach topics rank`` (so staff edits carry over) and
records ``done`` with the new run, or ``failed`` with the user-facing message.

Every pass also leaves a heartbeat (``worker_beat``), so the page can tell staff when
no daemon or cron job seems to be running and their request waits.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from ..errors import NotFound, OutreachError, PermissionDenied, TopicError
from ..i18n import _
from ..logs import log
from ..model import utc_now
from ..store import topic_requests as store
from ..store.topic_request_tables import CANCELLED, DONE, FAILED, PENDING, RUNNING
from ..users.audit import Actor, record
from ..users.roles import ADMIN, can
from . import service

logger = logging.getLogger("outreach.topics")
BEAT = "topics"
# a request running this long was left behind by a process that died (a ranking of
# 10,000 messages takes well under a minute): it is marked failed so staff can ask again
STALE = timedelta(minutes=30)
# no background pass for this long: the page says requests wait for the daemon or cron
QUIET = timedelta(minutes=3)
PER_PASS = 5

__all__ = ["request_ranking", "cancel_request", "work_pending", "status", "RequestView",
           "Status", "PENDING", "RUNNING", "DONE", "FAILED", "CANCELLED"]


@dataclass(frozen=True)
class RequestView:
    id: int
    label: str
    scope: str
    state: str
    requested_by: str
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    run_id: int | None
    message: str | None
    requested_by_user_id: int | None = None

    @property
    def open(self) -> bool:
        return self.state in (PENDING, RUNNING)

    @property
    def automatic(self) -> bool:
        """Queued by ``[topics] rank_cron`` (outreach.topics.schedule), not by a person."""
        from .schedule import AUTO

        return self.requested_by_user_id is None and self.requested_by == AUTO

    def may_cancel(self, actor_user_id: int | None, role: str | None) -> bool:
        """Whether this person may withdraw it now: only while waiting, and only the
        person who asked or an admin (a running ranking cannot be stopped halfway)."""
        return self.state == PENDING and _owner_or_admin(self, actor_user_id, role)

    @classmethod
    def of(cls, row: Any) -> "RequestView":
        return cls(id=row.id, label=row.label, scope=row.scope, state=row.state,
                   requested_by=row.requested_by, requested_at=row.requested_at,
                   started_at=row.started_at, finished_at=row.finished_at, run_id=row.run_id,
                   message=row.message, requested_by_user_id=row.requested_by_user_id)


@dataclass(frozen=True)
class Status:
    """What the 주제 page says about rankings in the background."""

    open: list[RequestView]
    last: RequestView | None          # the newest request, whatever its state
    last_beat: datetime | None        # when a daemon or run-due pass last looked
    worker_quiet: bool                # no pass for QUIET: requests wait for the daemon/cron
    surveys: list[tuple[str, str]]    # (slug, title) for the request form, newest first

    @property
    def failed(self) -> RequestView | None:
        return self.last if self.last is not None and self.last.state == FAILED else None


def _clean(value: str | None, field: str) -> str | None:
    text = (value or "").strip()
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):   # PostgreSQL refuses NUL
        raise TopicError(_("{field}: remove the control characters", field=field))
    return text or None


def request_ranking(settings, db, actor: Actor, *, quarter: str | None = None,
                    survey: str | None = None,
                    now: datetime | None = None) -> tuple[RequestView, bool]:
    """Record a ranking request for a quarter, a survey, or both (checked now, so a typo
    is answered at once). Returns the request and whether it is new: while one is pending
    or running for the same scope, that one is returned and nothing is queued."""
    quarter, survey = _clean(quarter, "quarter"), _clean(survey, "survey")
    scope = service.scope_of(settings, db, quarter=quarter, survey=survey)
    quarter_label = service.quarter_scope(quarter, settings.timezone).label if quarter else None
    when = now or utc_now()
    for _attempt in range(3):   # the open one may finish between our insert and our read
        with db.begin() as conn:
            new_id = store.add(conn, scope=scope.key[:200], label=scope.label[:200],
                               quarter=quarter_label, survey=survey,
                               requested_by=actor.name[:128],
                               requested_by_user_id=actor.user_id, requested_at=when)
            if new_id is not None:
                record(conn, actor, "topics.request", "topic_request", new_id,
                       {"scope": scope.key}, at=when)
                return RequestView.of(store.get(conn, new_id)), True
            found = store.open_for(conn, scope.key[:200])
            if found is not None:
                return RequestView.of(found), False
    raise TopicError(_("the ranking could not be requested; try again"))  # pragma: no cover


def _owner_or_admin(row: Any, user_id: int | None, role: str | None) -> bool:
    mine = user_id is not None and row.requested_by_user_id == user_id
    return mine or can(role, ADMIN)


def cancel_request(db, actor: Actor, request_id: int, *,
                   now: datetime | None = None) -> RequestView:
    """Withdraw a waiting request (the person who asked, or an admin), audited in the
    same transaction. A running ranking cannot be cancelled: it is already using the
    worker and ends within a minute; staff are told so rather than left guessing."""
    when = now or utc_now()
    with db.begin() as conn:
        row = store.get(conn, request_id)
        if row is None:
            raise NotFound(_("no ranking request {id}", id=request_id))
        if not _owner_or_admin(row, actor.user_id, actor.role):
            raise PermissionDenied(_("only the person who asked for this ranking, or an "
                                     "admin, can cancel it"))
        if store.cancel(conn, request_id, when, _("cancelled by {name}", name=actor.name)):
            record(conn, actor, "topics.cancel", "topic_request", request_id,
                   {"scope": row.scope}, at=when)
            return RequestView.of(store.get(conn, request_id))
        state = store.get(conn, request_id).state
    if state == RUNNING:
        raise TopicError(_("the ranking of {scope} is already running and cannot be "
                           "cancelled; it usually ends within a minute", scope=row.label))
    raise TopicError(_("the ranking of {scope} has already ended; nothing to cancel",
                       scope=row.label))


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _actor(row: Any) -> Actor:
    """The background pass ranks on behalf of the person who asked."""
    return Actor(name=row.requested_by, user_id=row.requested_by_user_id, via="system")


def work_one(settings, db, *, clock: Callable[[], datetime] = utc_now) -> RequestView | None:
    """Claim the oldest pending request and rank it; None when nothing is pending."""
    now = clock()
    with db.begin() as conn:
        store.beat(conn, BEAT, now)
        stale = store.abandon_stale(conn, now - STALE, now, _(
            "the ranking stopped before it finished (the process doing it ended); ask again"))
        row = store.claim_next(conn, now, _worker())
    for request_id in stale:
        log(logger, logging.WARNING, "topic ranking request abandoned", request=request_id)
    if row is None:
        return None
    log(logger, logging.INFO, "topic ranking started", request=row.id, scope=row.scope)
    run_id, message = None, None
    try:
        scope = service.scope_of(settings, db, quarter=row.quarter, survey=row.survey)
        run_id = service.rank_scope(settings, db, scope, _actor(row), now=clock())
    except OutreachError as exc:
        message = str(exc)
    except Exception:  # a bug must not leave the request running forever
        logger.exception("topic ranking crashed")
        message = _("the ranking failed unexpectedly; the server's log has the details")
    with db.begin() as conn:
        store.finish(conn, row.id, DONE if message is None else FAILED, clock(),
                     run_id=run_id, message=message)
        done = store.get(conn, row.id)
    log(logger, logging.INFO if message is None else logging.ERROR, "topic ranking finished",
        request=row.id, run=run_id or "-", error=message or "-")
    return RequestView.of(done)


def work_pending(settings, db, *, clock: Callable[[], datetime] = utc_now,
                 limit: int = PER_PASS) -> list[RequestView]:
    """What a daemon or ``run-due`` pass does: first queue the scheduled ranking when its
    slot is due (``[topics] rank_cron``, outreach.topics.schedule), then pending requests
    one after another (at most ``limit``, so one pass never runs for long); always leaves
    the heartbeat."""
    from .schedule import enqueue_due

    enqueue_due(settings, db, now=clock())
    done: list[RequestView] = []
    while len(done) < limit:
        outcome = work_one(settings, db, clock=clock)
        if outcome is None:
            break
        done.append(outcome)
    return done


def status(db, *, now: datetime | None = None) -> Status:
    """Open requests, the newest one, the heartbeat, and the surveys one may rank."""
    from ..store.surveys import all_surveys

    with db.read() as conn:
        open_rows = store.open_requests(conn)
        last = store.latest(conn, 1)
        beat = store.last_beat(conn, BEAT)
    now = now or utc_now()
    surveys = sorted(all_surveys(db), key=lambda s: s.id, reverse=True)
    return Status(open=[RequestView.of(r) for r in open_rows],
                  last=RequestView.of(last[0]) if last else None, last_beat=beat,
                  worker_quiet=beat is None or now - beat > QUIET,
                  surveys=[(s.slug, s.title or s.slug) for s in surveys])


def get(db, request_id: int) -> RequestView:
    with db.read() as conn:
        row = store.get(conn, request_id)
    if row is None:
        raise NotFound(_("no ranking request {id}", id=request_id))
    return RequestView.of(row)
