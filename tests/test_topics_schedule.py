"""Topic ranking on a schedule of its own (``[topics] rank_cron``): the slot arithmetic on a
fixed clock, one request per slot across passes, processes and restarts on every backend,
a missed stretch caught up once, run-due ranking it, the 주제 page's line, the config error."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from outreach.cli import main
from outreach.errors import ConfigError
from outreach.scheduling.cron import make_trigger
from outreach.store import topic_requests as store
from outreach.store.db import open_database
from outreach.store.users_tables import audit_log
from outreach.topics import labelled, requests, schedule, service

from test_inbox_support import ingestor, opened, reply

SEOUL = ZoneInfo("Asia/Seoul")
MONDAYS = '[topics]\nrank_cron = "0 8 * * mon"\n'
DATA = Path(__file__).parent / "data" / "topics" / "messages.txt"


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL).astimezone(timezone.utc)


MON_NOV_23 = kst(2026, 11, 23, 8, 0)
MON_NOV_30 = kst(2026, 11, 30, 8, 0)


def _all_requests(db):
    with db.read() as conn:
        return sorted(store.latest(conn, 100), key=lambda r: r.id)


def _audits(db, action):
    with db.read() as conn:
        return list(conn.execute(select(audit_log).where(audit_log.c.action == action)))


def _close(db, request_id):
    """The request has been dealt with (as a pass would), so the next slot may queue."""
    with db.begin() as conn:
        assert store.cancel(conn, request_id, MON_NOV_30, "test")


# -- the slot arithmetic: pure functions of a fixed time ----------------------------------

def test_latest_slot_is_the_last_fire_time_at_or_before_now():
    trigger = make_trigger("0 8 * * mon", SEOUL)
    assert schedule.latest_slot(trigger, MON_NOV_30) == MON_NOV_30           # exactly at 08:00
    assert schedule.latest_slot(trigger, MON_NOV_30 - timedelta(seconds=1)) == MON_NOV_23
    assert schedule.latest_slot(trigger, kst(2026, 12, 3, 15, 0)) == MON_NOV_30   # Thursday
    # crontab's numeric weekday (1 = Monday) means the same
    assert schedule.latest_slot(make_trigger("0 8 * * 1", SEOUL), kst(2026, 12, 3)) == MON_NOV_30
    # a frequent line and a yearly one are both found
    assert schedule.latest_slot(make_trigger("*/15 * * * *", SEOUL),
                                kst(2026, 12, 3, 10, 7)) == kst(2026, 12, 3, 10, 0)
    assert schedule.latest_slot(make_trigger("0 8 2 1 *", SEOUL),
                                kst(2026, 12, 3)) == kst(2026, 1, 2, 8, 0)
    assert schedule.latest_slot(make_trigger("0 8 29 2 *", SEOUL),
                                kst(2026, 12, 3)) == kst(2024, 2, 29, 8, 0)
    # the slot's quarter, in the workspace time zone (Mon 29 Dec 2025 KST is Q4; Jan 2026 Q1)
    assert schedule.quarter_of(MON_NOV_30, SEOUL) == "2026Q4"
    assert schedule.quarter_of(kst(2026, 1, 1, 0, 30), SEOUL) == "2026Q1"     # 31 Dec in UTC


def test_no_schedule_means_nothing_queued(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    assert schedule.rank_schedule(settings) is None
    assert schedule.enqueue_due(settings, db, now=MON_NOV_30) is None
    assert _all_requests(db) == []
    plan = schedule.plan(settings, db, now=MON_NOV_30)
    assert plan.cron is None and plan.next_at is None and plan.error is None


# -- one request per slot ------------------------------------------------------------------

def test_one_request_per_slot_across_passes_and_a_restart(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url, MONDAYS)
    # Wednesday 25 Nov, the schedule just configured: the latest slot (Mon 23) is queued
    wed = kst(2026, 11, 25, 12, 0)
    assert schedule.plan(settings, db, now=wed).next_at == MON_NOV_23      # due, not yet queued
    made = schedule.enqueue_due(settings, db, now=wed)
    assert made is not None and made.automatic and made.state == "pending"
    assert made.label == "2026Q4" and made.requested_by_user_id is None
    assert schedule.enqueue_due(settings, db, now=wed + timedelta(minutes=1)) is None
    restarted = open_database(settings.database_url)      # another process, after a crash
    try:
        assert schedule.enqueue_due(settings, restarted, now=wed + timedelta(minutes=5)) is None
    finally:
        restarted.dispose()
    assert [r.id for r in _all_requests(db)] == [made.id]
    audits = _audits(db, "topics.request")
    assert len(audits) == 1 and audits[0].actor_name == "schedule" and audits[0].via == "system"
    plan = schedule.plan(settings, db, now=wed)
    assert plan.next_at == MON_NOV_30 and plan.quarter == "2026Q4" and not plan.overdue(wed)

    # the next Monday: one more, once
    _close(db, made.id)
    assert schedule.enqueue_due(settings, db, now=MON_NOV_30 - timedelta(seconds=1)) is None
    second = schedule.enqueue_due(settings, db, now=MON_NOV_30)
    assert second is not None and second.id != made.id
    assert schedule.enqueue_due(settings, db, now=MON_NOV_30 + timedelta(hours=3)) is None
    assert len(_all_requests(db)) == 2


def test_missed_weeks_are_caught_up_once(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url, MONDAYS)
    first = schedule.enqueue_due(settings, db, now=MON_NOV_23 + timedelta(minutes=1))
    _close(db, first.id)
    # nothing ran for three Mondays (30 Nov, 7 Dec, 14 Dec): one ranking, for the latest
    late = kst(2026, 12, 16, 9, 0)
    caught = schedule.enqueue_due(settings, db, now=late)
    assert caught is not None
    assert schedule.enqueue_due(settings, db, now=late + timedelta(minutes=1)) is None
    assert len(_all_requests(db)) == 2
    audits = _audits(db, "topics.request")
    assert len(audits) == 2                                   # the 14 Dec 08:00 KST slot
    assert "2026-12-13T23:00:00+00:00" in str(audits[-1].detail)
    assert schedule.plan(settings, db, now=late).next_at == kst(2026, 12, 21, 8, 0)


def test_a_slot_across_the_new_quarter_ranks_the_slots_quarter(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url, MONDAYS)
    made = schedule.enqueue_due(settings, db, now=kst(2027, 1, 4, 8, 30))
    assert made.label == "2027Q1" and made.scope == "quarter:2027Q1"


def test_an_open_request_for_the_quarter_serves_the_slot(tmp_path, db_url):
    """Staff asked just before 08:00: the slot queues nothing more, and is not left due."""
    from outreach.users.audit import Actor

    settings, db = opened(tmp_path, db_url, MONDAYS)
    asked, _new = requests.request_ranking(settings, db, Actor.web(7, "kim", "editor"),
                                           quarter="2026Q4", now=MON_NOV_30 - timedelta(minutes=5))
    assert schedule.enqueue_due(settings, db, now=MON_NOV_30) is None
    assert [r.id for r in _all_requests(db)] == [asked.id]
    assert schedule.plan(settings, db, now=MON_NOV_30).next_at == kst(2026, 12, 7, 8, 0)
    assert not requests.get(db, asked.id).automatic


def test_concurrent_passes_queue_one_request(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url, MONDAYS)
    other = open_database(settings.database_url)      # daemon and cron's run-due at once
    try:
        barrier = threading.Barrier(4)
        got: list = []
        errors: list = []

        def run(database):
            barrier.wait()
            try:
                got.append(schedule.enqueue_due(settings, database, now=MON_NOV_30))
            except Exception as exc:   # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(d,)) for d in (db, other, db, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(got) == 4 and len([g for g in got if g is not None]) == 1
        assert len(_all_requests(db)) == 1
    finally:
        other.dispose()


def test_take_slot_is_won_by_exactly_one_process(tmp_path, db_url):
    """The store's claim itself, without the open-request index to help: two engines at
    once, the same slot, then an older slot (a late pass never rewinds the mark)."""
    settings, db = opened(tmp_path, db_url)
    other = open_database(settings.database_url)
    try:
        for slot in (MON_NOV_23, MON_NOV_30):          # first the insert, then the update
            barrier = threading.Barrier(4)
            won: list = []

            def take(database, slot=slot):
                barrier.wait()
                with database.begin() as conn:
                    won.append(store.take_slot(conn, "topics.schedule", slot))

            threads = [threading.Thread(target=take, args=(d,)) for d in (db, other, db, other)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(won) == [False, False, False, True]
        with db.begin() as conn:
            assert not store.take_slot(conn, "topics.schedule", MON_NOV_23)
            assert store.last_beat(conn, "topics.schedule") == MON_NOV_30
    finally:
        other.dispose()


# -- run-due ranks it ------------------------------------------------------------------------

def _fill(db, settings):
    messages, labels = labelled.load(DATA)
    chosen = [m for m, l in zip(messages, labels) if l in ("bus", "library")]
    t0 = kst(2026, 11, 2, 10, 0)
    replies = [reply(f"m{m.item_id}", m.text, author_id=m.author,
                     when=t0 + timedelta(minutes=n)) for n, m in enumerate(chosen)]
    with db.begin() as conn:
        ingestor(settings, now=lambda: t0 + timedelta(days=1)).ingest(conn, replies)


def test_run_due_ranks_the_slot_once(tmp_path, db_url, capsys):
    settings, db = opened(tmp_path, db_url, MONDAYS)
    _fill(db, settings)
    root = str(settings.root)
    assert main(["--root", root, "run-due", "--now", "2026-11-30T08:00:30+09:00"]) == 0
    runs = service.runs(db)
    assert len(runs) == 1
    done = _all_requests(db)
    assert len(done) == 1 and done[0].state == "done" and done[0].run_id == runs[0].id
    assert requests.RequestView.of(done[0]).automatic
    assert _audits(db, "topics.rank")[-1].actor_name == "schedule"
    # a second pass in the same slot (cron a minute later) ranks nothing again
    assert main(["--root", root, "run-due", "--now", "2026-11-30T08:01:30+09:00"]) == 0
    assert len(service.runs(db)) == 1 and len(_all_requests(db)) == 1


def test_the_daemons_job_ranks_the_slot_once_across_a_restart(tmp_path, db_url):
    """The daemon's one-minute topics job (``Daemon.topic_requests``), called directly; then
    a restarted daemon (new process, new engine) in the same slot ranks nothing again."""
    from outreach.publishing.service import PublishingService
    from outreach.scheduling.daemon import Daemon
    from outreach.scheduling.specs import scheduling_options

    settings, db = opened(tmp_path, db_url, MONDAYS)
    _fill(db, settings)

    def daemon(database, at):
        clock = lambda: at                                      # noqa: E731 - fixed clock
        return Daemon(settings, database, PublishingService(settings, database, clock=clock),
                      [], clock=clock, options=scheduling_options(settings))

    daemon(db, MON_NOV_30 + timedelta(seconds=20)).topic_requests()
    assert len(service.runs(db)) == 1
    restarted = open_database(settings.database_url)
    try:
        daemon(restarted, MON_NOV_30 + timedelta(minutes=3)).topic_requests()
    finally:
        restarted.dispose()
    assert len(service.runs(db)) == 1
    (only,) = _all_requests(db)
    assert only.state == "done" and requests.RequestView.of(only).automatic


# -- configuration errors ------------------------------------------------------------------

@pytest.mark.parametrize("line, says", [
    ('rank_cron = "0 8 * *"', "five fields"),
    ('rank_cron = "0 25 * * mon"', "invalid cron"),
    ('rank_cron = 8', "crontab line in quotes"),
    ('rank_cron = "0 8 30 2 *"', "never fires"),
])
def test_a_bad_rank_cron_is_one_line_and_exit_2(tmp_path, capsys, line, says):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "outreach.toml").write_text(
        f'timezone = "Asia/Seoul"\nlanguage = "en"\n\n[topics]\n{line}\n', encoding="utf-8")
    assert main(["--root", str(root), "run-due"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"{root / 'outreach.toml'}:5: topics.rank_cron: " in err and says in err
    assert main(["--root", str(root), "daemon"]) == 2          # refused before starting
    assert "topics.rank_cron" in capsys.readouterr().err


def test_outreach_schedules_lists_the_ranking(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OUTREACH_NOW", "2026-11-25T12:00:00+09:00")
    root = tmp_path / "ws"
    root.mkdir()
    (root / "outreach.toml").write_text('language = "ko"\n' + MONDAYS, encoding="utf-8")
    assert main(["--root", str(root), "schedules", "--count", "2"]) == 0
    out = capsys.readouterr().out
    assert ('현재 분기 주제 분석: 크론 "0 8 * * mon"(outreach.toml의 [topics] rank_cron), 다음 '
            '실행 2026년 11월 30일 (월) 08:00, 2026년 12월 7일 (월) 08:00') in out


def test_outreach_check_lists_a_bad_rank_cron(tmp_path):
    from outreach.checkup import check_workspace

    root = tmp_path / "ws"
    root.mkdir()
    (root / "outreach.toml").write_text('language = "en"\n[topics]\nrank_cron = "0 8 * *"\n',
                                        encoding="utf-8")
    report = check_workspace(root, now=MON_NOV_30)
    assert [p for p in report.problems if ":3: topics.rank_cron: " in p]


def test_a_misspelt_key_is_named(tmp_path, capsys):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "outreach.toml").write_text('language = "en"\n[topics]\nrank_corn = "0 8 * * mon"\n',
                                        encoding="utf-8")
    assert main(["--root", str(root), "run-due"]) == 2
    err = capsys.readouterr().err
    assert ":3: topics.rank_corn: " in err and "rank_cron" in err


def test_bad_value_in_korean(tmp_path):
    from outreach.config import load_settings
    from outreach.i18n import use_language

    root = tmp_path / "ws"
    root.mkdir()
    (root / "outreach.toml").write_text('[topics]\nrank_cron = "매주 월요일"\n', encoding="utf-8")
    with use_language("ko"), pytest.raises(ConfigError) as caught:
        schedule.rank_schedule(load_settings(root))
    assert "outreach.toml:2: topics.rank_cron: 잘못된 크론" in str(caught.value)
