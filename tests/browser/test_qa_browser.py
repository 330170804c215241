"""QA pass over the staff app in a real browser (Debian's chromium), in Korean: what a PR
officer would trip over on pages other tests walk for their own purpose."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from conftest import sign_in
from desk_support import pass_at
from outreach.publishing import model as m
from outreach.publishing.model import OccurrenceSpec
from outreach.publishing.service import PublishingService
from outreach.store.ledger import Ledger
from web_support import PASSWORD, add_user, web_workspace

THU = datetime(2026, 11, 26, 16, 0, 30, tzinfo=ZoneInfo("Asia/Seoul"))


@pytest.fixture
def web_ws(tmp_path, db_url):
    toml = '[channels.tiny]\ntype = "outbox"\nmax_text = 5\n[publishing]\npost_approval = false\n'
    ws = web_workspace(tmp_path, db_url, toml=toml, language="ko")
    yield ws
    ws.db.dispose()


def test_sending_again_a_post_that_may_be_out_asks_first(page, shot, monkeypatch):
    """A delivery whose outcome is unknown may already be on the platform: "다시 보내기"
    asks before it can post twice; cancelling the question changes nothing."""
    ws = page.server.ws
    monkeypatch.setenv("OUTREACH_NOW", THU.isoformat())
    when = (THU - timedelta(minutes=1)).astimezone(timezone.utc)
    occ = PublishingService(ws.settings, ws.db, clock=lambda: when).plan(OccurrenceSpec(
        schedule="weekend-guide", key="qa-unknown", scheduled_for=when,
        template="weekend-guide", channels=("tiny",),
        data_file=ws.root / "content" / "weekend-guide" / "2026-11-26.yaml"))
    pass_at(ws, THU.astimezone(timezone.utc))
    ledger = Ledger(ws.db)
    (delivery,) = ledger.deliveries([occ])
    assert ledger.set_delivery(delivery["id"], THU, from_states=[delivery["state"]],
                               note="test: the request went out, no answer",
                               state=m.D_UNKNOWN)
    add_user(ws.db, "lee", "approver", language="ko")
    sign_in(page, "lee", PASSWORD)
    page.goto(f"/runs/{occ}")
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.get_by_role("button", name="다시 보내기", exact=True).click()
    assert asked and "이미 로컬 보관함 (tiny)에 올라갔을 수 있습니다" in asked[0]
    assert ledger.delivery(delivery["id"])["state"] == m.D_UNKNOWN
    shot(page, "unknown")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="다시 보내기", exact=True).click()
    page.wait_for_url(f"**/runs/{occ}")
    assert ledger.delivery(delivery["id"])["state"] == m.D_PENDING
    assert page.js_errors == []


def test_the_studio_links_to_the_post_it_submitted(page, shot, monkeypatch):
    """After "저장하고 승인 요청" the studio says which post waits and opens its page, where
    the approver approves: no hunting through the calendar."""
    ws = page.server.ws
    monkeypatch.setenv("OUTREACH_NOW", "2026-11-25T15:00:00+09:00")
    add_user(ws.db, "kim", "editor", language="ko")
    sign_in(page, "kim", PASSWORD)
    page.goto("/studio/weekend-guide/2026-11-26")
    assert page.locator("#run-link").count() == 0            # nothing planned yet
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="저장하고 승인 요청").click()
    page.wait_for_selector(".flash.ok")
    link = page.locator("#run-link")
    assert link.inner_text().startswith("게시물 #")
    shot(page, "submitted")
    link.click()
    page.wait_for_url("**/runs/*")
    assert "weekend-guide" in page.locator("h1").inner_text()
    # and back: an approver's "반려" sends the editor from the post to the studio
    page.get_by_role("link", name="스튜디오에서 카드 내용 고치기").click()
    page.wait_for_url("**/studio/weekend-guide/2026-11-26")
    assert page.js_errors == []


def test_survey_answers_keep_channel_and_date_on_one_line(page, shot):
    """A long answer (a pasted address) takes the table's width; the channel, theme and
    date beside it stay readable on one line instead of one syllable per line."""
    from sqlalchemy import insert

    from outreach.store.inbox_tables import inbox_items
    from outreach.users.audit import Actor
    from survey_support import add_survey_files, saved_survey

    ws = page.server.ws
    add_survey_files(ws.root)
    svc = saved_survey(ws.settings, ws.db)
    at = datetime(2026, 12, 2, 1, 0)
    with ws.db.begin() as conn:
        item = conn.execute(insert(inbox_items).values(
            channel="instagram", remote_id="ig-1", author_key="a-1", created_at=at,
            received_at=at, text="https://example.com/" + "averylongaddress" * 12)
        ).inserted_primary_key[0]
    svc.link(item, "2026-q4-live", Actor.system("test"), theme="traffic")
    add_user(ws.db, "kim", "editor", language="ko")
    sign_in(page, "kim", PASSWORD)
    page.goto("/surveys/2026-q4-live")
    shot(page, "answers")
    lines = page.evaluate("""() => [...document.querySelectorAll(
        '#answers tbody td:is(:nth-child(2), :nth-child(3), :nth-child(5))')]
        .map(td => { const r = document.createRange(); r.selectNodeContents(td);
                     return [td.textContent.trim(), new Set([...r.getClientRects()]
                             .map(x => Math.round(x.top))).size]; })""")
    assert [text for text, _ in lines] == ["Instagram", "교통·주차", "2026년 12월 2일 (수) 10:00"]
    assert all(n == 1 for _, n in lines), lines
    assert page.js_errors == []


def test_removing_a_filled_studio_item_asks_first(page, shot, monkeypatch):
    """The small ✕ beside ↑ ↓ removes an event with everything typed in it: it asks first
    (an empty item just added goes without a question)."""
    ws = page.server.ws
    monkeypatch.setenv("OUTREACH_NOW", "2026-11-25T15:00:00+09:00")
    add_user(ws.db, "kim", "editor", language="ko")
    sign_in(page, "kim", PASSWORD)
    page.goto("/studio/weekend-guide/2026-11-26")
    events = page.locator('fieldset[data-name="events"] > ol.item-list > li.item')
    count = events.count()
    assert count >= 2
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    events.first.locator(".remove-item").click()
    assert asked == ["이 항목과 그 안에 입력한 내용을 지울까요?"]
    assert events.count() == count                            # "취소" keeps it
    page.once("dialog", lambda d: d.accept())
    events.first.locator(".remove-item").click()
    assert events.count() == count - 1
    page.get_by_role("button", name="행사 추가").click()
    events.last.locator(".remove-item").click()              # empty: no question, gone
    assert events.count() == count - 1
    assert page.js_errors == []


def test_a_failed_live_preview_is_explained_in_words(page, shot, monkeypatch):
    """Signed out in another tab (or the session ended): the next preview fails, and the
    studio says why in Korean instead of the browser's "Error: 403"."""
    ws = page.server.ws
    monkeypatch.setenv("OUTREACH_NOW", "2026-11-25T15:00:00+09:00")
    add_user(ws.db, "kim", "editor", language="ko")
    sign_in(page, "kim", PASSWORD)
    page.goto("/studio/weekend-guide/2026-11-26")
    page.wait_for_selector('#slides li[data-index="1"] img[src^="data:image/jpeg"]')
    page.context.clear_cookies()
    page.fill('input[name="week_label"]', "11월 넷째 주 (수정)")
    error = page.locator("#preview-error")
    error.wait_for()
    text = error.inner_text()
    assert "Error" not in text and "403" not in text
    # the server's own sentence for a form whose session is gone: reload the page
    assert text.startswith("입력 양식이 만료되었거나") and "새로 고친 뒤" in text
    shot(page, "preview-failed")


def test_the_survey_yaml_is_edited_in_a_typewriter_font_with_a_way_back(page, shot):
    """YAML's indentation is its meaning: the form shows it in a fixed-width font, not bold
    proportional text; the page leads back to the survey and the list."""
    from survey_support import add_survey_files, saved_survey

    ws = page.server.ws
    add_survey_files(ws.root)
    saved_survey(ws.settings, ws.db)
    add_user(ws.db, "kim", "editor", language="ko")
    sign_in(page, "kim", PASSWORD)
    page.goto("/surveys/2026-q4-live")
    page.get_by_role("link", name="고치기").click()
    page.wait_for_url("**/surveys/2026-q4-live/edit")
    widths = page.evaluate("""() => {
        const t = document.querySelector('textarea[name=text]'), s = getComputedStyle(t);
        const g = document.createElement('canvas').getContext('2d');
        g.font = s.fontWeight + ' ' + s.fontSize + ' ' + s.fontFamily;
        return [s.fontWeight, g.measureText('iiii').width, g.measureText('WWWW').width]; }""")
    assert widths[0] == "400" and widths[1] == widths[2]           # every column lines up
    shot(page, "edit")
    page.locator("#back-to-survey").click()
    page.wait_for_url("**/surveys/2026-q4-live")
    page.locator(".crumbs").get_by_role("link", name="설문").click()
    page.wait_for_url("**/surveys")
    assert page.js_errors == []
