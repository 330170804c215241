"""One pass at a time (what run-due and the daemon do), against the real ledger on
SQLite and PostgreSQL, with a controllable clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from outreach.cli import main
from outreach.publishing.service import PublishingService
from outreach.scheduling.runner import read_feed_state, run_pass
from outreach.scheduling.specs import load_all, scheduling_options
from outreach.store.db import open_database
from outreach.store.ledger_tables import delivery, occurrence
from test_sched_helpers import WEEKEND, run_cli, workspace

KST = timezone(timedelta(hours=9))
THU_16 = datetime(2026, 11, 26, 16, tzinfo=KST)
NEWS = """\
template: now-in-city
feed:
  url: feed.xml
  fields: {headline: title, body: summary, link: link, date: published_date}
cron: "*/10 * * * *"
channels: [outbox]
"""
ITEM = """<item><title>{title}</title><link>https://example.go.kr/{n}</link>
<guid isPermaLink="false">news-{n}</guid><pubDate>{date}</pubDate><description>{title} 안내</description></item>"""


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Workspace:
    """A workspace, its database and a pass function driven by a controllable clock."""

    def __init__(self, root, db_url, schedules, **kw):
        self.settings = workspace(root, schedules, db_url=db_url, **kw)
        self.db = open_database(self.settings.database_url)
        self.clock = Clock(THU_16)

    def run(self, at: datetime):
        self.clock.now = at
        schedules, errors = load_all(self.settings)
        assert not errors
        service = PublishingService(self.settings, self.db, clock=self.clock)
        return run_pass(self.settings, service, schedules, clock=self.clock,
                        options=scheduling_options(self.settings))

    def occurrences(self, schedule: str):
        with self.db.read() as conn:
            return conn.execute(select(occurrence).where(occurrence.c.schedule == schedule)
                                .order_by(occurrence.c.id)).mappings().all()

    def deliveries(self):
        with self.db.read() as conn:
            return conn.execute(select(delivery)).mappings().all()


@pytest.fixture
def ws(tmp_path, db_url):
    made = []

    def make(schedules, **kw):
        made.append(Workspace(tmp_path / f"ws{len(made)}", db_url, schedules, **kw))
        return made[-1]

    yield make
    for w in made:
        w.db.dispose()


def test_thursday_16_fires_once_across_a_pass_every_minute(ws):
    w = ws({"weekend-guide.yaml": WEEKEND})
    w.run(THU_16 - timedelta(minutes=5))          # the schedule's first pass sets the watermark
    for minute in range(-4, 31):
        w.run(THU_16 + timedelta(minutes=minute, seconds=7))
    (occ,) = w.occurrences("weekend-guide")
    assert occ["key"] == "2026-11-26T07:00:00Z"
    assert occ["scheduled_for"] == THU_16
    assert occ["data_file"] == str(w.settings.root / "content/weekend-guide/2026-11-26.yaml")
    assert [d["channel"] for d in w.deliveries()] == ["outbox"]


def test_down_from_1550_to_1630_plans_the_run_once(ws):
    w = ws({"weekend-guide.yaml": WEEKEND})
    w.run(THU_16 - timedelta(minutes=10))
    w.run(THU_16 + timedelta(minutes=30))
    w.run(THU_16 + timedelta(minutes=31))
    (occ,) = w.occurrences("weekend-guide")
    assert occ["key"] == "2026-11-26T07:00:00Z" and occ["state"] not in ("missed", "skipped")


def test_down_until_19_records_the_run_as_missed_and_sends_nothing(ws):
    w = ws({"weekend-guide.yaml": WEEKEND})
    w.run(THU_16 - timedelta(minutes=10))
    report = w.run(THU_16 + timedelta(hours=3))
    (occ,) = w.occurrences("weekend-guide")
    assert occ["state"] == "missed" and "misfire_grace 2h" in occ["error"]
    assert [d["state"] for d in w.deliveries()] == ["cancelled"]
    assert report.missed == 1 and any("missed run" in e for e in report.errors)
    assert not (w.settings.var_dir / "outbox").exists()


def test_skip_and_end_dates_hold_in_the_ledger(ws):
    w = ws({"weekend-guide.yaml": WEEKEND + "skip: [2026-12-03]\nend: 2026-12-10\n"})
    w.run(THU_16 - timedelta(minutes=1))
    for week in range(4):
        w.run(THU_16 + timedelta(days=7 * week, seconds=5))
    rows = [(o["key"], o["state"]) for o in w.occurrences("weekend-guide")]
    assert [k for k, _ in rows] == ["2026-11-26T07:00:00Z", "2026-12-03T07:00:00Z",
                                    "2026-12-10T07:00:00Z"]
    assert rows[1][1] == "skipped" and rows[0][1] != "skipped" and rows[2][1] != "skipped"


def _feed(root, items):
    body = "".join(ITEM.format(n=n, title=t, date=d) for n, t, d in items)
    (root / "feed.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>시 소식</title>'
        f"{body}</channel></rss>", encoding="utf-8")


def test_feed_items_are_planned_once_across_restarts(ws, db_url):
    w = ws({"now-in-city.yaml": NEWS})
    root = w.settings.root
    old = [(1, "겨울 빛축제 개막", "Mon, 23 Nov 2026 09:00:00 +0900"),
           (2, "제설 대책 가동", "Mon, 23 Nov 2026 10:00:00 +0900")]
    _feed(root, old)
    t0 = THU_16
    w.run(t0)                                         # first read: the baseline, published never
    assert [(o["key"], o["state"]) for o in w.occurrences("now-in-city")] == [
        ("item:news-1", "skipped"), ("item:news-2", "skipped")]
    _feed(root, [(3, "버스 배차 간격 단축", "Thu, 26 Nov 2026 16:05:00 +0900"), *old])
    w.run(t0 + timedelta(minutes=5))                  # no fire time yet: the feed is not read
    assert len(w.occurrences("now-in-city")) == 2
    w.run(t0 + timedelta(minutes=10, seconds=3))
    new = [o for o in w.occurrences("now-in-city") if o["key"] == "item:news-3"]
    assert len(new) == 1 and new[0]["state"] != "skipped"
    assert '"headline": "버스 배차 간격 단축"' in new[0]["data_json"]
    assert '"date": "2026-11-26"' in new[0]["data_json"]
    # a restart: a new process with its own database connection reads the same feed again
    w.db.dispose()
    w.db = open_database(w.settings.database_url)
    w.run(t0 + timedelta(minutes=20, seconds=3))
    w.run(t0 + timedelta(minutes=30, seconds=3))
    assert sorted(o["key"] for o in w.occurrences("now-in-city")) == [
        "item:news-1", "item:news-2", "item:news-3"]
    assert len(w.deliveries()) == 3


def test_feed_backfill_plans_items_already_there(ws):
    w = ws({"now-in-city.yaml": NEWS.replace("  fields:", "  backfill: true\n  fields:")})
    _feed(w.settings.root, [(1, "축제 개막", "Mon, 23 Nov 2026 09:00:00 +0900")])
    w.run(THU_16)
    (occ,) = w.occurrences("now-in-city")
    assert occ["key"] == "item:news-1" and occ["state"] not in ("skipped", "missed")


def test_a_broken_feed_is_reported_and_other_schedules_still_run(ws, capsys):
    w = ws({"now-in-city.yaml": NEWS, "weekend-guide.yaml": WEEKEND})
    (w.settings.root / "feed.xml").write_text("<html>점검 중입니다</html", encoding="utf-8")
    w.run(THU_16 - timedelta(minutes=1))
    report = w.run(THU_16 + timedelta(seconds=5))
    assert any("now-in-city" in e and "not a valid RSS/Atom" in e for e in report.errors)
    assert len(w.occurrences("weekend-guide")) == 1
    state = read_feed_state(w.settings, "now-in-city")
    assert state and "not a valid RSS/Atom" in state["error"]
    assert main(["--root", str(w.settings.root), "schedules"]) == 0
    assert "FAILED: feed feed.xml: not a valid RSS/Atom document" in capsys.readouterr().out


def test_run_due_runs_good_schedules_and_exits_2_for_a_bad_file(tmp_path, db_url):
    root = tmp_path / "ws"
    settings = workspace(root, {"weekend-guide.yaml": WEEKEND,
                                "broken.yaml": WEEKEND.replace("thu", "thursday-ish")},
                         db_url=db_url)
    env = {"OUTREACH_NOW": (THU_16 - timedelta(minutes=1)).isoformat()}
    first = run_cli(root, "run-due", env=env)
    assert first.returncode == 2, first.stderr
    assert first.stderr.splitlines() == [
        "outreach: error: schedules/broken.yaml:3: cron: bad day of week 'thursday-ish': write "
        "minute hour day month day_of_week, e.g. \"0 16 * * thu\" (Thursdays 16:00) or "
        "\"*/10 * * * *\" (every 10 minutes)"]
    second = run_cli(root, "run-due", "--now", (THU_16 + timedelta(seconds=30)).isoformat())
    assert second.returncode == 2
    db = open_database(settings.database_url)
    try:
        with db.read() as conn:
            keys = conn.execute(select(occurrence.c.key)
                                .where(occurrence.c.schedule == "weekend-guide")).scalars().all()
    finally:
        db.dispose()
    assert keys == ["2026-11-26T07:00:00Z"]


def test_run_due_bad_now_is_a_one_line_error(tmp_path):
    workspace(tmp_path, {"weekend-guide.yaml": WEEKEND})
    result = run_cli(tmp_path, "run-due", "--now", "next thursday")
    assert result.returncode == 2
    assert result.stderr.strip() == ("outreach: error: --now: expected an ISO-8601 time such as "
                                     "2026-11-26T16:00+09:00, got 'next thursday'")

