"""The Thursday-morning weather refresh under the fake clock: Wednesday's draft cannot
know Sunday yet; Thursday 06:00 puts it in, only into a file that is still the
autopilot's and only under a draft nobody has approved."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import yaml
from sqlalchemy import select

from fakes.kma import KST
from outreach.autopilot.service import is_ours, read_state
from outreach.errors import ScheduleError
from outreach.publishing import model as m
from outreach.scheduling.specs import load_schedule
from outreach.store.users_tables import audit_log
from test_autopilot import MON, SCHEDULE, THU_16, WED_9, WED_16, make, outbox_text  # noqa: F401
from test_sched_helpers import workspace

THU_6 = datetime(2026, 12, 3, 6, 0, tzinfo=KST)
SUNDAY = date(2026, 12, 6)
RAIN = "일요일 오후 비 소식이 있어요. 우산 챙기세요."


def rainy_sunday(ap) -> None:
    ap.kma.weather[SUNDAY] = {"sky": "4", "wet": {15: "1", 18: "1"}, "low": 2, "high": 9,
                              "pop": 70}


def draft_texts(ap, occ_id: int) -> str:
    folder = ap.settings.var_dir / "posts" / str(occ_id)
    return "\n".join(p.read_text(encoding="utf-8") for p in folder.rglob("*.txt"))


def test_thursday_refresh_puts_sunday_in_and_asks_for_approval_again(make):
    ap = make()
    rainy_sunday(ap)
    ap.run(MON)
    ap.run(WED_9)
    wednesday = yaml.safe_load(ap.file.read_text(encoding="utf-8"))
    assert wednesday["weather"][1]["sky"] == "예보 전"       # the 08:00 issue stops at Saturday
    ap.run(WED_16)
    (occ,) = ap.occurrences()
    assert occ["state"] == m.AWAITING_APPROVAL and RAIN not in draft_texts(ap, occ["id"])

    ap.run(THU_6 - timedelta(minutes=1))                       # not before the refresh time
    assert yaml.safe_load(ap.file.read_text(encoding="utf-8")) == wednesday
    report = ap.run(THU_6)
    assert report.refreshed == 1 and report.errors == []
    text = ap.file.read_text(encoding="utf-8")
    thursday = yaml.safe_load(text)
    sunday = thursday["weather"][1]
    assert sunday["sky"] == "비" and sunday["temps"] == "2° / 9°" and sunday["note"] == RAIN
    # only the weather lines changed, and the file is still the autopilot's
    assert {k: v for k, v in thursday.items() if k != "weather"} == \
        {k: v for k, v in wednesday.items() if k != "weather"}
    assert "다시 받았습니다" in text and is_ours(ap.settings, "weekend-guide", ap.file)
    # the draft was rendered again and waits for a (new) approval
    (occ,) = ap.occurrences()
    assert occ["state"] == m.AWAITING_APPROVAL and RAIN in draft_texts(ap, occ["id"])
    with ap.db.read() as conn:
        actions = conn.execute(select(audit_log.c.action, audit_log.c.actor_name)).all()
    assert ("post.redraft", "autopilot") in [tuple(a) for a in actions]

    assert ap.run(THU_6 + timedelta(hours=2)).refreshed == 0   # once is enough
    ap.service.approve(occ["id"], "과장")
    ap.run(THU_16)
    assert [d["state"] for d in ap.deliveries()] == [m.D_SENT]
    assert RAIN in outbox_text(ap)


def test_a_staff_edit_in_between_stops_the_refresh(make):
    ap = make()
    rainy_sunday(ap)
    ap.run(MON)
    ap.run(WED_9)
    ap.run(WED_16)
    edited = ap.file.read_text(encoding="utf-8").replace("예보 전", "맑을 듯", 1)
    ap.file.write_text(edited, encoding="utf-8")                # staff wrote Sunday by hand
    asked = len(ap.kma.requests)
    report = ap.run(THU_6)
    assert report.refreshed == 0 and report.errors == []
    assert ap.file.read_text(encoding="utf-8") == edited
    assert len(ap.kma.requests) == asked                        # not even asked
    (occ,) = ap.occurrences()
    assert occ["state"] == m.AWAITING_APPROVAL


def test_an_approved_run_is_never_changed_and_staff_are_told_once(make):
    ap = make()
    rainy_sunday(ap)
    ap.run(MON)
    ap.run(WED_9)
    ap.run(WED_16)
    (occ,) = ap.occurrences()
    ap.service.approve(occ["id"], "과장")
    before_file = ap.file.read_text(encoding="utf-8")
    before_draft = draft_texts(ap, occ["id"])
    report = ap.run(THU_6)
    assert report.refreshed == 0
    assert any("approved before the weather refresh" in e for e in report.errors)
    assert ap.file.read_text(encoding="utf-8") == before_file
    assert draft_texts(ap, occ["id"]) == before_draft
    assert ap.occurrences()[0]["state"] == m.APPROVED
    assert read_state(ap.settings, "weekend-guide", ap.file)["refresh_skipped"] == m.APPROVED
    assert ap.run(THU_6 + timedelta(hours=2)).errors == []     # said once
    ap.run(THU_16)
    assert [d["state"] for d in ap.deliveries()] == [m.D_SENT]
    assert RAIN not in outbox_text(ap)                          # exactly what was approved


def test_a_forecast_that_cannot_be_read_keeps_wednesdays_weather_and_says_so(make):
    ap = make()
    ap.run(MON)
    ap.run(WED_9)
    ap.run(WED_16)
    before = ap.file.read_text(encoding="utf-8")
    ap.kma.gateway.expired = True
    report = ap.run(THU_6)
    assert any("weather could not be refreshed" in e for e in report.errors)
    assert ap.file.read_text(encoding="utf-8") == before
    assert ap.run(THU_6 + timedelta(minutes=30)).errors == []   # retried hourly, not each pass
    ap.kma.gateway.expired = False
    assert ap.run(THU_6 + timedelta(hours=1, minutes=5)).refreshed == 1
    assert yaml.safe_load(ap.file.read_text(encoding="utf-8"))["weather"][1]["sky"] != "예보 전"


def test_refresh_weather_before_is_checked_and_can_be_turned_off(tmp_path, make):
    bad = SCHEDULE.replace("draft_before: 31h", "draft_before: 31h\n  refresh_weather_before: 2d")
    settings = workspace(tmp_path / "bad", {"weekend-guide.yaml": bad % {"approval": "required"}},
                         real_templates=True)
    with pytest.raises(ScheduleError, match="refresh_weather_before") as info:
        load_schedule(settings.schedules_dir / "weekend-guide.yaml", settings)
    assert "weekend-guide.yaml:9" in str(info.value)

    ap = make()
    path = ap.settings.schedules_dir / "weekend-guide.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "draft_before: 31h", "draft_before: 31h\n  refresh_weather_before: false"), encoding="utf-8")
    rainy_sunday(ap)
    ap.run(MON)
    ap.run(WED_9)
    ap.run(WED_16)
    assert ap.run(THU_6).refreshed == 0
    assert yaml.safe_load(ap.file.read_text(encoding="utf-8"))["weather"][1]["sky"] == "예보 전"


def test_schedules_listing_says_when_the_weather_is_refreshed(make):
    from outreach.scheduling.listing import describe
    from outreach.scheduling.specs import load_all

    ap = make()
    (schedule,) = load_all(ap.settings)[0]
    assert "drafts the data file 1d7h before each run, refreshes its weather 10h before" in \
        describe(ap.settings, schedule, MON)



def test_a_held_draft_can_be_neither_approved_nor_held_twice_until_released(make):
    from outreach.errors import LedgerError
    from outreach.scheduling.cron import iso_utc

    ap = make()
    ap.run(MON)
    ap.run(WED_9)
    ap.run(WED_16)
    (occ,) = ap.occurrences()
    key = iso_utc(THU_16)
    assert ap.service.hold_draft("weekend-guide", key, "autopilot", "test") == \
        (occ["id"], m.AWAITING_APPROVAL, True)
    with pytest.raises(LedgerError, match="not ready yet"):
        ap.service.approve(occ["id"], "과장")               # nobody approves a draft in change
    assert ap.service.hold_draft("weekend-guide", key, "autopilot", "test") == \
        (occ["id"], m.PLANNED, False)                        # leased: one holder at a time
    ap.service.work()
    assert ap.occurrences()[0]["state"] == m.PLANNED         # not rendered while held
    ap.service.release_draft(occ["id"])
    ap.service.work()
    assert ap.occurrences()[0]["state"] == m.AWAITING_APPROVAL
    ap.service.approve(occ["id"], "과장")
    assert ap.service.hold_draft("weekend-guide", key, "autopilot", "test") == \
        (occ["id"], m.APPROVED, False)                       # an approved run is never taken back
    assert ap.service.hold_draft("weekend-guide", "2099-01-01T00:00:00Z", "a", "t") == \
        (None, None, True)
