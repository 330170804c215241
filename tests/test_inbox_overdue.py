"""The overdue watcher notifies each newly overdue deadline once (two watchers at once
included), and a failed hand-over is tried again. SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from outreach.inbox.overdue import watch_overdue
from outreach.store import inbox as store

from inbox_report_data import _item, db_rows, k
from test_inbox_support import opened


def _recipients(conn, department, person_id):
    return {"도로과": ["kim", "park-supervisor", "kim"]}.get(department, ["admin"])


def test_each_deadline_is_notified_once(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    items = [_item("a", "facebook", k(16, 10), status="open", dept="도로과"),     # first due 14:00
             _item("b", "kakao", k(16, 15), status="answered", answered=k(16, 16)),
             _item("c", "facebook", k(16, 10), status="resolved", resolved=k(16, 11))]
    with db.begin() as conn:
        ids = store.insert_items(conn, db_rows(items, False))
    got: list = []

    def send(notice, people):
        got.append((notice.item_id, notice.deadline, tuple(people)))

    assert watch_overdue(db, k(16, 13), _recipients, send) == []
    sent = watch_overdue(db, k(16, 15), _recipients, send)
    assert [(n.item_id, n.deadline) for n in sent] == [(ids["a"], "first")]
    assert got == [(ids["a"], "first", ("kim", "park-supervisor"))]
    assert "010-****-5678" in sent[0].excerpt
    assert watch_overdue(db, k(16, 16), _recipients, send) == []          # once
    # seven working days later both open items pass their resolution deadline
    later = watch_overdue(db, k(26, 12), _recipients, send)
    assert sorted((n.item_id, n.deadline) for n in later) == \
        sorted([(ids["a"], "resolve"), (ids["b"], "resolve")])
    db.dispose()


def test_two_watchers_and_a_failed_hand_over(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    with db.begin() as conn:
        store.insert_items(conn, db_rows([_item("a", "facebook", k(16, 10), status="new")],
                                         False))

    def broken(notice, people):
        raise RuntimeError("mail server down")

    with pytest.raises(RuntimeError):
        watch_overdue(db, k(16, 15), _recipients, broken)
    got: list = []
    lock = threading.Lock()

    def send(notice, people):
        with lock:
            got.append(notice.item_id)

    threads = [threading.Thread(target=watch_overdue, args=(db, k(16, 15), _recipients, send))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 1                      # tried again after the failure, sent once
    db.dispose()
