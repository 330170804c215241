"""KMA short-term forecast: base time, the weekend in Korean words, error envelopes."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from fakes.datagokr import KEY
from fakes.kma import KST, FakeKMA
from outreach.render.fonts import _load, embedded_face, missing_glyphs
from outreach.sources import datagokr, kma

SAT, SUN = date(2026, 12, 5), date(2026, 12, 6)
WED_9 = datetime(2026, 12, 2, 9, 0, tzinfo=KST)
WED_18 = datetime(2026, 12, 2, 18, 0, tzinfo=KST)


@pytest.mark.parametrize("now, expected", [
    (datetime(2026, 12, 2, 9, 0), ("20261202", "0800")),
    (datetime(2026, 12, 2, 8, 9), ("20261202", "0500")),     # 08:00 is served from 08:10
    (datetime(2026, 12, 2, 8, 10), ("20261202", "0800")),
    (datetime(2026, 12, 2, 2, 5), ("20261201", "2300")),     # before 02:10: yesterday's last
    (datetime(2026, 12, 2, 23, 59), ("20261202", "2300")),
    (datetime(2027, 1, 1, 0, 30), ("20261231", "2300")),
])
def test_base_time_is_the_newest_served_issue(now, expected):
    assert kma.base_time(now.replace(tzinfo=KST)) == expected


@pytest.fixture
def fake():
    with FakeKMA(WED_18) as server:
        server.weather[SAT] = {"sky": "1", "low": -3, "high": 6, "pop": 10}
        server.weather[SUN] = {"sky": "3", "low": 1, "high": 8, "wet": {15: "1", 16: "1", 17: "1"}}
        yield server


def test_weekend_in_korean_words_with_icons(fake):
    items = kma.KMA(KEY, url=fake.base).forecast(63, 110, WED_18)
    sat, sun = kma.summarize(items, SAT), kma.summarize(items, SUN)
    assert (sat.word, sat.icon, sat.low, sat.high, sat.wet) == ("맑음", "☀", -3, 6, "")
    assert sat.sentence() == ""
    assert (sun.word, sun.icon, sun.wet, sun.wet_when) == ("비", "☂", "비", "오후")
    assert sun.sentence() == "일요일 오후 비 소식이 있어요. 우산 챙기세요."
    assert sun.as_data()["temps"] == "1° / 8°" and sun.as_data()["day"] == "일"
    (req,) = fake.seen("GET", "getVilageFcst")
    assert req.query["base_date"] == "20261202" and req.query["base_time"] == "1700"
    assert req.query["dataType"] == "JSON" and (req.query["nx"], req.query["ny"]) == ("63", "110")


def test_snow_and_sleet_sentences(fake):
    fake.weather[SAT] = {"sky": "4", "low": -5, "high": 0, "wet": {9: "3", 10: "3"}}
    fake.weather[SUN] = {"sky": "4", "low": -2, "high": 3, "wet": {9: "2", 15: "1"}}   # 3-hourly that far ahead
    items = kma.KMA(KEY, url=fake.base).forecast(63, 110, WED_18)
    assert kma.summarize(items, SAT).sentence() == "토요일 오전 눈 소식이 있어요. 미끄럼에 조심하세요."
    assert kma.summarize(items, SUN).sentence() == "일요일 비나 눈 소식이 있어요. 우산 챙기세요."


def test_wednesday_morning_does_not_reach_sunday_yet(fake):
    """02-14 issues reach the third day after: Saturday from Wednesday 08:00, not Sunday."""
    fake.now = WED_9
    items = kma.KMA(KEY, url=fake.base).forecast(63, 110, WED_9)
    assert kma.summarize(items, SAT).known
    sunday = kma.summarize(items, SUN)
    assert not sunday.known and sunday.word == "예보 전" and "temps" not in sunday.as_data()


def test_no_data_yet_is_an_empty_forecast_not_an_error(fake):
    fake.now = datetime(2026, 12, 2, 8, 5, tzinfo=KST)
    # asking at 08:12 by our clock while the fake has not served 08:00 yet
    items = kma.KMA(KEY, url=fake.base).forecast(63, 110, datetime(2026, 12, 2, 8, 12, tzinfo=KST))
    assert items == [] and not kma.summarize(items, SAT).known


def test_expired_key_answers_the_gateway_xml_even_for_json(fake):
    fake.gateway.expired = True
    with pytest.raises(datagokr.PortalError) as info:
        kma.KMA(KEY, url=fake.base).forecast(63, 110, WED_18)
    assert info.value.code == "31" and KEY not in str(info.value)


def test_double_encoded_key_is_unquoted_before_sending(fake):
    from urllib.parse import quote

    kma.KMA(quote(quote(KEY, safe=""), safe=""), url=fake.base).forecast(63, 110, WED_18)
    assert fake.seen("GET", "getVilageFcst")[0].query["serviceKey"] == KEY


def test_every_icon_is_in_the_embedded_font():
    face = embedded_face()
    font = _load(face.path, face.index, 40, 700, True)
    assert missing_glyphs(font, "".join(kma.ICONS.values()) + "°") == []
