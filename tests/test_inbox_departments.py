"""One department check for every route and transfer (``outreach.inbox.departments``): the
service refuses an unknown department whichever path asks (transfer, CLI ``inbox assign``,
bulk route, CLI ``inbox transfer``), names it and what is known, and changes nothing.
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from outreach.errors import InboxError
from outreach.inbox.desk import Desk
from outreach.inbox.items import Inbox
from outreach.inbox.transfers import Transfers
from outreach.store import inbox as store
from outreach.users.audit import Actor

from inbox_report_data import _item, db_rows, k
from test_inbox_support import opened
from web_support import add_user


def _items(db):
    items = [_item("a", "facebook", k(16, 10), status="open", dept="도로과"),
             _item("b", "facebook", k(16, 11), status="open", dept="도로과"),
             _item("c", "kakao", k(16, 12), status="new", dept="교통행정과")]
    with db.begin() as conn:
        return store.insert_items(conn, db_rows(items, True))


def _state(db, ids):
    with db.read() as conn:
        rows = {n: store.get_item(conn, i) for n, i in ids.items()}
        audits = conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar()
        transfers = conn.exec_driver_sql("SELECT count(*) FROM inbox_transfers").scalar()
    return {n: (r.assignee, r.status) for n, r in rows.items()}, audits, transfers


def test_staff_app_departments_are_the_known_ones(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    add_user(db, "road", "officer", departments=["도로과"])
    add_user(db, "passport", "officer", departments=["민원여권과"])     # not in the rules
    ids = _items(db)
    before = _state(db, ids)
    inbox = Inbox(settings, db, actor="road")
    # 교통행정과 is in the rules but not the staff app's: nobody there could accept it
    for bad in ("교통행정과", "도로과 주차팀", "민원여권"):
        with pytest.raises(InboxError) as caught:
            Transfers(inbox).request(ids["a"], bad, "소관 아님")
        assert str(caught.value) == (f"there is no department named {bad}: choose one of "
                                     "도로과, 민원여권과")
        with pytest.raises(InboxError, match=f"no department named {bad}"):
            inbox.assign(ids["a"], bad)
    assert _state(db, ids) == before                                  # nothing happened
    assert Transfers(inbox).request(ids["a"], " 민원여권과 ", "여권 문의") > 0
    inbox.assign(ids["b"], "민원여권과")
    assert inbox.row(ids["b"]).assignee == "민원여권과"
    db.dispose()


def test_without_the_staff_app_the_rules_name_the_departments(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    ids = _items(db)
    inbox = Inbox(settings, db, actor="cli")
    with pytest.raises(InboxError) as caught:
        Transfers(inbox).request(ids["a"], "교통과", "주차 건")
    message = str(caught.value)
    assert message.startswith("there is no department named 교통과: choose one of ")
    assert "교통행정과, 도로과" in message and "\n" not in message
    assert Transfers(inbox).request(ids["a"], "교통행정과", "주차 건") > 0
    db.dispose()


def test_bulk_route_to_an_unknown_department_changes_nothing(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    add_user(db, "road", "officer", departments=["도로과"])
    add_user(db, "traffic", "officer", departments=["교통행정과"])
    ids = _items(db)
    before = _state(db, ids)
    desk = Desk(settings, db, Actor.system("t"), None)
    with pytest.raises(InboxError, match="no department named 교통과: choose one of "
                                         "교통행정과, 도로과"):
        desk.bulk(list(ids.values()), "route", "교통과")
    assert _state(db, ids) == before
    assert desk.bulk([ids["a"], ids["b"]], "route", " 교통행정과 ") == 2
    assignees = {n: a for n, (a, _s) in _state(db, ids)[0].items()}
    assert assignees == {"a": "교통행정과", "b": "교통행정과", "c": "교통행정과"}
    db.dispose()


def test_cli_transfer_to_an_unknown_department_is_one_line_and_exit_2(tmp_path, db_url, capsys,
                                                                      monkeypatch):
    from outreach.cli import main

    settings, db = opened(tmp_path, db_url)
    add_user(db, "road", "officer", departments=["도로과"])
    add_user(db, "traffic", "officer", departments=["교통행정과"])
    ids = _items(db)
    db.dispose()
    root = str(settings.root)
    code = main(["--root", root, "inbox", "--as", "road", "transfer",
                 str(ids["a"]), "교통과", "--reason", "주차 건"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1
    assert "no department named 교통과: choose one of 교통행정과, 도로과" in err
    monkeypatch.setenv("OUTREACH_LANGUAGE", "ko")
    code = main(["--root", root, "inbox", "--as", "road", "transfer", str(ids["a"]), "교통과",
                 "--reason", "주차 건"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "'교통과' 부서는 없습니다: 다음 중에서 고르세요: 교통행정과, 도로과" in err
    assert main(["--root", root, "inbox", "--as", "road", "transfer", str(ids["a"]),
                 "교통행정과", "--reason", "주차 건"]) == 0
