"""KMA short-term forecast (VilageFcstInfoService_2.0 getVilageFcst) -> Korean weather words.

Checked with the search tool against the portal's page for the service
(data.go.kr/data/15084084, "기상청_단기예보 조회서비스") and the KMA's notes on the
forecast data set (data.go.kr 15043494):

- ``https://apis.data.go.kr/1360000/VilageFcstInfoService_2.0/getVilageFcst`` with
  ``serviceKey``, ``pageNo``, ``numOfRows``, ``dataType=JSON`` (default XML),
  ``base_date`` (YYYYMMDD), ``base_time`` (HHMM), ``nx``, ``ny`` (the KMA's 5 km grid);
  success is resultCode "00", "03" is NO_DATA;
- issued at 02, 05, 08, 11, 14, 17, 20, 23 KST and served from about ten minutes
  later (02:10 ...), so ``base_time`` picks the newest issue at least ten minutes old;
- range: since 2024-11-28 the 02-14 issues reach 글피 (the third day after the issue
  day) and the 17-23 issues 그글피 (the fourth); those extended days are 3-hourly.
  So on Wednesday morning Sunday is not forecast yet: the day says so
  (``DayWeather.known`` False) and the draft's weather line reads "예보 전";
- items ``category``, ``fcstDate``, ``fcstTime``, ``fcstValue``; categories used:
  TMP (°C, hourly), TMN / TMX (daily low at 06, high at 15), SKY (1 맑음, 3 구름많음,
  4 흐림), PTY (0 없음, 1 비, 2 비/눈, 3 눈, 4 소나기), POP (%), PCP (mm, or "강수없음").
  When TMN/TMX are missing (extended days) the day's lowest/highest TMP stands in.
- Cheonan's grid points: 동남구 nx 63 ny 110, 서북구 nx 63 ny 112: the KMA grid table
  (the 활용가이드's spreadsheet, rows 4413100000 / 4413300000, as transcribed in a public
  project) and recomputed from its coordinates with the guide's LCC conversion (see
  docs/autopilot.md). Settings all the same (``[autopilot] grid``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from . import datagokr

DEFAULT_URL = "https://apis.data.go.kr/1360000/VilageFcstInfoService_2.0"
SERVICE = "KMA forecast"
OK = ("00",)
KST = ZoneInfo("Asia/Seoul")
ISSUE_HOURS = (2, 5, 8, 11, 14, 17, 20, 23)
AVAILABLE_AFTER = timedelta(minutes=10)
SKY = {"1": "맑음", "3": "구름많음", "4": "흐림"}
PTY = {"1": "비", "2": "비/눈", "3": "눈", "4": "소나기"}
# one glyph per weather, all present in the embedded Noto Sans CJK KR (checked by a test)
# (❄ and ⛅ are not in it: a card never shows an empty box, so cloudy days share ☁)
ICONS = {"맑음": "☀", "구름많음": "☁", "흐림": "☁", "비": "☂", "소나기": "☂", "비/눈": "☂",
         "눈": "☃", "예보 전": "…"}
DAY_NAMES = "월화수목금토일"


def base_time(now: datetime) -> tuple[str, str]:
    """(base_date, base_time) of the newest forecast already served at ``now``."""
    local = now.astimezone(KST)
    for days_back in (0, 1):
        day = local.date() - timedelta(days=days_back)
        for hour in reversed(ISSUE_HOURS):
            issued = datetime(day.year, day.month, day.day, hour, tzinfo=KST)
            if issued + AVAILABLE_AFTER <= local:
                return f"{issued:%Y%m%d}", f"{issued:%H%M}"
    raise AssertionError("unreachable: yesterday 23:00 is always past")


@dataclass(frozen=True)
class DayWeather:
    day: date
    known: bool                      # False: the forecast does not reach this day yet
    word: str = "예보 전"            # 맑음, 구름많음, 흐림, 비, 눈, 소나기, 비/눈
    icon: str = ICONS["예보 전"]
    low: int | None = None
    high: int | None = None
    pop: int = 0                     # highest chance of precipitation in daytime, %
    wet: str = ""                    # "비" / "눈" / "비/눈" / "소나기" when expected
    wet_when: str = ""               # "오전" / "오후" / "" (all day)

    @property
    def label(self) -> str:
        return f"{DAY_NAMES[self.day.weekday()]}요일"

    def as_data(self) -> dict[str, Any]:
        """The template's ``weather`` item."""
        temps = (f"{self.low}° / {self.high}°" if self.low is not None and self.high is not None
                 else "")
        data: dict[str, Any] = {"day": DAY_NAMES[self.day.weekday()], "date": self.day,
                                "icon": self.icon, "sky": self.word}
        if temps:
            data["temps"] = temps
        if self.known:
            data["pop"] = self.pop
        if self.sentence():
            data["note"] = self.sentence()
        return data

    def sentence(self) -> str:
        """Rain or snow as a sentence for the channel texts ("" when dry or unknown)."""
        if not self.wet:
            return ""
        when = f" {self.wet_when}" if self.wet_when else ""
        if self.wet == "눈":
            return f"{self.label}{when} 눈 소식이 있어요. 미끄럼에 조심하세요."
        what = "비나 눈" if self.wet == "비/눈" else "소나기" if self.wet == "소나기" else "비"
        return f"{self.label}{when} {what} 소식이 있어요. 우산 챙기세요."


class KMA:
    def __init__(self, key: str, *, url: str = DEFAULT_URL, timeout: float = 20.0) -> None:
        self.key = datagokr.normalize_key(key)
        self.url, self.timeout = url.rstrip("/"), timeout

    def forecast(self, nx: int, ny: int, now: datetime) -> list[dict[str, Any]]:
        """Every item of the newest issue for grid point (nx, ny)."""
        base_date, base = base_time(now)
        return datagokr.get_all(
            f"{self.url}/getVilageFcst",
            {"dataType": "JSON", "base_date": base_date, "base_time": base, "nx": nx, "ny": ny},
            key=self.key, service=SERVICE, ok=OK, rows=1000, max_pages=3, timeout=self.timeout)


def summarize(items: Iterable[dict[str, Any]], day: date) -> DayWeather:
    """One day's weather from forecast items (daytime 06-21 decides sky and rain)."""
    key = f"{day:%Y%m%d}"
    rows = [i for i in items if str(i.get("fcstDate")) == key]
    if not rows:
        return DayWeather(day=day, known=False)

    def values(category: str, daytime: bool = False) -> list[tuple[int, str]]:
        out = []
        for row in rows:
            if row.get("category") != category:
                continue
            hour = int(str(row.get("fcstTime", "0000"))[:2])
            if daytime and not 6 <= hour <= 21:
                continue
            out.append((hour, str(row.get("fcstValue", "")).strip()))
        return out

    temps = [_num(v) for _, v in values("TMP")]
    temps = [t for t in temps if t is not None]
    low = _num(next((v for _, v in values("TMN")), None))
    high = _num(next((v for _, v in values("TMX")), None))
    low = round(low) if low is not None else (round(min(temps)) if temps else None)
    high = round(high) if high is not None else (round(max(temps)) if temps else None)
    pops = [int(_num(v) or 0) for _, v in values("POP", True)]
    wet_hours = [(h, PTY[v]) for h, v in values("PTY", True) if v in PTY]
    skies = [SKY[v] for _, v in values("SKY", True) if v in SKY]
    if wet_hours:
        kinds = {k for _, k in wet_hours}
        wet = "눈" if kinds == {"눈"} else "비/눈" if "눈" in kinds or "비/눈" in kinds else \
            "소나기" if kinds == {"소나기"} else "비"
        hours = {h for h, _ in wet_hours}
        when = "오전" if max(hours) < 12 else "오후" if min(hours) >= 12 else ""
        word = wet
    else:
        wet, when = "", ""
        # the most frequent daytime sky; ties go to the cloudier word
        order = ["흐림", "구름많음", "맑음"]
        word = max(order, key=lambda w: (skies.count(w), -order.index(w))) if skies else "맑음"
    return DayWeather(day=day, known=True, word=word, icon=ICONS[word], low=low, high=high,
                      pop=max(pops) if pops else 0, wet=wet, wet_when=when)


def _num(value: Any) -> float | None:
    try:
        return float(str(value).replace("mm", "").strip())
    except (TypeError, ValueError):
        return None
