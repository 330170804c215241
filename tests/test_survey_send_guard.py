"""The race between a survey closing and its call going out, in one scheduling pass: the
close check runs first (nothing to close yet), then an approval lands and the close time
passes, or a person's close has not cancelled the call yet. The send step asks the surveys
(a generic send guard of the publishing service) right before each delivery is claimed, so
the call is cancelled, never sent. No sleeps: the clock and the steps are driven by hand."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from outreach.notify.events import survey_calls_withdrawn
from outreach.publishing import model as m
from outreach.publishing.service import GUARD_ACTOR, PublishingService
from outreach.scheduling.daemon import Daemon
from outreach.scheduling.runner import run_pass
from outreach.scheduling.specs import scheduling_options
from outreach.store import surveys as survey_store
from outreach.store.desk import DeskQueries
from outreach.store.users_tables import audit_log
from outreach.surveys.expire import ACTOR

from survey_support import AFTER, OPEN, STAFF, add_survey_files, saved_survey
from test_publish_helpers import Clock
from web_support import web_workspace

CLOSES = AFTER.replace(day=14, hour=9)      # Mon 14 Dec 18:00 in Seoul


def _setup(tmp_path, db_url, clock):
    ws = web_workspace(tmp_path, db_url)
    add_survey_files(ws.root)
    surveys = saved_survey(ws.settings, ws.db, clock)
    publishing = PublishingService(ws.settings, ws.db, clock=clock)
    daemon = Daemon(ws.settings, ws.db, publishing, [], clock=clock,
                    options=scheduling_options(ws.settings))
    return ws, surveys, publishing, daemon


def _pass(ws, publishing, clock):
    """The publishing half of ``Daemon.tick`` (after its close check)."""
    return run_pass(ws.settings, publishing, [], clock=clock,
                    options=scheduling_options(ws.settings))


def test_an_approval_landing_as_the_close_time_passes_never_sends_the_call(tmp_path, db_url):
    clock = Clock(OPEN)
    ws, surveys, publishing, daemon = _setup(tmp_path, db_url, clock)
    occ = surveys.publish("2026-q4-live", STAFF, at=CLOSES - timedelta(minutes=30))
    publishing.work()
    assert publishing.occurrence(occ)["state"] == m.AWAITING_APPROVAL
    clock.now = CLOSES - timedelta(seconds=1)
    daemon.withdraw_late_survey_calls()                 # the pass's close check: still open
    assert surveys.get("2026-q4-live").state == "published"
    publishing.approve(occ, STAFF)                      # lands in the same pass (held: late)
    clock.now = CLOSES + timedelta(seconds=1)           # ... as the close time passes
    report = _pass(ws, publishing, clock)
    assert publishing.ledger.count_attempts() == 0      # nothing went to a platform
    assert publishing.occurrence(occ)["state"] == m.CANCELLED
    assert {d["state"] for d in publishing.ledger.deliveries([occ])} == {m.D_CANCELLED}
    assert [o.state for o in report.work.outcomes] == [m.D_CANCELLED]
    # closed the usual way: the survey, its audit row and the staff mail
    assert surveys.get("2026-q4-live").state == "closed"
    assert publishing.occurrence(occ)["decided_by"] == ACTOR
    with ws.db.read() as conn:
        assert [r.actor_name for r in conn.execute(
            select(audit_log).where(audit_log.c.action == "survey.close"))] == [ACTOR]
    events = survey_calls_withdrawn(DeskQueries(ws.db), OPEN, "https://desk",
                                    ws.settings.timezone)
    assert [e.key for e in events] == [f"survey_call_withdrawn:{occ}"]
    assert _pass(ws, publishing, clock).work.outcomes == []         # once
    publishing.close()
    ws.db.dispose()


def test_a_close_whose_call_is_not_cancelled_yet_stops_the_send(tmp_path, db_url):
    """``SurveyService.close`` closes the survey, then cancels the call in a second step; a
    pass between the two must not send it."""
    clock = Clock(OPEN)
    ws, surveys, publishing, daemon = _setup(tmp_path, db_url, clock)
    occ = surveys.publish("2026-q4-live", STAFF, approval=False)
    survey = surveys.get("2026-q4-live")
    with ws.db.begin() as conn:                         # the close's first step only
        assert survey_store.set_state(conn, survey.id, "closed", ["published"], OPEN,
                                      closed_at=OPEN)
    daemon.tick()
    assert publishing.ledger.count_attempts() == 0
    row = publishing.occurrence(occ)
    assert (row["state"], row["decided_by"]) == (m.CANCELLED, GUARD_ACTOR)
    assert "2026-q4-live" in row["decision_reason"]
    publishing.close()
    ws.db.dispose()


def test_an_open_surveys_call_goes_out(tmp_path, db_url):
    clock = Clock(OPEN)
    ws, surveys, publishing, daemon = _setup(tmp_path, db_url, clock)
    occ = surveys.publish("2026-q4-live", STAFF, approval=False)
    daemon.tick()
    assert publishing.occurrence(occ)["state"] == m.DONE
    assert surveys.get("2026-q4-live").state == "published"
    publishing.close()
    ws.db.dispose()
