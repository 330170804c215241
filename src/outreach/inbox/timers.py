"""Working-hours arithmetic for answer deadlines: weekdays 09:00-18:00 Korea time,
skipping Korean public holidays (the ``holidays`` package, substitute holidays
included) plus any extra days off the city declares.

Deadlines are counted in working time because that is how the guideline and
citizens' expectations count them: a comment left Friday evening is due
Monday morning, not Saturday.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))


@dataclass(frozen=True)
class WorkingTime:
    """When the city answers. All methods take and return timezone-aware datetimes."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Seoul"))
    start: time = time(9, 0)
    end: time = time(18, 0)
    weekdays: frozenset[int] = frozenset(range(5))      # Monday = 0
    country: str = "KR"
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    @cached_property
    def day_hours(self) -> float:
        return (datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)
                ).total_seconds() / 3600

    @cached_property
    def _days(self) -> dict[date, bool]:
        return {}

    def is_workday(self, day: date) -> bool:
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = self._is_workday(day)
        return known

    def _is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day.weekday() not in self.weekdays or day in self.extra_holidays:
            return False
        return not (self.country and day in _public_holidays(self.country, day.year))

    def holiday_name(self, day: date) -> str | None:
        if not self.country:
            return None
        return holidays.country_holidays(self.country, years=day.year).get(day)

    @cached_property
    def _after(self) -> dict[date, tuple[date, ...]]:
        return {}

    def _following(self, day: date) -> tuple[date, ...]:
        """The next 64 working days after ``day`` (cached: deadlines are computed in bulk)."""
        found = self._after.get(day)
        if found is None:
            days: list[date] = []
            probe = day
            for _ in range(800):
                probe += timedelta(days=1)
                if self.is_workday(probe):
                    days.append(probe)
                    if len(days) == 64:
                        break
            if not days:
                raise ValueError("no working day within 800 days: check the working-time settings")
            found = self._after[day] = tuple(days)
        return found

    def add(self, moment: datetime, hours: float) -> datetime:
        """The moment ``hours`` of working time after ``moment``.

        The arithmetic runs on naive local wall-clock times (office hours are
        wall-clock hours) and the zone is attached at the end."""
        t = moment.astimezone(self.tz).replace(tzinfo=None)
        day = t.date()
        remaining = timedelta(hours=hours)
        if self.is_workday(day) and t.time() < self.end:
            if t.time() < self.start:
                t = datetime.combine(day, self.start)
            left_today = datetime.combine(day, self.end) - t
            if remaining <= left_today:
                return (t + remaining).replace(tzinfo=self.tz)
            remaining -= left_today
        full_day = timedelta(hours=self.day_hours)
        while True:
            for next_day in self._following(day):
                if remaining <= full_day:
                    return (datetime.combine(next_day, self.start) + remaining).replace(tzinfo=self.tz)
                remaining -= full_day
                day = next_day

    def add_days(self, moment: datetime, days: float) -> datetime:
        """``days`` full working days after ``moment``."""
        return self.add(moment, days * self.day_hours)

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Working time between ``a`` and ``b`` (zero when ``b`` is not after ``a``)."""
        a, b = a.astimezone(self.tz), b.astimezone(self.tz)
        if b <= a:
            return timedelta(0)
        total = timedelta(0)
        day = a.date()
        while day <= b.date():
            if self.is_workday(day):
                lo = max(a, datetime.combine(day, self.start, self.tz))
                hi = min(b, datetime.combine(day, self.end, self.tz))
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total
