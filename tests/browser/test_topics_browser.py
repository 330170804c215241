"""주제 in a real browser: merge two groups, mark one chosen for the broadcast, in Korean."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from outreach.topics import labelled, service
from outreach.users.audit import Actor

from test_inbox_support import ingestor, reply
from web_support import PASSWORD, add_user

from conftest import sign_in

DATA = Path(__file__).parents[1] / "data" / "topics" / "messages.txt"
T0 = datetime(2026, 10, 5, 1, 0, tzinfo=timezone.utc)


def seed(ws) -> int:
    messages, labels = labelled.load(DATA)
    chosen = [m for m, l in zip(messages, labels) if l in ("parking", "bus", "library")]
    replies = [reply(f"m{m.item_id}", m.text, author_id=m.author, when=T0 + timedelta(minutes=n))
               for n, m in enumerate(chosen)]
    with ws.db.begin() as conn:
        ingestor(ws.settings, now=lambda: T0 + timedelta(days=1)).ingest(conn, replies)
    add_user(ws.db, "lee", "editor", display_name="이편집", language="ko")
    scope = service.quarter_scope("2026Q4", ws.settings.timezone)
    return service.rank_scope(ws.settings, ws.db, scope, Actor.system("test"))


def test_merge_two_groups_and_choose_one(page, shot):
    ws = page.server.ws
    run = seed(ws)
    before = service.run_view(ws.db, run)
    first, second = [g for g in before.groups if g.citizens >= 2][:2]   # shown unfolded
    sign_in(page, "lee", PASSWORD)
    page.goto(f"/topics/{run}")
    assert page.locator("h1").first.inner_text().startswith("주제")
    page.locator(f"#group-{first.key} input[name=group]").check()
    page.locator(f"#group-{second.key} input[name=group]").check()
    page.locator("#merge-button").click()
    page.wait_for_load_state()
    row = page.locator(f"#group-{first.key}")
    assert int(row.locator("td.messages").inner_text()) == first.messages + second.messages
    assert page.locator(f"#group-{second.key}").count() == 0
    row.locator("button.choose").click()
    page.wait_for_load_state()
    assert page.locator(f"#group-{first.key} .chosen-badge").inner_text() == "선정"
    shot(page, "topics")
    after = service.run_view(ws.db, run)
    merged = next(g for g in after.groups if g.key == first.key)
    assert merged.chosen and merged.messages == first.messages + second.messages
    page.goto(f"/topics/{run}/brief")
    assert merged.name in page.locator("table").inner_text()
    page.emulate_media(media="print")
    shot(page, "brief")
    assert page.js_errors == []
