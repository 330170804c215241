"""The 주제 page and ``[topics] rank_cron``: when the next automatic ranking is due (in
Korean), that none is scheduled, a queued automatic request shown as automatic, and a bad
value shown as its one line (never a 5xx). The clock is $OUTREACH_NOW, never the real one."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from outreach.topics import schedule

from web_support import add_user, sign_in, staff_client, web_workspace

MONDAYS = '[topics]\nrank_cron = "0 8 * * mon"\n'


def _line(page_text: str) -> str:
    found = re.search(r'<p[^>]*id="rank-schedule"[^>]*>(.*?)</p>', page_text, re.S)
    assert found, "no schedule line on the page"
    return html.unescape(found.group(1)).strip()


def _page(tmp_path, db_url, toml):
    ws = web_workspace(tmp_path, db_url, toml, language="ko")
    add_user(ws.db, "viewer1", "viewer")
    return ws


def test_the_page_says_when_the_next_automatic_ranking_is_due(tmp_path, db_url, monkeypatch):
    monkeypatch.setenv("OUTREACH_NOW", "2026-11-25T12:00:00+09:00")      # a Wednesday
    ws = _page(tmp_path, db_url, MONDAYS)
    try:
        with staff_client(ws) as client:
            sign_in(client, "viewer1")
            # before any pass: Monday 23's slot is due and waits for the background pass
            first = client.get("/topics")
            assert first.status_code == 200
            assert _line(first.text) == ("2026Q4 자동 주제 분석이 2026년 11월 23일 (월) 08:00에 "
                                         "예정되어 있었습니다(0 8 * * mon). 다음 백그라운드 작업 "
                                         "때 시작합니다.")
            # a pass queues it: the page shows it as automatic, and the next Monday
            now = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)
            made = schedule.enqueue_due(ws.settings, ws.db, now=now)
            assert made is not None
            page = client.get("/topics")
            assert _line(page.text) == "다음 자동 주제 분석: 2026년 11월 30일 (월) 08:00, 2026Q4(0 8 * * mon)."
            assert "자동 분석(outreach.toml [topics] rank_cron 일정), 2026년 11월 25일 (수) 12:00에 " \
                "요청됨." in html.unescape(page.text)
            assert "schedule" not in re.search(r'data-request="\d+">(.*?)</p>',
                                               page.text, re.S).group(1)
    finally:
        ws.db.dispose()


def test_the_page_says_none_is_scheduled(tmp_path, db_url):
    ws = _page(tmp_path, db_url, "")
    try:
        with staff_client(ws) as client:
            sign_in(client, "viewer1")
            page = client.get("/topics")
            assert page.status_code == 200
            assert _line(page.text) == ("예약된 자동 주제 분석이 없습니다(관리자가 outreach.toml의 "
                                        "[topics] rank_cron으로 정할 수 있습니다).")
    finally:
        ws.db.dispose()


def test_a_bad_value_is_shown_not_a_server_error(tmp_path, db_url):
    ws = _page(tmp_path, db_url, MONDAYS)
    try:
        # the file changed after the app started: the page reads the settings it was given
        bad = dataclasses.replace(ws.settings, sections={
            **ws.settings.sections, "topics": {"rank_cron": "0 8 * *"}})
        with staff_client(dataclasses.replace(ws, settings=bad)) as client:
            sign_in(client, "viewer1")
            page = client.get("/topics")
            assert page.status_code == 200
            line = _line(page.text)
            assert line.startswith("자동 주제 분석 일정이 없습니다: ")
            assert "topics.rank_cron: 잘못된 크론 '0 8 * *'" in line
    finally:
        ws.db.dispose()
