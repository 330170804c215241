"""분석 in a real browser (Debian's chromium): the monthly report in Korean with its charts,
no script or CSP errors, the navigation hidden when printed, and a phone-width page."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from outreach.metrics.model import Figure
from outreach.store import metrics as q

from metrics_support import delivered
from web_support import PASSWORD, add_user

from conftest import sign_in

KST = ZoneInfo("Asia/Seoul")


def seed(ws):
    add_user(ws.db, "kim", "viewer", display_name="김열람", language="ko")
    sent = datetime(2026, 11, 12, 10, tzinfo=KST)
    did = delivered(ws.db, channel="outbox", remote_id="r1", sent=sent)
    q.save_snapshot(ws.db, did, "7d", sent + timedelta(days=7),
                    [Figure("views", 4321, "post_media_view"), Figure("comments", 9, "comments")])


def test_monthly_report_in_korean_prints_without_the_menu(page, shot):
    seed(page.server.ws)
    sign_in(page, "kim", PASSWORD)
    page.goto("/metrics?month=2026-11")
    assert page.locator("h1").first.inner_text().startswith("월간 홍보 보고서")
    assert "4,321" in page.locator("article.report").inner_text()
    # the channel by its platform's name in Korean, not its code
    assert page.locator("article.report td").first.inner_text() == "로컬 보관함"
    assert "outbox" not in page.locator("article.report").inner_text()
    charts = page.locator("img.chart")
    assert charts.count() >= 2
    assert page.evaluate("Array.from(document.images).filter(i => i.classList.contains('chart'))"
                         ".every(i => i.complete && i.naturalWidth > 0)")
    shot(page, "screen")
    page.emulate_media(media="print")
    assert not page.locator("nav#nav").is_visible()
    assert not page.locator("form.metrics-pick").is_visible()
    shot(page, "print")
    assert page.js_errors == []


@pytest.mark.phone
def test_report_fits_a_phone(page):
    seed(page.server.ws)
    sign_in(page, "kim", PASSWORD)
    page.goto("/metrics?month=2026-11")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1
