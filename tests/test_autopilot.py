"""The weekend-guide autopilot end to end: local TourAPI and KMA servers, the real
ledger (SQLite and PostgreSQL), the real template, a controllable clock."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
import yaml
from sqlalchemy import select

from fakes.datagokr import KEY
from fakes.kma import KST, FakeKMA
from fakes.tourapi import FakeTourAPI
from outreach.autopilot.service import draft_pass, is_ours, read_state
from outreach.errors import ScheduleError
from outreach.publishing import model as m
from outreach.publishing.service import PublishingService
from outreach.scheduling.runner import run_pass
from outreach.scheduling.specs import load_all, load_schedule, scheduling_options
from outreach.store.db import open_database
from outreach.store.ledger_tables import delivery, occurrence
from test_sched_helpers import REPO, workspace

MON = datetime(2026, 11, 30, 10, 0, tzinfo=KST)
WED_9 = datetime(2026, 12, 2, 9, 0, tzinfo=KST)
WED_16 = datetime(2026, 12, 2, 16, 0, tzinfo=KST)
THU_16 = datetime(2026, 12, 3, 16, 0, tzinfo=KST)
SCHEDULE = """\
template: weekend-guide
data: content/weekend-guide/{date}.yaml
cron: "0 16 * * thu"
channels: [outbox]
approval: %(approval)s
prepare_before: 1d
source:
  draft_before: 31h
  default_photo: content/photos/festival.jpg
  defaults:
    cover_photo: content/photos/samgeori-park.jpg
    contact: 천안시청 홍보담당관실 041-521-5000
    hashtags: [천안, 주말사용설명서]
"""
ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Cheonan City//Events//KO\r
BEGIN:VEVENT\r
UID:market-2026@cheonan.go.kr\r
DTSTART;TZID=Asia/Seoul:20261107T100000\r
DTEND;TZID=Asia/Seoul:20261107T150000\r
RRULE:FREQ=WEEKLY;BYDAY=SA;COUNT=8\r
SUMMARY:천안 농부의 시장 (토요 직거래 장터)\r
LOCATION:천안시청 앞 광장\r
DESCRIPTION:지역 농가가 기른 제철 농산물을 직접 팝니다. 입장 무료.\r
URL:https://www.cheonan.go.kr/market\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:cancelled@cheonan.go.kr\r
DTSTART;VALUE=DATE:20261205\r
DTEND;VALUE=DATE:20261206\r
SUMMARY:취소된 행사\r
STATUS:CANCELLED\r
END:VEVENT\r
END:VCALENDAR\r
"""


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Autopilot:
    """A workspace with the autopilot on, its fakes and a pass driven by the clock."""

    def __init__(self, root, db_url, *, approval="required", key=KEY, calendar=True):
        self.tour = FakeTourAPI().start()
        self.kma = FakeKMA(MON).start()
        root.mkdir(parents=True)
        (root / "content" / "photos").mkdir(parents=True)
        for photo in ("festival.jpg", "samgeori-park.jpg"):
            shutil.copy(REPO / "content" / "photos" / photo, root / "content" / "photos" / photo)
        (root / "city.ics").write_text(ICS, encoding="utf-8")
        (root / ".env").write_text(f"DATA_GO_KR_SERVICE_KEY={key}\n", encoding="utf-8")
        extra = (f'[autopilot]\ntourapi_url = "{self.tour.base}"\nkma_url = "{self.kma.base}"\n'
                 f'region = "44"\ndistricts = ["131", "133"]\ngrid = [63, 110]\n'
                 + ('calendar = "city.ics"\n' if calendar else ""))
        self.settings = workspace(root, {"weekend-guide.yaml": SCHEDULE % {"approval": approval}},
                                  db_url=db_url, toml_extra=extra, real_templates=True)
        self.db = open_database(self.settings.database_url)
        self.clock = Clock(MON)
        self.service = PublishingService(self.settings, self.db, clock=self.clock)
        self.file = root / "content" / "weekend-guide" / "2026-12-03.yaml"

    def run(self, at: datetime):
        self.clock.now = at
        self.kma.now = at
        schedules, errors = load_all(self.settings)
        assert not errors, errors
        return run_pass(self.settings, self.service, schedules, clock=self.clock,
                        options=scheduling_options(self.settings))

    def occurrences(self):
        with self.db.read() as conn:
            return conn.execute(select(occurrence)).mappings().all()

    def deliveries(self):
        with self.db.read() as conn:
            return conn.execute(select(delivery)).mappings().all()

    def close(self):
        self.service.close()
        self.db.dispose()
        self.tour.stop()
        self.kma.stop()


@pytest.fixture
def make(tmp_path, db_url):
    made = []

    def factory(**kw):
        made.append(Autopilot(tmp_path / f"ws{len(made)}", db_url, **kw))
        return made[-1]

    yield factory
    for ap in made:
        ap.close()


def outbox_text(ap) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in
                     (ap.settings.var_dir / "outbox").rglob("*.txt"))


def test_wednesday_draft_is_approved_and_published_once_on_thursday(make):
    ap = make()
    ap.run(MON)                                             # the schedule's first pass
    assert not ap.file.exists()
    report = ap.run(WED_9 - timedelta(minutes=1))
    assert not ap.file.exists() and report.drafted == 0      # not before Wednesday 09:00
    report = ap.run(WED_9)
    assert report.drafted == 1 and ap.file.is_file() and is_ours(ap.settings, "weekend-guide", ap.file)
    text = ap.file.read_text(encoding="utf-8")
    assert text.startswith("# 자동 작성 초안")
    data = yaml.safe_load(text)
    titles = [e["title"] for e in data["events"]]
    # the city's calendar first, then inside the city, running both days, free
    assert titles == ["천안 농부의 시장 (토요 직거래 장터)", "천안 흥타령 겨울 빛 축제",
                      "독립기념관 겨레의 큰마당 겨울 체험", "성정동 골목 크리스마스 마켓",
                      "천안예술의전당 송년 가족 음악회", "아산 곡교천 은행나무길 야경 산책"][:len(titles)]
    assert "아산 곡교천 은행나무길 야경 산책" not in titles          # not in the districts asked for
    light = data["events"][1]
    assert light["fee"] == "무료" and light["place"] == "천안삼거리공원 일원"
    assert "공공누리 제1유형" in light["credit"] and "tourapi-3123401" in light["photo"]
    market = next(e for e in data["events"] if e["title"].startswith("성정동"))
    assert market["photo"].endswith("festival.jpg") and "credit" not in market   # Type3: not ours to crop
    assert data["weather"][0] == {**data["weather"][0], "day": "토", "sky": "맑음", "icon": "☀"}
    assert data["weather"][1]["sky"] == "예보 전"                # Wednesday 08:00 reaches Saturday only
    assert ap.deliveries() == []                            # drafted, not planned yet

    ap.run(WED_16)                                          # planned and rendered as a draft
    (occ,) = ap.occurrences()
    assert occ["state"] == m.AWAITING_APPROVAL and occ["data_file"] == str(ap.file)
    ap.service.approve(occ["id"], "과장")
    ap.run(THU_16 - timedelta(minutes=1))
    assert [d["state"] for d in ap.deliveries()] == [m.D_PENDING]
    ap.run(THU_16)
    ap.run(THU_16 + timedelta(minutes=1))
    ap.run(THU_16 + timedelta(minutes=30))
    assert [d["state"] for d in ap.deliveries()] == [m.D_SENT]
    assert len(ap.occurrences()) == 1
    published = outbox_text(ap)
    assert published.count("천안 흥타령 겨울 빛 축제") >= 1 and "공공누리 제1유형" in published


def test_a_staff_edit_survives_every_later_autopilot_pass(make):
    ap = make()
    ap.tour.detail_down = True                              # a problem: the autopilot would retry
    ap.run(MON)
    ap.run(WED_9)
    assert read_state(ap.settings, "weekend-guide", ap.file)["problems"]
    edited = ap.file.read_text(encoding="utf-8").replace("천안 흥타령 겨울 빛 축제",
                                                         "천안 흥타령 겨울 빛 축제 (점등식 18시)", 1)
    ap.file.write_text(edited, encoding="utf-8")           # staff fix the draft by hand
    ap.tour.detail_down = False
    for at in (WED_9 + timedelta(hours=1, minutes=5), WED_9 + timedelta(hours=3), WED_16):
        ap.run(at)
        assert ap.file.read_text(encoding="utf-8") == edited
    assert not is_ours(ap.settings, "weekend-guide", ap.file)
    (occ,) = ap.occurrences()
    ap.service.approve(occ["id"], "과장")
    ap.run(THU_16)
    assert [d["state"] for d in ap.deliveries()] == [m.D_SENT]
    assert "천안 흥타령 겨울 빛 축제 (점등식 18시)" in outbox_text(ap)


def test_an_unedited_draft_with_problems_is_retried_hourly_while_ours(make):
    ap = make()
    ap.tour.detail_down = True
    ap.run(MON)
    ap.run(WED_9)
    first = ap.file.read_text(encoding="utf-8")
    assert "확인 필요" in first and "HTTP 502" in first
    ap.run(WED_9 + timedelta(minutes=30))
    assert ap.file.read_text(encoding="utf-8") == first      # not before an hour has passed
    ap.tour.detail_down = False
    ap.run(WED_9 + timedelta(hours=1, minutes=1))
    second = ap.file.read_text(encoding="utf-8")
    assert second != first and "확인 필요" not in second
    assert read_state(ap.settings, "weekend-guide", ap.file)["problems"] == []


def test_source_down_draft_says_so_staff_are_told_and_approval_is_forced(make):
    ap = make(approval="none")
    ap.tour.stop()                                          # TourAPI unreachable
    ap.run(MON)
    report = ap.run(WED_9)
    text = ap.file.read_text(encoding="utf-8")
    assert "확인 필요" in text and "TourAPI" in text
    assert any("TourAPI festivals could not be read" in e for e in report.errors)
    data = yaml.safe_load(text)
    assert [e["title"] for e in data["events"]] == ["천안 농부의 시장 (토요 직거래 장터)"]
    ap.run(THU_16)                                          # approval: none, but the draft is half-empty
    (occ,) = ap.occurrences()
    assert occ["approval_required"] is True
    assert all(d["state"] != m.D_SENT for d in ap.deliveries())
    assert not (ap.settings.var_dir / "outbox").exists()


def test_expired_key_and_empty_weekend(make):
    ap = make(calendar=False)
    ap.tour.gateway.expired = True
    ap.kma.gateway.expired = True
    ap.run(MON)
    report = ap.run(WED_9)
    data = yaml.safe_load(ap.file.read_text(encoding="utf-8"))
    assert data["events"][0]["title"].startswith("이번 주말 행사를 찾지 못했습니다")
    assert "weather" not in data
    joined = "\n".join(report.errors)
    assert "extend the use period" in joined and "no events were found" in joined
    assert KEY not in joined and quote(KEY, safe="") not in joined


def test_a_key_pasted_in_encoded_form_works(make):
    ap = make(key=quote(KEY, safe=""))
    ap.run(MON)
    report = ap.run(WED_9)
    assert report.errors == [] and read_state(ap.settings, "weekend-guide", ap.file)["problems"] == []


def test_a_file_staff_wrote_before_the_autopilot_is_never_touched(make):
    ap = make()
    ap.file.parent.mkdir(parents=True)
    ap.file.write_text("# 담당자가 미리 쓴 파일\nweek_label: 12월 첫째 주\n", encoding="utf-8")
    ap.run(MON)
    ap.run(WED_9)
    assert ap.file.read_text(encoding="utf-8").startswith("# 담당자가 미리 쓴 파일")
    assert ap.tour.requests == []                            # nothing was even asked


def test_without_a_key_the_autopilot_stays_off_and_offline(make, tmp_path):
    ap = make()
    (ap.settings.root / ".env").write_text("", encoding="utf-8")
    from outreach.config import load_settings

    settings = load_settings(ap.settings.root)
    (schedule,) = load_all(settings)[0]
    outcome = draft_pass(settings, schedule, WED_9)
    assert outcome.off == "DATA_GO_KR_SERVICE_KEY is not set" and outcome.written == []
    assert ap.tour.requests == [] and ap.kma.requests == []


def test_sample_workspace_schedule_is_valid_and_off_without_a_key(tmp_path, monkeypatch):
    from outreach.config import load_settings

    monkeypatch.delenv("DATA_GO_KR_SERVICE_KEY", raising=False)
    settings = load_settings(REPO)
    if settings.env.get("DATA_GO_KR_SERVICE_KEY"):
        pytest.skip("a real key is configured in this checkout's .env")
    schedule = load_schedule(REPO / "schedules" / "weekend-guide.yaml", settings)
    assert schedule.source is not None
    assert draft_pass(settings, schedule, WED_9).off


def test_draft_before_must_come_before_the_draft_is_rendered(tmp_path):
    bad = SCHEDULE.replace("draft_before: 31h", "draft_before: 12h") % {"approval": "required"}
    settings = workspace(tmp_path, {"weekend-guide.yaml": bad}, real_templates=True)
    with pytest.raises(ScheduleError, match="draft_before") as info:
        load_schedule(settings.schedules_dir / "weekend-guide.yaml", settings)
    assert "weekend-guide.yaml:8" in str(info.value)


def test_last_weeks_events_go_after_new_ones_of_the_same_kind(make):
    from fakes.tourapi import festival

    ap = make(calendar=False)
    ap.tour.festivals = [
        festival("1", "천안 흥타령 겨울 빛 축제", "20261127", "20261213",
                 intro={"usetimefestival": "무료"}),
        festival("2", "신부동 문화의 거리 겨울 버스킹", "20261205", "20261206",
                 intro={"usetimefestival": "무료"}),
        festival("3", "천안 도서관 가족 영화제", "20261205", "20261206", image=False,
                 intro={"usetimefestival": "무료"}),
    ]
    last_week = ap.file.parent / "2026-11-26.yaml"
    last_week.parent.mkdir(parents=True)
    last_week.write_text("events:\n  - title: 천안 흥타령  겨울 빛 축제\n", encoding="utf-8")
    ap.run(MON)
    ap.run(WED_9)
    titles = [e["title"] for e in yaml.safe_load(ap.file.read_text(encoding="utf-8"))["events"]]
    assert titles == ["신부동 문화의 거리 겨울 버스킹", "천안 도서관 가족 영화제", "천안 흥타령 겨울 빛 축제"]


def test_only_as_many_events_as_the_template_holds(make):
    from fakes.tourapi import festival

    ap = make(calendar=False)
    ap.tour.festivals = [festival(str(100 + i), f"천안 동네 음악회 {i}회", "20261205", "20261206",
                                  image=False, intro={"usetimefestival": "무료"}) for i in range(20)]
    ap.run(MON)
    ap.run(WED_9)
    events = yaml.safe_load(ap.file.read_text(encoding="utf-8"))["events"]
    assert len(events) == 8                                   # events: max_items: 8
    assert len(ap.tour.seen("GET", "detailIntro2")) == 16     # details only for likely picks


def test_a_draft_that_cannot_render_says_so_at_once(make):
    from fakes.tourapi import festival

    ap = make(calendar=False)
    ap.tour.festivals = [festival("9", "아주 긴 이름의 행사 " * 12, "20261205", "20261206",
                                  image=False)]
    ap.run(MON)
    report = ap.run(WED_9)
    assert any("does not render yet" in e for e in report.errors)
    assert "does not render yet" in ap.file.read_text(encoding="utf-8")


def test_schedules_listing_shows_whose_file_it_is(make):
    from outreach.scheduling.listing import describe

    ap = make()
    ap.run(MON)
    ap.run(WED_9)
    (schedule,) = load_all(ap.settings)[0]
    text = describe(ap.settings, schedule, WED_9)
    assert "autopilot: drafts the data file 1d7h before each run" in text
    assert "2026-12-03.yaml (autopilot draft)" in text
    ap.file.write_text(ap.file.read_text(encoding="utf-8") + "\n# 확인 완료\n", encoding="utf-8")
    assert "(autopilot draft, edited by staff)" in describe(ap.settings, schedule, WED_9)


def test_run_due_warns_staff_in_korean_and_exits_1(make):
    from test_sched_helpers import run_cli

    ap = make(calendar=False)
    ap.tour.stop()
    ap.kma.now = WED_9
    done = run_cli(ap.settings.root, "run-due", "--now", "2026-12-02T09:00+09:00",
                   env={"OUTREACH_LANGUAGE": "ko"})
    assert done.returncode == 1, done.stderr
    assert "한국관광공사 TourAPI 행사 목록을 받지 못했습니다" in done.stderr
    assert KEY not in done.stderr and KEY not in done.stdout
    assert ap.file.is_file()


def test_broken_autopilot_settings_do_not_stop_the_schedule(make):
    ap = make()
    toml = ap.settings.root / "outreach.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("grid = [63, 110]", "grid = 63"),
                    encoding="utf-8")
    from outreach.config import load_settings

    ap.settings = load_settings(ap.settings.root)
    ap.service = PublishingService(ap.settings, ap.db, clock=ap.clock)
    ap.run(MON)
    report = ap.run(WED_16)
    assert any("autopilot.grid" in e and "outreach.toml:" in e for e in report.errors)
    assert len(ap.occurrences()) == 1                      # the run is still planned


def test_outreach_draft_drafts_now_and_respects_a_staff_edit(make):
    from test_sched_helpers import run_cli

    ap = make(calendar=False)
    ap.kma.now = WED_9
    done = run_cli(ap.settings.root, "draft", "weekend-guide", "--now", "2026-12-02T08:30+09:00")
    assert done.returncode == 0, done.stderr
    assert "drafted content/weekend-guide/2026-12-03.yaml: 4 event(s)" in done.stdout
    ap.file.write_text(ap.file.read_text(encoding="utf-8").replace("천안", "天安", 1),
                       encoding="utf-8")
    edited = ap.file.read_text(encoding="utf-8")
    again = run_cli(ap.settings.root, "draft", "weekend-guide", "--now", "2026-12-02T08:35+09:00",
                    env={"OUTREACH_LANGUAGE": "ko"})
    assert again.returncode == 1 and "담당자가 고친 파일이라 그대로 둡니다" in again.stdout
    assert ap.file.read_text(encoding="utf-8") == edited


def test_outreach_check_reports_a_bad_autopilot_table(tmp_path):
    from outreach.checkup import check_workspace

    workspace(tmp_path, {}, toml_extra='[autopilot]\nregion = "44"\ndistricts = ["13"]\n')
    report = check_workspace(tmp_path)
    assert any("autopilot.districts" in p and "3-digit" in p for p in report.problems)


def test_one_process_drafts_at_a_time(make):
    import fcntl

    ap = make()
    (schedule,) = load_all(ap.settings)[0]
    lock_path = ap.settings.var_dir / "autopilot" / "weekend-guide" / ".lock"
    lock_path.parent.mkdir(parents=True)
    with open(lock_path, "a") as other:                     # another process is drafting
        fcntl.flock(other, fcntl.LOCK_EX)
        assert draft_pass(ap.settings, schedule, WED_9).written == []
        assert not ap.file.exists() and ap.tour.requests == []
    assert draft_pass(ap.settings, schedule, WED_9).written == [ap.file]
    assert is_ours(ap.settings, "weekend-guide", ap.file)


def test_editors_are_mailed_about_a_draft_with_problems(make):
    from outreach.notify.events import autopilot_drafts
    from outreach.notify.settings import NotifySettings

    ap = make()
    ap.tour.gateway.expired = True
    ap.run(MON)
    ap.run(WED_9)
    (schedule,) = load_all(ap.settings)[0]
    options = NotifySettings(smtp=None, base_url="https://desk.example.go.kr")  # type: ignore[arg-type]
    (event,) = autopilot_drafts(ap.settings, options, [schedule], WED_9)
    assert event.key == "autopilot:weekend-guide:2026-12-03T07:00:00+00:00"
    from outreach.users.roles import EDIT

    assert event.roles == (EDIT,) and event.kind == "draft_problems"
    assert "content/weekend-guide/2026-12-03.yaml" in event.body and "extend the use period" in event.body
    assert KEY not in event.body
    ap.file.write_text(ap.file.read_text(encoding="utf-8") + "# 확인함\n", encoding="utf-8")
    assert autopilot_drafts(ap.settings, options, [schedule], WED_9) == []   # staff took over


def test_a_data_file_the_autopilot_will_write_is_not_reported_missing(make):
    from outreach.publishing.desk import missing_data

    ap = make()
    (schedule,) = load_all(ap.settings)[0]
    assert missing_data(ap.settings, [schedule], MON, 3) == []           # drafted on Wednesday
    ap.tour.stop()
    ap.kma.stop()
    later = WED_9 + timedelta(minutes=5)                                   # the time came: no file
    assert [m["file"] for m in missing_data(ap.settings, [schedule], later, 3)] == [
        "content/weekend-guide/2026-12-03.yaml"]
