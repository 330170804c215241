"""Each recipient group (language) of a notification or overdue notice is mailed at most
once: a group whose mail failed is tried again without the groups already mailed, a group
left ``sending`` by a pass that died is never mailed again (outcome unknown), and two
workers at once never mail the same group. Against a real SMTP server (aiosmtpd) that
refuses a recipient once, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from schema_support import downgrade, schema_diff

from outreach.notify import job
from outreach.store import desk_tables
from outreach.store.db import open_database
from outreach.store.notify import (BUSY, CLAIMED, DONE, LOST, PENDING, SENT, UNKNOWN,
                                   NotificationStore)

from inbox_report_data import _item, db_rows, k
from smtp_support import serve
from test_desk_notify import AHEAD, configure, notify
from test_inbox_overdue_mail import TOML
from test_publish_service import T0, make, spec  # noqa: F401 - fixture reuse
from web_support import add_user, web_workspace


@pytest.fixture
def smtp():
    yield from serve()


def _mailed(messages) -> list[str]:
    return sorted(address for to, _msg in messages for address in to)


def _two_languages(make, smtp):
    service, clock = make(start=T0 - timedelta(hours=2))
    configure(service, smtp.port, language="en")
    service.settings.sections["notifications"]["to"] = {}
    add_user(service.db, "kim", "approver", language="ko", email="kim@example.go.kr")
    add_user(service.db, "lee", "approver", language="en", email="lee@example.go.kr")
    service.plan(spec(**AHEAD))
    service.work()
    return service, clock


def test_declared_table_matches_the_migration(empty_db_url):
    diff = schema_diff(empty_db_url, desk_tables.metadata, ("notify_groups",))
    assert diff == [], diff


def test_migration_0016_down_and_up(empty_db_url):
    from sqlalchemy import inspect

    def there(db) -> bool:
        return "notify_groups" in inspect(db.engine).get_table_names()

    db = open_database(empty_db_url)
    assert there(db)
    downgrade(db, "0015_inbox_overdue_index")
    assert not there(db)
    db.dispose()
    db = open_database(empty_db_url)                   # brings it back up to the newest
    assert there(db)
    db.dispose()


def test_a_refused_group_is_retried_alone(make, smtp):
    service, clock = _two_languages(make, smtp)
    smtp.refuse_once = {"kim@example.go.kr"}          # the Korean group's mail is refused
    report = notify(service)
    assert (report.sent, report.failed) == (0, 1) and "ko: " in report.errors[0]
    assert "550" in report.errors[0] and smtp.refused == ["kim@example.go.kr"]
    assert _mailed(smtp.messages) == ["lee@example.go.kr"]
    store = NotificationStore(service.db)
    (row,) = store.all()
    assert row["state"] == PENDING and row["recipients"] == "lee@example.go.kr"
    groups = store.groups(f"notification:{row['id']}")
    assert {g: r["state"] for g, r in groups.items()} == {"en": "sent", "ko": "failed"}

    clock.advance(minutes=11)                          # past the retry time (10 minutes)
    report = notify(service)
    assert (report.sent, report.failed) == (1, 0)
    assert len(smtp.messages) == 2                     # the English group is not mailed again
    to, msg = smtp.messages[1]
    assert to == ["kim@example.go.kr"] and msg["Subject"].startswith("[outreach] 승인 대기 초안")
    (row,) = store.all()
    assert row["state"] == SENT
    assert row["recipients"] == "kim@example.go.kr, lee@example.go.kr"

    clock.advance(hours=1)
    notify(service)
    assert len(smtp.messages) == 2


def test_a_group_left_sending_by_a_dead_pass_is_not_mailed_again(make, smtp):
    service, clock = _two_languages(make, smtp)
    smtp.refuse_once = {"kim@example.go.kr"}
    notify(service)                                    # English mailed, Korean refused
    store = NotificationStore(service.db)
    (row,) = store.all()
    notice = f"notification:{row['id']}"
    # a pass claims the row and the Korean group, has the SMTP server accept it, and dies
    # before recording it: this is what it leaves in the database
    clock.advance(minutes=11)
    assert store.claim(row["id"], clock(), clock() + job.LEASE)
    assert store.claim_group(notice, "ko", "kim@example.go.kr", clock(),
                             clock() + job.LEASE) == CLAIMED
    clock.advance(minutes=2)                           # within its lease: nobody touches it
    assert store.claim_group(notice, "ko", "kim@example.go.kr", clock(),
                             clock() + job.LEASE) == BUSY
    assert notify(service).sent == 0 and len(smtp.messages) == 1

    clock.advance(minutes=4)                           # the lease is over
    report = notify(service)
    assert (report.sent, report.failed) == (0, 0)
    assert len(smtp.messages) == 1                     # not sent blindly again
    (row,) = store.all()
    assert row["state"] == UNKNOWN and "ko group" in row["error"]
    assert row["recipients"] == "lee@example.go.kr"
    assert store.groups(notice)["ko"]["state"] == "unknown"
    clock.advance(hours=1)
    notify(service)
    assert len(smtp.messages) == 1


def test_two_workers_at_once_mail_each_group_once(make, smtp, db_url):
    service, clock = _two_languages(make, smtp)
    smtp.slow = 0.3
    other = open_database(db_url)                      # a second process's connection pool
    barrier = threading.Barrier(2)
    reports: list = []

    def worker(db) -> None:
        barrier.wait()
        reports.append(job.run(service.settings, db, [], clock))

    try:
        threads = [threading.Thread(target=worker, args=(db,)) for db in (service.db, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        other.dispose()
    assert _mailed(smtp.messages) == ["kim@example.go.kr", "lee@example.go.kr"]
    assert sorted(r.sent for r in reports) == [0, 1]
    (row,) = NotificationStore(service.db).all()
    assert row["state"] == SENT


def test_claiming_one_group_at_once_has_one_winner(make, db_url):
    service, clock = make()
    stores = [NotificationStore(service.db), NotificationStore(open_database(db_url))]
    try:
        for n in range(10):
            barrier = threading.Barrier(2)
            found: list[str] = []

            def claim(store) -> None:
                barrier.wait()
                found.append(store.claim_group(f"notification:{n}", "ko", "a@example.go.kr",
                                               clock(), clock() + job.LEASE))

            threads = [threading.Thread(target=claim, args=(s,)) for s in stores]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
            assert sorted(found) == sorted([CLAIMED, BUSY]), (n, found)
            stores[0].group_sent(f"notification:{n}", "ko", clock())
            assert stores[1].claim_group(f"notification:{n}", "ko", "a@example.go.kr",
                                         clock(), clock() + job.LEASE) == DONE
        # a failed group is claimed again by one of two at once; a lost one by neither
        stores[0].claim_group("notification:x", "ko", "a", clock(), clock() + job.LEASE)
        stores[0].group_failed("notification:x", "ko", "550 mailbox full")
        found = [s.claim_group("notification:x", "ko", "a", clock(), clock() + job.LEASE)
                 for s in stores]
        assert found == [CLAIMED, BUSY]
        clock.advance(minutes=6)
        assert stores[1].claim_group("notification:x", "ko", "a", clock(),
                                     clock() + job.LEASE) == LOST
    finally:
        stores[1].db.dispose()


def test_an_overdue_notice_retries_only_the_refused_group(tmp_path, db_url, smtp):
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
    smtp.refuse_once = {"road@example.go.kr"}
    report = job.run(ws.settings, ws.db, [], lambda: k(16, 15))
    assert report.failed == 1 and "ko: " in report.errors[0] and "550" in report.errors[0]
    assert _mailed(smtp.messages) == ["chief@example.go.kr"]

    report = job.run(ws.settings, ws.db, [], lambda: k(16, 20))
    assert report.errors == [] and report.sent == 1
    assert _mailed(smtp.messages) == ["chief@example.go.kr", "road@example.go.kr"]
    to, msg = smtp.messages[1]
    assert to == ["road@example.go.kr"]
    assert msg["Subject"] == f"[outreach] 기한 초과: {ids['a']}번 민원 (도로과), 1차 답변"
    groups = NotificationStore(ws.db).groups(f"overdue:{ids['a']}:first")
    assert {g: r["state"] for g, r in groups.items()} == {"en": "sent", "ko": "sent"}

    job.run(ws.settings, ws.db, [], lambda: k(16, 22))
    assert len(smtp.messages) == 2
    ws.db.dispose()


def test_two_workers_at_once_send_an_overdue_notice_once(tmp_path, db_url, smtp):
    ws = web_workspace(tmp_path, db_url, 'language = "en"\n' + TOML.format(port=smtp.port),
                       env={"SMTP_PW": "s3cret"})
    add_user(ws.db, "road", "officer", departments=["도로과"], language="ko",
             email="road@example.go.kr")
    add_user(ws.db, "chief", "approver", departments=["도로과"], language="en",
             email="chief@example.go.kr")
    from outreach.store import inbox as store

    with ws.db.begin() as conn:
        store.insert_items(conn, db_rows(
            [_item("a", "facebook", k(16, 10), status="open", dept="도로과")], True))
    smtp.slow = 0.3
    other = open_database(db_url)
    barrier = threading.Barrier(2)

    def worker(db) -> None:
        barrier.wait()
        job.run(ws.settings, db, [], lambda: k(16, 15))

    try:
        threads = [threading.Thread(target=worker, args=(db,)) for db in (ws.db, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        other.dispose()
    assert _mailed(smtp.messages) == ["chief@example.go.kr", "road@example.go.kr"]
    ws.db.dispose()
