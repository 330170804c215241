"""The city's own event calendar: an iCalendar (.ics) or RSS/Atom feed -> events in a date range.

iCalendar is read with ``icalendar`` and repeating events expanded with
``recurring-ical-events`` (RRULE, RDATE, EXDATE and moved occurrences are easy to
get wrong by hand). An RSS feed has no event dates of its own: each item counts as
an event on its publication date (how the city calendars we looked at publish
them); prefer the .ics export where the CMS offers one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ..errors import SourceError
from ..failures import failure_words
from ..i18n import _
from . import feed


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    title: str
    start: date
    end: date                  # inclusive
    time: str = ""             # "10:00~17:00" for timed events
    place: str = ""
    summary: str = ""
    link: str = ""


def read_calendar(url: str, *, root: Path, tz: ZoneInfo, start: date, end: date,
                  timeout: float = 20.0) -> list[CalendarEvent]:
    """Events overlapping [start, end] from an .ics or RSS/Atom address (or file)."""
    raw = feed.fetch(url, root=root, timeout=timeout)
    if raw.lstrip()[:15].upper().startswith(b"BEGIN:VCALENDAR"):
        return _ical(raw, source=url, tz=tz, start=start, end=end)
    items = feed.parse(raw, source=url, tz=tz)
    events = []
    for item in items:
        if not item.published_date:
            continue
        day = date.fromisoformat(item.published_date)
        if start <= day <= end:
            events.append(CalendarEvent(uid=item.id, title=item.title, start=day, end=day,
                                        summary=item.summary, link=item.link))
    return events


def _ical(raw: bytes, *, source: str, tz: ZoneInfo, start: date, end: date) -> list[CalendarEvent]:
    import icalendar
    import recurring_ical_events

    try:
        cal = icalendar.Calendar.from_ical(raw)
        found = recurring_ical_events.of(cal).between(start, end + timedelta(days=1))
    except Exception as exc:  # both libraries raise plain ValueError/KeyError on bad input
        raise SourceError(_("calendar {source}: not a valid iCalendar file ({error}): check the "
                            "address", source=source, error=failure_words(exc))) from None
    events = []
    for comp in found:
        if comp.name != "VEVENT" or str(comp.get("STATUS", "")).upper() == "CANCELLED":
            continue
        first = comp.decoded("DTSTART")
        last = comp.decoded("DTEND") if comp.get("DTEND") else first
        time = ""
        if isinstance(first, datetime):
            first = first.astimezone(tz) if first.tzinfo else first.replace(tzinfo=tz)
            last = last.astimezone(tz) if last.tzinfo else last.replace(tzinfo=tz)
            time = f"{first:%H:%M}~{last:%H:%M}" if last > first else f"{first:%H:%M}"
            day0, day1 = first.date(), last.date()
        else:   # all-day: DTEND is exclusive
            day0, day1 = first, (last - timedelta(days=1)) if last > first else first
        events.append(CalendarEvent(
            uid=f"{comp.get('UID', '')}@{day0}", title=str(comp.get("SUMMARY", "")).strip(),
            start=day0, end=max(day0, day1), time=time,
            place=str(comp.get("LOCATION", "") or "").strip(),
            summary=feed.plain_text(str(comp.get("DESCRIPTION", "") or "")),
            link=str(comp.get("URL", "") or "").strip()))
    return [e for e in events if e.title]
