"""주제 in a real browser: an editor asks for a ranking, a run-due pass (the CLI, called in
process) does it, and the page moves to the new ranking by itself (HTMX polling)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from outreach.cli import main
from outreach.topics import labelled, requests, service

from test_inbox_support import ingestor, reply
from web_support import PASSWORD, add_user

from conftest import sign_in

DATA = Path(__file__).parents[1] / "data" / "topics" / "messages.txt"
T0 = datetime(2026, 10, 5, 1, 0, tzinfo=timezone.utc)


def seed(ws) -> None:
    messages, labels = labelled.load(DATA)
    chosen = [m for m, l in zip(messages, labels) if l in ("parking", "bus", "library")]
    replies = [reply(f"m{m.item_id}", m.text, author_id=m.author, when=T0 + timedelta(minutes=n))
               for n, m in enumerate(chosen)]
    with ws.db.begin() as conn:
        ingestor(ws.settings, now=lambda: T0 + timedelta(days=1)).ingest(conn, replies)
    add_user(ws.db, "lee", "editor", display_name="이편집", language="ko")


def test_request_a_ranking_and_see_it_without_reloading(page, shot):
    ws = page.server.ws
    seed(ws)
    sign_in(page, "lee", PASSWORD)
    page.goto("/topics")
    assert page.locator("#worker-quiet").count() == 1       # no daemon has run here yet
    page.fill("#rank-form input[name=quarter]", "2026Q4")
    page.locator("#rank-button").click()
    page.wait_for_load_state()
    waiting = page.locator("#topic-requests .request-pending")
    assert "분석 중… 보통 1분 안에 끝납니다." in waiting.inner_text()
    assert re.search(r"2026년 \d+월 \d+일 \(.\) \d\d:\d\d", waiting.inner_text())
    shot(page, "waiting")
    assert main(["--root", str(ws.root), "run-due"]) == 0          # what cron runs
    run = requests.status(ws.db).last.run_id
    assert run
    # the polled fragment (every 5 s) sees the request done and opens the new ranking
    page.wait_for_url(re.compile(rf"/topics/{run}$"), timeout=60_000)
    page.wait_for_load_state()
    view = service.run_view(ws.db, run)
    rows = page.locator("table.topics tbody tr")
    assert rows.count() >= 2
    top = next(g for g in view.groups if g.citizens >= 2)
    assert page.locator(f"#group-{top.key} .group-name").inner_text() == top.name
    assert page.locator("#topic-requests .request-pending").count() == 0
    assert page.locator("#worker-quiet").count() == 0              # run-due left its beat
    shot(page, "ranked")
    assert page.js_errors == []
