"""The repository's sample schedules and data work as shipped: the weekend guide is
drafted a day ahead, approved, and goes out on Thursday at 16:00, once."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta, timezone

import yaml

from outreach.publishing.service import PublishingService
from outreach.render import list_templates
from outreach.scheduling.runner import run_pass
from outreach.scheduling.specs import load_schedules, scheduling_options
from outreach.store.db import open_database
from test_sched_helpers import REPO, workspace

KST = timezone(timedelta(hours=9))
THU_16 = datetime(2026, 11, 26, 16, tzinfo=KST)


def test_sample_data_files_are_thursdays_with_every_required_field():
    (info,) = [t for t in list_templates(REPO / "templates" / "cards") if t.name == "weekend-guide"]
    required = {f.name for f in info.fields if f.required}
    files = sorted((REPO / "content" / "weekend-guide").glob("*.yaml"))
    assert len(files) >= 2
    for path in files:
        assert date.fromisoformat(path.stem).weekday() == 3, path     # a Thursday
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert required <= set(data), (path, required - set(data))


def test_sample_weekend_guide_is_drafted_approved_and_sent_once(tmp_path):
    root = tmp_path / "ws"
    settings = workspace(root, {}, real_templates=True)
    shutil.copy(REPO / "schedules" / "weekend-guide.yaml", root / "schedules")
    (root / "content").symlink_to(REPO / "content")
    db = open_database(settings.database_url)
    now = [THU_16 - timedelta(days=2)]
    clock = lambda: now[0]  # noqa: E731 - the controllable clock
    service = PublishingService(settings, db, clock=clock)
    schedules, options = load_schedules(settings), scheduling_options(settings)

    def run(at):
        now[0] = at
        return run_pass(settings, service, schedules, clock=clock, options=options)

    try:
        run(THU_16 - timedelta(days=2))                       # Tuesday: the schedule starts
        report = run(THU_16 - timedelta(days=1, seconds=-5))  # Wednesday 16:00: draft a day ahead
        assert report.planned == 1 and report.work and report.work.prepared == 1
        occ = service.ledger.occurrence_by_key("weekend-guide", "2026-11-26T07:00:00Z")
        assert occ["state"] == "awaiting_approval"
        assert len(list((settings.var_dir / "posts" / str(occ["id"])).glob("slide-*.png"))) >= 3
        run(THU_16 - timedelta(hours=20))                     # nothing goes out unapproved
        assert not (settings.var_dir / "outbox").exists()
        service.approve(occ["id"], by="홍보담당관실")
        run(THU_16 - timedelta(minutes=1))
        assert not (settings.var_dir / "outbox").exists()     # approved, but not yet 16:00
        run(THU_16 + timedelta(seconds=5))
        run(THU_16 + timedelta(minutes=1, seconds=5))
        (delivery,) = service.ledger.deliveries([occ["id"]])
        assert delivery["state"] == "sent"
        (folder,) = (settings.var_dir / "outbox" / "outbox").iterdir()
        assert "11월 넷째 주" in (folder / "manifest.json").read_text(encoding="utf-8")
    finally:
        db.dispose()


NEW_ITEM = """<item>
      <title>천안역 서부광장 크리스마스 트리 점등, 오늘 저녁 6시</title>
      <link>https://www.cheonan.go.kr/news/2026-1126-05</link>
      <guid isPermaLink="false">cheonan-news-2026-1126-05</guid>
      <pubDate>Thu, 26 Nov 2026 16:05:00 +0900</pubDate>
      <description>높이 12m 트리에 불을 밝히고 시립합창단의 캐럴 공연이 이어집니다.</description>
    </item>
    <item>"""


def test_sample_now_in_city_publishes_a_new_feed_item_once(tmp_path):
    root = tmp_path / "ws"
    settings = workspace(root, {}, real_templates=True)
    shutil.copy(REPO / "schedules" / "now-in-city.yaml", root / "schedules")
    (root / "content" / "feeds").mkdir(parents=True)
    (root / "content" / "photos").symlink_to(REPO / "content" / "photos")
    feed = root / "content" / "feeds" / "now-in-city.xml"
    shutil.copy(REPO / "content" / "feeds" / "now-in-city.xml", feed)
    db = open_database(settings.database_url)
    now = [THU_16]
    clock = lambda: now[0]  # noqa: E731 - the controllable clock
    service = PublishingService(settings, db, clock=clock)
    schedules, options = load_schedules(settings), scheduling_options(settings)
    try:
        run_pass(settings, service, schedules, clock=clock, options=options)   # baseline
        assert not (settings.var_dir / "outbox").exists()
        feed.write_text(feed.read_text(encoding="utf-8").replace("<item>", NEW_ITEM, 1),
                        encoding="utf-8")
        for minutes in (10, 20, 30):
            now[0] = THU_16 + timedelta(minutes=minutes, seconds=5)
            run_pass(settings, service, schedules, clock=clock, options=options)
        occ = service.ledger.occurrence_by_key("now-in-city", "item:cheonan-news-2026-1126-05")
        (delivery,) = service.ledger.deliveries([occ["id"]])
        assert delivery["state"] == "sent", delivery["error"] or occ["error"]
        (folder,) = (settings.var_dir / "outbox" / "outbox").iterdir()
        manifest = (folder / "manifest.json").read_text(encoding="utf-8")
        assert "크리스마스 트리 점등" in manifest
    finally:
        db.dispose()
