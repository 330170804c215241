"""Staff texts that are stored and read later are read in each reader's language, whatever
language the process that wrote them ran in: notifications (mailed once per language of
the recipients), overdue notices, an item's history lines, audit details, the autopilot's
draft problems. Old rows (plain strings) read as they were written. SQLite and PostgreSQL
where there is a database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from outreach.i18n import shown, text, use_language
from outreach.notify import job
from outreach.store.notify import NotificationStore

from inbox_report_data import _item, db_rows, k
from test_desk_notify import AHEAD, configure, notify, smtp  # noqa: F401 - the SMTP fixture
from test_inbox_overdue_mail import TOML
from test_inbox_support import opened
from test_publish_service import T0, make, spec  # noqa: F401 - fixture reuse
from web_support import add_user, web_workspace


def _by_address(messages):
    return {address: msg for to, msg in messages for address in to}


def test_a_notification_written_in_english_is_mailed_to_each_in_their_language(make, smtp):
    service, clock = make(start=T0 - timedelta(hours=2))
    configure(service, smtp.port, language="en")          # the pass runs in English
    service.settings.sections["notifications"]["to"] = {}
    add_user(service.db, "kim", "approver", language="ko", email="kim@example.go.kr")
    add_user(service.db, "lee", "approver", language="en", email="lee@example.go.kr")
    add_user(service.db, "park", "approver", email="park@example.go.kr")   # the workspace's
    service.plan(spec(**AHEAD))
    service.work()
    report = notify(service)
    assert (report.recorded, report.sent) == (1, 1)
    assert len(smtp.messages) == 2                         # one mail per language
    mails = _by_address(smtp.messages)
    korean, english = mails["kim@example.go.kr"], mails["lee@example.go.kr"]
    assert korean["Subject"] == ("[outreach] 승인 대기 초안: weekend-guide, "
                                 "2026년 11월 26일 (목) 16:00")
    assert "승인하거나 반려해 주세요" in korean.get_content()
    assert english["Subject"].strip() == ("[outreach] Draft ready for approval: weekend-guide, "
                                  "Thu 26 Nov 2026 16:00")
    assert mails["park@example.go.kr"] is english          # no language: the workspace's
    # the row keeps no language: a reader in either reads their own
    (row,) = NotificationStore(service.db).all()
    assert row["subject"].startswith("i18n:")
    with use_language("ko"):
        assert shown(row["subject"]) == korean["Subject"]
    with use_language("en"):
        assert shown(row["subject"]) == english["Subject"].strip()


def test_a_missed_runs_reason_in_its_notification_reads_in_each_language(make, smtp):
    """The run's reason was stored by the publishing pass as a message; the notification
    quoting it keeps it a message, so the whole body is in each reader's language."""
    service, clock = make(channels={"outbox": {"type": "outbox"}})
    configure(service, smtp.port, language="en")
    service.settings.sections["notifications"]["to"] = {}
    add_user(service.db, "kim", "editor", language="ko", email="kim@example.go.kr")
    add_user(service.db, "lee", "editor", language="en", email="lee@example.go.kr")
    clock.now = T0
    service.plan(spec(key="2026-11-26T04:00:00Z", scheduled_for=T0 - timedelta(hours=3)))
    with use_language("en"):
        service.work()
    notify(service)
    mails = _by_address(smtp.messages)
    korean = mails["kim@example.go.kr"].get_content()
    english = mails["lee@example.go.kr"].get_content()
    assert "게시되지 않았습니다: 유예 시간" in korean and "grace window" not in korean
    assert "was not published: not started within its grace window" in english


def test_an_old_plain_notification_is_mailed_as_it_was_written(make, smtp):
    service, clock = make(start=T0 - timedelta(hours=2))
    configure(service, smtp.port, language="en")
    service.settings.sections["notifications"]["to"] = {}
    add_user(service.db, "kim", "approver", language="ko", email="kim@example.go.kr")
    add_user(service.db, "lee", "approver", language="en", email="lee@example.go.kr")
    NotificationStore(service.db).record([{
        "key": "old:1", "kind": "draft_ready", "roles": ("approve",),
        "subject": "[outreach] Draft ready for approval: old", "body": "written before",
        "link": None}], clock())
    notify(service)
    assert sorted(msg["Subject"].strip() for _to, msg in smtp.messages) == [
        "[outreach] Draft ready for approval: old"] * 2


def test_overdue_notices_go_in_each_recipients_language(tmp_path, db_url, smtp):
    ws = web_workspace(tmp_path, db_url, 'language = "en"\n' + TOML.format(port=smtp.port),
                       env={"SMTP_PW": "s3cret"})
    add_user(ws.db, "road", "officer", departments=["도로과"], language="ko",
             email="road@example.go.kr")
    add_user(ws.db, "chief", "approver", departments=["도로과"], language="en",
             email="chief@example.go.kr")
    from outreach.store import inbox as store

    with ws.db.begin() as conn:
        ids = store.insert_items(conn, db_rows(
            [_item("a", "facebook", k(16, 10), status="open", dept="도로과")], True))
    job.run(ws.settings, ws.db, [], lambda: k(16, 15))
    mails = _by_address(smtp.messages)
    assert len(smtp.messages) == 2
    assert mails["road@example.go.kr"]["Subject"] == (
        f"[outreach] 기한 초과: {ids['a']}번 민원 (도로과), 1차 답변")
    assert mails["chief@example.go.kr"]["Subject"].strip() == (
        f"[outreach] Overdue: item {ids['a']} (도로과), first answer")
    ws.db.dispose()


def test_history_lines_and_audit_details_read_in_each_readers_language(tmp_path, db_url):
    from outreach.inbox.items import Inbox
    from outreach.inbox.transfers import Transfers
    from outreach.users.audit import Actor, entries, record
    from outreach.store.users import AuditFilter

    settings, db = opened(tmp_path, db_url, '[inbox]\ntransfer_deadlines = "restart"\n')
    from outreach.store import inbox as store

    with db.begin() as conn:
        ids = store.insert_items(conn, db_rows(
            [_item("a", "facebook", k(16, 10), status="open", dept="도로과")], True))
        # an old row: a plain English line, read as written by everyone
        store.add_events(conn, [store.event(ids["a"], "deleted", "system",
                                            "deleted on the platform", k(16, 11))])
    inbox = Inbox(settings, db, actor="cli", now=lambda: k(16, 12))
    with use_language("en"):                                   # a process in English
        service = Transfers(inbox)
        tid = service.request(ids["a"], "교통행정과", "주차 건")
        service.accept(tid)
        with db.begin() as conn:
            record(conn, Actor.system("cron"), "test.note", "inbox_item", ids["a"],
                   {"why": text("deleted on the platform"), "count": 2})

    def lines(language):
        with use_language(language):
            history = inbox.detail(ids["a"])["history"]
            with db.read() as conn:
                audit = entries(conn, AuditFilter(action="test.note"))
        return [h["detail"] for h in history], audit[0].detail

    ko_lines, ko_audit = lines("ko")
    en_lines, en_audit = lines("en")
    assert "도로과 -> 교통행정과 (기한 다시 계산)" in ko_lines
    assert "도로과 -> 교통행정과 (deadlines restarted)" in en_lines
    assert "deleted on the platform" in ko_lines and "deleted on the platform" in en_lines
    assert ko_audit == {"why": "플랫폼에서 삭제됨", "count": 2}
    assert en_audit == {"why": "deleted on the platform", "count": 2}
    db.dispose()


def test_autopilot_problems_read_in_each_readers_language(tmp_path):
    from outreach.autopilot import service as autopilot
    from outreach.autopilot.draft import Draft
    from outreach.config import load_settings

    (tmp_path / "outreach.toml").write_text('timezone = "Asia/Seoul"\n', encoding="utf-8")
    settings = load_settings(tmp_path)
    path = tmp_path / "content" / "weekend" / "2026-11-28.yaml"
    path.parent.mkdir(parents=True)
    now = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
    with use_language("en"):                                    # a cron pass in English
        problem = text("no events were found for the weekend of {day}: add them by hand",
                       day="2026-11-28")
        autopilot._write(settings, "weekend", path,
                         Draft(data={"events": []}, problems=[problem], counts={}), now)
    with use_language("ko"):
        (ko,) = autopilot.draft_problems(settings, "weekend", path)
    with use_language("en"):
        (en,) = autopilot.draft_problems(settings, "weekend", path)
    assert en == "no events were found for the weekend of 2026-11-28: add them by hand"
    assert ko != en and "2026-11-28" in ko
