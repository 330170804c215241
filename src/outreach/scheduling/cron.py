"""Crontab lines -> APScheduler 3 cron triggers -> fire times.

Fire times come from APScheduler's own ``CronTrigger`` (a pure function of
time), so the daemon's wake-ups and ``run-due``'s arithmetic always agree.
APScheduler 3 numbers weekdays from Monday = 0, unlike crontab's Sunday = 0;
numeric weekdays are therefore rewritten to names before APScheduler sees them.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_NUMBER = {**{name: i for i, name in enumerate(_NAMES)}, **{str(i): i for i in range(8)}}
_TOKEN = re.compile(r"^(\*|[a-z0-9]+)(?:-([a-z0-9]+))?(?:/(\d+))?$")


def _weekday_field(field: str) -> str:
    """Crontab day-of-week (0/7 = Sunday, names, ranges, steps) as APScheduler names."""
    if field == "*":
        return field
    days: set[int] = set()
    for token in field.lower().split(","):
        match = _TOKEN.match(token)
        if not match:
            raise ValueError(f"bad day of week {token!r}")
        first, last, step = match.groups()
        if first == "*":
            lo, hi = 0, 6
        else:
            if first not in _NUMBER or (last and last not in _NUMBER):
                raise ValueError(f"bad day of week {token!r}")
            lo = _NUMBER[first]
            hi = _NUMBER[last] if last else (6 if step else lo)
        if hi < lo:
            raise ValueError(f"day-of-week range {token!r} runs backwards")
        days.update(d % 7 for d in range(lo, hi + 1, int(step or 1)))
    return ",".join(_NAMES[d] for d in sorted(days))


def make_trigger(expr: str, tz: ZoneInfo) -> CronTrigger:
    """A trigger for a five-field crontab line in ``tz``; ValueError says what is wrong."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month day_of_week), got {len(fields)}")
    fields[4] = _weekday_field(fields[4])
    return CronTrigger.from_crontab(" ".join(fields), timezone=tz)


def fire_times(trigger: CronTrigger, after: datetime, until: datetime) -> Iterator[datetime]:
    """Fire times t with ``after < t <= until`` (timezone-aware, in UTC)."""
    t = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    while t is not None and t <= until:
        yield t.astimezone(timezone.utc)
        t = trigger.get_next_fire_time(t, t)


def next_fire_time(trigger: CronTrigger, after: datetime) -> datetime | None:
    """The first fire time strictly after ``after`` (UTC), or None if it never fires again."""
    t = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    return t.astimezone(timezone.utc) if t is not None else None


def local_label(when: datetime, tz: ZoneInfo) -> str:
    """'2026년 11월 26일 (목) 16:00': how staff read a run time (the one format of i18n)."""
    from ..i18n import format_datetime

    return format_datetime(when, tz)


def iso_utc(when: datetime) -> str:
    """'2026-11-26T07:00:00Z': the occurrence key for a scheduled time."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
