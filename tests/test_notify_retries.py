"""Retries of a notification's groups and of the addresses the SMTP server refused are
counted and timed apart; an address refused for now is mailed again only while it still is a
recipient of the notice; 알림 발송 기록's failed filter finds notices some address will not
get; one overdue notice's failed mail does not hold back the others. Against a real SMTP
server (aiosmtpd) refusing at RCPT TO, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from schema_support import downgrade

from outreach.notify import job
from outreach.store.notify import (DEFERRED, DROPPED, FAILED, PENDING, REFUSED, SENT,
                                   NotificationStore)
from outreach.users import accounts
from outreach.users.audit import Actor

from inbox_report_data import _item, db_rows, k
from test_inbox_overdue_mail import TOML
from test_notify_refusals import (CHOI, KIM, LEE, PARK, T0, Clock, _note, _record, _run,
                                  smtp, ws)  # noqa: F401 - fixtures
from web_support import add_user, sign_in, staff_client, web_workspace

LATER = "451 4.3.0 try again later"


def _update(ws, name: str, **kw) -> None:
    accounts.update_user(ws.db, Actor.system("test"), name, **kw)


# -- 1. the group's tries and the refused addresses' tries are counted apart -----------------

def test_address_retries_do_not_use_up_a_groups_tries(ws, smtp):
    """kim's 450 is tried again four times; lee (English) joins meanwhile and his group's
    first mail fails: that is the notification's second try, not its fifth, so the group is
    tried again (after 20 minutes, its own back-off) instead of given up."""
    clock = Clock(T0)
    row = _record(ws, clock)
    notice = f"notification:{row['id']}"
    _update(ws, "lee", disabled=True)                  # not a recipient yet
    smtp.later[KIM] = [f"450 4.2.1 busy, try {n}" for n in range(1, 10)]
    _run(ws, clock)
    for _try in range(3):                              # kim's tries 2 to 4, each when due
        clock.at = _note(ws)["next_attempt_at"]
        _run(ws, clock)
    assert smtp.offered.count(KIM) == 4
    _update(ws, "lee", disabled=False)
    smtp.never[LEE] = LATER
    clock.at = _note(ws)["next_attempt_at"]            # kim's fifth try: his last
    report = _run(ws, clock)
    assert report.failed == 1 and "en: " in report.errors[0]
    row = _note(ws)          # the first pass mailed a group, this one tried one: two tries
    assert (row["state"], row["attempts"]) == (PENDING, 2)
    assert row["next_attempt_at"] == clock() + timedelta(minutes=20)
    store = NotificationStore(ws.db)
    assert store.refusals(notice)[KIM]["state"] == FAILED      # after its own 5 tries
    assert store.refusals(notice)[KIM]["attempts"] == 5
    del smtp.never[LEE]
    clock.at = row["next_attempt_at"]
    report = _run(ws, clock)
    assert report.failed == 0 and smtp.got(LEE) == 1
    row = _note(ws)
    assert (row["state"], row["attempts"]) == (SENT, 3)
    assert row["recipients"] == f"{CHOI}, {LEE}, {PARK}"


def test_a_pass_for_a_refused_address_does_not_try_a_failed_group_early(ws, smtp):
    """The Korean and English mails fail; on the second pass the Korean one goes but kim
    is refused for now (tried again in 10 minutes) and the English one fails again (its
    third try in 20): the pass that mails kim leaves the English group alone."""
    clock = Clock(T0)
    _record(ws, clock)
    smtp.later[KIM] = [LATER, "450 4.2.1 mailbox busy"]
    smtp.later[CHOI] = [LATER]
    smtp.later[PARK] = [LATER]
    smtp.later[LEE] = [LATER, LATER]
    report = _run(ws, clock)
    assert report.failed == 1 and smtp.messages == []
    clock.advance(minutes=10)
    report = _run(ws, clock)
    assert sorted(to for to, _msg in smtp.messages) == [[CHOI, PARK]]
    row = _note(ws)
    assert row["attempts"] == 2
    assert row["next_attempt_at"] == clock() + timedelta(minutes=10)   # kim's time
    clock.advance(minutes=10)
    report = _run(ws, clock)
    assert smtp.got(KIM) == 1
    assert smtp.offered.count(LEE) == 2                # not tried: its time has not come
    row = _note(ws)
    assert (row["state"], row["attempts"]) == (PENDING, 2)
    assert row["next_attempt_at"] == T0 + timedelta(minutes=30)
    assert row["error"].startswith("en: ")
    assert report.failed == 0                          # nothing failed on this pass
    clock.advance(minutes=10)
    _run(ws, clock)
    row = _note(ws)
    assert (row["state"], row["attempts"]) == (SENT, 3) and smtp.got(LEE) == 1
    assert row["recipients"] == f"{CHOI}, {KIM}, {LEE}, {PARK}"


# -- 2. an address refused for now is mailed again only while it still is a recipient --------

@pytest.mark.parametrize("change", ["disabled", "role", "email", "fixed"])
def test_an_address_no_longer_a_recipient_is_not_mailed_again(ws, smtp, change):
    clock = Clock(T0)
    row = _record(ws, clock)
    notice = f"notification:{row['id']}"
    desk = "desk@example.go.kr"
    ws.settings.sections["notifications"]["to"] = {"approver": [desk]}
    gone = desk if change == "fixed" else KIM
    smtp.later[gone] = ["450 4.2.1 mailbox busy"]
    _run(ws, clock)
    assert NotificationStore(ws.db).refusals(notice)[gone]["state"] == DEFERRED
    if change == "disabled":
        _update(ws, "kim", disabled=True)
    elif change == "role":
        _update(ws, "kim", role="viewer")          # may no longer approve
    elif change == "email":
        _update(ws, "kim", email=None)
    else:
        ws.settings.sections["notifications"]["to"] = {}
    clock.advance(minutes=11)
    report = _run(ws, clock)
    assert smtp.offered.count(gone) == 1 and smtp.got(gone) == 0
    refusal = NotificationStore(ws.db).refusals(notice)[gone]
    assert (refusal["state"], refusal["attempts"], refusal["next_attempt_at"]) == (
        DROPPED, 1, None)
    assert refusal["reply"] == "4.2.1 mailbox busy"        # the server's last answer kept
    assert report.failed == 0 and report.refused == []
    row = _note(ws)
    assert row["state"] == SENT and gone not in row["recipients"]
    clock.advance(days=1)
    _run(ws, clock)
    assert smtp.offered.count(gone) == 1

    add_user(ws.db, "admin", "admin", language="ko")
    with staff_client(ws) as client:
        sign_in(client, "admin")
        html = client.get("/notifications").text
    assert re.search(r'<li data-state="dropped"><span class="recipients">'
                     + re.escape(gone[:2]) + r'\*\*\*@example.go.kr</span> '
                     r'<span class="badge state-dropped">수신 대상 아님, 보내지 않음</span>',
                     html), html
    assert "다음 시도" not in html


def test_an_address_still_a_recipient_is_mailed_in_the_language_it_reads_now(ws, smtp):
    clock = Clock(T0)
    row = _record(ws, clock)
    smtp.later[KIM] = ["450 4.2.1 mailbox busy"]
    _run(ws, clock)
    _update(ws, "kim", language="en")
    clock.advance(minutes=11)
    _run(ws, clock)
    to, msg = smtp.messages[-1]
    assert to == [KIM] and msg["Subject"].startswith("[outreach] Draft ready for approval")
    refusal = NotificationStore(ws.db).refusals(f"notification:{row['id']}")[KIM]
    assert refusal["state"] == SENT


def test_an_overdue_notices_address_no_longer_a_recipient_is_dropped(tmp_path, db_url, smtp):
    ws = web_workspace(tmp_path, db_url, TOML.format(port=smtp.port), env={"SMTP_PW": "s3cret"})
    add_user(ws.db, "road", "officer", departments=["도로과"], language="ko",
             email="road@example.go.kr")
    add_user(ws.db, "chief", "approver", departments=["도로과"], language="ko",
             email="chief@example.go.kr")
    from outreach.store import inbox as store

    with ws.db.begin() as conn:
        ids = store.insert_items(conn, db_rows(
            [_item("a", "facebook", k(16, 10), status="open", dept="도로과")], True))
    smtp.later["road@example.go.kr"] = ["451 4.3.0 try again later"]
    job.run(ws.settings, ws.db, [], lambda: k(16, 15))
    _update(ws, "road", disabled=True)
    report = job.run(ws.settings, ws.db, [], lambda: k(16, 15) + timedelta(minutes=11))
    assert report.errors == []
    assert smtp.offered.count("road@example.go.kr") == 1
    refusal = NotificationStore(ws.db).refusals(f"overdue:{ids['a']}:first")
    assert refusal["road@example.go.kr"]["state"] == DROPPED
    job.run(ws.settings, ws.db, [], lambda: k(17, 10))
    assert smtp.offered.count("road@example.go.kr") == 1
    ws.db.dispose()


# -- 3. the failed filter finds a sent notification that some address will not get ----------

def test_the_failed_filter_finds_a_sent_notification_with_refused_addresses(ws, smtp):
    clock = Clock(T0)
    refused = _record(ws, clock, "draft_ready:1")
    smtp.never[PARK] = "550 5.1.1 no such user"
    _run(ws, clock)
    del smtp.never[PARK]
    clean = _record(ws, clock, "draft_ready:2")
    _run(ws, clock)
    waiting = _record(ws, clock, "draft_ready:3")       # kim refused for now only
    smtp.later[KIM] = ["450 4.2.1 mailbox busy"]
    _run(ws, clock)
    store = NotificationStore(ws.db)
    assert [r["state"] for r in (store.all())] == [PENDING, SENT, SENT]
    assert store.refusals(f"notification:{refused['id']}")[PARK]["state"] == REFUSED
    add_user(ws.db, "admin", "admin", language="ko")
    with staff_client(ws) as client:
        sign_in(client, "admin")
        html = client.get("/notifications?state=failed").text
        everything = client.get("/notifications").text
    listed = {int(i) for i in re.findall(r'<tr id="notification-(\d+)"', html)}
    assert listed == {refused["id"]}
    assert '<option value="failed" selected>실패 (주소 거부 포함)</option>' in html
    row = re.search(rf'<tr id="notification-{refused["id"]}".*?</tr>', everything, re.S).group(0)
    assert 'data-state="sent" data-refused="1"' in row
    assert '<span class="badge state-refused refused-count">주소 1개 수신 거부</span>' in row
    for other in (clean, waiting):      # refused for now is not refused: no mark
        found = re.search(rf'<tr id="notification-{other["id"]}".*?</tr>', everything, re.S)
        assert "refused-count" not in found.group(0)


# -- 4. one overdue notice's failure does not hold back the others ----------------------------

def test_one_failed_overdue_notice_does_not_stop_the_others(tmp_path, db_url, smtp):
    ws = web_workspace(tmp_path, db_url, TOML.format(port=smtp.port), env={"SMTP_PW": "s3cret"})
    for name, department in (("road", "도로과"), ("water", "수도과"), ("park", "공원과")):
        add_user(ws.db, name, "officer", departments=[department], language="ko",
                 email=f"{name}@example.go.kr")
    from outreach.store import inbox as store

    with ws.db.begin() as conn:
        ids = store.insert_items(conn, db_rows(
            [_item("a", "facebook", k(16, 10), status="open", dept="도로과"),
             _item("b", "facebook", k(16, 10), status="open", dept="수도과"),
             _item("c", "facebook", k(16, 10), status="open", dept="공원과")], True))
    smtp.later["road@example.go.kr"] = [LATER]          # the first item's mail fails
    report = job.run(ws.settings, ws.db, [], lambda: k(16, 15))
    assert sorted(to for to, _msg in smtp.messages) == [["park@example.go.kr"],
                                                        ["water@example.go.kr"]]
    assert report.sent == 2 and report.failed == 1
    assert report.errors[0].startswith(f"inbox overdue: overdue notice of item {ids['a']}")
    report = job.run(ws.settings, ws.db, [], lambda: k(16, 16))     # tried again alone
    assert report.errors == [] and report.sent == 1
    assert [to for to, _msg in smtp.messages][2:] == [["road@example.go.kr"]]
    job.run(ws.settings, ws.db, [], lambda: k(16, 20))
    assert len(smtp.messages) == 3
    assert sorted(smtp.got(f"{n}@example.go.kr") for n in ("road", "water", "park")) == [1, 1, 1]
    ws.db.dispose()


# -- the migration ------------------------------------------------------------------------------

def test_migration_0018_down_and_up(empty_db_url):
    from sqlalchemy import inspect
    from sqlalchemy.exc import IntegrityError

    from outreach.store.db import open_database

    def columns(db) -> set[str]:
        return {c["name"] for c in inspect(db.engine).get_columns("notify_groups")}

    def dropped_row(db, address: str) -> None:
        with db.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO notify_refusals (notice, address, language, state, attempts, "
                f"refused_at) VALUES ('overdue:1:first', '{address}', 'ko', 'dropped', 1, "
                "'2026-11-26 07:00:00')")

    db = open_database(empty_db_url)
    assert "next_attempt_at" in columns(db)
    dropped_row(db, KIM)
    downgrade(db, "0017_notify_refusals")
    assert "next_attempt_at" not in columns(db)
    with db.read() as conn:           # never mailed, and the old schema has no 'dropped'
        assert conn.exec_driver_sql("SELECT state FROM notify_refusals").scalar() == FAILED
    with pytest.raises(IntegrityError):
        dropped_row(db, LEE)
    db.dispose()
    db = open_database(empty_db_url)                   # brings it back up to the newest
    assert "next_attempt_at" in columns(db)
    dropped_row(db, LEE)
    db.dispose()
