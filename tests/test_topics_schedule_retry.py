"""A scheduled topic ranking that fails is asked again on a later pass, with its failure kept
on its request: after 15 minutes, then 30, then 60, then never again for that slot; once per
failure across passes; not when a person asked for the quarter since; a missed slot still
caught up exactly once. Fixed clock, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from outreach.store import topic_requests as store
from outreach.store.db import open_database
from outreach.store.users_tables import audit_log
from outreach.topics import requests, service

from test_inbox_support import opened
from test_topics_schedule import MON_NOV_23, MON_NOV_30, MONDAYS, _fill, kst


def _requests(db):
    with db.read() as conn:
        return sorted(store.latest(conn, 100), key=lambda r: r.id)


def _break(db, broken=True):
    """A real database failure for the ranking: its runs table is away (renamed), then back."""
    names = ("topic_run", "topic_run_away") if broken else ("topic_run_away", "topic_run")
    with db.begin() as conn:
        conn.exec_driver_sql(f"ALTER TABLE {names[0]} RENAME TO {names[1]}")


def _pass(settings, db, at):
    """One background pass (the daemon's topics job or run-due) at a fixed time."""
    return requests.work_pending(settings, db, clock=lambda: at)


def test_a_failed_scheduled_ranking_is_retried_later_with_backoff(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url, MONDAYS)
    _break(db)                                                # every ranking fails
    t = MON_NOV_30 + timedelta(seconds=30)
    (first,) = _pass(settings, db, t)
    assert first.state == "failed" and first.automatic and first.message
    # the next passes within 15 minutes queue nothing (no tight loop)
    for minutes in (1, 2, 14):
        assert _pass(settings, db, t + timedelta(minutes=minutes)) == []
    assert len(_requests(db)) == 1
    (second,) = _pass(settings, db, t + timedelta(minutes=15))   # failed again, recorded
    assert second.state == "failed" and second.id != first.id
    assert _pass(settings, db, t + timedelta(minutes=15 + 29)) == []     # now 30 minutes
    (third,) = _pass(settings, db, t + timedelta(minutes=15 + 30))
    assert third.state == "failed"
    (fourth,) = _pass(settings, db, t + timedelta(minutes=45 + 60))
    assert fourth.state == "failed"
    # three retries spent: the slot's ranking stays failed, visible on the page
    assert _pass(settings, db, t + timedelta(days=2)) == []
    rows = _requests(db)
    assert [r.state for r in rows] == ["failed"] * 4
    assert all(r.message for r in rows)
    assert requests.status(db, now=t + timedelta(days=2)).failed.id == fourth.id
    with db.read() as conn:
        details = [a.detail for a in conn.execute(
            select(audit_log).where(audit_log.c.action == "topics.request")
            .order_by(audit_log.c.id))]
    assert [('"retry": %d' % n) in str(d) for n, d in enumerate(details)] == [
        False, True, True, True]
    # the next Monday is a new slot: queued as usual (and it ranks, the database well again)
    _break(db, broken=False)
    (monday,) = _pass(settings, db, kst(2026, 12, 7, 8, 1))
    assert monday.id > fourth.id and monday.state == "done"
    db.dispose()


def test_a_retry_succeeds_once_the_messages_are_there(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url, MONDAYS)
    _fill(db, settings)
    _break(db)
    t = MON_NOV_30 + timedelta(seconds=30)
    (failed,) = _pass(settings, db, t)
    assert failed.state == "failed"
    _break(db, broken=False)                                  # the database is well again
    other = open_database(settings.database_url)     # another process passes at the same time
    try:
        done = _pass(settings, db, t + timedelta(minutes=16))
        assert _pass(settings, other, t + timedelta(minutes=16)) == []    # one retry per failure
    finally:
        other.dispose()
    assert [d.state for d in done] == ["done"] and len(service.runs(db)) == 1
    assert _pass(settings, db, t + timedelta(hours=5)) == []            # served: no more
    assert [r.state for r in _requests(db)] == ["failed", "done"]
    db.dispose()


def test_a_persons_request_after_the_failure_serves_the_slot(tmp_path, db_url):
    from outreach.users.audit import Actor

    settings, db = opened(tmp_path, db_url, MONDAYS)
    _fill(db, settings)
    _break(db)
    t = MON_NOV_30 + timedelta(seconds=30)
    assert _pass(settings, db, t)[0].state == "failed"
    _break(db, broken=False)
    asked, new = requests.request_ranking(settings, db, Actor.system("kim"), quarter="2026Q4",
                                          now=t + timedelta(minutes=5))
    assert new and asked.state == "pending"
    done = _pass(settings, db, t + timedelta(minutes=6))
    assert [d.id for d in done] == [asked.id] and done[0].state == "done"
    assert _pass(settings, db, t + timedelta(hours=2)) == []           # no automatic retry
    assert len(_requests(db)) == 2
    db.dispose()


def test_a_missed_slot_is_caught_up_exactly_once_on_the_next_pass(tmp_path, db_url):
    """The daemon was down over Monday 08:00: the pass on Tuesday queues that slot's ranking
    once; the passes after it queue nothing more until the next Monday."""
    settings, db = opened(tmp_path, db_url, MONDAYS)
    _fill(db, settings)
    (before,) = _pass(settings, db, MON_NOV_23 + timedelta(minutes=1))
    assert before.state == "done"
    tuesday = kst(2026, 12, 1, 10, 0)
    (caught,) = _pass(settings, db, tuesday)
    assert caught.state == "done" and caught.automatic
    for minutes in (1, 60, 60 * 24):
        assert _pass(settings, db, tuesday + timedelta(minutes=minutes)) == []
    assert len(_requests(db)) == 2
    db.dispose()


def test_the_page_says_when_a_failed_automatic_ranking_is_asked_again(tmp_path, db_url,
                                                                     monkeypatch):
    import html
    import re

    from outreach.topics import schedule

    from web_support import add_user, sign_in, staff_client, web_workspace

    ws = web_workspace(tmp_path, db_url, MONDAYS, language="ko")
    add_user(ws.db, "viewer1", "viewer")
    try:
        _break(ws.db)
        t = MON_NOV_30 + timedelta(seconds=30)                   # 08:00:30 KST
        (failed,) = _pass(ws.settings, ws.db, t)
        assert failed.state == "failed"
        assert schedule.plan(ws.settings, ws.db, now=t).retry_at == t + timedelta(minutes=15)
        _break(ws.db, broken=False)                             # the page reads the runs
        monkeypatch.setenv("OUTREACH_NOW", "2026-11-30T08:05:00+09:00")
        with staff_client(ws) as client:
            sign_in(client, "viewer1")
            page = client.get("/topics")
            assert page.status_code == 200
            line = re.search(r'<p[^>]*id="rank-retry"[^>]*>(.*?)</p>', page.text, re.S)
            assert line and html.unescape(line.group(1)).strip() == (
                "지난 자동 주제 분석이 실패했습니다(위에 사유가 있습니다). "
                "2026년 11월 30일 (월) 08:15에 다시 시도합니다.")
        # retries spent: nothing is promised any more
        _break(ws.db)
        for minutes in (15, 45, 105):
            _pass(ws.settings, ws.db, t + timedelta(minutes=minutes))
        assert schedule.plan(ws.settings, ws.db, now=t + timedelta(days=1)).retry_at is None
    finally:
        ws.db.dispose()
