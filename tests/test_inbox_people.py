"""Items assigned to a person within their department: the rules, the queue's person
filters, bulk assignment, the CLI's sign-in names, overdue notices to the person and the
supervisors, and migration 0012 of the old free-text assignees. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from outreach.errors import InboxError
from outreach.inbox.desk import Desk, overdue_recipients
from outreach.inbox.items import Inbox
from outreach.inbox.overdue import watch_overdue
from outreach.inbox.people import assign, assign_person
from outreach.inbox.transfers import Transfers
from outreach.store import inbox as store
from outreach.store.inbox_queries import QueueFilter
from outreach.users.audit import Actor

from inbox_report_data import _item, db_rows, k
from test_inbox_support import opened
from web_support import add_user


def _setup(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    add_user(db, "road", "officer", departments=["도로과"])
    add_user(db, "road2", "officer", departments=["도로과"])
    add_user(db, "traffic", "officer", departments=["교통행정과"])
    add_user(db, "chief", "approver", departments=["도로과", "교통행정과"])
    add_user(db, "watcher", "viewer")
    items = [_item("a", "facebook", k(16, 10), status="new", dept="도로과"),
             _item("b", "facebook", k(16, 11), status="open", dept="도로과"),
             _item("c", "kakao", k(16, 12), status="open", dept="교통행정과"),
             _item("d", "kakao", k(16, 12), status="new", dept=None)]
    with db.begin() as conn:
        ids = store.insert_items(conn, db_rows(items, True))
    return settings, db, ids


def _user_id(db, name):
    with db.read() as conn:
        return conn.exec_driver_sql(f"SELECT id FROM users WHERE name = '{name}'").scalar()


def test_a_person_of_the_department_and_the_queue_filters(tmp_path, db_url):
    settings, db, ids = _setup(tmp_path, db_url)
    inbox = Inbox(settings, db, actor="chief")
    person = assign_person(inbox, ids["a"], "road")
    row = inbox.row(ids["a"])
    assert person.name == "road" and row.assignee_user_id == _user_id(db, "road")
    assert row.assignee == "도로과" and row.status == "open"           # taken: no longer new
    with pytest.raises(InboxError, match="traffic is not a member of 도로과"):
        assign_person(inbox, ids["b"], "traffic")
    with pytest.raises(InboxError, match="may not answer"):
        assign_person(inbox, ids["b"], "watcher")
    with pytest.raises(InboxError, match="no staff account nobody"):
        assign_person(inbox, ids["b"], "nobody")
    # an item without a department takes the person's only department
    assign_person(inbox, ids["d"], "traffic")
    assert inbox.row(ids["d"]).assignee == "교통행정과"
    # an officer may only give out items of their departments
    with pytest.raises(InboxError, match="not in one of your departments"):
        assign_person(inbox, ids["c"], "traffic", may_act_for=("도로과",))
    desk = Desk(settings, db, Actor.web(_user_id(db, "road"), "road", "officer"), ("도로과",))
    road_id = _user_id(db, "road")

    def shown(**kw):
        return [v.id for v in desk.queue(QueueFilter(**kw)).items]

    assert shown(person_id=road_id) == [ids["a"]]
    assert shown(unassigned=True) == [ids["b"]]
    assert sorted(shown()) == sorted([ids["a"], ids["b"]])
    assert [p.name for p in desk.assignable()] == ["chief", "road", "road2"]
    # bulk: both 도로과 items to road2, audited as bulk in each change's transaction
    assert desk.bulk([ids["a"], ids["b"]], "assign", "road2") == 2
    assert shown(person_id=_user_id(db, "road2")) == [ids["b"], ids["a"]]
    with db.read() as conn:
        rows = conn.execute(text(
            "SELECT action, target_id, detail FROM audit_log WHERE action = 'inbox.assign' "
            "AND detail LIKE :bulk ORDER BY id"), {"bulk": '%"bulk": true%'}).all()
    assert [r[1] for r in rows] == [str(ids["a"]), str(ids["b"])]
    with pytest.raises(InboxError, match="traffic is not a member"):      # nothing changes
        Desk(settings, db, Actor.system("t"), None).bulk([ids["d"], ids["a"]], "assign",
                                                          "traffic")
    assert inbox.row(ids["a"]).assignee_user_id == _user_id(db, "road2")
    assert desk.bulk([ids["a"]], "assign", "") == 1                   # nobody
    assert inbox.row(ids["a"]).assignee_user_id is None
    db.dispose()


def test_moving_department_clears_the_person(tmp_path, db_url):
    settings, db, ids = _setup(tmp_path, db_url)
    inbox = Inbox(settings, db, actor="chief", now=lambda: k(16, 13))
    assign_person(inbox, ids["a"], "road")
    tid = Transfers(inbox).request(ids["a"], "교통행정과", "주차 단속 건")
    assert inbox.row(ids["a"]).assignee_user_id is not None          # still road's
    Transfers(inbox).accept(tid)
    row = inbox.row(ids["a"])
    assert row.assignee == "교통행정과" and row.assignee_user_id is None
    assign_person(inbox, ids["b"], "road")
    inbox.assign(ids["b"], "교통행정과")                               # routing
    assert inbox.row(ids["b"]).assignee_user_id is None
    db.dispose()


def test_cli_words_a_login_a_department_or_nobody(tmp_path, db_url):
    settings, db, ids = _setup(tmp_path, db_url)
    inbox = Inbox(settings, db, actor="chief")
    assert assign(inbox, ids["b"], "Road")[0] == "person"              # sign-in names: any case
    assert inbox.row(ids["b"]).assignee_user_id == _user_id(db, "road")
    assert assign(inbox, ids["b"], "-") == ("person", None)
    assert assign(inbox, ids["b"], "교통행정과") == ("department", None)
    assert inbox.row(ids["b"]).assignee == "교통행정과"
    # neither a sign-in name nor a department: refused, the item stays where it was
    with pytest.raises(InboxError, match="no department named 교통행정과 주차팀: choose one of "
                                         "교통행정과, 도로과"):
        assign(inbox, ids["b"], "교통행정과 주차팀")
    assert inbox.row(ids["b"]).assignee == "교통행정과"
    db.dispose()


def test_overdue_goes_to_the_person_and_the_supervisors_once(tmp_path, db_url):
    settings, db, ids = _setup(tmp_path, db_url)
    inbox = Inbox(settings, db, actor="chief")
    assign_person(inbox, ids["b"], "road2")
    got = []

    def names(conn, department, person_id):
        return sorted(p.name for p in overdue_recipients(conn, department, person_id))

    sent = watch_overdue(db, k(16, 17), names, lambda n, people: got.append((n.item_id, people)))
    by_item = dict(got)
    assert by_item[ids["b"]] == ["chief", "road2"]             # not road, the other officer
    assert by_item[ids["a"]] == ["chief", "road", "road2"]     # nobody holds it: the officers
    assert by_item[ids["c"]] == ["chief", "traffic"]
    assert len(sent) == len(got)
    assert watch_overdue(db, k(16, 18), names, lambda n, p: got.append(n)) == []   # once
    db.dispose()


def test_migration_moves_logins_to_the_person(tmp_path, empty_db_url):
    """Old databases held free strings; 0012 keeps department names and turns sign-in
    names into the person (with their only department)."""
    from alembic import command
    from alembic.config import Config

    from outreach.store.db import MIGRATIONS, open_database

    db = open_database(empty_db_url, migrate=False)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0009_metrics")
        conn.commit()
    add_user(db, "kim", "officer", departments=["도로과"])
    add_user(db, "lee", "officer", departments=["도로과", "교통행정과"])
    with db.begin() as conn:
        for n, who in enumerate(["도로과", "kim", "lee", "교통과 주차팀"]):
            conn.exec_driver_sql(
                "INSERT INTO inbox_items (channel, remote_id, text, created_at, received_at, "
                "platform_hidden, status, assignee, categories, flags, priority, ref, source, "
                "kind) VALUES ('facebook', %s, 't', '2026-11-16 01:00:00', "
                "'2026-11-16 01:00:00', false, 'open', %s, '', '', 3, '{}', 'poll', "
                "'complaint')" % (f"'r{n}'", f"'{who}'"))
    db.dispose()
    db = open_database(empty_db_url)
    with db.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT i.remote_id, i.assignee, u.name FROM inbox_items i "
            "LEFT JOIN users u ON u.id = i.assignee_user_id ORDER BY i.remote_id").all()
    assert [tuple(r) for r in rows] == [("r0", "도로과", None), ("r1", "도로과", "kim"),
                                        ("r2", None, "lee"), ("r3", "교통과 주차팀", None)]
    db.dispose()
