"""The staff app on a phone (390x844, Debian's chromium) for the three people who use it most:
a PR officer preparing Thursday's weekend guide, a complaint officer on Monday morning and a
supervisor reading the month's figures. Every page they open fits the screen (no sideways
scrolling of the page: a wide table scrolls in its own box), names itself in the title, and
the navigation folds into a 메뉴 that opens without script, reaches every page and marks the
one shown.

One workspace and one server for the module (the pages only read it), so the whole file
costs a few seconds of page loads; SQLite only, since nothing here depends on the database.
The approver's test changes its run, so it has a workspace and a server of its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from conftest import PHONE, sign_in
from desk_support import pass_at
from inbox_web_support import file_items
from metrics_support import delivered
from outreach.metrics.model import Figure
from outreach.publishing.model import OccurrenceSpec
from outreach.publishing.service import PublishingService
from outreach.store import metrics as q
from outreach.publishing import model as m
from outreach.store.ledger import Ledger
from web_support import PASSWORD, LiveServer, add_user, web_workspace

SEOUL = ZoneInfo("Asia/Seoul")
WED = datetime(2026, 11, 25, 17, 0, tzinfo=SEOUL)      # Thursday's draft is waiting
THU = datetime(2026, 11, 26, 14, 30, tzinfo=SEOUL)     # the afternoon before it goes out
DESK = {"width": 1366, "height": 768}
EMPTY_MONTH = "/calendar?view=month&day=2025-06-01"     # before any schedule starts
LONG_URL = "https://example.com/" + "a" * 90

# the menu entry marked as the page shown, by the start of the page's path
CURRENT = {"/today": "오늘", "/calendar": "일정", "/runs/": "일정", "/studio": "스튜디오",
           "/handoffs": "넘겨받기", "/posts/new": "새 게시물", "/inbox": "민원함",
           "/metrics": "분석", "/topics": "주제", "/users": "사용자", "/audit": "활동 기록",
           "/notifications": "알림 발송 기록"}

# the page is no wider than the window (a table may scroll inside its own box)
FITS = "() => document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OUTREACH_NOW", THU.isoformat())
        tmp = tmp_path_factory.mktemp("phone")
        ws = web_workspace(tmp, f"sqlite:///{tmp / 'outreach.db'}", language="ko",
                           toml='[channels.blog]\ntype = "naver_blog"\nblog_id = "cityhall"\n'
                                '[publishing]\npost_approval = false\n')
        pass_at(ws, WED.astimezone(timezone.utc))
        # a Naver Blog post waiting for a person on 넘겨받기 (posted by hand, copied from here)
        service = PublishingService(ws.settings, ws.db, clock=lambda: THU.astimezone(timezone.utc))
        service.plan(OccurrenceSpec(
            schedule="weekend-guide", key="test-blog", template="weekend-guide",
            scheduled_for=(THU - timedelta(minutes=1)).astimezone(timezone.utc),
            channels=("blog",), data_file=ws.root / "content" / "weekend-guide" / "2026-11-26.yaml"))
        pass_at(ws, THU.astimezone(timezone.utc))
        add_user(ws.db, "pr", "editor", display_name="김홍보", language="ko")
        add_user(ws.db, "road", "officer", display_name="이도로", language="ko",
                 departments=["도로과"])
        add_user(ws.db, "chief", "admin", display_name="박과장", language="ko")
        ids = file_items(ws, {
            "c1": "아파트 앞 가로등이 일주일째 꺼져 있어요. 밤에 너무 어두워서 무서워요",
            "c2": "신부동 사거리 도로에 포트홀이 크게 생겼습니다",
            "c3": f"도로에 포트홀이 또 생겼어요 사진은 여기 {LONG_URL} 확인해주세요",
        }, when=THU.astimezone(timezone.utc) - timedelta(days=3))
        for i in range(3):
            sent = datetime(2026, 11, 5 + i * 5, 10, tzinfo=SEOUL)
            did = delivered(ws.db, channel="outbox", remote_id=f"r{i}", sent=sent)
            q.save_snapshot(ws.db, did, "7d", sent + timedelta(days=7),
                            [Figure("views", 43210 * (i + 1), "post_media_view"),
                             Figure("comments", 9 + i, "comments")])
        run = Ledger(ws.db).occurrence_by_key("weekend-guide", "2026-11-26T07:00:00Z")
        with LiveServer(ws) as live:
            live.ids, live.run = ids, run["id"]
            yield live
        ws.db.dispose()


def _page(browser, server, viewport=PHONE, **kw):
    context = browser.new_context(viewport=viewport, locale="ko-KR", timezone_id="Asia/Seoul",
                                  base_url=server.url, **kw)
    pg = context.new_page()
    pg.js_errors = []
    pg.on("pageerror", lambda e: pg.js_errors.append(str(e)))
    pg.on("console", lambda m: pg.js_errors.append(m.text) if m.type == "error" else None)
    return pg


@pytest.fixture
def phone(browser, server):
    pg = _page(browser, server)
    yield pg
    pg.context.close()


def journeys(server) -> dict[str, list[str]]:
    item = server.ids["c3"]                                 # the one with the long address
    return {
        # Thursday afternoon: the weekend guide (today, calendar, its run, studio, approval)
        "pr": ["/today", "/calendar", "/calendar?view=week&day=2026-11-26", EMPTY_MONTH,
               f"/runs/{server.run}", "/studio", "/studio/weekend-guide/2026-12-03",
               "/handoffs", "/posts/new"],
        # Monday morning: the queue, an item (answer, transfer), transfers to accept
        "road": ["/inbox", f"/inbox/{item}", "/inbox/transfers"],
        # the month's figures
        "chief": ["/metrics?month=2026-11", "/inbox/report?month=2026-11", "/topics",
                  "/users", "/audit"],
    }


@pytest.mark.parametrize("who", ["pr", "road", "chief"])
def test_every_page_of_a_journey_fits_a_phone_and_names_itself(phone, server, who, shot):
    sign_in(phone, who, PASSWORD)
    for path in journeys(server)[who]:
        phone.goto(path)
        assert phone.evaluate(FITS), (
            f"{path} scrolls sideways on a phone: "
            f"{phone.evaluate('document.scrollingElement.scrollWidth')} px")
        title = phone.title().split(" · ")[0]
        assert title and title != "outreach", f"{path} has no title of its own"
        assert phone.locator("nav#nav").is_hidden()           # the bar is folded away
        if path == "/handoffs":                               # copy, download, record
            card = phone.locator("article.handoff").first
            shot(phone, "handoffs")
            for target in (card.locator("button.copy"), card.locator("a.button"),
                           card.locator("form.done-form button")):
                assert target.first.bounding_box()["height"] >= 44, path
        if path == EMPTY_MONTH:                               # a phone lists busy days only
            assert phone.locator(".cal-empty").is_visible()
        marked = phone.locator("details.nav-menu a[aria-current=page]")
        expected = next(label for start, label in CURRENT.items() if path.startswith(start))
        assert marked.count() == 1 and marked.text_content().strip() == expected, path
        summary = phone.locator("details.nav-menu > summary")
        assert summary.is_visible() and summary.bounding_box()["height"] >= 44
    assert phone.js_errors == []


def test_the_menu_opens_reaches_every_page_and_marks_the_current_one(phone, server, shot):
    sign_in(phone, "chief", PASSWORD)                          # an admin sees all thirteen
    phone.goto("/today")
    menu = phone.locator("details.nav-menu")
    links = menu.locator("nav a")
    labels = [t.strip() for t in links.all_text_contents()]
    assert len(labels) == 13 and "민원함" in labels and "알림 발송 기록" in labels
    assert not links.first.is_visible()                        # folded until asked
    for n, label in enumerate(labels):
        menu.locator("summary").click()
        if n == 4:
            shot(phone, "menu-open")
        link = menu.get_by_role("link", name=label, exact=True)
        assert link.is_visible()
        box = link.bounding_box()
        assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 390
        href = link.get_attribute("href")
        link.click()
        phone.wait_for_url(f"**{href}")
        assert phone.evaluate(FITS), f"{href} scrolls sideways on a phone"
        current = menu.locator("nav a[aria-current=page]")
        assert current.count() == 1 and current.text_content().strip() == label
        assert not menu.evaluate("m => m.open")                # a new page starts folded
    assert phone.js_errors == []


def test_the_menu_works_from_the_keyboard_and_without_script(browser, server, phone):
    sign_in(phone, "road", PASSWORD)
    phone.goto("/inbox")
    summary = phone.locator("details.nav-menu > summary")
    summary.focus()
    phone.keyboard.press("Enter")
    assert phone.locator("details.nav-menu nav").get_by_role("link", name="일정").is_visible()
    phone.keyboard.press("Tab")                                 # into the menu's first link
    assert phone.evaluate("document.activeElement.closest('details.nav-menu') !== null")
    phone.keyboard.press("Escape")                              # app.js: closed, focus back
    assert not phone.locator("details.nav-menu").evaluate("m => m.open")
    assert phone.evaluate("document.activeElement.tagName") == "SUMMARY"

    bare = _page(browser, server, java_script_enabled=False)
    try:
        sign_in(bare, "road", PASSWORD)
        bare.goto("/inbox/transfers")
        menu = bare.locator("details.nav-menu")
        menu.locator("summary").click()
        link = menu.get_by_role("link", name="민원함", exact=True)
        assert link.is_visible() and link.get_attribute("aria-current") == "page"
        link.click()
        bare.wait_for_url("**/inbox")
        assert bare.evaluate(FITS)
    finally:
        bare.context.close()


def test_wide_figures_scroll_in_their_box_and_keep_words_whole(phone, server, shot):
    sign_in(phone, "chief", PASSWORD)
    phone.goto("/inbox/report?month=2026-11")
    assert phone.evaluate(FITS)
    shot(phone, "inbox-figures")
    boxes = phone.locator(".table-wrap")
    assert boxes.count() >= 3
    # the fifteen-column table is wider than the phone: its box scrolls, not the page
    assert boxes.first.evaluate("b => b.scrollWidth > b.clientWidth")
    # a department's name and a count are one line each, not a letter per line
    one_line = """el => { const r = document.createRange(); r.selectNodeContents(el);
                          return new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top))).size; }"""
    assert phone.locator("table.figures th", has_text="도로과").first.evaluate(one_line) == 1
    phone.goto("/metrics?month=2026-11")
    assert phone.evaluate(FITS)
    cell = phone.locator("article.report td", has_text="259,260").first    # 43,210 x 6
    assert cell.evaluate(one_line) == 1


def test_the_inbox_folds_its_filters_on_a_phone_and_shows_them_on_a_desk(browser, server,
                                                                        phone):
    sign_in(phone, "road", PASSWORD)
    phone.goto("/inbox")
    status = phone.locator("form[role=search] select[name=status]")
    assert phone.locator("input[name=q]").is_visible() and not status.is_visible()
    first_row = phone.locator("tr.item").first.bounding_box()
    assert first_row["y"] < 844, "the first message is below the fold of a phone"
    phone.locator("details.more-filters > summary").click()
    assert status.is_visible()
    box = phone.locator("form[role=search] button[type=submit]").bounding_box()
    assert box["height"] >= 44
    # an item: the answer box comes before the folded context lists
    phone.goto(f"/inbox/{server.ids['c1']}")
    assert phone.evaluate(FITS)
    answer = phone.locator("form.reply textarea[name=text]").bounding_box()
    assert answer["y"] < 2 * 844
    assert phone.locator("button.send").bounding_box()["height"] >= 44

    desk = _page(browser, server, viewport=DESK)
    try:
        sign_in(desk, "road", PASSWORD)
        desk.goto("/inbox")
        assert desk.locator("form[role=search] select[name=status]").is_visible()
        assert desk.locator("#bulk select[name=action]").is_visible()
        assert not desk.locator("details.more-filters > summary").is_visible()
        assert desk.locator("nav#nav").is_visible()
        assert not desk.locator("details.nav-menu").is_visible()
        assert desk.locator("nav#nav a[aria-current=page]").inner_text().strip() == "민원함"
        assert desk.evaluate(FITS)
    finally:
        desk.context.close()



@pytest.fixture
def approval(tmp_path, monkeypatch):
    """Wednesday evening: Thursday's weekend guide waits for an approver (its own workspace)."""
    monkeypatch.setenv("OUTREACH_NOW", WED.isoformat())
    ws = web_workspace(tmp_path, f"sqlite:///{tmp_path / 'outreach.db'}", language="ko",
                       toml="[publishing]\npost_approval = false\n")
    pass_at(ws, WED.astimezone(timezone.utc))
    add_user(ws.db, "lee", "approver", display_name="이승인", language="ko")
    occ = Ledger(ws.db).occurrence_by_key("weekend-guide", "2026-11-26T07:00:00Z")
    assert occ["state"] == m.AWAITING_APPROVAL
    with LiveServer(ws) as live:
        live.ws, live.run = ws, occ["id"]
        yield live
    ws.db.dispose()


def test_an_approver_decides_after_the_last_slide_without_scrolling_back(browser, approval,
                                                                       shot):
    # on a desk the decision stays where it was: above the slides, the reason field open
    desk = _page(browser, approval, viewport=DESK)
    try:
        sign_in(desk, "lee", PASSWORD)
        desk.goto(f"/runs/{approval.run}")
        approve = desk.get_by_role("button", name="승인", exact=True)
        assert approve.bounding_box()["y"] < desk.locator("ol.slides").bounding_box()["y"]
        assert approve.evaluate("b => getComputedStyle(b.closest('form')).position") == "static"
        assert desk.locator("#decide input[name=reason]").is_visible()   # no fold to open
        assert not desk.locator("#decide-bar summary").is_visible()
    finally:
        desk.context.close()

    phone = _page(browser, approval)
    try:
        sign_in(phone, "lee", PASSWORD)
        phone.goto(f"/runs/{approval.run}")
        slides = phone.locator("ol.slides img")
        assert slides.count() >= 2
        slides.last.scroll_into_view_if_needed()
        phone.wait_for_function("() => window.scrollY > 844")     # well past the first screen
        approve = phone.get_by_role("button", name="승인", exact=True)
        box = approve.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box   # in the window
        assert box["height"] >= 44
        # nothing covers it: the button itself is what a thumb at its middle touches
        assert approve.evaluate("""b => { const r = b.getBoundingClientRect();
            return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === b; }""")
        reject = phone.locator("#decide-bar details > summary")
        assert reject.bounding_box()["height"] >= 44
        # at the very end of the page the last channel's card is above the bar, not behind it
        phone.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
        bar_top = phone.locator("#decide-bar").bounding_box()["y"]
        last = phone.locator("#channels article.delivery").last.bounding_box()
        assert last["y"] + last["height"] <= bar_top, (last, bar_top)
        assert phone.evaluate(FITS)
        shot(phone, "approval-bar")
        # the reason for rejecting unfolds from the bar, in the window
        reject.click()
        reason = phone.locator("#decide-bar input[name=reason]")
        assert reason.is_visible()
        rbox = reason.bounding_box()
        assert rbox["y"] + rbox["height"] <= 844 and rbox["height"] >= 44
        reject.click()                                            # folded again: approve
        slides.last.scroll_into_view_if_needed()
        approve.click()
        phone.wait_for_url(f"**/runs/{approval.run}")
        assert phone.locator(".flash.ok").is_visible()
        row = Ledger(approval.ws.db).occurrence(approval.run)
        assert (row["state"], row["decided_by"]) == (m.APPROVED, "lee")
        assert approve.count() == 0                               # decided: not offered again
        assert phone.js_errors == []
    finally:
        phone.context.close()
