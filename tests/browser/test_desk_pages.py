"""The publishing desk in a real browser (Debian's chromium through Playwright).

Journeys: an editor cannot approve and an approver approves Thursday's draft on a phone,
after which the run publishes once; a draft rendered again while the approver looks is
refused in one Korean line and shown anew, then approved; a one-off post is scheduled, dragged to another day on
the calendar and goes out once at its new time; a hand-off is copied (title, body as HTML,
tags, the images as one ZIP) and completed with its address; a failed delivery is sent
again; Korean renders with real glyphs, not boxes. Every page is photographed into
tests/browser/screenshots/.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from conftest import sign_in
from desk_support import outbox_posts, pass_at
from outreach.publishing import model as m
from outreach.publishing.service import PublishingService
from outreach.store.ledger import Ledger
from web_support import PASSWORD, add_user, web_workspace

SEOUL = ZoneInfo("Asia/Seoul")
WED = datetime(2026, 11, 25, 17, 0, tzinfo=SEOUL)
THU = datetime(2026, 11, 26, 16, 0, 30, tzinfo=SEOUL)
EXTRA = """
[channels.blog]
type = "naver_blog"
blog_id = "cityhall"

[channels.tiny]
type = "outbox"
max_text = 5

[publishing]
post_approval = false
"""


@pytest.fixture
def web_ws(tmp_path, db_url):
    ws = web_workspace(tmp_path, db_url, toml=EXTRA)
    yield ws
    ws.db.dispose()


def utc(when: datetime) -> datetime:
    return when.astimezone(timezone.utc)


def korean_has_glyphs(page) -> bool:
    """Draw two different Hangul syllables and a character no font has: with boxes (tofu)
    the two syllables come out as the same box; with a Korean font they differ."""
    return page.evaluate("""() => {
      const font = '32px ' + getComputedStyle(document.body).fontFamily;
      const draw = (ch) => { const c = document.createElement('canvas'); c.width = 48;
        c.height = 48; const g = c.getContext('2d'); g.font = font; g.fillText(ch, 4, 36);
        return c.toDataURL(); };
      const a = draw('승'), b = draw('인'), none = draw('\\u{10FFFD}');
      return a !== b && a !== none && b !== none;
    }""")


def single_run(ws, channel: str, when: datetime) -> int:
    from outreach.publishing.model import OccurrenceSpec

    service = PublishingService(ws.settings, ws.db, clock=lambda: utc(when))
    return service.plan(OccurrenceSpec(
        schedule="weekend-guide", key=f"test-{channel}", scheduled_for=utc(when),
        template="weekend-guide", channels=(channel,),
        data_file=ws.root / "content" / "weekend-guide" / "2026-11-26.yaml"))


@pytest.mark.phone
def test_editor_cannot_approve_approver_approves_on_a_phone_and_it_publishes_once(
        page, shot, monkeypatch):
    ws = page.server.ws
    monkeypatch.setenv("OUTREACH_NOW", WED.isoformat())
    pass_at(ws, utc(WED))
    occ = Ledger(ws.db).occurrence_by_key("weekend-guide", "2026-11-26T07:00:00Z")
    assert occ["state"] == m.AWAITING_APPROVAL
    add_user(ws.db, "kim", "editor", display_name="김편집", language="ko")
    add_user(ws.db, "lee", "approver", display_name="이승인", language="ko")

    sign_in(page, "kim", PASSWORD)
    page.goto(f"/runs/{occ['id']}")
    assert page.get_by_role("button", name="승인", exact=True).count() == 0   # not offered
    shot(page, "editor-sees-no-approve")
    status = page.evaluate("""async (url) => (await fetch(url, {method: 'POST', headers: {
        'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content}})).status""",
                           f"/runs/{occ['id']}/approve")
    assert status == 403 and Ledger(ws.db).occurrence(occ["id"])["state"] == m.AWAITING_APPROVAL
    page.context.clear_cookies()

    sign_in(page, "lee", PASSWORD)
    page.goto("/today")
    assert page.locator("#awaiting").is_visible()
    assert korean_has_glyphs(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "today-phone")
    page.locator("#awaiting a.action").first.click()
    page.wait_for_url(f"**/runs/{occ['id']}")
    assert page.locator("ol.slides img").count() >= 1
    assert page.locator("ol.slides img").first.evaluate("i => i.naturalWidth") > 0
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the run page scrolls sideways on a phone ({width}px)"
    shot(page, "run-phone")
    page.get_by_role("button", name="승인", exact=True).click()
    page.wait_for_url(f"**/runs/{occ['id']}")
    assert page.locator(".flash.ok").is_visible()
    shot(page, "approved-phone")
    assert Ledger(ws.db).occurrence(occ["id"])["decided_by"] == "lee"

    pass_at(ws, utc(THU))
    pass_at(ws, utc(THU + timedelta(minutes=1)))
    assert outbox_posts(ws) == 1
    page.reload()
    assert page.locator("#channels .s-sent").count() == 1
    assert page.js_errors == []


@pytest.mark.phone
def test_reject_with_a_reason_on_a_phone(page, shot, monkeypatch):
    ws = page.server.ws
    monkeypatch.setenv("OUTREACH_NOW", WED.isoformat())
    pass_at(ws, utc(WED))
    occ = Ledger(ws.db).occurrence_by_key("weekend-guide", "2026-11-26T07:00:00Z")
    add_user(ws.db, "lee", "approver", language="ko")
    sign_in(page, "lee", PASSWORD)
    page.goto(f"/runs/{occ['id']}")
    page.locator("#decide-bar summary").click()       # the reason unfolds from the bottom bar
    page.fill("input[name=reason]", "2번 카드 날짜 오류")
    shot(page, "reject-phone")
    page.get_by_role("button", name="반려", exact=True).click()
    page.wait_for_url(f"**/runs/{occ['id']}")
    row = Ledger(ws.db).occurrence(occ["id"])
    assert (row["state"], row["decision_reason"]) == (m.REJECTED, "2번 카드 날짜 오류")
    assert page.js_errors == []


def test_one_off_post_is_scheduled_dragged_on_the_calendar_and_goes_out_once(
        page, shot, monkeypatch):
    ws = page.server.ws
    now = datetime(2026, 12, 1, 9, 0, tzinfo=SEOUL)
    monkeypatch.setenv("OUTREACH_NOW", now.isoformat())
    add_user(ws.db, "kim", "editor", display_name="김편집", language="ko")
    sign_in(page, "kim", PASSWORD)
    page.goto("/posts/new")
    page.select_option("select[name=template]", "weekend-guide")
    page.select_option("select[name=data]", "weekend-guide/2026-12-03.yaml")
    page.uncheck("input[name=channel][value=blog]")
    page.uncheck("input[name=channel][value=tiny]")
    page.fill("input[name=at]", "2026-12-03T10:00")
    shot(page, "new-post")
    page.get_by_role("button", name="예약", exact=True).click()
    page.wait_for_url("**/runs/*")
    occ_id = int(page.url.rsplit("/", 1)[1])
    pass_at(ws, utc(now))                                   # the daemon renders the draft
    page.goto("/calendar?day=2026-12-01")
    chip = page.locator(f"li[data-id='{occ_id}']")
    assert chip.is_visible()
    assert page.locator(".cal-day.holiday").count() >= 1    # 성탄절 on the December grid
    shot(page, "calendar-month")
    chip.drag_to(page.locator(".cal-day[data-date='2026-12-05']"))
    page.locator(f".cal-day[data-date='2026-12-05'] li[data-id='{occ_id}']").wait_for()
    row = Ledger(ws.db).occurrence(occ_id)
    assert row["scheduled_for"].astimezone(SEOUL) == datetime(2026, 12, 5, 10, 0, tzinfo=SEOUL)
    shot(page, "calendar-moved")
    page.goto("/calendar?view=week&day=2026-12-05")
    shot(page, "calendar-week")

    pass_at(ws, utc(datetime(2026, 12, 3, 10, 0, 30, tzinfo=SEOUL)))
    assert outbox_posts(ws) == 0                            # not at the old time
    pass_at(ws, utc(datetime(2026, 12, 5, 10, 0, 30, tzinfo=SEOUL)))
    pass_at(ws, utc(datetime(2026, 12, 5, 10, 2, tzinfo=SEOUL)))
    assert outbox_posts(ws) == 1
    assert page.js_errors == []


def test_hand_off_is_copied_downloaded_and_completed_with_its_address(page, shot, monkeypatch):
    ws = page.server.ws
    monkeypatch.setenv("OUTREACH_NOW", THU.isoformat())
    occ = single_run(ws, "blog", THU - timedelta(minutes=1))
    pass_at(ws, utc(THU))
    (delivery,) = Ledger(ws.db).deliveries([occ])
    assert delivery["state"] == m.D_AWAITING_HANDOFF
    add_user(ws.db, "kim", "editor", language="ko")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page.base)
    sign_in(page, "kim", PASSWORD)
    page.goto("/handoffs")
    card = page.locator(f"#handoff-{delivery['id']}")
    title = card.locator(f"#title-{delivery['id']}").inner_text()
    card.locator("button.copy[data-source^=title]").click()
    card.locator("button.copy.copied[data-source^=title]").wait_for()   # the write finished
    assert page.evaluate("navigator.clipboard.readText()") == title
    card.locator("button.copy[data-source^=body]").click()
    card.locator("button.copy.copied[data-source^=body]").wait_for()
    copied = page.evaluate("""async () => {
        const [item] = await navigator.clipboard.read();
        const html = await (await item.getType('text/html')).text();
        const text = await (await item.getType('text/plain')).text();
        return {types: item.types, html, text}; }""")
    assert "text/html" in copied["types"] and "<" in copied["html"]
    assert "<" not in copied["text"] and copied["text"].strip()
    card.locator("button.copy[data-source^=tags]").click()
    card.locator("button.copy.copied[data-source^=tags]").wait_for()
    tags = page.evaluate("navigator.clipboard.readText()")
    assert tags == card.locator(f"#tags-{delivery['id']}").inner_text() and "천안" in tags
    with page.expect_download() as info:
        card.locator("a[href$='images.zip']").click()
    data = open(info.value.path(), "rb").read()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names and names == sorted(names) and names[0] == "01.png"
    shot(page, "handoffs")
    card.locator("input[name=url]").fill("https://blog.naver.com/cityhall/223456789")
    card.get_by_role("button").filter(has_text="게시 완료").click()
    page.wait_for_url("**/handoffs")
    done = Ledger(ws.db).delivery(delivery["id"])
    assert (done["state"], done["url"], done["handed_off_by"]) == (
        m.D_HANDED_OFF, "https://blog.naver.com/cityhall/223456789", "kim")
    # the message names the channel by its platform, not by its name in outreach.toml
    assert "네이버 블로그 게시 완료로 기록했습니다." in page.locator(".flash").first.inner_text()
    shot(page, "handoff-done")
    assert page.js_errors == []


def test_failed_delivery_is_sent_again_after_the_cause_is_fixed(page, shot, monkeypatch):
    from outreach.store.notify import NotificationStore

    ws = page.server.ws
    monkeypatch.setenv("OUTREACH_NOW", THU.isoformat())
    occ = single_run(ws, "tiny", THU - timedelta(minutes=1))
    pass_at(ws, utc(THU))
    (delivery,) = Ledger(ws.db).deliveries([occ])
    assert delivery["state"] == m.D_FAILED and "5" in delivery["error"]
    NotificationStore(ws.db).save_check(
        "blog", [{"ok": False, "what": "RSS feed not readable", "fix": "check blog_id",
                  "expires_at": None}], utc(THU), None)
    add_user(ws.db, "lee", "approver", language="ko")
    sign_in(page, "lee", PASSWORD)
    page.goto("/today")
    assert page.locator("#problems").is_visible() and page.locator("#channel-problems").is_visible()
    shot(page, "today-with-problems")
    page.goto("/channels")
    shot(page, "channels")
    page.goto(f"/runs/{occ}")
    assert page.locator(f"#delivery-{delivery['id']} .s-failed").is_visible()
    shot(page, "failed-delivery")
    # the operator raises the limit in outreach.toml and restarts: here, the loaded setting
    ws.settings.channels["tiny"].settings.pop("max_text")
    page.get_by_role("button", name="다시 보내기", exact=True).click()
    page.wait_for_url(f"**/runs/{occ}")
    assert Ledger(ws.db).delivery(delivery["id"])["state"] == m.D_PENDING
    pass_at(ws, utc(THU + timedelta(minutes=1)))
    again = Ledger(ws.db).delivery(delivery["id"])
    assert (again["state"], again["attempts"]) == (m.D_SENT, 2)
    page.reload()
    shot(page, "retried")
    assert page.js_errors == []


@pytest.mark.phone
def test_a_draft_rendered_again_while_the_approver_looks_is_not_approved_unseen(
        page, shot, monkeypatch):
    ws = page.server.ws
    monkeypatch.setenv("OUTREACH_NOW", WED.isoformat())
    pass_at(ws, utc(WED))
    occ = Ledger(ws.db).occurrence_by_key("weekend-guide", "2026-11-26T07:00:00Z")
    add_user(ws.db, "lee", "approver", language="ko")
    sign_in(page, "lee", PASSWORD)
    page.goto(f"/runs/{occ['id']}")
    assert page.locator("#draft-revision").inner_text() == "1"
    # meanwhile the editor submits a correction: the draft is rendered again (version 2)
    PublishingService(ws.settings, ws.db, clock=lambda: utc(WED)).resubmit(occ["id"], "kim")
    page.get_by_role("button", name="승인", exact=True).click()
    page.wait_for_url(f"**/runs/{occ['id']}")
    assert page.locator(".flash.error").inner_text().strip() == (
        "승인하려는 사이에 초안이 바뀌었습니다. 새 초안을 확인한 뒤 다시 승인하세요")
    assert page.locator("#draft-revision").inner_text() == "2"      # the new draft is shown
    assert Ledger(ws.db).occurrence(occ["id"])["state"] == m.AWAITING_APPROVAL
    shot(page, "stale-approval-phone")
    page.get_by_role("button", name="승인", exact=True).click()
    page.wait_for_url(f"**/runs/{occ['id']}")
    row = Ledger(ws.db).occurrence(occ["id"])
    assert (row["state"], row["draft_revision"]) == (m.APPROVED, 2)
    assert page.js_errors == []
