"""The city's own calendar: iCalendar (repeats, exceptions, cancellations, all-day spans) and RSS."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from outreach.errors import SourceError
from outreach.sources.calendar import read_calendar

KST = ZoneInfo("Asia/Seoul")
SAT, SUN = date(2026, 12, 5), date(2026, 12, 6)
ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Cheonan City//Events//KO\r
BEGIN:VEVENT\r
UID:library@cheonan.go.kr\r
DTSTART;TZID=Asia/Seoul:20261114T140000\r
DTEND;TZID=Asia/Seoul:20261114T160000\r
RRULE:FREQ=WEEKLY;BYDAY=SA\r
EXDATE;TZID=Asia/Seoul:20261205T140000\r
SUMMARY:중앙도서관 토요 그림책 읽어 주기\r
LOCATION:천안시 중앙도서관 어린이실\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:lights@cheonan.go.kr\r
DTSTART;VALUE=DATE:20261204\r
DTEND;VALUE=DATE:20261207\r
SUMMARY:원도심 겨울 조명 거리\r
DESCRIPTION:<p>명동거리 일대 <b>무료</b> 관람</p>\r
URL:https://www.cheonan.go.kr/lights\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:sunday@cheonan.go.kr\r
DTSTART:20261206T010000Z\r
DTEND:20261206T030000Z\r
SUMMARY:성거산 겨울 숲 해설\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:off@cheonan.go.kr\r
DTSTART;VALUE=DATE:20261205\r
SUMMARY:취소된 음악회\r
STATUS:CANCELLED\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:next-week@cheonan.go.kr\r
DTSTART;VALUE=DATE:20261212\r
SUMMARY:다음 주 행사\r
END:VEVENT\r
END:VCALENDAR\r
"""
RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>천안시 행사</title>
<item><title>시민 겨울 걷기 대회</title><link>https://www.cheonan.go.kr/walk</link>
<guid>walk-1</guid><pubDate>Sat, 05 Dec 2026 09:00:00 +0900</pubDate><description>태조산 둘레길</description></item>
<item><title>지난 행사</title><link>https://www.cheonan.go.kr/old</link>
<guid>old-1</guid><pubDate>Sat, 28 Nov 2026 09:00:00 +0900</pubDate></item>
</channel></rss>"""


def test_ical_weekend_events(tmp_path):
    (tmp_path / "city.ics").write_text(ICS, encoding="utf-8")
    events = read_calendar("city.ics", root=tmp_path, tz=KST, start=SAT, end=SUN)
    by_title = {e.title: e for e in events}
    assert set(by_title) == {"원도심 겨울 조명 거리", "성거산 겨울 숲 해설"}   # EXDATE, CANCELLED, next week out
    lights = by_title["원도심 겨울 조명 거리"]
    assert (lights.start, lights.end, lights.time) == (date(2026, 12, 4), SUN, "")  # DTEND exclusive
    assert lights.summary == "명동거리 일대 무료 관람" and lights.link == "https://www.cheonan.go.kr/lights"
    walk = by_title["성거산 겨울 숲 해설"]
    assert (walk.start, walk.time) == (SUN, "10:00~12:00")                        # UTC -> KST


def test_ical_repeats_are_expanded(tmp_path):
    (tmp_path / "city.ics").write_text(ICS, encoding="utf-8")
    events = read_calendar("city.ics", root=tmp_path, tz=KST, start=date(2026, 12, 12),
                           end=date(2026, 12, 13))
    assert {(e.title, e.start, e.time) for e in events} == {
        ("중앙도서관 토요 그림책 읽어 주기", date(2026, 12, 12), "14:00~16:00"),
        ("다음 주 행사", date(2026, 12, 12), "")}


def test_rss_items_count_on_their_publication_date(tmp_path):
    (tmp_path / "city.xml").write_text(RSS, encoding="utf-8")
    events = read_calendar("city.xml", root=tmp_path, tz=KST, start=SAT, end=SUN)
    assert [(e.title, e.start, e.link) for e in events] == [
        ("시민 겨울 걷기 대회", SAT, "https://www.cheonan.go.kr/walk")]


def test_a_broken_calendar_is_a_source_error(tmp_path):
    (tmp_path / "city.ics").write_text("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:x\r\n",
                                       encoding="utf-8")
    with pytest.raises(SourceError, match="calendar city.ics"):
        read_calendar("city.ics", root=tmp_path, tz=KST, start=SAT, end=SUN)
