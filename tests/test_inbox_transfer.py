"""Transfers between departments: reason, accept or send back, one pending at a time, time per
department, the deadline setting; the CLI commands. SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from outreach.errors import InboxError
from outreach.inbox.items import Inbox
from outreach.inbox.transfers import Transfers, deadline_policy
from outreach.store import inbox as store

from inbox_report_data import db_rows, _item, k
from test_inbox_support import opened


class Clock:
    def __init__(self, moment):
        self.moment = moment

    def __call__(self):
        return self.moment


def _one(tmp_path, db_url, toml=""):
    settings, db = opened(tmp_path, db_url, toml)
    item = _item("t1", "facebook", k(16, 10), status="open", dept="도로과", cats="도로")
    with db.begin() as conn:
        ids = store.insert_items(conn, db_rows([item], False))
    return settings, db, ids["t1"]


def test_transfer_accept_records_time_per_department(tmp_path, db_url):
    settings, db, item_id = _one(tmp_path, db_url)
    clock = Clock(k(16, 14))                                     # Monday 14:00
    road = Transfers(Inbox(settings, db, actor="김도로", now=clock))
    with pytest.raises(InboxError, match="needs a reason"):
        road.request(item_id, "교통행정과", "  ")
    with pytest.raises(InboxError, match="already with"):
        road.request(item_id, "도로과", "잘못 배정")
    tid = road.request(item_id, "교통행정과", "주차 단속 건입니다")
    with pytest.raises(InboxError, match="already has a transfer"):
        road.request(item_id, "환경과", "다른 이유")
    traffic = Transfers(Inbox(settings, db, actor="이교통", now=clock))
    with pytest.raises(InboxError, match="not to one of your departments"):
        traffic.accept(tid, may_act_for=["환경과"])
    assert [t.id for t in traffic.pending(["교통행정과"])] == [tid]
    assert traffic.pending(["환경과"]) == []
    clock.moment = k(17, 10)                                     # Tuesday 10:00
    traffic.accept(tid, "확인했습니다", may_act_for=["교통행정과"])
    with pytest.raises(InboxError, match="already settled"):
        traffic.accept(tid)
    row = Inbox(settings, db).row(item_id)
    assert row.assignee == "교통행정과"
    first_due = row.first_due_at
    assert first_due == store.to_db(k(16, 14))                  # "keep": deadlines unchanged
    clock.moment = k(17, 12)
    stays = traffic.stays(item_id)
    assert [(s.department, s.hours, s.working_hours) for s in stays] == \
        [("도로과", 24.0, 9.0), ("교통행정과", 2.0, 2.0)]           # Mon 10-18 + Tue 9-10; Tue 10-12
    kinds = [e.kind for e in _events(db, item_id)]
    assert kinds[-2:] == ["transfer", "transfer_accepted"]
    db.dispose()


def test_send_back_keeps_the_item_and_restart_policy(tmp_path, db_url):
    settings, db, item_id = _one(tmp_path, db_url, '[inbox]\ntransfer_deadlines = "restart"\n')
    assert deadline_policy(settings) == "restart"
    clock = Clock(k(16, 14))
    service = Transfers(Inbox(settings, db, actor="김도로", now=clock))
    tid = service.request(item_id, "교통행정과", "주차 건")
    with pytest.raises(InboxError, match="why the transfer is sent back"):
        service.send_back(tid, "")
    service.send_back(tid, "도로 파손 건이 맞습니다")
    assert Inbox(settings, db).row(item_id).assignee == "도로과"
    # a new request is possible once the first is settled; accepted -> deadlines restart
    tid2 = service.request(item_id, "교통행정과", "다시 요청")
    clock.moment = k(20, 17)                                     # Friday 17:00
    service.accept(tid2)
    row = Inbox(settings, db).row(item_id)
    assert store.from_db(row.first_due_at) == k(23, 12)          # 1 h Friday + 3 h Monday
    assert store.from_db(row.resolve_due_at) == k(1, 17, month=12)
    states = [t.status for t in service.of_item(item_id)]
    assert states == ["returned", "accepted"]
    db.dispose()


def test_bad_policy_names_the_key(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url, '[inbox]\ntransfer_deadlines = "later"\n')
    with pytest.raises(Exception, match="inbox.transfer_deadlines"):
        deadline_policy(settings)
    db.dispose()


def test_two_officers_transferring_at_once_make_one_transfer(tmp_path, db_url):
    settings, db, item_id = _one(tmp_path, db_url)
    results: list[object] = []

    def ask(dept):
        try:
            results.append(Transfers(Inbox(settings, db, actor=dept)).request(item_id, dept, "이유"))
        except InboxError as exc:
            results.append(exc)

    threads = [threading.Thread(target=ask, args=(d,)) for d in ("교통행정과", "환경과", "복지정책과")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(r, int) for r in results) == 1
    assert len(Transfers(Inbox(settings, db)).pending()) == 1
    db.dispose()


def test_cli_transfer_commands(tmp_path, db_url, capsys):
    from outreach.cli import main

    settings, db, item_id = _one(tmp_path, db_url)
    db.dispose()
    root = str(settings.root)
    assert main(["--root", root, "inbox", "--as", "김도로", "transfer", str(item_id), "교통행정과",
                 "--reason", "주차 건"]) == 0
    out = capsys.readouterr().out
    tid = int(out.split()[1].rstrip(":"))
    assert main(["--root", root, "inbox", "transfers", "--to", "교통행정과"]) == 0
    assert f"#{tid} item {item_id}: 도로과 -> 교통행정과" in capsys.readouterr().out
    assert main(["--root", root, "inbox", "send-back", str(tid), "--reason", "아님"]) == 0
    assert main(["--root", root, "inbox", "accept", str(tid)]) == 2
    assert "already settled" in capsys.readouterr().err


def _events(db, item_id):
    with db.read() as conn:
        return store.item_events(conn, item_id)
