"""What is due, as a pure function of the schedule, the watermark and a controllable clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from outreach.scheduling.due import due_runs, poll_due
from outreach.scheduling.specs import load_schedules
from test_sched_helpers import WEEKEND, workspace

KST = timezone(timedelta(hours=9))
THU_16 = datetime(2026, 11, 26, 16, tzinfo=KST)


def _schedule(tmp_path, extra: str = "", text: str = WEEKEND):
    settings = workspace(tmp_path, {"s.yaml": text + extra})
    return settings, load_schedules(settings)[0]


class Passes:
    """Runs passes like the daemon or cron would, carrying the watermark between them."""

    def __init__(self, settings, schedule, watermark):
        self.settings, self.schedule, self.watermark = settings, schedule, watermark
        self.seen: list = []

    def at(self, now: datetime):
        runs, self.watermark = due_runs(self.schedule, self.settings.timezone, self.watermark, now)
        self.seen += runs
        return runs


def test_thursday_16_is_planned_exactly_once_across_many_passes(tmp_path):
    settings, schedule = _schedule(tmp_path)
    passes = Passes(settings, schedule, THU_16 - timedelta(hours=1))
    for minute in range(-5, 40):           # a pass every minute around 16:00
        passes.at(THU_16 + timedelta(minutes=minute, seconds=3))
    assert [(r.when, r.action) for r in passes.seen] == [(THU_16, "plan")]
    assert passes.seen[0].when.tzinfo is not None


def test_down_from_1550_to_1630_plans_once_on_restart(tmp_path):
    settings, schedule = _schedule(tmp_path)
    passes = Passes(settings, schedule, THU_16 - timedelta(minutes=10))   # last pass 15:50
    runs = passes.at(THU_16 + timedelta(minutes=30))
    assert [(r.when, r.action) for r in runs] == [(THU_16, "plan")]
    assert passes.at(THU_16 + timedelta(minutes=31)) == []


def test_down_until_19_records_a_missed_run(tmp_path):
    settings, schedule = _schedule(tmp_path)
    passes = Passes(settings, schedule, THU_16 - timedelta(minutes=10))
    (run,) = passes.at(THU_16 + timedelta(hours=3))
    assert (run.when, run.action) == (THU_16, "missed")
    assert "Thu 26 Nov 2026 16:00" in run.reason and "outreach publish" in run.reason
    # the grace window is the schedule's: 4h makes 19:00 still in time
    settings, schedule = _schedule(tmp_path / "g", "misfire_grace: 4h\n")
    passes = Passes(settings, schedule, THU_16 - timedelta(minutes=10))
    assert [r.action for r in passes.at(THU_16 + timedelta(hours=3))] == ["plan"]


def test_a_new_schedule_does_not_backfill_history(tmp_path):
    settings, schedule = _schedule(tmp_path)
    passes = Passes(settings, schedule, None)
    assert passes.at(THU_16 + timedelta(seconds=30)) == []
    assert passes.watermark == THU_16 + timedelta(seconds=30)
    next_week = THU_16 + timedelta(days=7)
    assert [r.when for r in passes.at(next_week + timedelta(seconds=5))] == [next_week]


def test_skip_dates_are_recorded_and_end_dates_hold(tmp_path):
    settings, schedule = _schedule(tmp_path, "skip: [2026-12-03]\nend: 2026-12-10\n")
    passes = Passes(settings, schedule, THU_16 - timedelta(minutes=1))
    for day in range(0, 28):                # four weeks of passes, one per hour
        for hour in range(24):
            passes.at(THU_16 + timedelta(days=day, hours=hour, seconds=1))
    assert [(r.when.astimezone(KST).date().isoformat(), r.action) for r in passes.seen] == [
        ("2026-11-26", "plan"), ("2026-12-03", "skipped"), ("2026-12-10", "plan")]
    assert "skip" in passes.seen[1].reason


def test_start_date_holds(tmp_path):
    settings, schedule = _schedule(tmp_path, "start: 2026-12-01\n")
    passes = Passes(settings, schedule, THU_16 - timedelta(minutes=1))
    passes.at(THU_16 + timedelta(days=7, minutes=1))
    assert [(r.when, r.action) for r in passes.seen] == [(THU_16 + timedelta(days=7), "plan")]


def test_approval_lead_time_plans_the_draft_ahead(tmp_path):
    settings, schedule = _schedule(tmp_path, "approval: required\nprepare_before: 1d\n")
    passes = Passes(settings, schedule, THU_16 - timedelta(days=2))
    assert passes.at(THU_16 - timedelta(days=1, minutes=1)) == []
    (run,) = passes.at(THU_16 - timedelta(days=1) + timedelta(seconds=1))
    assert (run.when, run.action) == (THU_16, "plan")
    assert passes.at(THU_16 + timedelta(minutes=1)) == []


def test_disabled_schedule_plans_nothing_and_does_not_pile_up_missed_runs(tmp_path):
    settings, schedule = _schedule(tmp_path, "enabled: false\n")
    passes = Passes(settings, schedule, THU_16 - timedelta(days=30))
    assert passes.at(THU_16 + timedelta(hours=5)) == []
    assert passes.watermark == THU_16 + timedelta(hours=5)


def test_watermark_never_moves_back(tmp_path):
    settings, schedule = _schedule(tmp_path)
    runs, mark = due_runs(schedule, settings.timezone, THU_16 + timedelta(hours=1), THU_16)
    assert runs == [] and mark == THU_16 + timedelta(hours=1)


def test_feed_polls_follow_the_cron(tmp_path):
    text = ("template: now-in-city\nfeed: {url: feed.xml}\ncron: \"*/10 * * * *\"\n"
            "channels: [outbox]\n")
    settings, schedule = _schedule(tmp_path, text=text)
    tz = settings.timezone
    t0 = datetime(2026, 11, 24, 9, 0, tzinfo=KST)
    assert poll_due(schedule, tz, None, t0) == t0                      # first pass: baseline
    assert poll_due(schedule, tz, t0, t0 + timedelta(minutes=9)) is None
    assert poll_due(schedule, tz, t0, t0 + timedelta(minutes=10, seconds=2)) == \
        t0 + timedelta(minutes=10)
