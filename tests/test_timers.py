"""Working-hours deadlines across weekends and Korean public holidays."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from outreach.inbox.timers import WorkingTime

KST = ZoneInfo("Asia/Seoul")
W = WorkingTime(tz=KST)


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


def test_friday_evening_comment_is_due_monday_morning():
    # Friday 2026-11-20 17:00: one hour left that day, three more on Monday
    assert W.add(kst(2026, 11, 20, 17, 0), 4) == kst(2026, 11, 23, 12, 0)
    # Saturday night: the clock starts Monday 09:00
    assert W.add(kst(2026, 11, 21, 22, 30), 4) == kst(2026, 11, 23, 13, 0)


def test_chuseok_and_substitute_holiday_are_skipped():
    # 2026-09-24..26 Chuseok (Thu-Sat), then the weekend: Wednesday 17:00 + 2 h -> Monday 10:00
    assert W.add(kst(2026, 9, 23, 17, 0), 2) == kst(2026, 9, 28, 10, 0)
    # 2026-10-03 National Foundation Day is a Saturday; Monday 10-05 is its substitute
    assert not W.is_workday(date(2026, 10, 5))
    assert W.add(kst(2026, 10, 2, 18, 30), 1) == kst(2026, 10, 6, 10, 0)


def test_resolution_in_working_days():
    start = kst(2026, 11, 18, 10, 0)            # Wednesday
    assert W.add_days(start, 7) == kst(2026, 11, 27, 10, 0)   # seven working days later


def test_working_time_between_counts_only_office_hours():
    assert W.between(kst(2026, 11, 20, 17, 0), kst(2026, 11, 23, 10, 0)) == timedelta(hours=2)
    assert W.between(kst(2026, 9, 23, 17, 0), kst(2026, 9, 28, 10, 0)) == timedelta(hours=2)
    assert W.between(kst(2026, 11, 23, 10, 0), kst(2026, 11, 20, 10, 0)) == timedelta(0)


def test_extra_holidays_and_workdays_are_configurable():
    w = WorkingTime(tz=KST, extra_holidays=frozenset({date(2026, 11, 23)}),
                    extra_workdays=frozenset({date(2026, 11, 21)}))
    assert w.add(kst(2026, 11, 20, 17, 0), 4) == kst(2026, 11, 21, 12, 0)   # Saturday duty
    assert w.add(kst(2026, 11, 21, 17, 0), 2) == kst(2026, 11, 24, 10, 0)   # Monday off
