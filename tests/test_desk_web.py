"""The desk's pages in process: permissions, decisions through the same services as the
CLI (with the audit row), HTMX moves, files only to signed-in users, concurrent approval."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from desk_support import audit_count, outbox_posts, pass_at
from outreach.publishing import model as m
from web_support import add_user, csrf, post, sign_in

SEOUL = ZoneInfo("Asia/Seoul")
WED = datetime(2026, 11, 25, 17, 0, tzinfo=SEOUL)        # the draft of Thursday 16:00 exists
THU = datetime(2026, 11, 26, 16, 0, 30, tzinfo=SEOUL)


@pytest.fixture
def desk(staff, monkeypatch):
    monkeypatch.setenv("OUTREACH_NOW", WED.isoformat())
    pass_at(staff.ws, WED.astimezone(timezone.utc))
    for name, role in (("editor", "editor"), ("boss", "approver"), ("view", "viewer")):
        add_user(staff.ws.db, name, role)
    return staff


def thursday(ws) -> dict:
    from outreach.store.ledger import Ledger

    return Ledger(ws.db).occurrence_by_key("weekend-guide", "2026-11-26T07:00:00Z")


def test_an_editor_cannot_approve_and_an_approver_can(desk):
    occ = thursday(desk.ws)
    assert occ["state"] == m.AWAITING_APPROVAL
    sign_in(desk, "editor")
    page = desk.get(f"/runs/{occ['id']}")
    assert page.status_code == 200 and "Waiting for an approver." in page.text
    assert f"/runs/{occ['id']}/approve" not in page.text           # not offered, and refused:
    r = post(desk, f"/runs/{occ['id']}/approve", page=f"/runs/{occ['id']}")
    assert r.status_code == 403 and thursday(desk.ws)["state"] == m.AWAITING_APPROVAL
    desk.cookies.clear()
    sign_in(desk, "boss")
    r = post(desk, f"/runs/{occ['id']}/approve", page=f"/runs/{occ['id']}")
    assert r.status_code == 303
    row = thursday(desk.ws)
    assert (row["state"], row["decided_by"]) == (m.APPROVED, "boss")
    assert audit_count(desk.ws.db, "post.approve", occ["id"]) == 1
    pass_at(desk.ws, THU.astimezone(timezone.utc))
    pass_at(desk.ws, (THU + timedelta(minutes=1)).astimezone(timezone.utc))
    assert outbox_posts(desk.ws) == 1


def test_reject_needs_a_reason(desk):
    occ = thursday(desk.ws)
    sign_in(desk, "boss")
    r = post(desk, f"/runs/{occ['id']}/reject", {"reason": " "}, page=f"/runs/{occ['id']}")
    assert r.status_code == 400 and "give a reason" in r.text
    r = post(desk, f"/runs/{occ['id']}/reject", {"reason": "사진 교체 필요"},
             page=f"/runs/{occ['id']}")
    assert r.status_code == 303 and thursday(desk.ws)["decision_reason"] == "사진 교체 필요"


def test_run_page_shows_slides_texts_counts_and_serves_slides_only_signed_in(desk):
    occ = thursday(desk.ws)
    sign_in(desk, "view")
    page = desk.get(f"/runs/{occ['id']}")
    assert "characters" in page.text and f"/runs/{occ['id']}/slides/1" in page.text
    img = desk.get(f"/runs/{occ['id']}/slides/1")
    assert img.status_code == 200 and img.content[:4] == b"\x89PNG"
    assert desk.get(f"/runs/{occ['id']}/slides/99").status_code == 404
    desk.cookies.clear()
    assert desk.get(f"/runs/{occ['id']}/slides/1").status_code == 303   # to sign-in


def test_web_and_cli_approving_at_the_same_moment_settle_once(desk, monkeypatch):
    from outreach.cli import main

    occ = thursday(desk.ws)
    sign_in(desk, "boss")
    token = csrf(desk, f"/runs/{occ['id']}")
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def web() -> None:
        barrier.wait()
        results["web"] = desk.post(f"/runs/{occ['id']}/approve",
                                   data={"csrf_token": token}).status_code

    def cli() -> None:
        barrier.wait()
        results["cli"] = main(["--root", str(desk.ws.root), "approve", str(occ["id"]),
                               "--by", "과장"])

    threads = [threading.Thread(target=web), threading.Thread(target=cli)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wins = [results["web"] == 303, results["cli"] == 0]
    assert sum(wins) == 1, results
    assert results["web"] in (303, 400) and results["cli"] in (0, 2)
    assert audit_count(desk.ws.db, "post.approve", occ["id"]) == 1
    assert thursday(desk.ws)["decided_by"] == ("boss" if wins[0] else "과장")


def test_new_post_is_scheduled_moved_by_drag_and_cancelled(desk):
    sign_in(desk, "editor")
    form = desk.get("/posts/new")
    assert form.status_code == 200 and "weekend-guide/2026-12-03.yaml" in form.text
    r = post(desk, "/posts", {"template": "weekend-guide", "data": "weekend-guide/2026-12-03.yaml",
                              "channel": "outbox", "at": "2026-12-03T10:00"}, page="/posts/new")
    assert r.status_code == 303, r.text
    occ_id = int(r.headers["location"].rsplit("/", 1)[1])
    assert audit_count(desk.ws.db, "post.schedule", occ_id) == 1
    grid = desk.post(f"/posts/{occ_id}/move", data={"date": "2026-12-04", "view": "month",
                                                    "day": "2026-12-01"},
                     headers={"HX-Request": "true", "HX-Target": "calendar_grid",
                              "X-CSRF-Token": csrf(desk, "/calendar")})
    assert grid.status_code == 200 and "<html" not in grid.text and 'data-date="2026-12-04"' in grid.text
    from outreach.store.ledger import Ledger

    row = Ledger(desk.ws.db).occurrence(occ_id)
    assert row["scheduled_for"].astimezone(SEOUL) == datetime(2026, 12, 4, 10, 0, tzinfo=SEOUL)
    bad = post(desk, "/posts", {"template": "weekend-guide", "data": "../outreach.toml",
                                "channel": "outbox", "at": "2026-12-03T10:00"}, page="/posts/new")
    assert bad.status_code == 400
    r = post(desk, f"/posts/{occ_id}/cancel", page=f"/runs/{occ_id}")
    assert r.status_code == 303 and Ledger(desk.ws.db).occurrence(occ_id)["state"] == m.CANCELLED


def test_viewer_cannot_make_posts_and_pages_render(desk):
    sign_in(desk, "view")
    for path in ("/today", "/calendar", "/calendar?view=week&day=2026-11-26", "/handoffs",
                 "/channels"):
        assert desk.get(path).status_code == 200, path
    assert desk.get("/posts/new").status_code == 403
    assert desk.get("/calendar?day=not-a-day").status_code == 400


def test_today_lists_the_waiting_draft_in_korean(desk, monkeypatch):
    from outreach.users import accounts
    from outreach.users.audit import Actor

    accounts.update_user(desk.ws.db, Actor.system("test"), "boss", language="ko")
    sign_in(desk, "boss")
    page = desk.get("/today")
    assert "승인 대기 초안" in page.text and "2026년 11월 26일 (목) 16:00" in page.text
