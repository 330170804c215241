"""자주 쓰는 답변 and 분류 규칙 in a real browser (Debian's chromium), in Korean: a supervisor
adds a saved reply and an officer uses it in the answer box at once; the rules editor
shows a rejected save's error with the line numbered in context, keeps the typed text,
and tries a sentence with unsaved rules."""

from __future__ import annotations

import pytest

from inbox_web_support import file_items, staff_users
from web_support import PASSWORD, LiveServer, web_workspace

from conftest import DESK, sign_in


@pytest.fixture
def web_ws(tmp_path, db_url):
    ws = web_workspace(tmp_path, db_url, language="ko")
    staff_users(ws)
    yield ws
    ws.db.dispose()


@pytest.fixture
def live_server(web_ws):
    with LiveServer(web_ws) as server:
        yield server


def test_supervisor_adds_a_saved_reply_an_officer_answers_with_it(page, browser, web_ws, shot):
    ids = file_items(web_ws, {"a": "우리 동네 가로등이 꺼져 있어요"})
    sign_in(page, "chief", PASSWORD)
    page.goto("/inbox")
    page.click("nav.tabs >> text=자주 쓰는 답변")
    page.wait_for_load_state()
    form = page.locator("#new-reply form")
    form.locator("input[name=name]").fill("야간점검")
    form.locator("textarea[name=text]").fill("{author}님, 오늘 밤 {department}에서 점검하겠습니다. "
                                             "접수번호는 {ticket}번입니다.")
    form.locator("button[value=preview]").click()
    page.wait_for_selector("#preview")
    assert "도로과에서 점검하겠습니다" in page.inner_text("#preview")
    page.locator("#new-reply button[value=save]").click()
    page.wait_for_load_state()
    assert page.locator("article.saved-reply[data-name=야간점검]").count() == 1
    shot(page, "supervisor")
    assert page.js_errors == []

    officer = browser.new_context(viewport=DESK, locale="ko-KR", timezone_id="Asia/Seoul",
                                  base_url=page.base).new_page()
    sign_in(officer, "road", PASSWORD)
    officer.goto(f"/inbox/{ids['a']}")
    officer.select_option("select.saved", label="야간점검")
    text = officer.input_value("textarea[name=text]")
    assert text.startswith("시민님, 오늘 밤") and "도로과에서 점검하겠습니다" in text and "{" not in text
    officer.click("button.send")
    officer.wait_for_selector(".answer")
    assert "도로과에서 점검하겠습니다" in officer.inner_text(".answer")
    officer.context.close()


def test_rules_editor_shows_the_line_of_an_error_and_tries_unsaved_rules(page, web_ws, shot):
    rules_file = web_ws.root / "inbox" / "rules.yaml"
    saved = rules_file.read_text(encoding="utf-8")
    sign_in(page, "chief", PASSWORD)
    page.goto("/inbox/rules")
    broken = saved.replace("  kind: opinion", "  kind: opinon", 1)
    line = broken.split("\n").index("  kind: opinon        # 아무 신호도 없는 글의 종류") + 1
    page.fill("#rules-text", broken)
    page.click("#rules-save")
    page.wait_for_selector("#rules-error")
    message = page.inner_text("#rules-error")
    assert f"inbox/rules.yaml:{line}: default.kind" in message
    marked = page.inner_text("#error-context .bad")
    assert marked.strip().startswith(f"{line} |") and "opinon" in marked
    assert page.input_value("#rules-text") == broken                  # the typed text kept
    assert rules_file.read_text(encoding="utf-8") == saved            # nothing written
    shot(page, "error")

    drone = saved.replace("\ncategories:\n", "\ncategories:\n  - name: 드론\n"
                          "    department: 정보통신과\n    keywords: [드론]\n", 1)
    page.fill("#rules-text", drone)
    page.fill("#rules-sample", "드론이 밤마다 날아다녀요")
    page.click("#rules-try")
    page.wait_for_selector("#trial")
    trial = page.inner_text("#trial")
    assert "드론" in trial and "정보통신과" in trial and "민원" in trial
    assert rules_file.read_text(encoding="utf-8") == saved            # tried, not saved
    page.click("#rules-save")
    page.wait_for_load_state()
    assert "정보통신과" in rules_file.read_text(encoding="utf-8")
    assert page.locator("#history tbody tr").count() == 2     # as found + this save
    assert page.js_errors == []
