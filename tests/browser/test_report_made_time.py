"""The monthly inbox report says when it was made in the one Korean date format
(i18n.format_datetime: "2026년 11월 29일 (일) 21:05"), on the page and on the A4 print."""

from __future__ import annotations

import re

from conftest import sign_in
from inbox_web_support import file_items
from test_inbox import kakao, live_server, web_ws  # noqa: F401  (fixtures)
from web_support import PASSWORD, add_user

KOREAN_STAMP = r"\d{4}년 \d{1,2}월 \d{1,2}일 \([월화수목금토일]\) \d{2}:\d{2} 작성"


def test_report_made_time_is_in_the_korean_date_format(page, web_ws, shot):
    file_items(web_ws, {"a": "우리 동네 가로등이 꺼져 있어요"})
    add_user(web_ws.db, "gwajang", "approver", language="ko")
    sign_in(page, "gwajang", PASSWORD)
    for path in ("/inbox/report", "/inbox/report/print"):
        page.goto(path)
        text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
        assert re.search(KOREAN_STAMP, text), text[:400]
        assert not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)    # no ISO stamp left
    shot(page, "report-made-time")
    assert page.js_errors == []
