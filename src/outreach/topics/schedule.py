"""Topic ranking on a schedule of its own: ``[topics] rank_cron`` in outreach.toml.

The broadcast team wants the current quarter's ranking fresh by itself, e.g. every
Monday 08:00 for the Monday meeting. The schedule is a crontab line read by the same
parser as ``schedules/*.yaml`` (``scheduling.cron``, APScheduler's ``CronTrigger``), in
the workspace time zone.

Each background pass (the daemon's one-minute topics job, cron's ``outreach run-due``)
calls ``enqueue_due`` before working the queue. It looks only at the *latest* fire time
at or before now (the slot): when a slot newer than the mark is due, the pass moves the
mark to it and queues an ordinary ranking request in the same transaction (a
conditional upsert on the mark: exactly one pass wins, on SQLite and PostgreSQL), so

- two passes at once, a crash and restart, or run-due beside the daemon queue one
  request per slot (the mark and the request commit together or not at all);
- slots missed while nothing ran are caught up by one ranking, not one per missed
  week: only the latest slot is queued;
- the first pass after the schedule is configured queues the latest slot too (a
  slot is never skipped just because it is the first).

The request goes through the same queue as the page's (``topics.requests``), for the
quarter the slot falls in, and is marked automatic (``requested_by`` = ``AUTO``, no
user). The mark is the ``worker_beat`` row named ``MARK`` (no table of its own).

A scheduled ranking that fails (no messages yet, a database hiccup, a bug) keeps its
failure on its request (state ``failed``, the message the 주제 page shows) and is asked
again by a later pass: ``RETRY_AFTER`` after the failure, twice that after a second
one, and so on, at most ``RETRIES`` times per slot, so a ranking that cannot succeed
neither disappears nor runs every minute. A request for the same quarter asked after
the failure (a person on the page) serves the slot: no retry then. Each failure is
retried once across passes and processes: the retry moves the ``worker_beat`` row
``RETRY_MARK`` to the failure's time with the same conditional upsert as the slot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..i18n import _
from ..logs import log
from ..model import utc_now

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

logger = logging.getLogger("outreach.topics")
KEY = "rank_cron"
# who asked, for an automatic request (no user account; the page shows it as automatic)
AUTO = "schedule"
# the worker_beat row holding the latest slot handed to the queue
MARK = "topics.schedule"
# how far back the latest slot is looked for (growing windows: cheap for frequent lines)
_WINDOWS = (timedelta(hours=1), timedelta(days=1), timedelta(days=8), timedelta(days=32),
            timedelta(days=367), timedelta(days=4 * 366))       # 29 February: every 4 years
# a failed scheduled ranking is queued again this long after it failed (doubling each time)
RETRY_AFTER = timedelta(minutes=15)
RETRIES = 3
RETRY_MARK = "topics.schedule.retry"
# "never fires" means: not once after this instant (a crontab line has no year)
_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class RankSchedule:
    cron: str
    trigger: "CronTrigger"


def rank_schedule(settings) -> RankSchedule | None:
    """``[topics] rank_cron`` validated; None when absent or empty (no schedule).
    A bad value is a ``ConfigError`` naming outreach.toml, the line and the key."""
    value = settings.section("topics").get(KEY)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _error(settings, _("expected a crontab line in quotes such as \"0 8 * * mon\" "
                                 "(Mondays 08:00), got {value!r}", value=value))
    expr = " ".join(value.split())
    if not expr:
        return None
    from ..scheduling import cron

    try:
        trigger = cron.make_trigger(expr, settings.timezone)
    except ValueError as exc:
        raise _error(settings, _("invalid cron {expr!r} ({exc}): write five fields, minute "
                                 "hour day month weekday, e.g. \"0 8 * * mon\" (Mondays "
                                 "08:00)", expr=expr, exc=exc)) from None
    if cron.next_fire_time(trigger, _EPOCH) is None:
        raise _error(settings, _("cron {expr} never fires (no such day, e.g. 30 February): "
                                 "check the day and month fields", expr=repr(expr)))
    return RankSchedule(cron=expr, trigger=trigger)


def _error(settings, message: str) -> ConfigError:
    from ..config import CONFIG_NAME, line_of, read_utf8

    text = read_utf8(settings.file) if settings.file else ""
    return ConfigError(message, file=settings.file or CONFIG_NAME,
                       line=line_of(text, KEY, "topics"), key=f"topics.{KEY}")


def latest_slot(trigger: "CronTrigger", now: datetime) -> datetime | None:
    """The latest fire time at or before ``now`` (UTC), within four years; None if none."""
    from ..scheduling import cron

    for window in _WINDOWS:
        last = None
        for last in cron.fire_times(trigger, now - window, now):
            pass
        if last is not None:
            return last
    return None


def quarter_of(when: datetime, tz) -> str:
    day = when.astimezone(tz).date()
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def enqueue_due(settings, db, *, now: datetime | None = None) -> Any | None:
    """Queue the ranking of the latest due slot if no pass has yet; the new request's
    view, or None (no schedule, nothing due, another pass took the slot, or a request
    for the same quarter was already open and serves the slot)."""
    from ..store import topic_requests as store
    from ..users.audit import Actor, record
    from . import requests, service

    plan = rank_schedule(settings)
    if plan is None:
        return None
    now = now or utc_now()
    slot = latest_slot(plan.trigger, now)
    if slot is None:
        return None
    with db.read() as conn:
        mark = store.last_beat(conn, MARK)
    if mark is not None and mark >= slot:
        return _retry_failed(settings, db, plan, mark, now)   # usually: nothing due
    scope = service.quarter_scope(quarter_of(slot, settings.timezone), settings.timezone)
    with db.begin() as conn:
        if not store.take_slot(conn, MARK, slot):
            return None                               # another pass took it first
        new_id = store.add(conn, scope=scope.key[:200], label=scope.label[:200],
                           quarter=scope.label, survey=None, requested_by=AUTO,
                           requested_by_user_id=None, requested_at=now)
        if new_id is not None:
            record(conn, Actor.system(AUTO), "topics.request", "topic_request", new_id,
                   {"scope": scope.key, "slot": slot.isoformat(), "cron": plan.cron}, at=now)
            made = store.get(conn, new_id)
    if new_id is None:
        log(logger, logging.INFO, "scheduled topic ranking already waiting or running",
            scope=scope.key, slot=slot.isoformat())
        return None
    log(logger, logging.INFO, "scheduled topic ranking queued", request=new_id,
        scope=scope.key, slot=slot.isoformat())
    return requests.RequestView.of(made)


def retry_at(failures: int, failed_at: datetime) -> datetime | None:
    """When a slot's ranking that failed ``failures`` times is asked again (None: never)."""
    if failures < 1 or failures > RETRIES:
        return None
    return failed_at + RETRY_AFTER * 2 ** (failures - 1)


def _waiting_retry(conn, mark: datetime) -> tuple[Any, int, datetime] | None:
    """(the failed request, failures so far, when it is asked again) when the latest slot's
    ranking failed and is still to be retried; else None."""
    from ..store import topic_requests as store
    from ..store.topic_request_tables import FAILED

    mine = store.asked_by_since(conn, AUTO, mark)
    if not mine or mine[-1].state != FAILED or mine[-1].finished_at is None:
        return None
    last = mine[-1]
    failures = sum(1 for r in mine if r.state == FAILED)
    due = retry_at(failures, last.finished_at)
    if due is None or store.any_after(conn, last.scope, last.id):
        return None
    return last, failures, due


def _retry_failed(settings, db, plan: RankSchedule, mark: datetime, now: datetime) -> Any | None:
    """Queue the slot's ranking again when its last attempt failed and its wait is over;
    the new request's view, or None."""
    from ..store import topic_requests as store
    from ..users.audit import Actor, record
    from . import requests

    with db.read() as conn:
        found = _waiting_retry(conn, mark)
    if found is None or now < found[2]:
        return None
    last, failures, _due = found
    with db.begin() as conn:
        if not store.take_slot(conn, RETRY_MARK, last.finished_at):
            return None                               # another pass retried this failure
        new_id = store.add(conn, scope=last.scope, label=last.label, quarter=last.quarter,
                           survey=None, requested_by=AUTO, requested_by_user_id=None,
                           requested_at=now)
        if new_id is not None:
            record(conn, Actor.system(AUTO), "topics.request", "topic_request", new_id,
                   {"scope": last.scope, "slot": mark.isoformat(), "cron": plan.cron,
                    "retry": failures, "failed": last.id}, at=now)
            made = store.get(conn, new_id)
    if new_id is None:
        return None
    log(logger, logging.WARNING, "scheduled topic ranking failed; asked again", request=new_id,
        failed=last.id, attempt=failures + 1, scope=last.scope)
    return requests.RequestView.of(made)


@dataclass(frozen=True)
class Plan:
    """What the 주제 page says about the schedule."""

    cron: str | None            # None: no automatic ranking configured
    next_at: datetime | None    # the next slot not yet queued (UTC)
    quarter: str | None = None  # the quarter that slot ranks ("2026Q4")
    error: str | None = None    # the configuration's one line, when it is wrong
    retry_at: datetime | None = None   # the latest slot's ranking failed: asked again then

    def overdue(self, now: datetime) -> bool:
        """Due already, waiting for the next background pass to queue it."""
        return self.next_at is not None and self.next_at <= now


def plan(settings, db, *, now: datetime | None = None) -> Plan:
    """The next automatic ranking: the first slot after the mark (before any pass: the
    latest slot, which the first pass queues, else the next one)."""
    from ..scheduling import cron
    from ..store import topic_requests as store

    try:
        sched = rank_schedule(settings)
    except ConfigError as exc:
        return Plan(cron=None, next_at=None, error=str(exc))
    if sched is None:
        return Plan(cron=None, next_at=None)
    now = now or utc_now()
    with db.read() as conn:
        mark = store.last_beat(conn, MARK)
        waiting = _waiting_retry(conn, mark) if mark is not None else None
    if mark is None:
        nxt = latest_slot(sched.trigger, now) or cron.next_fire_time(sched.trigger, now)
    else:
        nxt = cron.next_fire_time(sched.trigger, mark)
    return Plan(cron=sched.cron, next_at=nxt,
                quarter=quarter_of(nxt, settings.timezone) if nxt else None,
                retry_at=waiting[2] if waiting else None)


def describe_rank_schedule(settings, now: datetime, *, count: int = 3) -> str | None:
    """For ``outreach schedules``: the line and the next fire times (None: no schedule).
    Reads only outreach.toml, like the rest of the listing."""
    from ..scheduling import cron

    sched = rank_schedule(settings)
    if sched is None:
        return None
    times: list[str] = []
    t = now
    while len(times) < count:
        nxt = cron.next_fire_time(sched.trigger, t)
        if nxt is None:
            break
        times.append(cron.local_label(nxt, settings.timezone))
        t = nxt
    return _("topic ranking of the current quarter: cron \"{cron}\" ([topics] rank_cron in "
             "outreach.toml); next {times}", cron=sched.cron, times=", ".join(times) or "-")
