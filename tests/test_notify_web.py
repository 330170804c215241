"""알림 발송 기록 (/notifications): admins only, each notification with its recipient
groups (state, masked addresses, time, error), the state filter and keyset paging, on
SQLite and PostgreSQL. The rows are made through the notification store's own calls (the
ones the mail job uses), not written by hand."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from outreach.i18n import _, recording
from outreach.store.notify import FAILED, PENDING, REFUSED, SENT, UNKNOWN, NotificationStore
from web_support import add_user, sign_in

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=timezone.utc)       # 10:00 in Seoul
LEASE = timedelta(minutes=5)


def _event(key: str, name: str) -> dict:
    with recording():
        subject = _("[outreach] Draft ready for approval: {name}, {when}", name=name,
                    when="11-26 16:00")
    return {"key": key, "kind": "draft_ready", "roles": ["approver"], "subject": subject,
            "body": subject}


def _note(store: NotificationStore, key: str, name: str = "weekend-guide") -> int:
    store.record([_event(key, name)], T0)
    return max(r["id"] for r in store.all() if r["key"] == key)


def seed(db) -> dict[str, int]:
    """A sent notice (two groups), a failed one (ko sent, en refused), an unknown one
    (its en group left sending by a dead pass), one still waiting, and one sent whose
    Korean mail the server took but for one address it refused for good (``partly``)."""
    store = NotificationStore(db)
    ids = {}
    ids["sent"] = n = _note(store, "draft_ready:1", "sent-guide")
    assert store.claim(n, T0, T0 + LEASE)
    for lang, to in (("ko", "hong@city.go.kr"), ("en", "kim.lee@city.go.kr")):
        assert store.claim_group(f"notification:{n}", lang, to, T0, T0 + LEASE) == "claimed"
        store.group_sent(f"notification:{n}", lang, T0 + timedelta(seconds=3))
    store.finish(n, SENT, T0 + timedelta(seconds=3),
                 recipients="hong@city.go.kr, kim.lee@city.go.kr")

    ids["failed"] = n = _note(store, "draft_ready:2", "failed-guide")
    assert store.claim(n, T0, T0 + LEASE)
    store.claim_group(f"notification:{n}", "ko", "park@city.go.kr", T0, T0 + LEASE)
    store.group_sent(f"notification:{n}", "ko", T0)
    store.claim_group(f"notification:{n}", "en", "choi.full@city.go.kr", T0, T0 + LEASE)
    store.group_failed(f"notification:{n}", "en",
                       "550 5.2.2 mailbox full: choi.full@city.go.kr")
    store.finish(n, FAILED, T0, recipients="park@city.go.kr",
                 error="en: 550 5.2.2 mailbox full: choi.full@city.go.kr")

    ids["unknown"] = n = _note(store, "draft_ready:3", "unknown-guide")
    assert store.claim(n, T0, T0 + LEASE)
    store.claim_group(f"notification:{n}", "en", "jung@city.go.kr", T0, T0 + LEASE)
    later = T0 + timedelta(minutes=10)           # the lease ran out: the pass died
    assert store.claim_group(f"notification:{n}", "en", "jung@city.go.kr", later,
                             later + LEASE) == UNKNOWN
    store.finish(n, UNKNOWN, later, recipients="", error="en: outcome unknown")

    ids["pending"] = _note(store, "draft_ready:4", "pending-guide")

    ids["partly"] = n = _note(store, "draft_ready:5", "partly-guide")
    assert store.claim(n, T0, T0 + LEASE)
    store.claim_group(f"notification:{n}", "ko", "seo@city.go.kr,nam.gone@city.go.kr", T0,
                      T0 + LEASE)
    store.group_sent(f"notification:{n}", "ko", T0, [dict(
        address="nam.gone@city.go.kr", state=REFUSED, code=550, reply="5.1.1 no such user",
        next_attempt_at=None)])
    store.finish(n, SENT, T0, recipients="seo@city.go.kr",
                 error="refused: nam.gone@city.go.kr: 550 5.1.1 no such user")
    return ids


def _admin(staff, name="admin", **kw):
    add_user(staff.ws.db, name, "admin", **kw)
    sign_in(staff, name)


def test_only_admins_see_the_page(staff):
    add_user(staff.ws.db, "ed", "editor")
    sign_in(staff, "ed")
    assert staff.get("/notifications").status_code == 403
    assert 'href="/notifications"' not in staff.get("/today").text
    staff.cookies.clear()
    _admin(staff)
    answer = staff.get("/notifications")
    assert answer.status_code == 200
    assert 'href="/notifications"' in staff.get("/today").text


def _row(html: str, note_id: int) -> str:
    found = re.search(rf'<tr id="notification-{note_id}".*?</tr>', html, re.S)
    assert found, f"notification {note_id} not listed"
    return found.group(0)


def test_states_groups_and_errors_are_shown_masked(staff):
    ids = seed(staff.ws.db)
    _admin(staff)
    html = staff.get("/notifications").text
    sent = _row(html, ids["sent"])
    assert 'data-state="sent"' in sent and sent.count('class="group"') == 2
    assert "Draft ready for approval: sent-guide" in sent
    assert "10:00" in sent                                  # created at, in Seoul time
    failed = _row(html, ids["failed"])
    assert 'data-language="en" data-state="failed"' in failed
    assert 'data-language="ko" data-state="sent"' in failed
    assert "550 5.2.2 mailbox full" in failed
    unknown = _row(html, ids["unknown"])
    assert 'data-language="en" data-state="unknown"' in unknown
    assert "stopped before recording it" in unknown
    assert 'data-state="pending"' in _row(html, ids["pending"])
    # addresses masked, in the groups and in the errors
    for address in ("hong@city.go.kr", "kim.lee@city.go.kr", "choi.full@city.go.kr",
                    "jung@city.go.kr", "park@city.go.kr"):
        assert address not in html
    assert "ho***@city.go.kr" in sent and "ki***@city.go.kr" in sent
    assert "ch***@city.go.kr" in failed


def test_the_subject_is_read_in_the_readers_language(staff):
    ids = seed(staff.ws.db)
    _admin(staff, "kor", language="ko")
    html = staff.get("/notifications").text
    assert "승인 대기 초안: failed-guide" in _row(html, ids["failed"])
    assert "알림 발송 기록" in html


def test_the_state_filter(staff):
    ids = seed(staff.ws.db)
    _admin(staff)
    # "failed" also finds the sent notice an address will not get (refused for good)
    for state, wanted in (("failed", {"failed", "partly"}), ("unknown", {"unknown"}),
                          ("pending", {"pending"}), ("sent", {"sent", "partly"})):
        html = staff.get(f"/notifications?state={state}").text
        listed = {int(i) for i in re.findall(r'<tr id="notification-(\d+)"', html)}
        assert listed == {ids[w] for w in wanted}, state
    partly = _row(staff.get("/notifications?state=failed").text, ids["partly"])
    assert 'data-state="sent" data-refused="1"' in partly
    assert '<span class="badge state-refused refused-count">1 address refused</span>' in partly
    assert "refused-count" not in _row(staff.get("/notifications").text, ids["sent"])
    bad = staff.get("/notifications?state=bogus")
    assert bad.status_code == 400 and "state must be one of" in bad.text


def test_paging_by_keyset(staff):
    store = NotificationStore(staff.ws.db)
    made = [_note(store, f"draft_ready:{i}", f"guide-{i}") for i in range(53)]
    _admin(staff)
    first = staff.get("/notifications").text
    one = [int(i) for i in re.findall(r'<tr id="notification-(\d+)"', first)]
    assert one == sorted(made, reverse=True)[:50]
    older = re.search(r'<a href="(\?[^"]*before=\d+)"', first)
    assert older, "no link to older notifications"
    second = staff.get("/notifications" + older.group(1).replace("&amp;", "&")).text
    two = [int(i) for i in re.findall(r'<tr id="notification-(\d+)"', second)]
    assert two == sorted(made, reverse=True)[50:]
    assert "before=" not in second.split("</table>")[1]
    # the filter is kept across pages (all 53 are waiting)
    pending = staff.get("/notifications?state=pending").text
    link = re.search(r'<a href="(\?[^"]*before=\d+)"', pending).group(1).replace("&amp;", "&")
    assert "state=pending" in link
    rest = staff.get("/notifications" + link).text
    assert len(re.findall(r'<tr id="notification-(\d+)"', rest)) == 3
