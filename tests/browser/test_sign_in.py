"""The first admin signs in (created from the CLI), and signs out; on a desk and a phone."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import sign_in
from web_support import PASSWORD


def _add_admin_with_the_cli(ws) -> None:
    proc = subprocess.run([sys.executable, "-m", "outreach", "--root", str(ws.root), "users",
                           "add", "admin", "--role", "admin", "--display-name", "김관리",
                           "--password-stdin"], input=PASSWORD + "\n", text=True,
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_the_first_admin_signs_in_and_out(page, shot):
    _add_admin_with_the_cli(page.server.ws)
    page.goto("/account")
    assert "/sign-in" in page.url
    shot(page, "sign-in")
    page.fill("input[name=name]", "admin")
    page.fill("input[name=password]", "wrong password!")
    page.click("button[type=submit]")
    assert page.locator(".flash.error").inner_text() == "The name or the password is not right."
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/account")
    assert page.locator(".me").inner_text().startswith("김관리")
    page.get_by_role("link", name="Users").click()
    page.wait_for_url("**/users")
    assert page.locator("table").inner_text().count("admin") >= 1
    shot(page, "users")
    shot(page, "signed-in")
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url("**/sign-in")
    page.goto("/account")
    assert "/sign-in" in page.url
    assert page.js_errors == []


@pytest.mark.phone
def test_sign_in_and_out_on_a_phone_in_korean(page, shot):
    ws = page.server.ws
    from web_support import add_user

    add_user(ws.db, "kim", "approver", display_name="김승인", language="ko")
    sign_in(page, "kim", PASSWORD)
    assert page.locator(".me").inner_text().startswith("김승인")
    menu = page.locator("details.nav-menu > summary")       # a <details>: opens without script
    assert menu.is_visible() and menu.inner_text().strip() == "메뉴"
    menu.click()
    assert page.locator("details.nav-menu").get_by_role("link", name="오늘").is_visible()
    shot(page, "menu-open")
    page.get_by_role("button", name="로그아웃", exact=True).click()
    page.wait_for_url("**/sign-in")
    assert page.js_errors == []


def test_sign_out_everywhere_ends_the_other_browser_too(browser, page, shot):
    from web_support import add_user

    add_user(page.server.ws.db, "lee", "editor", display_name="이편집")
    other = browser.new_context(base_url=page.base)
    second = other.new_page()
    try:
        sign_in(second, "lee", PASSWORD)
        sign_in(page, "lee", PASSWORD)
        page.goto("/account")
        assert page.locator("table").inner_text().count("Chrome") >= 1
        shot(page, "account")
        page.get_by_role("button", name="Sign out everywhere").click()
        page.wait_for_url("**/sign-in")
        second.goto(page.base + "/account")
        assert "/sign-in" in second.url          # the other browser is signed out too
    finally:
        other.close()
    assert page.js_errors == []


def test_an_admin_adds_a_user_and_filters_the_activity_log_with_htmx(page, shot):
    from web_support import add_user

    add_user(page.server.ws.db, "admin", "admin", language="ko")
    sign_in(page, "admin", PASSWORD)
    page.goto("/users")
    page.fill("input[name=name]", "kim")
    page.fill("input[name=display_name]", "김민원")
    page.select_option("select[name=role]", "officer")
    page.fill("input[name=departments]", "민원여권과")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="추가", exact=True).first.click()
    page.wait_for_load_state()
    assert "kim 사용자를 추가했습니다." in page.locator("#messages").inner_text()
    assert "민원여권과" in page.locator("table").inner_text()
    page.get_by_role("link", name="활동 기록").click()
    page.wait_for_url("**/audit")
    assert "사용자 추가" in page.locator("#audit_table").inner_text()
    marker = page.evaluate("() => { window.__same_page = 1; return 1; }")
    with page.expect_response(lambda r: "/audit?" in r.url):
        page.select_option("select[name=action]", "session.sign_in")   # HTMX swaps the table
    page.wait_for_function("() => !document.querySelector('#audit_table').innerText"
                           ".includes('사용자 추가')")
    assert page.evaluate("() => window.__same_page") == marker          # no page load
    assert "action=session.sign_in" in page.url                         # hx-push-url
    assert "로그인" in page.locator("#audit_table").inner_text()
    shot(page, "audit-filtered")
    assert page.js_errors == []
