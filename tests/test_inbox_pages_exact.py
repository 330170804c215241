"""The inbox pages after their per-row work was made cheaper (rows converted in one pass,
ticket codes from a pre-keyed HMAC and a cache, the people and the transfer badge read
with the page, saved replies filled from the item at hand) show exactly what they did:

- item pages and Korean queue pages, byte for byte, against tests/golden/inbox_item_*.html
  and inbox_queue_ko_*.html captured from the code before the change (a fixed salt, so
  ticket numbers and author pseudonyms are pinned too; only the CSRF token, the static
  files' version, and the hours in each department and the times of notes and audit
  rows (all from the real clock) are blanked);
- ticket codes against their definition (one HMAC-SHA256 per Feistel round), several
  keys, ids on both sides of the six-character limit, days from the local date;
- every view's times and ticket day in time zones east and west of UTC and across a
  daylight-saving change;
- the badge and the newest item in one statement against the two queries apart;
- a person the page no longer offers (moved to another department) still named on the
  rows.

Set OUTREACH_WRITE_GOLDEN=1 to write the golden files instead of comparing (done once,
on the code before the change)."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inbox_web_support import file_items, staff_users
from web_support import csrf, sign_in, web_workspace

GOLDEN = Path(__file__).parent / "golden"
TEXTS = {"m1": "우리 동네 가로등이 꺼져 있어요 010-1234-5678",
         "m2": "불법주차 차량 때문에 지나갈 수가 없어요",
         "m3": "도로가 움푹 패여서 위험합니다 <b>&</b> \"따옴표\"",
         "m4": "가로등 고장 신고합니다 " + "길게 " * 40,
         "m5": "안녕하세요 감사합니다"}
SALT = {"toml": '[inbox]\nsalt_env = "INBOX_SALT"\n', "env": {"INBOX_SALT": "golden-salt-1"}}


def _normalized(html: str) -> str:
    html = re.sub(r'(name="csrf_token" value=")[^"]*"', r'\1"', html)
    html = re.sub(r'("X-CSRF-Token": ")[^"]*"', r'\1"', html)
    html = re.sub(r'\?v=[0-9a-f]{10}"', '?v=STATIC"', html)           # static files' mtimes
    # the time spent in each department runs from the real time the item was filed, and
    # notes and the activity log carry the real time they were written (the data's own
    # times are all in March 2026)
    html = re.sub(r'\d+(\.\d+)?시간', 'N시간', html)
    html = re.sub(r'\b(?!2026-03-)\d{4}-\d\d-\d\d \d\d:\d\d\b', 'REAL-TIME', html)
    return re.sub(r'(name="csrf-token"\s+content=")[^"]*"', r'\1"', html)


def _pages(tmp_path, db_url, monkeypatch) -> dict[str, str]:
    from web_support import staff_client

    monkeypatch.setenv("OUTREACH_NOW", "2026-03-02T12:00:00+09:00")
    ws = web_workspace(tmp_path, db_url, language="ko", **SALT)
    try:
        ids = file_items(ws, TEXTS, when=datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc))
        file_items(ws, {"k1": "주차 단속 요청합니다"}, channel="kakao",
                   when=datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc))
        staff_users(ws)
        out = {}
        with staff_client(ws) as staff:
            sign_in(staff, "chief")
            staff.post(f"/inbox/{ids['m1']}/assign",
                       data={"person": "road", "csrf_token": csrf(staff, f"/inbox/{ids['m1']}")})
            staff.post(f"/inbox/{ids['m2']}/note",
                       data={"text": "현장 확인 예정", "csrf_token": csrf(staff, f"/inbox/{ids['m2']}")})
            monkeypatch.setenv("OUTREACH_LANGUAGE", "ko")
            for name, path in (("item_chief_m1", f"/inbox/{ids['m1']}"),
                               ("item_chief_m2", f"/inbox/{ids['m2']}"),
                               ("queue_ko_chief", "/inbox")):
                page = staff.get(path)
                assert page.status_code == 200, (name, page.text[:300])
                out[name] = _normalized(page.text)
            monkeypatch.setenv("OUTREACH_LANGUAGE", "en")
            staff.post("/sign-out", data={"csrf_token": csrf(staff, "/inbox")})
            sign_in(staff, "road")
            monkeypatch.setenv("OUTREACH_LANGUAGE", "ko")
            for name, path in (("item_road_m3", f"/inbox/{ids['m3']}"),
                               ("queue_ko_road", "/inbox?sort=due")):
                page = staff.get(path)
                assert page.status_code == 200, (name, page.text[:300])
                out[name] = _normalized(page.text)
        return out
    finally:
        ws.db.dispose()


def test_item_and_korean_queue_pages_are_unchanged(tmp_path, db_url, monkeypatch):
    pages = _pages(tmp_path, db_url, monkeypatch)
    assert "가로등" in pages["item_chief_m1"] and "선택" in pages["queue_ko_road"]
    for name, html in pages.items():
        path = GOLDEN / f"inbox_{name}.html"
        if os.environ.get("OUTREACH_WRITE_GOLDEN") == "1":
            path.write_text(html, encoding="utf-8")
            continue
        assert html == path.read_text(encoding="utf-8"), name


# -- ticket codes --------------------------------------------------------------------

def _reference_ticket(key: bytes, item_id: int, day: date) -> str:
    """The ticket number as defined: a four-round Feistel network over the id whose round
    function is HMAC-SHA256(key, "round:half"), in Crockford base32, after the day."""
    chars, bits = (6, 30) if item_id < (1 << 30) else (8, 40)
    half = bits // 2
    mask = (1 << half) - 1
    left, right = item_id >> half, item_id & mask
    for index in range(4):
        digest = hmac.new(key, f"{index}:{right}".encode(), hashlib.sha256).digest()
        left, right = right, left ^ (int.from_bytes(digest[:4], "big") & mask)
    value = (left << half) | right
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    code = ""
    for _ in range(chars):
        value, digit = divmod(value, 32)
        code = alphabet[digit] + code
    return f"{day.strftime('%Y%m%d')}-{code}"


def test_ticket_codes_follow_their_definition_for_every_key():
    from outreach.inbox.kinds import parse_ticket, ticket_number

    ids = [1, 2, 49, 50, 999_999, (1 << 30) - 1, 1 << 30, (1 << 30) + 7, (1 << 40) - 1]
    days = [date(2026, 1, 1), date(2026, 12, 31), date(2031, 2, 28)]
    for key in (b"a", b"golden-salt-1", os.urandom(32), b"x" * 100):
        for item_id in ids:
            for day in days:
                ticket = ticket_number(key, item_id, day)
                assert ticket == _reference_ticket(key, item_id, day), (key, item_id)
                assert parse_ticket(key, ticket) == (item_id, day)
    # the same id under two keys (two workspaces in one process): two different codes
    one, two = ticket_number(b"k1", 12345, days[0]), ticket_number(b"k2", 12345, days[0])
    assert one != two and one == _reference_ticket(b"k1", 12345, days[0])


# -- rows as shown, in several time zones ----------------------------------------------

ZONES = ("Asia/Seoul", "UTC", "America/New_York", "Pacific/Chatham")


def _with_zone(ws, zone: str):
    from outreach.config import load_settings

    toml = ws.root / "outreach.toml"
    text = re.sub(r'^timezone = "[^"]*"', f'timezone = "{zone}"', toml.read_text("utf-8"),
                  flags=re.M)
    toml.write_text(text, encoding="utf-8")
    return load_settings(ws.root)


def test_rows_show_local_times_and_ticket_days_in_any_zone(tmp_path, db_url):
    """Items received just before and after midnight in each zone, and on both sides of
    New York's change to summer time (2026-03-08 07:00 UTC): the view's five times are the
    stored UTC times in the zone, the ticket's day is the local day of receipt."""
    from outreach.inbox.items import Inbox
    from outreach.store import inbox as store

    ws = web_workspace(tmp_path, db_url, **SALT)
    try:
        moments = [datetime(2026, 3, 1, 14, 59, tzinfo=timezone.utc),    # Seoul 23:59
                   datetime(2026, 3, 1, 15, 0, tzinfo=timezone.utc),     # Seoul 00:00
                   datetime(2026, 3, 8, 6, 59, tzinfo=timezone.utc),     # New York EST
                   datetime(2026, 3, 8, 7, 0, tzinfo=timezone.utc),      # New York EDT
                   datetime(2026, 3, 8, 11, 14, tzinfo=timezone.utc)]    # Chatham 00:59
        for i, moment in enumerate(moments):
            file_items(ws, {f"z{i}": "도로가 움푹 패여서 위험합니다"}, when=moment,
                       author=f"user-{i}")
        now = datetime(2026, 3, 20, tzinfo=timezone.utc)
        days = {}
        for zone in ZONES:
            settings = _with_zone(ws, zone)
            inbox = Inbox(settings, ws.db, now=lambda: now)
            with ws.db.read() as conn:
                rows = sorted(store.list_items(conn, store.ItemFilter(limit=50)),
                              key=lambda r: r.id)
            assert len(rows) == len(moments)
            tz = ZoneInfo(zone)

            def local(value):
                return None if value is None else \
                    value.replace(tzinfo=timezone.utc).astimezone(tz).isoformat(
                        timespec="minutes")
            views = inbox.views(rows)
            for view, row in zip(views, rows):
                assert view.created_at == local(row.created_at)
                assert view.first_due_at == local(row.first_due_at) is not None
                assert view.resolve_due_at == local(row.resolve_due_at) is not None
                assert (view.first_answered_at, view.resolved_at) == (None, None)
                day = row.created_at.replace(tzinfo=timezone.utc).astimezone(tz).date()
                assert view.ticket == _reference_ticket(b"golden-salt-1", row.id, day)
                assert view.overdue is (row.first_due_at < now.replace(tzinfo=None))
                assert inbox.view(row) == view                  # one row, the same
            days[zone] = [v.ticket[:8] for v in views]
            assert [v.created_at[-6:] for v in views][2:4] == \
                (["-05:00", "-04:00"] if zone == "America/New_York" else
                 [local(rows[2].created_at)[-6:]] * 2)
        assert days["Asia/Seoul"][:2] == ["20260301", "20260302"]
        assert days["UTC"][:2] == days["America/New_York"][:2] == ["20260301", "20260301"]
        assert days["Pacific/Chatham"][4] == "20260309" and days["UTC"][4] == "20260308"
    finally:
        ws.db.dispose()


# -- fewer statements, same values ---------------------------------------------------------

def test_badge_and_newest_in_one_statement_equal_the_two_apart(tmp_path, db_url):
    from outreach.inbox.items import Inbox
    from outreach.inbox.transfers import Transfers
    from outreach.store import inbox_queries as queries

    ws = web_workspace(tmp_path, db_url, **SALT)
    try:
        scopes = (None, (), ("도로과",), ("교통행정과", "도로과"), ("없는과",))
        with ws.db.read() as conn:          # an empty inbox
            for scope in scopes:
                assert queries.pending_and_newest(conn, scope) == (0, 0)
        ids = file_items(ws, TEXTS, when=datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc))
        transfers = Transfers(Inbox(ws.settings, ws.db))
        transfers.request(ids["m1"], "교통행정과", "신호등은 교통행정과")
        transfers.request(ids["m2"], "도로과", "도로 파손")
        with ws.db.read() as conn:
            for scope in scopes:
                both = queries.pending_and_newest(conn, scope)
                assert both == (queries.count_pending_transfers(conn, scope),
                                queries.newest_id(conn)), scope
            assert queries.pending_and_newest(conn, None) == (2, max(ids.values()))
    finally:
        ws.db.dispose()


def test_a_person_no_longer_offered_is_still_named_on_the_rows(tmp_path, db_url):
    """The rows' people come from the people the page offers; one who has since moved to
    another department (so is not offered) is read by number, as before."""
    from outreach.inbox.desk import Desk
    from outreach.store import inbox_people as people_store
    from outreach.store.inbox_queries import QueueFilter
    from outreach.users import accounts
    from outreach.users.audit import Actor

    ws = web_workspace(tmp_path, db_url, **SALT)
    try:
        ids = file_items(ws, TEXTS, when=datetime.now(timezone.utc) - timedelta(hours=1))
        staff_users(ws)
        desk = Desk(ws.settings, ws.db, Actor.system("test"), ("도로과",))
        road = [i for i in ids.values() if desk.inbox.row(i).assignee == "도로과"]
        assert len(road) >= 2
        desk.assign(road[0], "road")
        desk.assign(road[1], "chief")
        accounts.update_user(ws.db, Actor.system("test"), "chief", departments=("교통행정과",))
        page = desk.queue(QueueFilter(limit=50), offer_people=True)
        assert [p.name for p in page.assignable] == [p.name for p in desk.assignable()]
        assert "chief" not in [p.name for p in page.assignable]
        with ws.db.read() as conn:
            expected = people_store.by_ids(conn, [i.person_id for i in page.items])
        assert page.people == expected
        assert {p.name for p in page.people.values()} == {"road", "chief"}
        plain = desk.queue(QueueFilter(limit=50))          # the live stream's call
        assert plain.people == expected and plain.assignable is None
    finally:
        ws.db.dispose()


def test_saved_replies_filled_at_once_equal_one_by_one(tmp_path, db_url, monkeypatch):
    from outreach.inbox.answers import fill_all_saved, fill_saved, load_saved
    from outreach.inbox.items import Inbox
    from outreach.inbox.settings import inbox_config

    monkeypatch.setenv("OUTREACH_NOW", "2026-03-02T12:00:00+09:00")
    ws = web_workspace(tmp_path, db_url, **SALT)
    try:
        ids = file_items(ws, TEXTS, when=datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc))
        inbox = Inbox(ws.settings, ws.db)
        saved = load_saved(inbox_config(ws.settings).replies_file)
        assert len(saved) >= 3
        for item_id in ids.values():
            row = inbox.row(item_id)
            at_once = fill_all_saved(inbox, saved, row, inbox.view(row))
            assert at_once == {name: fill_saved(inbox, saved, name, item_id) for name in saved}
        row = inbox.row(ids["m1"])
        assert inbox.view(row).ticket in fill_all_saved(inbox, saved, row,
                                                        inbox.view(row))["접수안내"]
    finally:
        ws.db.dispose()
