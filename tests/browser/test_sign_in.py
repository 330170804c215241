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
    menu = page.get_by_role("button", name="메뉴")
    assert menu.is_visible()
    menu.click()
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
