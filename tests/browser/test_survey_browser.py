"""설문 in a real browser (Debian's chromium): an editor creates a survey from the YAML form
(a mistake first, shown with its line), publishes its call, and the call goes out once
through the ledger; the page then shows where it went."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import sign_in
from outreach.publishing import model as m
from outreach.publishing.service import PublishingService
from outreach.surveys.service import SCHEDULE
from web_support import PASSWORD, add_user, web_workspace

SEOUL = ZoneInfo("Asia/Seoul")
OPENS = datetime(2026, 12, 1, 9, 1, tzinfo=SEOUL)


@pytest.fixture
def web_ws(tmp_path, db_url):
    ws = web_workspace(tmp_path, db_url, toml="[publishing]\npost_approval = false\n")
    yield ws
    ws.db.dispose()


def test_editor_creates_and_publishes_a_survey(page, shot):
    ws = page.server.ws
    add_user(ws.db, "kim", "editor", display_name="김주무관", language="ko")
    sign_in(page, "kim", PASSWORD)
    page.get_by_role("link", name="설문", exact=True).click()
    page.locator("#new-survey").click()
    page.fill("input[name=slug]", "2027-q1-live")
    starter = page.locator("textarea[name=text]").input_value()
    page.fill("textarea[name=text]", starter.replace("closes: 2026-12-14 18:00",
                                                     "closes: 다음 주"))
    page.get_by_role("button", name="저장").click()
    error = page.locator("#survey-error").inner_text()
    assert "2027-q1-live.yaml:3: closes:" in error and "시각이 아닙니다" in error
    page.fill("textarea[name=text]", starter.replace("소통 라이브 질문 모집",
                                                     "2027년 1분기 소통 라이브"))
    page.get_by_role("button", name="저장").click()
    assert page.locator("h1").inner_text().startswith("2027년 1분기 소통 라이브")
    assert "설문을 만들었습니다" in page.locator(".flash").first.inner_text()
    shot(page, "draft")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#publish").click()
    page.wait_for_load_state()
    assert "모집 글은 게시물" in page.locator(".flash").first.inner_text()
    occ = PublishingService(ws.settings, ws.db).ledger.occurrence_by_key(
        SCHEDULE, "survey:2027-q1-live")
    assert occ is not None and occ["created_by"] == "kim"
    # the daemon's pass at the opening time renders and sends it, once
    service = PublishingService(ws.settings, ws.db, clock=lambda: OPENS)
    assert service.work().count(m.D_SENT) == 1
    assert PublishingService(ws.settings, ws.db, clock=lambda: OPENS).work().idle
    page.reload()
    assert page.locator("#call-state").inner_text() == "게시됨"
    assert "로컬 보관함: 게시됨" in page.locator("#call").inner_text()     # the channel by name
    assert page.locator("#publish").count() == 0
    shot(page, "published")
    assert page.js_errors == []


@pytest.mark.phone
def test_a_survey_page_fits_a_phone(page, shot):
    """The survey page on a phone: nothing sticks out past the right edge (the inbox item
    number's input used to, sized by the Korean font's wide average character)."""
    from survey_support import add_survey_files, saved_survey

    ws = page.server.ws
    add_survey_files(ws.root)
    saved_survey(ws.settings, ws.db)
    add_user(ws.db, "kim", "editor", display_name="김주무관", language="ko")
    sign_in(page, "kim", PASSWORD)
    page.goto("/surveys/2026-q4-live")
    assert page.locator("#link input[name=item]").is_visible()
    shot(page, "phone")
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    sticking_out = page.evaluate("""w => [...document.querySelectorAll('main *')]
        .filter(el => el.getBoundingClientRect().right > w + 1)
        .map(el => el.tagName + '.' + el.className)""", width)
    assert sticking_out == []
    assert page.js_errors == []
