"""The publishing calendar (일정) for screen-reader and keyboard users, in Korean, in Debian's
chromium.

A month used to be 35 named regions (a <section aria-label> per day), which buried the few
landmarks that matter. Now: a handful of named landmarks (banner, the main menu, the
calendar's own navigation, main), the month or week a real table (a caption, the weekdays
as column headers with their full names, each day's date as a heading that also says
"today" and a public holiday's name), every post link described by its day, time and state,
reached by Tab in date order, and axe finds nothing at all on the month (with a holiday),
the week, and the phone list of days.
"""

from __future__ import annotations

import re

import pytest

from test_a11y import _axe, _describe, _sign_in, _tab_to, kakao, web_ws  # noqa: F401 (fixtures)

LANDMARK_ROLES = {"banner", "navigation", "main", "contentinfo", "complementary", "region",
                  "form", "search"}
MAX_LANDMARKS = 5
# what the brief's reviewers count: landmark elements a user can reach (the phone menu's
# <nav> sits in a closed <details> on a wide screen, so it is not shown)
LANDMARK_CSS = "main, nav, header, footer, aside, section[aria-label], [role=region]"
WEEKDAYS = ["월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일"]
PAGES = ["/calendar", "/calendar?day=2026-12-01", "/calendar?view=week&day=2026-11-26"]
QUIET_MONTH = "/calendar?day=2025-11-01"     # before the schedules start, and no holiday


def landmarks(page) -> list[tuple[str, str]]:
    """(role, name) of every landmark in chromium's accessibility tree, in document order."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    found = []
    for node in nodes:
        role = (node.get("role") or {}).get("value")
        name = (node.get("name") or {}).get("value", "")
        if node.get("ignored") or role not in LANDMARK_ROLES:
            continue
        if role in ("region", "form") and not name:      # unnamed: not a landmark
            continue
        found.append((role, name))
    return found


def everything_axe_finds(page) -> list[str]:
    return [_describe(v) for v in _axe(page)]


@pytest.mark.parametrize("path", PAGES)
def test_calendar_has_a_handful_of_named_landmarks_and_no_axe_finding(page, web_ws, path):
    _sign_in(page, "editor")
    assert page.goto(path).status == 200
    found = landmarks(page)
    assert sorted(found) == [("banner", ""), ("main", ""), ("navigation", "일정 이동"),
                             ("navigation", "주 메뉴")], found
    assert len(found) <= MAX_LANDMARKS
    assert page.locator(LANDMARK_CSS).filter(visible=True).count() <= MAX_LANDMARKS
    assert page.locator("section").count() == 0                # no region per day
    assert everything_axe_finds(page) == []                     # minor ones included


def test_the_month_is_a_table_with_weekday_headers_and_day_headings(page, web_ws):
    _sign_in(page, "editor")
    page.goto("/calendar")                                      # November 2026, today the 25th
    table = page.get_by_role("table", name="2026년 11월")
    assert table.count() == 1
    headers = table.get_by_role("columnheader")
    assert [h.get_attribute("abbr") for h in headers.all()] == list("월화수목금토일")
    for full in WEEKDAYS:                         # the full name is read
        assert table.get_by_role("columnheader", name=full, exact=True).count() == 1, full
    assert table.get_by_role("row").count() == 1 + 6            # 26 Oct - 6 Dec: six weeks
    cells = table.get_by_role("cell")
    assert cells.count() == 42
    days = table.get_by_role("heading", level=2)
    assert days.count() == 42
    first = table.get_by_role("heading", name="2026년 10월 26일 (월)", exact=True)
    assert first.count() == 1 and first.locator(".num").inner_text() == "26"  # the box shows 26
    assert first.locator(".full").bounding_box()["width"] <= 1           # and not the full date
    # today: in words, and aria-current=date on its cell, not only the blue outline
    today = table.get_by_role("heading", name=re.compile(r"^2026년 11월 25일 \(수\).*오늘"))
    assert today.count() == 1
    assert page.locator("td[aria-current=date]").get_attribute("data-date") == "2026-11-25"
    assert table.get_by_role("heading", name=re.compile("오늘")).count() == 1
    # the visible number is the short form; screen readers hear the full date instead
    assert page.locator("td[data-date='2026-11-25'] .num").get_attribute("aria-hidden") == "true"


def test_a_holiday_is_named_in_its_days_heading(page, web_ws):
    _sign_in(page, "editor")
    page.goto("/calendar?day=2026-12-01")
    table = page.get_by_role("table", name="2026년 12월")
    christmas = table.get_by_role("heading", name=re.compile(r"^2026년 12월 25일 \(금\)"))
    assert christmas.count() == 1
    assert re.search("공휴일.*기독탄신일", christmas.text_content())
    assert "공휴일" not in table.get_by_role(
        "heading", name=re.compile(r"^2026년 12월 24일")).text_content()
    assert table.get_by_role("heading", name=re.compile("오늘")).count() == 0   # not this month
    # a weekend's red number is also said in words: its weekday, in the heading and column
    saturday = page.locator("td[data-date='2026-12-05']")
    assert "weekend" in saturday.get_attribute("class")
    assert table.get_by_role("heading", name="2026년 12월 5일 (토)", exact=True).count() == 1


def test_post_links_are_reached_by_tab_in_date_order_and_open_with_enter(page, web_ws):
    _sign_in(page, "editor")
    page.goto("/calendar?view=month&day=2026-11-01")
    links = page.locator("table.cal a")
    n = links.count()
    assert n >= 3                                # runs on several days of November
    first = links.first
    day = first.evaluate("a => a.closest('td').dataset.date")
    # each link says which day, time and state it is when tabbed to, not only its title
    description = first.evaluate(
        "a => a.getAttribute('aria-describedby').split(' ')"
        ".map(id => document.getElementById(id).textContent.replace(/\\s+/g, ' ').trim())"
        ".join(' | ')")
    y, mo, d = (int(x) for x in day.split("-"))
    assert f"{y}년 {mo}월 {d}일" in description and re.search(r"\d\d:\d\d", description), (
        description)
    _tab_to(page, "table.cal a")                  # from the top of the page, with Tab alone
    order = []
    for _ in range(n):
        order.append(page.evaluate("() => [document.activeElement.closest('td').dataset.date,"
                                   " document.activeElement.getAttribute('href')]"))
        page.keyboard.press("Tab")
    dates = [d for d, _ in order]
    assert dates == sorted(dates) and len({h for _, h in order}) == n, order
    assert len(set(dates)) >= 2, order            # the order is across days, not within one
    assert page.evaluate("() => !document.activeElement.closest('table.cal')")   # past the end
    page.keyboard.press("Shift+Tab")                # back to the last post, then open it
    href = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert href == order[-1][1]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(href) and re.search(r"/runs/\d+$", page.url)
    assert page.js_errors == []


@pytest.mark.phone
@pytest.mark.parametrize("path", PAGES + [QUIET_MONTH])
def test_phone_list_of_days_keeps_its_headings_and_landmarks(page, web_ws, path):
    """A phone lists only the days with something on them (or a holiday, or today): weeks
    with none shown go as a whole, since a table row without cells is broken."""
    _sign_in(page, "editor")
    page.goto(path)
    assert len(landmarks(page)) <= MAX_LANDMARKS
    assert everything_axe_finds(page) == []
    shown = page.locator("table.cal h2").filter(visible=True)
    if path == QUIET_MONTH:                                   # nothing at all: one line says so
        assert shown.count() == 0 and page.locator("table.cal").is_hidden()
        assert page.locator(".cal-empty").is_visible()
        return
    assert shown.count() >= 1
    rows = page.locator("table.cal tbody tr")
    assert all(rows.nth(i).locator("td").filter(visible=True).count() >= 1
               for i in range(rows.count()) if rows.nth(i).is_visible())
    if path == "/calendar":
        full = shown.first.locator(".full")                   # the full date, not the number
        assert full.inner_text() == "2026년 11월 25일 (수)" and full.bounding_box()["width"] > 50
        assert shown.first.locator(".num").is_hidden()
