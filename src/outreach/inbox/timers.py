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
from functools import lru_cache
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

    @property
    def day_hours(self) -> float:
        return (datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)
                ).total_seconds() / 3600

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day.weekday() not in self.weekdays or day in self.extra_holidays:
            return False
        return not (self.country and day in _public_holidays(self.country, day.year))

    def holiday_name(self, day: date) -> str | None:
        if not self.country:
            return None
        return holidays.country_holidays(self.country, years=day.year).get(day)

    def _open(self, day: date) -> datetime:
        return datetime.combine(day, self.start, self.tz)

    def _close(self, day: date) -> datetime:
        return datetime.combine(day, self.end, self.tz)

    def _next_open(self, day: date) -> datetime:
        for _ in range(400):
            day += timedelta(days=1)
            if self.is_workday(day):
                return self._open(day)
        raise ValueError("no working day within 400 days: check the working-time settings")

    def add(self, moment: datetime, hours: float) -> datetime:
        """The moment ``hours`` of working time after ``moment``."""
        t = moment.astimezone(self.tz)
        if not self.is_workday(t.date()) or t >= self._close(t.date()):
            t = self._next_open(t.date())
        elif t < self._open(t.date()):
            t = self._open(t.date())
        remaining = timedelta(hours=hours)
        while True:
            left_today = self._close(t.date()) - t
            if remaining <= left_today:
                return t + remaining
            remaining -= left_today
            t = self._next_open(t.date())

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
                lo = max(a, self._open(day))
                hi = min(b, self._close(day))
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total
