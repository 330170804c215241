"""Build one weekend's data: events ranked from TourAPI and the city calendar, plus weather.

Pure assembly around the source clients: every source failure becomes a line in
``Draft.problems`` (what the data file's header and the staff warning say), never
an exception, so a source that is down still leaves a draft that says so.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import OutreachError
from ..i18n import _
from ..failures import failure_words
from ..sources import kma as kma_source
from ..sources import tourapi
from ..sources.calendar import CalendarEvent, read_calendar
from .settings import AutopilotSettings
from .spec import DraftSource

WEEK_NAMES = ("첫째", "둘째", "셋째", "넷째", "다섯째")
MAX_SUMMARY = 90
_URL = re.compile(r"https?://[^\s\"'<>]+")


@dataclass
class Candidate:
    """An event from either source, with what the ranking looks at."""

    title: str
    start: date
    end: date
    place: str
    source: str                      # "calendar" or "tourapi"
    time: str = ""
    fee: str = ""
    summary: str = ""
    link: str = ""
    photo_url: str = ""
    credit: str = ""
    inside: bool = True
    content_id: str = ""

    def rank(self, saturday: date, sunday: date, featured: set[str]) -> tuple:
        """Lower sorts first: the city's own events, inside the city, both days, free, new."""
        both = self.start <= saturday and self.end >= sunday
        free = "무료" in self.fee
        return (self.source != "calendar", not self.inside, not both, not free,
                norm(self.title) in featured, self.start, self.title)


@dataclass
class Draft:
    data: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    weather_problems: list[str] = field(default_factory=list)   # also in problems; a refresh
                                                                 # replaces them


def norm(title: str) -> str:
    return re.sub(r"\W+", "", title).lower()


def weekend_after(day: date) -> tuple[date, date]:
    """The Saturday and Sunday on or after ``day``."""
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)
    return saturday, saturday + timedelta(days=1)


def week_label(saturday: date) -> str:
    """'12월 첫째 주': the week of the month the Saturday falls in."""
    return f"{saturday.month}월 {WEEK_NAMES[min((saturday.day - 1) // 7, 4)]} 주"


def build_draft(settings: Settings, ap: AutopilotSettings, source: DraftSource, *,
                run_day: date, capacity: int, featured: set[str], photo_dir: Path,
                now: datetime) -> Draft:
    """The data for the run on ``run_day`` (its following weekend)."""
    saturday, sunday = weekend_after(run_day)
    problems: list[str] = []
    candidates: list[Candidate] = []
    counts = {"calendar": 0, "tourapi": 0}

    if ap.calendar:
        try:
            events = read_calendar(ap.calendar, root=settings.root, tz=settings.timezone,
                                   start=saturday, end=sunday, timeout=ap.timeout)
            candidates += [_from_calendar(e, ap.city) for e in events]
            counts["calendar"] = len(events)
        except OutreachError as exc:
            problems.append(_("the city calendar could not be read: {error}", error=str(exc)))

    api = tourapi.TourAPI(ap.key or "", url=ap.tourapi_url, app=ap.mobile_app, timeout=ap.timeout)
    try:
        festivals = api.festivals(saturday, sunday, region=ap.region, districts=ap.districts)
        counts["tourapi"] = len(festivals)
    except OutreachError as exc:
        festivals = []
        problems.append(_("TourAPI festivals could not be read: {error}", error=str(exc)))
    taken = {norm(c.title) for c in candidates}
    festivals = [f for f in festivals if norm(f.title) not in taken]
    # details for the likeliest first (the daily detail quota is small), fee decides the rest;
    # last week's events last, or they would use up the look-ups and, alone in having a known
    # fee, outrank the new ones
    festivals.sort(key=lambda f: (not _inside(f, ap), not (f.start <= saturday and f.end >= sunday),
                                  norm(f.title) in featured))
    detail_failed = False
    for festival in festivals[:capacity * 2]:
        if detail_failed:
            break
        try:
            api.details(festival)
        except OutreachError as exc:
            detail_failed = True
            problems.append(_("TourAPI details could not be read (hours, fee, place are "
                              "missing): {error}", error=str(exc)))
    candidates += [_from_festival(f, ap) for f in festivals]

    candidates.sort(key=lambda c: c.rank(saturday, sunday, featured))
    chosen = candidates[:capacity]
    events = [_event(c, settings, source, photo_dir, problems) for c in chosen]
    if not events:
        problems.append(_("no events were found for the weekend of {day}: add them by hand",
                          day=f"{saturday:%Y-%m-%d}"))
        events = [{"title": "이번 주말 행사를 찾지 못했습니다 (확인 필요)", "start": saturday,
                   "end": sunday, "place": "담당자가 채워 주세요",
                   "summary": "자동 초안에 넣을 행사가 없었습니다. 행사를 직접 입력하거나 이번 주는 "
                              "쉬어 가세요.",
                   "photo": _default_photo(settings, source)}]

    weather, weather_problems = fetch_weather(ap, now, run_day)
    problems += weather_problems
    data: dict[str, Any] = {
        "week_label": week_label(saturday), "start_date": saturday, "end_date": sunday,
        "headline": f"이번 주말,\n{ap.city}에서 만나요",
        "cover_photo": _default_photo(settings, source),
        "contact": "", "hashtags": [ap.city, "주말사용설명서"],
    }
    data.update(_resolved_defaults(settings, source))
    data["events"] = events
    if weather:
        data["weather"] = weather
    return Draft(data=data, problems=problems, counts=counts, weather_problems=weather_problems)


def _inside(festival: tourapi.Festival, ap: AutopilotSettings) -> bool:
    return festival.district in ap.districts or ap.city in festival.address


def _from_calendar(event: CalendarEvent, city: str) -> Candidate:
    return Candidate(title=event.title, start=event.start, end=event.end,
                     place=event.place or city, source="calendar", time=event.time,
                     fee="무료" if "무료" in event.summary else "", summary=event.summary,
                     link=event.link if _URL.fullmatch(event.link or "") else "")


def _from_festival(festival: tourapi.Festival, ap: AutopilotSettings) -> Candidate:
    d = festival.details
    link = _URL.search(d.get("eventhomepage", "") or d.get("homepage", ""))
    return Candidate(
        title=festival.title, start=festival.start, end=festival.end,
        place=_clean(d.get("eventplace", "")) or festival.address or ap.city, source="tourapi",
        time=_clean(d.get("playtime", ""))[:40], fee=_clean(d.get("usetimefestival", ""))[:40],
        summary=_clean(d.get("overview", "")), link=link.group(0) if link else "",
        photo_url=festival.image_url if festival.photo_allowed else "",
        credit=festival.credit, inside=_inside(festival, ap), content_id=festival.content_id)


def _clean(text: str) -> str:
    """TourAPI text fields carry <br> and HTML entities."""
    from ..sources.feed import plain_text

    return " ".join(plain_text(text or "").split())


def _summary(text: str, fallback: str) -> str:
    text = text or fallback
    if len(text) <= MAX_SUMMARY:
        return text
    cut = text[:MAX_SUMMARY]
    end = max(cut.rfind(". "), cut.rfind("다."))
    return cut[:end + 2].strip() if end > 30 else cut.rstrip() + "…"


def _event(c: Candidate, settings: Settings, source: DraftSource, photo_dir: Path,
           problems: list[str]) -> dict[str, Any]:
    photo = _default_photo(settings, source)
    credit = ""
    if c.photo_url:
        try:
            photo = str(_download(c.photo_url, photo_dir, c.content_id or norm(c.title)))
            credit = c.credit
        except OutreachError as exc:
            problems.append(_("photo for {title} could not be downloaded ({error}); the default "
                              "photo is used", title=c.title, error=str(exc)))
    event: dict[str, Any] = {"title": c.title, "category": "시 행사" if c.source == "calendar"
                             else "축제·행사", "start": c.start}
    if c.end != c.start:
        event["end"] = c.end
    if c.time:
        event["time"] = c.time
    event["place"] = c.place
    if c.fee:
        event["fee"] = c.fee
    event["summary"] = _summary(c.summary, f"{c.place}에서 열립니다.")
    event["photo"] = photo
    if c.link:
        event["link"] = c.link
    if credit:
        event["credit"] = credit
    return event


def _default_photo(settings: Settings, source: DraftSource) -> str:
    photo = source.default_photo or source.defaults.get("cover_photo") or \
        "content/photos/festival.jpg"
    path = Path(str(photo))
    return str(path if path.is_absolute() else settings.root / path)


def _resolved_defaults(settings: Settings, source: DraftSource) -> dict[str, Any]:
    """``defaults`` with workspace-relative photo paths made absolute (the data file
    lives in another folder, and image paths are read relative to it)."""
    out: dict[str, Any] = {}
    for key, value in source.defaults.items():
        if isinstance(value, str) and (settings.root / value).is_file():
            value = str(settings.root / value)
        out[key] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    """Plain dicts/lists/str (the schedule loader's line-tracking types do not dump)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def _download(url: str, folder: Path, name: str) -> Path:
    """A photo, saved once per URL (rendering never touches the network)."""
    import requests

    from ..errors import SourceError

    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(url.encode()).hexdigest()[:10]
    target = folder / f"tourapi-{re.sub(r'[^0-9A-Za-z_-]', '', name)[:40]}-{digest}.jpg"
    if target.is_file() and target.stat().st_size:
        return target
    try:
        response = requests.get(url, timeout=20)
    except requests.RequestException as exc:
        raise SourceError(_("no connection ({error})", error=failure_words(exc))) from None
    if response.status_code != 200 or not response.content:
        raise SourceError(_("the server answered HTTP {status}", status=response.status_code))
    tmp = target.with_suffix(".part")
    tmp.write_bytes(response.content)
    tmp.replace(target)
    return target


def fetch_weather(ap: AutopilotSettings, now: datetime,
                  run_day: date) -> tuple[list[dict[str, Any]], list[str]]:
    """The ``weather`` lines for the weekend after ``run_day`` from the newest KMA issue at
    ``now``, and what went wrong (the drafting and the Thursday refresh share this)."""
    saturday, sunday = weekend_after(run_day)
    client = kma_source.KMA(ap.key or "", url=ap.kma_url, timeout=ap.timeout)
    try:
        items = client.forecast(ap.grid[0], ap.grid[1], now)
    except OutreachError as exc:
        return [], [_("the KMA forecast could not be read (no weather on the cover): "
                      "{error}", error=str(exc))]
    days = [kma_source.summarize(items, d) for d in (saturday, sunday)]
    if not any(d.known for d in days):
        return [], [_("the KMA forecast does not reach the weekend yet")]
    return [d.as_data() for d in days], []
