"""The queue and search pages' HTML for a fixed data set is exactly what it was before the
rendering was made cheaper (tests/golden/inbox_queue_*.html were captured from the
templates as they were; only the per-session CSRF token, and the
per-workspace ticket suffix and author pseudonym are blanked).

A deliberate change to these pages regenerates the files: run this test once with
``OUTREACH_WRITE_GOLDEN=1`` (it writes them and fails, so that it is never left on),
then read ``git diff tests/golden`` and say in the commit what changed and why."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from inbox_web_support import file_items, staff_users
from web_support import csrf, sign_in

GOLDEN = Path(__file__).parent / "golden"
TEXTS = {"m1": "우리 동네 가로등이 꺼져 있어요 010-1234-5678",
         "m2": "불법주차 차량 때문에 지나갈 수가 없어요",
         "m3": "도로가 움푹 패여서 위험합니다 <b>&</b> \"따옴표\"",
         "m4": "가로등 고장 신고합니다. 정치 광고 현수막도 치워 주세요 " + "길게 " * 40,
         "m5": "안녕하세요 감사합니다"}
PAGES = {"chief_queue": ("chief", {}),
         "chief_due": ("chief", {"sort": "due"}),
         "road_queue": ("road", {}),
         "road_search": ("road", {"q": "가로등"}),
         "road_late": ("road", {"overdue": "1", "sort": "late"})}


def _normalized(html: str) -> str:
    html = re.sub(r'(name="csrf_token" value=")[^"]*"', r'\1"', html)
    html = re.sub(r'("X-CSRF-Token": ")[^"]*"', r'\1"', html)
    html = re.sub(r'>(\d{8})-[0-9A-Z]{6}<', r'>\1-TICKET<', html)     # keyed per workspace
    html = re.sub(r'시민-[0-9a-f]{6}', '시민-AUTHOR', html)           # keyed per workspace
    html = re.sub(r'\?v=[0-9a-f]{10}"', '?v=STATIC"', html)           # static files' mtimes
    return re.sub(r'(name="csrf-token"\s+content=")[^"]*"', r'\1"', html)


def _pages(staff, monkeypatch) -> dict[str, str]:
    monkeypatch.setenv("OUTREACH_NOW", "2026-03-02T12:00:00+09:00")
    ids = file_items(staff.ws, TEXTS, when=datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc))
    file_items(staff.ws, {"k1": "주차 단속 요청합니다"}, channel="kakao",
               when=datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc))
    staff_users(staff.ws)
    sign_in(staff, "chief")
    staff.post(f"/inbox/{ids['m1']}/assign",
               data={"person": "road", "csrf_token": csrf(staff, f"/inbox/{ids['m1']}")})
    out, who_now = {}, "chief"
    for name, (who, params) in PAGES.items():
        if who != who_now:
            staff.post("/sign-out", data={"csrf_token": csrf(staff, "/inbox")})
            sign_in(staff, who)
            who_now = who
        page = staff.get("/inbox", params=params)
        assert page.status_code == 200
        out[name] = _normalized(page.text)
    return out


def test_queue_and_search_pages_are_unchanged(staff, monkeypatch):
    pages = _pages(staff, monkeypatch)
    if os.environ.get("OUTREACH_WRITE_GOLDEN") == "1":
        for name, html in pages.items():
            (GOLDEN / f"inbox_queue_{name}.html").write_text(html, encoding="utf-8")
        pytest.fail(f"{len(pages)} golden pages written: check git diff tests/golden")
    for name, html in pages.items():
        assert html == (GOLDEN / f"inbox_queue_{name}.html").read_text(encoding="utf-8"), name


def test_url_for_by_name_gives_what_the_app_gives(web_ws):
    """Templates' url_for asks the one route with the name (render.route_index); every
    indexed name gives the path Starlette's own lookup over the whole app gives."""
    from starlette.routing import Mount, Route

    from outreach.web.staff import create_staff_app
    from outreach.web.staff.render import route_index

    app = create_staff_app(web_ws.settings, web_ws.db)
    index = app.state.staff.route_index
    assert "inbox" in index and "inbox_item" in index and "static" not in index
    for name, route in index.items():
        params = {p: "7" for p in route.param_convertors}
        assert route.url_path_for(name, **params) == app.url_path_for(name, **params), name
    # a name two routes share, or any name under an unnamed mount, is left to the app
    twice = [Route("/a", lambda r: None, name="x"), Route("/b", lambda r: None, name="x"),
             Route("/c", lambda r: None, name="y")]
    assert route_index(twice) == {"y": twice[2]}
    assert route_index([*twice, Mount("/m", routes=[Route("/z", lambda r: None, name="z")])]) == {}
