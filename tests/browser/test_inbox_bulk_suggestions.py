"""The inbox bulk action's "department or category" box suggests the known departments
(the ones routing accepts) and the triage rules' categories (an HTML datalist), in a
real browser; a typed unknown department is still refused; a viewer gets no box."""

from __future__ import annotations

from inbox_web_support import file_items, staff_users
from web_support import PASSWORD

from conftest import sign_in

_OPTIONS = """() => {
  const box = document.querySelector('#bulk input[name=value]');
  const list = box.list;          // null unless the attribute names a <datalist>
  return list ? [list.id, [...list.options].map(o => [o.value, o.label])] : null;
}"""


def test_an_officer_is_offered_the_departments_and_categories(page, web_ws, shot):
    staff_users(web_ws)
    ids = file_items(web_ws, {"b": "도로가 움푹 패여서 위험합니다",
                              "c": "인도 보도블록이 깨졌어요"})
    sign_in(page, "road", PASSWORD)
    page.goto("/inbox")
    list_id, options = page.evaluate(_OPTIONS)
    assert list_id == "bulk-values"
    values = [v for v, _ in options]
    assert {"도로과", "교통행정과"} <= set(values)            # the staff app's departments
    assert {"도로", "가로등", "주차"} <= set(values)           # the rules' categories
    assert dict(options)["교통행정과"] == "Department" and dict(options)["가로등"] == "Category"
    assert values.index("교통행정과") < values.index("도로")  # departments first
    shot(page, "suggestions")
    # a suggestion routes; a name typed wrong is refused with the names that would do
    page.check(f"input[name=ids][value='{ids['c']}']")
    page.select_option("#bulk select[name=action]", "route")
    page.fill("#bulk input[name=value]", "교통행정")
    page.click("#bulk button[type=submit]")
    page.wait_for_load_state()
    assert "there is no department named 교통행정" in page.content()
    page.goto("/inbox")
    page.check(f"input[name=ids][value='{ids['c']}']")
    page.select_option("#bulk select[name=action]", "route")
    page.fill("#bulk input[name=value]", "교통행정과")
    page.click("#bulk button[type=submit]")
    page.wait_for_load_state()
    assert "1 items changed." in page.content()
    assert page.js_errors == []


def test_a_viewer_gets_no_bulk_box_and_no_suggestions(page, web_ws):
    staff_users(web_ws)
    file_items(web_ws, {"b": "도로가 움푹 패여서 위험합니다"})
    sign_in(page, "watcher", PASSWORD)
    page.goto("/inbox")
    assert page.locator("#bulk").count() == 0 and page.locator("#bulk-values").count() == 0
