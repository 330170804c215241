"""Asking for a ranking on the 주제 page and a survey's page, in process: permissions, bad
input answered 4xx (never 5xx), the polled state, and ``outreach run-due`` doing the work."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from outreach.cli import main
from outreach.topics import labelled, requests, service

from test_inbox_support import ingestor, reply
from web_support import add_user, post, sign_in, web_workspace

DATA = Path(__file__).parent / "data" / "topics" / "messages.txt"
T0 = datetime(2026, 10, 5, 1, 0, tzinfo=timezone.utc)


def _fill(ws, topics=("bus", "library")) -> None:
    messages, labels = labelled.load(DATA)
    chosen = [m for m, l in zip(messages, labels) if l in topics]
    replies = [reply(f"m{m.item_id}", m.text, author_id=m.author, when=T0 + timedelta(minutes=n))
               for n, m in enumerate(chosen)]
    with ws.db.begin() as conn:
        ingestor(ws.settings, now=lambda: T0 + timedelta(days=1)).ingest(conn, replies)


def test_run_due_picks_up_a_request_and_ranks(tmp_path, db_url, capsys):
    ws = web_workspace(tmp_path, db_url)
    _fill(ws)
    from outreach.users.audit import Actor

    made, _new = requests.request_ranking(ws.settings, ws.db, Actor.web(1, "kim", "editor"),
                                          quarter="2026Q4")
    assert main(["--root", str(ws.root), "run-due"]) == 0
    done = requests.get(ws.db, made.id)
    assert done.state == "done" and done.run_id
    view = service.run_view(ws.db, done.run_id)
    assert view.label == "2026Q4" and view.groups and view.messages > 20
    # a second pass finds nothing to do and ranks nothing again
    assert main(["--root", str(ws.root), "run-due"]) == 0
    assert [r.id for r in service.runs(ws.db)] == [done.run_id]


def test_request_routes(staff):
    ws = staff.ws
    _fill(ws)
    add_user(ws.db, "viewer1", "viewer")
    add_user(ws.db, "editor1", "editor")
    sign_in(staff, "viewer1")
    page = staff.get("/topics")
    assert page.status_code == 200 and 'id="rank-form"' not in page.text
    denied = post(staff, "/topics/rank", {"quarter": "2026Q4"}, page="/topics")
    assert denied.status_code == 403
    assert requests.status(ws.db).open == []
    staff.post("/sign-out", data={})
    staff.cookies.clear()

    sign_in(staff, "editor1")
    page = staff.get("/topics")
    assert 'id="rank-form"' in page.text and 'id="worker-quiet"' in page.text
    for bad in ({"quarter": "2026Q9"}, {"survey": "no-such"}, {}, {"quarter": "x" * 500},
                {"quarter": "2026Q4", "survey": "\x00"}):
        answer = post(staff, "/topics/rank", bad, page="/topics")
        assert answer.status_code == 400, (bad, answer.status_code)
        assert 'id="rank-error"' in answer.text
    assert requests.status(ws.db).open == []
    ok = post(staff, "/topics/rank", {"quarter": "2026q4"}, page="/topics")
    assert ok.status_code == 303 and ok.headers["location"].endswith("/topics")
    twice = post(staff, "/topics/rank", {"quarter": "2026Q4"}, page="/topics")
    assert twice.status_code == 303
    status = requests.status(ws.db)
    assert len(status.open) == 1 and status.open[0].requested_by == "editor1"
    watched = status.open[0].id
    page = staff.get("/topics")
    assert 'hx-trigger="every 5s"' in page.text and f"watch={watched}" in page.text
    fragment = staff.get(f"/topics/requests?watch={watched}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "every 5s" in fragment.text
    assert "HX-Redirect" not in fragment.headers
    for path in ("/topics/requests?watch=abc", "/topics/requests?watch=99999"):
        assert 400 <= staff.get(path).status_code < 500, path

    requests.work_pending(ws.settings, ws.db)
    run = requests.get(ws.db, watched).run_id
    done = staff.get(f"/topics/requests?watch={watched}", headers={"HX-Request": "true"})
    assert done.status_code == 200 and done.headers["HX-Redirect"].endswith(f"/topics/{run}")
    page = staff.get("/topics")
    assert "every 5s" not in page.text and 'id="worker-quiet"' not in page.text


def test_survey_page_button_and_a_failure_shown(staff):
    from outreach.store.survey_tables import survey

    from survey_support import add_survey_files, saved_survey
    from sqlalchemy import delete

    ws = staff.ws
    add_survey_files(ws.root)
    saved_survey(ws.settings, ws.db)
    add_user(ws.db, "editor1", "editor")
    sign_in(staff, "editor1")
    detail = staff.get("/surveys/2026-q4-live")
    assert detail.status_code == 200 and 'id="survey-topics-button"' in detail.text
    asked = post(staff, "/topics/rank", {"survey": "2026-q4-live"}, page="/surveys/2026-q4-live")
    assert asked.status_code == 303
    made = requests.status(ws.db).open[0]
    assert made.scope == "survey:2026-q4-live"
    with ws.db.begin() as conn:
        conn.execute(delete(survey).where(survey.c.slug == "2026-q4-live"))
    requests.work_pending(ws.settings, ws.db)
    failed = requests.get(ws.db, made.id)
    page = staff.get("/topics")
    assert 'id="request-failed"' in page.text and "2026-q4-live" in page.text
    assert failed.state == "failed" and "every 5s" not in page.text


def test_the_daemons_job_ranks_a_request(tmp_path, db_url):
    """The job the daemon adds every minute (``Daemon.topic_requests``), called directly."""
    from outreach.publishing.service import PublishingService
    from outreach.scheduling.clock import make_clock
    from outreach.scheduling.daemon import Daemon
    from outreach.scheduling.specs import scheduling_options
    from outreach.users.audit import Actor

    ws = web_workspace(tmp_path, db_url)
    _fill(ws)
    made, _new = requests.request_ranking(ws.settings, ws.db, Actor.web(1, "kim", "editor"),
                                          quarter="2026Q4")
    clock = make_clock(None, ws.settings.timezone)
    daemon = Daemon(ws.settings, ws.db, PublishingService(ws.settings, ws.db, clock=clock), [],
                    clock=clock, options=scheduling_options(ws.settings))
    daemon.topic_requests()
    done = requests.get(ws.db, made.id)
    assert done.state == "done" and service.run_view(ws.db, done.run_id).groups
