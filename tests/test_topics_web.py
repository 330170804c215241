"""The 주제 page's routes in process: permissions, bad input answered 4xx, never 5xx."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from outreach.topics import labelled, service
from outreach.users.audit import Actor

from test_inbox_support import ingestor, reply
from web_support import add_user, post, sign_in

DATA = Path(__file__).parent / "data" / "topics" / "messages.txt"
T0 = datetime(2026, 10, 5, 1, 0, tzinfo=timezone.utc)


def _seed(ws) -> int:
    messages, labels = labelled.load(DATA)
    chosen = [m for m, l in zip(messages, labels) if l in ("bus", "library")]
    replies = [reply(f"m{m.item_id}", m.text, author_id=m.author, when=T0 + timedelta(minutes=n))
               for n, m in enumerate(chosen)]
    with ws.db.begin() as conn:
        ingestor(ws.settings, now=lambda: T0 + timedelta(days=1)).ingest(conn, replies)
    return service.rank_scope(ws.settings, ws.db,
                              service.quarter_scope("2026Q4", ws.settings.timezone),
                              Actor.system("test"))


def test_pages_and_bad_input(staff):
    ws = staff.ws
    page_before = staff.get("/topics")
    assert page_before.status_code in (200, 303)
    run = _seed(ws)
    add_user(ws.db, "viewer1", "viewer")
    add_user(ws.db, "editor1", "editor")
    sign_in(staff, "viewer1")
    assert staff.get("/topics").status_code == 200
    assert staff.get(f"/topics/{run}/brief").status_code == 200
    xlsx = staff.get(f"/topics/{run}/topics.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    g1 = service.run_view(ws.db, run).groups[0].key
    denied = post(staff, f"/topics/{run}/choose", {"key": g1, "chosen": "1"}, page="/topics")
    assert denied.status_code == 403
    staff.post("/sign-out", data={})
    staff.cookies.clear()
    sign_in(staff, "editor1")
    one = post(staff, f"/topics/{run}/merge", {"group": g1}, page="/topics")
    assert one.status_code == 303                  # a flash error, nothing changed
    assert len(service.run_view(ws.db, run).groups) >= 2
    bad = post(staff, f"/topics/{run}/split", {"key": g1, "item": "abc"}, page="/topics")
    assert bad.status_code < 500
    for path in (f"/topics/{run}/groups/g999", "/topics/999/brief", "/topics/999/topics.xlsx",
                 "/topics?run=x"):
        assert 400 <= staff.get(path).status_code < 500, path
    ok = post(staff, f"/topics/{run}/choose", {"key": g1, "chosen": "1"}, page="/topics")
    assert ok.status_code == 303
    assert service.run_view(ws.db, run).groups[0].chosen


def test_messages_name_a_group_as_the_page_does_not_by_its_internal_key(staff):
    ws = staff.ws
    run = _seed(ws)
    add_user(ws.db, "editor1", "editor")
    sign_in(staff, "editor1")
    group = service.run_view(ws.db, run).groups[0]
    ok = post(staff, f"/topics/{run}/choose", {"key": group.key, "chosen": "1"}, page="/topics")
    page = staff.get(ok.headers["location"]).text
    assert f"chosen for the broadcast: {group.name}" in page
    assert f"chosen for the broadcast: {group.key}<" not in page
