"""Exact figures for the inbox: counts by channel, category and status, time to first answer
and to resolution (median and 90th percentile, wall-clock and working hours), overdue count.

Percentiles interpolate linearly between the two nearest ranks (the usual
spreadsheet PERCENTILE.INC), so a known data set gives a known answer.
Deleted items are left out; menu taps answered by the chatbot count like any item.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime
from typing import Any, Sequence

from ..store import inbox as store
from ..store.db import Database
from .timers import WorkingTime


def percentile(values: Sequence[float], fraction: float) -> float | None:
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


def compute(rows: Sequence[Any], working: WorkingTime, now: datetime) -> dict[str, Any]:
    """The figures for ``rows`` (from ``store.inbox.stats_rows``)."""
    by_channel: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    first_wall, first_work, res_wall, res_work = [], [], [], []
    overdue = 0
    moment = store.to_db(now)
    for row in rows:
        by_channel[row.channel] += 1
        by_status[row.status] += 1
        for cat in (row.categories or "").split(",") or []:
            by_category[cat or "미분류"] += 1
        created = store.from_db(row.created_at)
        if row.first_answered_at is not None:
            answered = store.from_db(row.first_answered_at)
            first_wall.append(max((answered - created).total_seconds(), 0) / 3600)
            first_work.append(working.between(created, answered).total_seconds() / 3600)
        if row.resolved_at is not None:
            resolved = store.from_db(row.resolved_at)
            res_wall.append(max((resolved - created).total_seconds(), 0) / 3600)
            res_work.append(working.between(created, resolved).total_seconds() / 3600)
        late_first = (row.status in ("new", "open") and row.first_answered_at is None
                      and row.first_due_at is not None and row.first_due_at < moment)
        late_done = (row.status in store.OPEN_STATUSES and row.resolved_at is None
                     and row.resolve_due_at is not None and row.resolve_due_at < moment)
        overdue += late_first or late_done
    return {
        "total": len(rows),
        "by_channel": dict(sorted(by_channel.items())),
        "by_category": dict(by_category.most_common()),
        "by_status": dict(sorted(by_status.items())),
        "resolved": by_status.get("resolved", 0),
        "overdue": overdue,
        "first_answer": _summary(first_wall, first_work),
        "resolution": _summary(res_wall, res_work),
    }


def inbox_stats(db: Database, working: WorkingTime, *, since: datetime | None = None,
                until: datetime | None = None, now: datetime | None = None) -> dict[str, Any]:
    with db.read() as conn:
        rows = store.stats_rows(conn, since, until)
    result = compute(rows, working, now or store.utcnow())
    result["since"] = since.isoformat() if since else None
    result["until"] = until.isoformat() if until else None
    return result
