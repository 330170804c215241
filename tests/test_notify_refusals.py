"""Addresses the SMTP server refuses while it accepts a notice's mail for the others of the
group (smtplib's ``send_message`` returns them instead of raising): recorded with the
server's code and reply, a temporary refusal (450) mailed again to that address alone on
a later pass, exactly once, a permanent one (550) never, and shown on 알림 발송 기록 and in
``run-due``'s warnings. A pass killed between the send and recording it never has anyone
mailed twice. Against a real SMTP server (aiosmtpd) refusing at RCPT TO, on SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from schema_support import downgrade, schema_diff

from outreach.i18n import _, recording
from outreach.notify import job, mail
from outreach.notify.settings import notify_settings
from outreach.store import desk_tables
from outreach.store.db import open_database
from outreach.store.notify import (CLAIMED, DEFERRED, FAILED, PENDING, REFUSED, SENT, UNKNOWN,
                                   NotificationStore)

from inbox_report_data import _item, db_rows, k
from smtp_support import serve
from test_inbox_overdue_mail import TOML
from web_support import add_user, sign_in, staff_client, web_workspace

T0 = datetime(2026, 11, 26, 7, 0, tzinfo=timezone.utc)
KIM, PARK, CHOI, LEE = ("kim@example.go.kr", "park.nobody@example.go.kr",
                        "choi@example.go.kr", "lee@example.go.kr")


@pytest.fixture
def smtp():
    yield from serve()


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **kw) -> None:
        self.at += timedelta(**kw)


@pytest.fixture
def ws(tmp_path, db_url, smtp):
    """A workspace mailing through ``smtp``: approvers kim, park, choi read Korean, lee
    English (two groups)."""
    ws = web_workspace(tmp_path, db_url, TOML.format(port=smtp.port), env={"SMTP_PW": "s3cret"})
    for name, address, language in (("kim", KIM, "ko"), ("park", PARK, "ko"),
                                    ("choi", CHOI, "ko"), ("lee", LEE, "en")):
        add_user(ws.db, name, "approver", language=language, email=address)
    yield ws
    ws.db.dispose()


def _record(ws, clock: Clock, key: str = "draft_ready:1") -> dict:
    store = NotificationStore(ws.db)
    with recording():
        subject = _("[outreach] Draft ready for approval: {name}, {when}", name="guide",
                    when="11-26 16:00")
    store.record([{"key": key, "kind": "draft_ready", "roles": ["approve"],
                   "subject": subject, "body": subject}], clock())
    (row,) = [r for r in store.all() if r["key"] == key]
    return row


def _run(ws, clock: Clock):
    return job.run(ws.settings, ws.db, [], clock)


def _note(ws) -> dict:
    (row,) = NotificationStore(ws.db).all()
    return row


def test_450_is_mailed_again_alone_550_never_and_shown(ws, smtp):
    clock = Clock(T0)
    row = _record(ws, clock)
    notice = f"notification:{row['id']}"
    smtp.later[KIM] = ["450 4.2.1 mailbox busy, try later"]
    smtp.never[PARK] = "550 5.1.1 no such user: park.nobody@example.go.kr"
    report = _run(ws, clock)
    # the server took the Korean mail for choi and the English one for lee: one each
    assert sorted(to for to, _msg in smtp.messages) == [[CHOI], [LEE]]
    assert report.failed == 0 and report.errors == []
    assert report.refused == [("draft_ready:1", "pa***@example.go.kr",
                               "550 5.1.1 no such user: pa***@example.go.kr")]
    store = NotificationStore(ws.db)
    refusals = store.refusals(notice)
    assert {a: (r["state"], r["code"], r["language"], r["attempts"])
            for a, r in refusals.items()} == {KIM: (DEFERRED, 450, "ko", 1),
                                              PARK: (REFUSED, 550, "ko", 1)}
    assert refusals[KIM]["reply"] == "4.2.1 mailbox busy, try later"
    assert refusals[KIM]["next_attempt_at"] == T0 + timedelta(minutes=10)
    assert {g: r["state"] for g, r in store.groups(notice).items()} == {"en": SENT, "ko": SENT}
    row = _note(ws)
    assert row["state"] == PENDING and row["recipients"] == f"{CHOI}, {LEE}"
    assert row["next_attempt_at"] == T0 + timedelta(minutes=10)

    clock.advance(minutes=5)                          # before the retry time: nothing
    assert _run(ws, clock).refused == [] and len(smtp.messages) == 2
    assert smtp.offered.count(KIM) == 1

    clock.advance(minutes=6)                          # past it: kim alone, in Korean
    report = _run(ws, clock)
    assert report.sent == 1 and report.refused == []
    assert len(smtp.messages) == 3
    to, msg = smtp.messages[2]
    assert to == [KIM] and msg["To"] == KIM
    assert msg["Subject"].startswith("[outreach] 승인 대기 초안")
    row = _note(ws)
    assert row["state"] == SENT and row["recipients"] == f"{CHOI}, {KIM}, {LEE}"
    assert "refused: " + PARK + ": 550 5.1.1 no such user" in row["error"]
    refusals = store.refusals(notice)
    assert (refusals[KIM]["state"], refusals[KIM]["attempts"]) == (SENT, 2)
    assert refusals[PARK]["state"] == REFUSED

    clock.advance(days=1)
    _run(ws, clock)
    assert [smtp.got(a) for a in (KIM, PARK, CHOI, LEE)] == [1, 0, 1, 1]
    assert smtp.offered.count(PARK) == 1              # a permanent refusal is never retried

    # 알림 발송 기록 shows the refused address (masked) with the server's reply
    add_user(ws.db, "admin", "admin")
    with staff_client(ws) as client:
        sign_in(client, "admin")
        html = client.get("/notifications").text
    found = re.search(r'<li class="group" data-language="ko".*?</li>\s*</ul>\s*</li>', html,
                      re.S)
    assert found, html
    group = found.group(0)
    assert re.search(r'data-state="refused"><span class="recipients">pa\*\*\*@example.go.kr'
                     r'</span> <span class="badge state-refused">Refused</span>', group)
    assert "550 5.1.1 no such user: pa***@example.go.kr" in group
    assert re.search(r'data-state="sent"><span class="recipients">ki\*\*\*@example.go.kr',
                     group)
    assert PARK not in html and KIM not in html


def test_the_page_reads_korean_and_says_when_a_450_is_tried_again(ws, smtp):
    clock = Clock(T0)
    _record(ws, clock)
    smtp.later[KIM] = ["450 4.2.1 mailbox busy"]
    smtp.never[PARK] = "550 5.1.1 no such user"
    _run(ws, clock)
    add_user(ws.db, "admin", "admin", language="ko")
    with staff_client(ws) as client:
        sign_in(client, "admin")
        html = client.get("/notifications").text
    assert re.search(r'<span class="badge state-deferred">일시 거부, 다시 시도</span>\s*'
                     r'<span class="muted">다음 시도 [^<]*16:10', html), html
    assert '<span class="badge state-refused">수신 거부됨</span>' in html
    assert "450 4.2.1 mailbox busy" in html


def test_a_450_still_refused_after_five_tries_is_given_up(ws, smtp):
    clock = Clock(T0)
    row = _record(ws, clock)
    smtp.later[KIM] = [f"450 4.2.1 busy, try {n}" for n in range(1, 10)]
    _run(ws, clock)
    waits = []
    for _try in range(4):                             # tries 2 to 5, each when it is due
        due = _note(ws)["next_attempt_at"]
        waits.append(round((due - clock()).total_seconds() / 60))
        clock.at = due
        report = _run(ws, clock)
    assert waits == [10, 20, 40, 80]                  # the groups' back-off
    assert smtp.offered.count(KIM) == 5 and smtp.got(KIM) == 0
    refusal = NotificationStore(ws.db).refusals(f"notification:{row['id']}")[KIM]
    assert (refusal["state"], refusal["attempts"], refusal["code"]) == (FAILED, 5, 450)
    assert report.refused == [("draft_ready:1", "ki***@example.go.kr",
                               "450 4.2.1 busy, try 5")]
    row = _note(ws)
    assert row["state"] == SENT and "refused: " + KIM + ": 450 4.2.1 busy, try 5" in row["error"]
    clock.advance(days=1)
    _run(ws, clock)
    assert smtp.offered.count(KIM) == 5


def test_a_pass_killed_after_the_retry_went_never_mails_it_again(ws, smtp):
    clock = Clock(T0)
    row = _record(ws, clock)
    notice = f"notification:{row['id']}"
    smtp.later[KIM] = ["450 4.2.1 mailbox busy"]
    _run(ws, clock)
    assert smtp.got(KIM) == 0
    # a pass claims the notification and kim's retry, the server accepts the mail, and the
    # pass is killed before recording it: this is what it leaves behind
    clock.advance(minutes=11)
    store = NotificationStore(ws.db)
    assert store.claim(row["id"], clock(), clock() + job.LEASE)
    assert store.claim_refused(notice, clock(), clock() + job.LEASE) == {"ko": [KIM]}
    options = notify_settings(ws.settings)
    assert mail.send(ws.settings, options.smtp,
                     mail.build(options.smtp, [KIM], "s", "b", None)) == {}
    assert smtp.got(KIM) == 1
    clock.advance(minutes=2)                          # within the lease: nobody touches it
    assert store.claim_refused(notice, clock(), clock() + job.LEASE) == {}
    clock.advance(minutes=4)                          # the lease is over: the next pass
    report = _run(ws, clock)
    assert report.sent == 0 and smtp.got(KIM) == 1     # does not send it blindly again
    assert store.refusals(notice)[KIM]["state"] == UNKNOWN
    row = _note(ws)
    assert row["state"] == UNKNOWN and KIM in row["error"]
    clock.advance(days=1)
    _run(ws, clock)
    assert [smtp.got(a) for a in (KIM, CHOI, LEE)] == [1, 1, 1]


def test_a_pass_killed_between_the_group_send_and_recording_it(ws, smtp):
    """The refusals are recorded with the group's ``sent``: a pass that dies before leaves
    the group unknown and records no refusal, so the 450 address is not mailed either (at
    most once: nobody gets it twice)."""
    clock = Clock(T0)
    row = _record(ws, clock)
    notice = f"notification:{row['id']}"
    smtp.later[KIM] = ["450 4.2.1 mailbox busy"]
    store = NotificationStore(ws.db)
    options = notify_settings(ws.settings)

    class Killed(BaseException):
        pass

    def send_and_die(language, group):    # killed once the server took the Korean mail
        refused = mail.send(ws.settings, options.smtp,
                            mail.build(options.smtp, group, "s", "b", None))
        if language == "ko":
            assert refused == {KIM: (450, "4.2.1 mailbox busy")}
            raise Killed
        return refused

    assert store.claim(row["id"], clock(), clock() + job.LEASE)
    with pytest.raises(Killed):
        job.send_groups(store, notice, {"en": [LEE], "ko": [CHOI, KIM, PARK]}, send_and_die,
                        clock)
    assert [smtp.got(a) for a in (KIM, PARK, CHOI, LEE)] == [0, 1, 1, 1]
    clock.advance(minutes=6)
    _run(ws, clock)
    groups = store.groups(notice)
    assert (groups["en"]["state"], groups["ko"]["state"]) == (SENT, UNKNOWN)
    assert store.refusals(notice) == {}
    clock.advance(days=1)
    _run(ws, clock)
    assert [smtp.got(a) for a in (KIM, PARK, CHOI, LEE)] == [0, 1, 1, 1]
    assert smtp.offered.count(KIM) == 1
    assert _note(ws)["state"] == UNKNOWN


def test_a_retry_refused_at_rcpt_for_good_is_not_tried_again(ws, smtp):
    """The retry of one address is its own mail: refused at RCPT TO it raises (every
    recipient refused); a 550 then is final, recorded with its reply."""
    clock = Clock(T0)
    row = _record(ws, clock)
    smtp.later[KIM] = ["450 4.2.1 mailbox busy", "550 5.7.1 relaying denied for kim"]
    _run(ws, clock)
    clock.advance(minutes=11)
    report = _run(ws, clock)
    assert report.refused == [("draft_ready:1", "ki***@example.go.kr",
                               "550 5.7.1 relaying denied for kim")]
    refusal = NotificationStore(ws.db).refusals(f"notification:{row['id']}")[KIM]
    assert (refusal["state"], refusal["code"], refusal["attempts"]) == (REFUSED, 550, 2)
    assert _note(ws)["state"] == SENT
    clock.advance(days=1)
    _run(ws, clock)
    assert smtp.offered.count(KIM) == 2 and smtp.got(KIM) == 0


def test_the_reply_is_redacted(ws, smtp):
    clock = Clock(T0)
    row = _record(ws, clock)
    smtp.never[PARK] = "550 5.7.1 denied for outreach:s3cret"
    _run(ws, clock)
    refusal = NotificationStore(ws.db).refusals(f"notification:{row['id']}")[PARK]
    assert "s3cret" not in refusal["reply"] and "***" in refusal["reply"]


def test_an_overdue_notice_mails_a_450_address_once_on_a_later_pass(tmp_path, db_url, smtp):
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
    notice = f"overdue:{ids['a']}:first"
    report = job.run(ws.settings, ws.db, [], lambda: k(16, 15))
    assert report.failed == 0 and report.errors == []
    assert [to for to, _msg in smtp.messages] == [["chief@example.go.kr"]]
    refusals = NotificationStore(ws.db).refusals(notice)
    assert refusals["road@example.go.kr"]["state"] == DEFERRED
    for minutes in (1, 5, 11):              # before its retry time (10 minutes), then after
        report = job.run(ws.settings, ws.db, [], lambda: k(16, 15) + timedelta(minutes=minutes))
        assert report.failed == 0 and report.errors == []
        assert len(smtp.messages) == (1 if minutes < 10 else 2)
    assert [to for to, _msg in smtp.messages] == [["chief@example.go.kr"],
                                                  ["road@example.go.kr"]]
    assert NotificationStore(ws.db).refusals(notice)["road@example.go.kr"]["state"] == SENT
    job.run(ws.settings, ws.db, [], lambda: k(17, 10))
    assert len(smtp.messages) == 2
    ws.db.dispose()


def test_claiming_a_refused_address_has_one_winner(db_url):
    dbs = [open_database(db_url), open_database(db_url)]
    stores = [NotificationStore(db) for db in dbs]
    try:
        assert stores[0].claim_group("notification:9", "ko", KIM, T0, T0 + job.LEASE) == CLAIMED
        stores[0].group_sent("notification:9", "ko", T0, [dict(
            address=KIM, state=DEFERRED, code=450, reply="busy",
            next_attempt_at=T0 + timedelta(minutes=10))])
        later = T0 + timedelta(minutes=10)
        found = [s.claim_refused("notification:9", later, later + job.LEASE) for s in stores]
        assert found == [{"ko": [KIM]}, {}]
    finally:
        for db in dbs:
            db.dispose()


def test_declared_table_matches_the_migration(empty_db_url):
    diff = schema_diff(empty_db_url, desk_tables.metadata, ("notify_refusals",))
    assert diff == [], diff


def test_migration_0017_down_and_up(empty_db_url):
    from sqlalchemy import inspect

    def there(db) -> bool:
        return "notify_refusals" in inspect(db.engine).get_table_names()

    db = open_database(empty_db_url)
    assert there(db)
    downgrade(db, "0016_notify_groups")
    assert not there(db) and "notify_groups" in inspect(db.engine).get_table_names()
    db.dispose()
    db = open_database(empty_db_url)                   # brings it back up to the newest
    assert there(db)
    db.dispose()


def test_run_due_warns_once_of_an_address_refused_for_good(smtp, tmp_path, db_url,
                                                           monkeypatch, capsys):
    from outreach.cli import main
    from test_publish_helpers import write_template

    (tmp_path / "outreach.toml").write_text(
        f'timezone = "Asia/Seoul"\nlanguage = "en"\ndatabase_url = "{db_url}"\n'
        '[channels.outbox]\ntype = "outbox"\n'
        '[notifications]\nbase_url = "https://desk.example.go.kr"\n'
        '[notifications.to]\napprover = ["boss@example.go.kr", "gone@example.go.kr"]\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n'
        'sender = "outreach@example.go.kr"\n', encoding="utf-8")
    write_template(tmp_path / "templates" / "cards")
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "weekly.yaml").write_text(
        'template: notice\ncron: "0 16 * * thu"\nchannels: [outbox]\napproval: required\n'
        'prepare_before: 1d\ndata: content/{date}.yaml\n', encoding="utf-8")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "2026-11-26.yaml").write_text("title: 음악회\n", encoding="utf-8")
    smtp.never["gone@example.go.kr"] = "550 5.1.1 gone@example.go.kr: user unknown"
    monkeypatch.setenv("OUTREACH_NOW", "2026-11-25T16:30:00+09:00")
    assert main(["--root", str(tmp_path), "run-due"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"warning: notification draft_ready:\S+ not delivered to "
                     r"go\*\*\*@example\.go\.kr: 550 5\.1\.1 go\*\*\*@example\.go\.kr: user "
                     r"unknown", err), err
    assert main(["--root", str(tmp_path), "run-due"]) == 0      # told once
    assert "not delivered" not in capsys.readouterr().err
    assert [to for to, _msg in smtp.messages] == [["boss@example.go.kr"]]
