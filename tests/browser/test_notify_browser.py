"""알림 발송 기록 in the real browser: an administrator reaches the page from the navigation
bar and reads why a recipient group's mail failed (addresses masked); the state filter
narrows the list to the failed notification and the sent one an address was refused for
good, marked as such."""

from __future__ import annotations

from test_notify_web import seed
from web_support import PASSWORD, add_user


def test_an_admin_sees_a_failed_groups_error(page, web_ws):
    ids = seed(web_ws.db)
    add_user(web_ws.db, "admin", "admin", language="ko")
    page.goto("/sign-in")
    page.fill("input[name=name]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.get_by_role("link", name="알림 발송 기록").click()
    page.wait_for_url("**/notifications")
    failed = page.locator(f"#notification-{ids['failed']}")
    group = failed.locator('li.group[data-language="en"]')
    assert group.locator(".badge").inner_text() == "실패"
    assert group.locator(".error").inner_text() == "550 5.2.2 mailbox full: ch***@city.go.kr"
    assert "choi.full@city.go.kr" not in page.content()
    assert "승인 대기 초안: failed-guide" in failed.inner_text()
    page.select_option("select[name=state]", "failed")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/notifications?state=failed")
    assert page.locator("tbody tr").count() == 2
    assert page.locator(f"#notification-{ids['failed']}").is_visible()
    partly = page.locator(f"#notification-{ids['partly']}")
    assert partly.locator(".refused-count").inner_text() == "주소 1개 수신 거부"
    assert partly.locator('li[data-state="refused"] .recipients').inner_text() == \
        "na***@city.go.kr"
    assert page.locator("select[name=state] option:checked").inner_text() == \
        "실패 (주소 거부 포함)"
    assert page.js_errors == []
