"""Exact figures for the inbox, with complaints kept apart from everything else.

Definitions (also in docs/inbox.md):

- an item is counted once, in the period of its ``created_at`` (the citizen's
  message time); deleted items are left out everywhere;
- **spam**: kind ``spam`` or status ``spam``; **hidden**: status ``hidden``
  (hidden on the platform or in the inbox); **non-complaints**: kinds
  ``opinion``, ``greeting`` and ``survey`` that are neither spam nor hidden;
- **complaints**: kinds ``complaint`` and ``question`` (the ones with a ticket
  and deadlines) that are neither spam nor hidden. Every complaint figure
  (by category, department and month, resolved, overdue, time to first answer
  and to resolution) is computed over complaints only, so a month of chatbot
  menu taps cannot make resolution look instant;
- time to first answer / resolution: from the message to the first answer /
  to resolution, wall-clock hours and working hours (the inbox's calendar);
  median and 90th percentile interpolate linearly between the two nearest
  ranks (spreadsheet PERCENTILE.INC), so a known data set gives a known answer;
- overdue: a complaint still open past its first-answer or resolution deadline
  at ``now``.

The public functions (``percentile``, ``class_of``, ``compute``, ``month_bounds``,
``inbox_stats``) are what the
web pages and the monthly report reuse; their result is plain JSON-ready data.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime, tzinfo
from typing import Any, Sequence
from zoneinfo import ZoneInfo

from ..store import inbox as store
from ..store.db import Database
from .kinds import KINDS, TICKETED
from .timers import WorkingTime

UNCATEGORISED = "미분류"
UNASSIGNED = "미지정"


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` percentile (0..1) of ``values``, linear between ranks; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    pos = fraction * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _summary(wall: list[float], work: list[float]) -> dict[str, Any]:
    def r(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return {"count": len(wall),
            "median_hours": r(statistics.median(wall)) if wall else None,
            "p90_hours": r(percentile(wall, 0.9)),
            "median_working_hours": r(statistics.median(work)) if work else None,
            "p90_working_hours": r(percentile(work, 0.9))}


def class_of(row: Any) -> str:
    """``spam``, ``hidden``, ``complaint`` or ``other`` (the non-complaints) for one row."""
    if row.kind == "spam" or row.status == "spam":
        return "spam"
    if row.status == "hidden":
        return "hidden"
    return "complaint" if row.kind in TICKETED else "other"


class _Figures:
    """Counts and durations of one group of complaints (all, one department, one month)."""

    def __init__(self) -> None:
        self.received = 0
        self.resolved = 0
        self.overdue = 0
        self.first_wall: list[float] = []
        self.first_work: list[float] = []
        self.res_wall: list[float] = []
        self.res_work: list[float] = []

    def as_json(self) -> dict[str, Any]:
        return {"received": self.received, "resolved": self.resolved, "overdue": self.overdue,
                "first_answer": _summary(self.first_wall, self.first_work),
                "resolution": _summary(self.res_wall, self.res_work)}


def compute(rows: Sequence[Any], working: WorkingTime, now: datetime,
            tz: tzinfo | None = None) -> dict[str, Any]:
    """The figures for ``rows`` (from ``store.inbox.stats_rows``); months in ``tz``
    (default: the working calendar's time zone)."""
    tz = tz or working.tz or ZoneInfo("Asia/Seoul")
    by_channel: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    by_kind: Counter[str] = Counter({k: 0 for k in KINDS})
    by_class: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    every = _Figures()
    departments: dict[str, _Figures] = {}
    months: dict[str, _Figures] = {}
    moment = store.to_db(now)
    for row in rows:
        by_channel[row.channel] += 1
        by_status[row.status] += 1
        by_kind[row.kind] += 1
        group = class_of(row)
        by_class[group] += 1
        if group != "complaint":
            continue
        created = store.from_db(row.created_at)
        month = created.astimezone(tz).strftime("%Y-%m")
        targets = (every, departments.setdefault(row.assignee or UNASSIGNED, _Figures()),
                   months.setdefault(month, _Figures()))
        for cat in (row.categories or "").split(","):
            by_category[cat or UNCATEGORISED] += 1
        late_first = (row.status in ("new", "open") and row.first_answered_at is None
                      and row.first_due_at is not None and row.first_due_at < moment)
        late_done = (row.status in store.OPEN_STATUSES and row.resolved_at is None
                     and row.resolve_due_at is not None and row.resolve_due_at < moment)
        first = resolution = None
        if row.first_answered_at is not None:
            answered = store.from_db(row.first_answered_at)
            first = (max((answered - created).total_seconds(), 0) / 3600,
                     working.between(created, answered).total_seconds() / 3600)
        if row.resolved_at is not None:
            resolved = store.from_db(row.resolved_at)
            resolution = (max((resolved - created).total_seconds(), 0) / 3600,
                          working.between(created, resolved).total_seconds() / 3600)
        for figures in targets:
            figures.received += 1
            figures.resolved += row.status == "resolved"
            figures.overdue += bool(late_first or late_done)
            if first:
                figures.first_wall.append(first[0])
                figures.first_work.append(first[1])
            if resolution:
                figures.res_wall.append(resolution[0])
                figures.res_work.append(resolution[1])
    summary = every.as_json()
    return {
        "total": len(rows),
        "complaints": by_class.get("complaint", 0),
        "non_complaints": by_class.get("other", 0),
        "spam": by_class.get("spam", 0),
        "hidden": by_class.get("hidden", 0),
        "by_kind": dict(by_kind),
        "by_channel": dict(sorted(by_channel.items())),
        "by_status": dict(sorted(by_status.items())),
        # complaint figures only from here on
        "by_category": dict(by_category.most_common()),
        "resolved": summary["resolved"],
        "overdue": summary["overdue"],
        "first_answer": summary["first_answer"],
        "resolution": summary["resolution"],
        "by_department": {name: f.as_json() for name, f in sorted(departments.items())},
        "by_month": {name: f.as_json() for name, f in sorted(months.items())},
    }


def month_bounds(year: int, month: int, tz: tzinfo) -> tuple[datetime, datetime]:
    """[since, until) of a calendar month in ``tz``, for ``inbox_stats`` (the monthly report:
    a message sent at 23:30 on the last day, Korea time, belongs to that month)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, not {month}")
    since = datetime(year, month, 1, tzinfo=tz)
    until = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return since, until


def inbox_stats(db: Database, working: WorkingTime, *, since: datetime | None = None,
                until: datetime | None = None, now: datetime | None = None,
                tz: tzinfo | None = None) -> dict[str, Any]:
    """The figures for items created in [since, until) (either end open), read in one query."""
    with db.read() as conn:
        rows = store.stats_rows(conn, since, until)
    result = compute(rows, working, now or store.utcnow(), tz)
    result["since"] = since.isoformat() if since else None
    result["until"] = until.isoformat() if until else None
    return result
