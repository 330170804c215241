"""The figures a city can publish about the inbox, for a month or any date range.

Definitions (also on the report page and in docs/inbox.md):

- An item belongs to the period in which it was **received** (its platform
  time, in the workspace's time zone); the figures are its state when the
  report is made (``generated_at``).
- **Complaint figures** count complaints (requests included) and questions only
  (the kinds with a ticket and deadlines, ``outreach.inbox.kinds``). Spam
  (status or kind), items hidden in the inbox or on the platform, and
  non-complaints (greetings, chatbot menu taps, opinions, survey answers) are
  counted apart and never enter them; items deleted by their author are
  counted apart too.
- **Answered**: a first answer was given (sent through the channel or
  recorded as given by hand, or the chatbot's automatic answer).
  **Resolved**: marked resolved. **Overdue**: missed a deadline: answered or
  resolved after its due time, or still without it after the due time;
  **overdue now** is the part still open.
- **Times**: first answer = received -> first answer; resolution = received
  -> resolved; wall-clock hours and working hours (weekdays 09:00-18:00,
  Korean public holidays and the city's days off skipped).
- **p50 / p90**: percentiles with linear interpolation between the two
  nearest ranks (rank = p x (n - 1) over the sorted times; Excel
  PERCENTILE.INC, numpy's default), rounded to 0.01 h; no value without data.
- An item with several categories counts once in each; items without one are
  counted as "uncategorised"; items without a department as "unassigned".
- Every item but the deleted ones is also counted by channel, status and kind
  (``every_item``): the quick summary of ``outreach inbox stats``, which is a
  view over this report (``outreach.inbox.stats``), so both say the same.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..errors import InboxError
from ..i18n import _
from ..store import inbox as store
from ..store import inbox_queries as queries
from ..store.db import Database
from .kinds import KINDS, TICKETED
from .timers import WorkingTime

COMPLAINT_KINDS = TICKETED          # complaints (requests included) and questions
SPAM_KINDS = ("spam",)
UNASSIGNED = "-"
UNCATEGORISED = "-"
APART = ("spam", "hidden", "non_complaint", "deleted")


@dataclass(frozen=True)
class Period:
    """Local days ``[first, last]`` in the workspace's time zone."""

    first: date
    last: date
    label: str

    def bounds(self, tz) -> tuple[datetime, datetime]:
        return (datetime.combine(self.first, time(0), tz),
                datetime.combine(self.last + timedelta(days=1), time(0), tz))

    def months(self) -> list[str]:
        out, probe = [], self.first.replace(day=1)
        while probe <= self.last:
            out.append(f"{probe.year:04d}-{probe.month:02d}")
            probe = (probe + timedelta(days=32)).replace(day=1)
        return out


def month_period(value: str) -> Period:
    """``2026-11`` -> the days of November 2026."""
    try:
        year, month = (int(p) for p in value.strip().split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise InboxError(_("{value!r} is not a month: write YYYY-MM, e.g. 2026-11",
                           value=value)) from None
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return Period(first, last, f"{year:04d}-{month:02d}")


def range_period(first: str | date, last: str | date) -> Period:
    """Any range of days, both ends included."""
    try:
        a = first if isinstance(first, date) else date.fromisoformat(first.strip())
        b = last if isinstance(last, date) else date.fromisoformat(last.strip())
    except ValueError:
        raise InboxError(_("{first!r} .. {last!r} is not a date range: write YYYY-MM-DD",
                           first=first, last=last)) from None
    if b < a:
        raise InboxError(_("the range ends ({last}) before it starts ({first}): swap the dates",
                           last=b, first=a))
    if (b - a).days > 3660:
        raise InboxError(_("the range is longer than ten years: choose a shorter one"))
    return Period(a, b, f"{a.isoformat()}..{b.isoformat()}")


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` percentile (0..1) of ``values``, linear between the two nearest ranks
    (rank = fraction x (n - 1); PERCENTILE.INC); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    pos = fraction * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _r(value: float | None) -> float | None:
    return None if value is None else round(value + 0.0, 2)


@dataclass
class Figures:
    """Complaint figures of one group of items."""

    received: int = 0
    answered: int = 0
    resolved: int = 0
    overdue: int = 0
    overdue_now: int = 0
    first_wall: list[float] = field(default_factory=list)
    first_work: list[float] = field(default_factory=list)
    done_wall: list[float] = field(default_factory=list)
    done_work: list[float] = field(default_factory=list)

    def add(self, f: "ItemFacts") -> None:
        self.received += 1
        self.answered += f.answered
        self.resolved += f.resolved
        self.overdue += f.overdue
        self.overdue_now += f.overdue_now
        if f.first_wall is not None:
            self.first_wall.append(f.first_wall)
            self.first_work.append(f.first_work)
        if f.done_wall is not None:
            self.done_wall.append(f.done_wall)
            self.done_work.append(f.done_work)

    def summary(self) -> dict[str, Any]:
        def times(wall: list[float], work: list[float]) -> dict[str, Any]:
            return {"count": len(wall), "p50_hours": _r(percentile(wall, 0.5)),
                    "p90_hours": _r(percentile(wall, 0.9)),
                    "p50_working_hours": _r(percentile(work, 0.5)),
                    "p90_working_hours": _r(percentile(work, 0.9))}

        return {"received": self.received, "answered": self.answered, "resolved": self.resolved,
                "overdue": self.overdue, "overdue_now": self.overdue_now,
                "first_answer": times(self.first_wall, self.first_work),
                "resolution": times(self.done_wall, self.done_work)}


@dataclass(frozen=True)
class ItemFacts:
    """What the report needs of one item, computed once (the export reuses it)."""

    counted_as: str                 # complaint, spam, hidden, non_complaint, deleted
    kind: str
    month: str
    received_local: datetime
    answered: bool
    resolved: bool
    overdue: bool
    overdue_now: bool
    first_wall: float | None
    first_work: float | None
    done_wall: float | None
    done_work: float | None


def classify(row: Any) -> tuple[str, str]:
    """(counted_as, kind) of an item row."""
    kind = getattr(row, "kind", None) or "complaint"
    if row.deleted_at is not None:
        return "deleted", kind
    if row.status == "spam" or kind in SPAM_KINDS:
        return "spam", kind
    if row.status == "hidden" or row.platform_hidden:
        return "hidden", kind
    if kind not in COMPLAINT_KINDS:
        return "non_complaint", kind
    return "complaint", kind


class WorkingClock:
    """``WorkingTime.between`` in constant time for many items: working seconds are counted
    from a fixed origin (a table of whole working days, built once per day seen), so a
    duration is the difference of two positions. Same definition, same results."""

    def __init__(self, working: WorkingTime) -> None:
        self.working = working
        self.day_seconds = working.day_hours * 3600
        self._before: dict[date, float] = {}
        self._origin: date | None = None
        # per local day: (working seconds before it, its working start and end or None)
        self._day: dict[date, tuple[float, datetime | None, datetime | None]] = {}

    def _days_before(self, day: date) -> float:
        """Working seconds in the whole days from the origin up to (not including) ``day``
        (negative before the origin); each new day is counted once, then remembered."""
        found = self._before.get(day)
        if found is not None:
            return found
        if self._origin is None:
            self._origin = day
            total = 0.0
        elif day > self._origin:
            total = sum(self.day_seconds for d in _days(self._origin, day)
                        if self.working.is_workday(d))
        else:
            total = -sum(self.day_seconds for d in _days(day, self._origin)
                         if self.working.is_workday(d))
        self._before[day] = total
        return total

    def _of_day(self, day: date) -> tuple[float, datetime | None, datetime | None]:
        found = self._day.get(day)
        if found is None:
            w = self.working
            if w.is_workday(day):
                found = (self._days_before(day), datetime.combine(day, w.start, w.tz),
                         datetime.combine(day, w.end, w.tz))
            else:
                found = (self._days_before(day), None, None)
            self._day[day] = found
        return found

    def position(self, moment: datetime) -> float:
        local = moment.astimezone(self.working.tz)
        pos, start, end = self._of_day(local.date())
        if start is not None and local > start:
            pos += (min(local, end) - start).total_seconds()
        return pos

    def hours(self, a: datetime, b: datetime) -> float:
        if b <= a:
            return 0.0
        return max(self.position(b) - self.position(a), 0.0) / 3600


def _days(first: date, last: date):
    """Days in ``[first, last)``."""
    d = first
    while d < last:
        yield d
        d += timedelta(days=1)


def facts(row: Any, working: WorkingTime | WorkingClock, now_db: datetime, tz) -> ItemFacts:
    counted_as, kind = classify(row)
    created = store.from_db(row.created_at)
    local = created.astimezone(tz)
    first_wall = first_work = done_wall = done_work = None
    if row.first_answered_at is not None:
        at = store.from_db(row.first_answered_at)
        first_wall = max((at - created).total_seconds(), 0) / 3600
        first_work = _working_hours(working, created, at)
    resolved = row.status == "resolved" and row.resolved_at is not None
    if resolved:
        at = store.from_db(row.resolved_at)
        done_wall = max((at - created).total_seconds(), 0) / 3600
        done_work = _working_hours(working, created, at)
    late_first = row.first_due_at is not None and (
        row.first_answered_at > row.first_due_at if row.first_answered_at is not None
        else row.first_due_at < now_db)
    late_done = row.resolve_due_at is not None and (
        row.resolved_at > row.resolve_due_at if resolved
        else row.resolve_due_at < now_db)
    still_open = row.status in store.OPEN_STATUSES
    overdue_now = still_open and (
        (row.first_answered_at is None and row.first_due_at is not None
         and row.first_due_at < now_db and row.status in ("new", "open"))
        or (not resolved and row.resolve_due_at is not None and row.resolve_due_at < now_db))
    return ItemFacts(counted_as, kind, f"{local.year:04d}-{local.month:02d}", local,
                     row.first_answered_at is not None, resolved, bool(late_first or late_done),
                     bool(overdue_now), first_wall, first_work, done_wall, done_work)


def _working_hours(working: WorkingTime | WorkingClock, a: datetime, b: datetime) -> float:
    if isinstance(working, WorkingClock):
        return working.hours(a, b)
    return working.between(a, b).total_seconds() / 3600


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


@dataclass
class Report:
    """The figures of one period; ``as_json`` gives stable English keys."""

    period: Period
    generated_at: datetime
    complaints: Figures = field(default_factory=Figures)
    apart: dict[str, int] = field(default_factory=lambda: {k: 0 for k in APART})
    apart_kinds: dict[str, int] = field(default_factory=dict)
    by: dict[str, dict[str, Figures]] = field(
        default_factory=lambda: {k: defaultdict(Figures) for k in
                                 ("channel", "department", "category", "kind", "month")})
    every: dict[str, Counter] = field(
        default_factory=lambda: {"channel": Counter(), "status": Counter(),
                                 "kind": Counter({k: 0 for k in KINDS})})

    def add(self, row: Any, f: ItemFacts) -> None:
        if f.counted_as != "deleted":
            self.every["channel"][row.channel] += 1
            self.every["status"][row.status] += 1
            self.every["kind"][f.kind] += 1
        if f.counted_as != "complaint":
            self.apart[f.counted_as] += 1
            if f.counted_as == "non_complaint":
                self.apart_kinds[f.kind] = self.apart_kinds.get(f.kind, 0) + 1
            return
        self.complaints.add(f)
        self.by["channel"][row.channel].add(f)
        self.by["department"][row.assignee or UNASSIGNED].add(f)
        for cat in _split(row.categories) or [UNCATEGORISED]:
            self.by["category"][cat].add(f)
        self.by["kind"][f.kind].add(f)
        self.by["month"][f.month].add(f)

    def as_json(self) -> dict[str, Any]:
        months = {m: self.by["month"][m].summary() if m in self.by["month"]
                  else Figures().summary() for m in self.period.months()}

        def table(name: str) -> dict[str, Any]:
            groups = self.by[name]
            order = sorted(groups, key=lambda k: (-groups[k].received, k))
            return {k: groups[k].summary() for k in order}

        return {
            "period": {"first": self.period.first.isoformat(),
                       "last": self.period.last.isoformat(), "label": self.period.label},
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "complaints": self.complaints.summary(),
            "apart": dict(self.apart), "apart_kinds": dict(sorted(self.apart_kinds.items())),
            "by_channel": table("channel"), "by_department": table("department"),
            "by_category": table("category"), "by_kind": table("kind"), "by_month": months,
            "every_item": {"by_channel": dict(sorted(self.every["channel"].items())),
                           "by_status": dict(sorted(self.every["status"].items())),
                           "by_kind": dict(self.every["kind"])},
        }


def build(rows: Iterable[Any], period: Period, working: WorkingTime, now: datetime,
          on_item: Callable[[Any, ItemFacts], None] | None = None) -> Report:
    """The report of ``rows`` (the items received in ``period``); ``on_item`` sees each item
    with its facts (the item export writes its rows from there, in the same pass)."""
    report = Report(period, now.astimezone(working.tz))
    now_db = store.to_db(now)
    clock = WorkingClock(working)
    for row in rows:
        f = facts(row, clock, now_db, working.tz)
        report.add(row, f)
        if on_item is not None:
            on_item(row, f)
    return report


def inbox_report(db: Database, working: WorkingTime, period: Period, *,
                 now: datetime | None = None,
                 on_item: Callable[[Any, ItemFacts], None] | None = None,
                 with_text: bool = False,
                 bounds: tuple[datetime, datetime] | None = None) -> Report:
    """The figures for ``period`` from the database (one streamed read); ``bounds``
    narrows the read to exact moments inside the period's days (``inbox stats``)."""
    start, end = bounds or period.bounds(working.tz)
    with db.read() as conn:
        return build(queries.report_rows(conn, start, end, with_text=with_text), period, working,
                     now or store.utcnow(), on_item)


def report_items(db: Database, working: WorkingTime, period: Period, report: Report, *,
                 now: datetime | None = None, with_text: bool = False
                 ) -> Iterator[tuple[Any, ItemFacts]]:
    """The items of ``period`` with their facts, one at a time, added to ``report`` as they
    pass (a streamed export writes each row while the figures build up)."""
    start, end = period.bounds(working.tz)
    now_db = store.to_db(now or store.utcnow())
    clock = WorkingClock(working)
    with db.read() as conn:
        for row in queries.report_rows(conn, start, end, with_text=with_text):
            f = facts(row, clock, now_db, working.tz)
            report.add(row, f)
            yield row, f


def default_period(now: datetime, tz) -> Period:
    """The current month in the workspace's time zone."""
    local = now.astimezone(tz)
    return month_period(f"{local.year:04d}-{local.month:02d}")


def percentile_of(values: Sequence[float], p: float) -> float | None:
    """Exposed for the page's definition example (same method as the figures)."""
    return _r(percentile(values, p))
