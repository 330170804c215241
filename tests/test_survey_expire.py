"""A survey whose close time passes while its call still waits for approval: the
scheduling pass (daemon tick, cron's run-due) closes it the way an explicit close does,
so the call never goes out after the survey closed, and staff are told by e-mail."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from outreach.notify.events import survey_calls_withdrawn
from outreach.publishing import model as m
from outreach.publishing.service import PublishingService
from outreach.store.db import open_database
from outreach.store.desk import DeskQueries
from outreach.store.users_tables import audit_log
from outreach.surveys.expire import ACTOR, withdraw_late_calls

from survey_support import AFTER, OPEN, STAFF, add_survey_files, saved_survey

# the survey closes Mon 14 Dec 18:00 Seoul time (09:00 UTC)
CLOSES = AFTER.replace(day=14, hour=9)
from test_publish_helpers import Clock, workspace


def test_a_call_approved_after_the_close_time_never_goes_out(tmp_path, db_url):
    settings = workspace(tmp_path, db_url)
    add_survey_files(settings.root)
    db = open_database(db_url)
    clock = Clock(OPEN)
    try:
        surveys = saved_survey(settings, db, clock)
        # planned for shortly before the close time, waiting for approval
        occ = surveys.publish("2026-q4-live", STAFF, at=CLOSES - timedelta(minutes=30))
        publishing = PublishingService(settings, db, clock=clock)
        publishing.work()
        assert publishing.occurrence(occ)["state"] == m.AWAITING_APPROVAL
        assert withdraw_late_calls(settings, db, clock=clock) == []   # still open: kept
        clock.now = CLOSES + timedelta(minutes=5)                # the close time passed
        publishing.approve(occ, STAFF)         # approved too late, still within the grace
        assert withdraw_late_calls(settings, db, clock=clock) == ["2026-q4-live"]
        publishing.work()
        assert publishing.occurrence(occ)["state"] == m.CANCELLED
        assert publishing.occurrence(occ)["decided_by"] == ACTOR
        assert {d["state"] for d in publishing.ledger.deliveries([occ])} == {m.D_CANCELLED}
        assert publishing.ledger.count_attempts() == 0
        assert surveys.get("2026-q4-live").state == "closed"
        with db.read() as conn:
            closes = list(conn.execute(select(audit_log).where(
                audit_log.c.action == "survey.close")))
        assert [a.actor_name for a in closes] == [ACTOR]
        assert withdraw_late_calls(settings, db, clock=clock) == []   # once
        events = survey_calls_withdrawn(DeskQueries(db), CLOSES - timedelta(days=1),
                                        "https://desk.example", settings.timezone)
        assert [e.key for e in events] == [f"survey_call_withdrawn:{occ}"]
        assert events[0].roles == ("survey",)
        assert events[0].link == "https://desk.example/surveys/2026-q4-live"
        assert "2026-q4-live" in events[0].subject
        publishing.close()
    finally:
        db.dispose()


def test_an_explicit_close_is_not_mailed_and_a_sent_call_is_left_alone(tmp_path, db_url):
    settings = workspace(tmp_path, db_url)
    add_survey_files(settings.root)
    db = open_database(db_url)
    clock = Clock(OPEN)
    try:
        surveys = saved_survey(settings, db, clock)
        occ = surveys.publish("2026-q4-live", STAFF)
        surveys.close("2026-q4-live", STAFF)                    # a person closed it
        events = survey_calls_withdrawn(DeskQueries(db), OPEN - timedelta(days=1),
                                        "https://desk.example", settings.timezone)
        assert events == []
        add_survey_files(settings.root, slug="sent")
        sent = saved_survey(settings, db, clock, slug="sent")
        occ2 = sent.publish("sent", STAFF, approval=False)
        publishing = PublishingService(settings, db, clock=clock)
        publishing.work()                                       # goes out while open
        assert publishing.occurrence(occ2)["state"] not in m.NOT_STARTED
        clock.now = AFTER
        assert withdraw_late_calls(settings, db, clock=clock) == []
        assert sent.get("sent").state == "published"
        assert publishing.occurrence(occ)["state"] == m.CANCELLED
        publishing.close()
    finally:
        db.dispose()


def test_run_due_closes_it_before_publishing(tmp_path, db_url, monkeypatch, capsys):
    from outreach.cli import main

    from web_support import web_workspace

    ws = web_workspace(tmp_path, db_url)
    add_survey_files(ws.root)
    surveys = saved_survey(ws.settings, ws.db, Clock(OPEN))
    occ = surveys.publish("2026-q4-live", STAFF, approval=True)
    monkeypatch.setenv("OUTREACH_NOW", AFTER.isoformat())
    assert main(["--root", str(ws.root), "run-due"]) == 1       # attention: warned
    assert "2026-q4-live" in capsys.readouterr().err
    assert surveys.get("2026-q4-live").state == "closed"
    publishing = PublishingService(ws.settings, ws.db)
    assert publishing.occurrence(occ)["state"] == m.CANCELLED
    assert publishing.occurrence(occ)["decided_by"] == ACTOR
    publishing.close()


def test_the_daemons_tick_closes_it_first(tmp_path, db_url):
    """``Daemon.tick`` (every minute) closes it before its publishing pass."""
    from outreach.scheduling.daemon import Daemon
    from outreach.scheduling.specs import scheduling_options

    from web_support import web_workspace

    ws = web_workspace(tmp_path, db_url)
    add_survey_files(ws.root)
    surveys = saved_survey(ws.settings, ws.db, Clock(OPEN))
    occ = surveys.publish("2026-q4-live", STAFF, approval=True)
    clock = Clock(AFTER)
    publishing = PublishingService(ws.settings, ws.db, clock=clock)
    daemon = Daemon(ws.settings, ws.db, publishing, [], clock=clock,
                    options=scheduling_options(ws.settings))
    daemon.tick()
    assert surveys.get("2026-q4-live").state == "closed"
    assert publishing.occurrence(occ)["state"] == m.CANCELLED
    publishing.close()
