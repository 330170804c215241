"""``outreach inbox stats``: a quick summary that is a view over the report service.

There is one implementation of the figures, ``outreach.inbox.report`` (the
monthly report, its page and its exports); this module only chooses the
period (any moments, either end open) and reshapes the report into the
summary's flat JSON. So the definitions are the report's, written in
docs/inbox.md: complaints are complaints and questions that are neither spam
nor hidden nor deleted; ``overdue`` counts complaints that missed a deadline
(answered or resolved late, or still without it past the due time) and
``overdue_now`` the part still open; times are p50 / p90 with linear
interpolation (PERCENTILE.INC), wall-clock and working hours.

The summary's own additions: ``total`` counts every item of the period but
the deleted ones (complaints + non_complaints + spam + hidden), and
``by_kind``, ``by_channel`` and ``by_status`` count those items too;
``deleted`` counts items their authors deleted.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from ..store import inbox as store
from ..store import inbox_queries as queries
from ..store.db import Database
from .report import Period, inbox_report, percentile  # noqa: F401 - percentile: re-exported
from .timers import WorkingTime


def month_bounds(year: int, month: int, tz: tzinfo) -> tuple[datetime, datetime]:
    """[since, until) of a calendar month in ``tz`` (a message sent at 23:30 on the last
    day, Korea time, belongs to that month)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, not {month}")
    since = datetime(year, month, 1, tzinfo=tz)
    until = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return since, until


def inbox_stats(db: Database, working: WorkingTime, *, since: datetime | None = None,
                until: datetime | None = None, now: datetime | None = None,
                tz: tzinfo | None = None) -> dict[str, Any]:
    """The summary for items received in [since, until) (either end open: from the first
    item, up to now), computed by the report service."""
    now = now or store.utcnow()
    tz = tz or working.tz
    if since is None:
        with db.read() as conn:
            first = queries.first_received(conn)
        since = store.from_db(first) if first is not None else now
    end = until or max(now, since) + timedelta(seconds=1)
    last_day = (end - timedelta(microseconds=1)).astimezone(tz).date()
    first_day: date = min(since.astimezone(tz).date(), last_day)
    period = Period(first_day, last_day, f"{first_day.isoformat()}..{last_day.isoformat()}")
    data = inbox_report(db, working, period, now=now, bounds=(since, end)).as_json()
    complaints, apart, every = data["complaints"], data["apart"], data["every_item"]
    return {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "total": complaints["received"] + apart["non_complaint"] + apart["spam"]
        + apart["hidden"],
        "complaints": complaints["received"],
        "non_complaints": apart["non_complaint"],
        "spam": apart["spam"],
        "hidden": apart["hidden"],
        "deleted": apart["deleted"],
        "by_kind": every["by_kind"],
        "by_channel": every["by_channel"],
        "by_status": every["by_status"],
        # complaint figures only from here on
        "by_category": {name: f["received"] for name, f in data["by_category"].items()},
        "answered": complaints["answered"],
        "resolved": complaints["resolved"],
        "overdue": complaints["overdue"],
        "overdue_now": complaints["overdue_now"],
        "first_answer": complaints["first_answer"],
        "resolution": complaints["resolution"],
        "by_department": data["by_department"],
        "by_month": {m: f for m, f in data["by_month"].items() if f["received"]},
    }
