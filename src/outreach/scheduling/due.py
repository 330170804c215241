"""What is due: a pure function of a schedule, the ledger's watermark and ``now``.

The watermark (``checked_until``, kept per schedule in the ledger) is the fire
time up to which every run has been handed to the ledger. Each pass looks at
the fire times after it: a run still within its misfire grace is planned (the
ledger publishes it once, however many processes plan it), an older one is
recorded as missed, never sent late. A brand-new schedule starts at ``now``:
history is not back-filled. Because this needs no scheduler state, the daemon,
``run-due`` and a daemon restarted after a crash all reach the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from . import cron
from .specs import Schedule
from ..i18n import _

# runs older than this are not even recorded as missed (a daemon down for months
# would otherwise fill the ledger with thousands of rows)
MAX_LOOKBACK = timedelta(days=31)


@dataclass(frozen=True)
class DueRun:
    """One fire time the ledger must hear about."""

    when: datetime                                   # scheduled publish time (UTC)
    action: Literal["plan", "missed", "skipped"]
    reason: str = ""


def due_runs(schedule: Schedule, tz: ZoneInfo, watermark: datetime | None,
             now: datetime) -> tuple[list[DueRun], datetime]:
    """The runs to plan or record since ``watermark``, and the new watermark.

    Runs are planned ``prepare_before`` ahead of their publish time so a draft
    can be rendered and approved; so the horizon is ``now + prepare_before``.
    """
    horizon = now + schedule.prepare_before
    start = now if watermark is None else max(watermark, now - MAX_LOOKBACK)
    if not schedule.enabled or start >= horizon:
        return [], max(horizon, watermark or horizon)
    runs: list[DueRun] = []
    for when in cron.fire_times(schedule.trigger, start, horizon):
        day = when.astimezone(tz).date()
        if not schedule.in_range(day):
            continue
        reason = schedule.skip_reason(day)
        if reason:
            runs.append(DueRun(when, "skipped", reason))
        elif now > when + schedule.misfire_grace:
            runs.append(DueRun(when, "missed", missed_reason(when, now, schedule, tz)))
        else:
            runs.append(DueRun(when, "plan"))
    return runs, horizon


def missed_reason(when: datetime, now: datetime, schedule: Schedule, tz: ZoneInfo) -> str:
    """Staff-readable: why it did not go out and what they can do."""
    late = now - when
    hours, rest = divmod(int(late.total_seconds()) // 60, 60)
    return _("no outreach process ran between {when} and {hours}h{minutes:02d}m later, past "
             "misfire_grace {grace}; not published late - publish it by hand with `outreach "
             "publish {template}` if it is still wanted", when=cron.local_label(when, tz),
             hours=hours, minutes=rest, grace=_short(schedule.misfire_grace),
             template=schedule.template)


def poll_due(schedule: Schedule, tz: ZoneInfo, watermark: datetime | None,
             now: datetime) -> datetime | None:
    """For a feed schedule: the fire time that makes a read due now, or None.

    The first pass (no watermark) always reads, to take the baseline. Fire
    times on skipped days or outside start/end do not read the feed.
    """
    if not schedule.enabled:
        return None
    if watermark is None:
        return now
    due = None
    for when in cron.fire_times(schedule.trigger, max(watermark, now - MAX_LOOKBACK), now):
        day = when.astimezone(tz).date()
        if schedule.in_range(day) and schedule.skip_reason(day) is None:
            due = when
    return due


def _short(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes % 60 else f"{minutes // 60}h"
