"""Cancelling a waiting topic ranking: only the person who asked or an admin, only while
it waits (a running one is said to be running), audited in the same transaction; and the
주제 page's button, answered 4xx (never 5xx) on bad input."""

from __future__ import annotations

from sqlalchemy import select, update

import pytest

from outreach.errors import NotFound, PermissionDenied, TopicError
from outreach.store import topic_requests as store
from outreach.store.topic_request_tables import topic_request
from outreach.store.users_tables import audit_log
from outreach.topics import requests
from outreach.users.audit import Actor

from test_inbox_support import opened
from web_support import add_user, post, sign_in

KIM = Actor.web(7, "kim", "editor")
LEE = Actor.web(8, "lee", "editor")
BOSS = Actor.web(1, "boss", "admin")


def _audits(db, action):
    with db.read() as conn:
        return list(conn.execute(select(audit_log).where(audit_log.c.action == action)))


def _set_state(db, request_id, state):
    with db.begin() as conn:
        conn.execute(update(topic_request).where(topic_request.c.id == request_id)
                     .values(state=state))


def test_the_asker_cancels_a_waiting_request(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    made, _new = requests.request_ranking(settings, db, KIM, quarter="2026Q4")
    with pytest.raises(PermissionDenied):
        requests.cancel_request(db, LEE, made.id)
    assert requests.get(db, made.id).state == "pending" and _audits(db, "topics.cancel") == []
    done = requests.cancel_request(db, KIM, made.id)
    assert done.state == "cancelled" and done.finished_at is not None and not done.open
    audits = _audits(db, "topics.cancel")
    assert len(audits) == 1 and audits[0].actor_name == "kim"
    assert audits[0].target_id == str(made.id)
    # a pass finds nothing to claim, and the same scope can be asked for again at once
    assert requests.work_pending(settings, db) == []
    again, new = requests.request_ranking(settings, db, KIM, quarter="2026Q4")
    assert new and again.id != made.id
    with pytest.raises(TopicError, match="already ended"):
        requests.cancel_request(db, KIM, made.id)
    with pytest.raises(NotFound):
        requests.cancel_request(db, KIM, 99999)


def test_an_admin_cancels_anyones_but_a_running_one_cannot_be(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    mine, _ = requests.request_ranking(settings, db, KIM, quarter="2026Q4")
    other, _ = requests.request_ranking(settings, db, KIM, quarter="2026Q3")
    assert requests.cancel_request(db, BOSS, mine.id).state == "cancelled"
    _set_state(db, other.id, "running")
    for who in (KIM, BOSS):
        with pytest.raises(TopicError, match="already running"):
            requests.cancel_request(db, who, other.id)
    assert requests.get(db, other.id).state == "running"
    assert [a.actor_name for a in _audits(db, "topics.cancel")] == ["boss"]
    with db.begin() as conn:                        # the store never cancels a running one
        assert store.cancel(conn, other.id, mine.requested_at, "x") is False


def test_cancel_button_on_the_topics_page(staff):
    ws = staff.ws
    add_user(ws.db, "editor1", "editor")
    add_user(ws.db, "editor2", "editor")
    sign_in(staff, "editor1")
    assert post(staff, "/topics/rank", {"quarter": "2026Q4"}, page="/topics").status_code == 303
    made = requests.status(ws.db).open[0]
    page = staff.get("/topics")
    assert f'id="cancel-request-{made.id}"' in page.text
    staff.post("/sign-out", data={})
    staff.cookies.clear()

    sign_in(staff, "editor2")           # someone else: no button, and the POST is refused
    page = staff.get("/topics")
    assert f'id="cancel-request-{made.id}"' not in page.text
    refused = post(staff, f"/topics/requests/{made.id}/cancel", page="/topics")
    assert refused.status_code == 403 and requests.get(ws.db, made.id).state == "pending"
    for path in ("/topics/requests/99999/cancel", "/topics/requests/abc/cancel"):
        answer = post(staff, path, page="/topics")
        assert 400 <= answer.status_code < 500, (path, answer.status_code)
    staff.post("/sign-out", data={})
    staff.cookies.clear()

    sign_in(staff, "editor1")
    _set_state(ws.db, made.id, "running")
    page = staff.get("/topics")
    assert f'id="cancel-request-{made.id}"' not in page.text and f'id="running-{made.id}"' in page.text
    running = post(staff, f"/topics/requests/{made.id}/cancel", page="/topics")
    assert running.status_code == 303
    assert "already running" in staff.get("/topics").text
    _set_state(ws.db, made.id, "pending")
    ok = post(staff, f"/topics/requests/{made.id}/cancel", page="/topics")
    assert ok.status_code == 303 and ok.headers["location"].endswith("/topics")
    assert requests.get(ws.db, made.id).state == "cancelled"
    page = staff.get("/topics")
    assert "was cancelled" in page.text and "every 5s" not in page.text
