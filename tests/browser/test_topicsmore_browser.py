"""주제 in a real browser, in Korean: the person who asked cancels a waiting ranking, and
after the broadcast an editor prepares the follow-up post (live-follow-up) from the page."""

from __future__ import annotations

import re

from outreach.topics import requests, service
from outreach.users.audit import Actor

from test_topics_request_browser import seed
from web_support import PASSWORD

from conftest import sign_in


def test_cancel_a_waiting_ranking_then_prepare_the_follow_up(page, shot):
    ws = page.server.ws
    seed(ws)
    sign_in(page, "lee", PASSWORD)
    page.goto("/topics")
    page.fill("#rank-form input[name=quarter]", "2026Q4")
    page.locator("#rank-button").click()
    page.wait_for_load_state()
    made = requests.status(ws.db).open[0]
    button = page.locator(f"#cancel-request-{made.id} button")
    assert button.inner_text() == "이 분석 요청 취소"
    shot(page, "waiting")
    button.click()
    page.wait_for_load_state()
    assert "주제 분석 요청을 취소했습니다." in page.locator("body").inner_text()
    assert page.locator("#topic-requests .request-pending").count() == 0
    assert requests.get(ws.db, made.id).state == "cancelled"

    actor = Actor.cli("tester")
    run = service.rank_scope(ws.settings, ws.db,
                             service.quarter_scope("2026Q4", ws.settings.timezone), actor)
    top = service.run_view(ws.db, run).groups[0]
    service.choose(ws.db, run, top.key, True, actor)
    service.settle(ws.db, run, top.key, actor, covered=False, answer="1월부터 버스를 늘립니다.")
    page.goto(f"/topics/{run}")
    form = page.locator("#follow-up-form")
    assert "못다 한 답변 게시물 준비" in form.inner_text()
    page.fill("#follow-up-form input[name=at]", "2027-01-10T10:00")
    shot(page, "follow-up")
    form.locator("button").click()
    page.wait_for_url(re.compile(r"/runs/\d+$"))
    assert "후속 게시물을" in page.locator("body").inner_text()
    assert page.js_errors == []
