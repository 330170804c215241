"""Each inbox action of the staff app writes its audit row in the change's own transaction:
when the audit row cannot be written (the audit table is made unavailable for a moment),
the change rolls back with it; once it can, change and audit row commit together.
(With the audit row written after the change, as before, the first half fails: the
change stayed without its audit row.) SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from outreach.inbox.desk import Desk
from outreach.store import inbox as store
from outreach.users.audit import Actor

from inbox_report_data import _item, db_rows, k
from test_inbox_support import opened
from web_support import add_user


def _audit_table(db, present: bool) -> None:
    names = ("audit_log_off", "audit_log") if present else ("audit_log", "audit_log_off")
    with db.begin() as conn:
        conn.execute(text(f"ALTER TABLE {names[0]} RENAME TO {names[1]}"))


def _audits(db, item_id: int) -> list[str]:
    with db.read() as conn:
        return [r[0] for r in conn.execute(text(
            "SELECT action FROM audit_log WHERE target_type = 'inbox_item' AND target_id = :t "
            "ORDER BY id"), {"t": str(item_id)})]


def _state(db, item_id: int) -> tuple:
    with db.read() as conn:
        row = store.get_item(conn, item_id)
        transfers = conn.execute(text("SELECT status FROM inbox_transfers WHERE item_id = :i "
                                      "ORDER BY id"), {"i": item_id}).all()
        answers = conn.execute(text("SELECT count(*) FROM inbox_answers WHERE item_id = :i"),
                               {"i": item_id}).scalar()
    return (row.status, row.assignee, row.assignee_user_id, row.categories,
            row.first_answered_at, tuple(t[0] for t in transfers), answers)


ACTIONS = {
    "answer": (lambda d, i, t: d.answer(i, "현장을 확인하겠습니다.", manual=True), "inbox.answer"),
    "assign": (lambda d, i, t: d.assign(i, "road"), "inbox.assign"),
    "tag": (lambda d, i, t: d.bulk([i], "tag", "가로등"), "inbox.tag"),
    "resolve": (lambda d, i, t: d.bulk([i], "resolve"), "inbox.status"),
    "spam": (lambda d, i, t: d.bulk([i], "spam"), "inbox.status"),
    "status": (lambda d, i, t: d.set_status(i, "resolved", "처리 완료"), "inbox.status"),
    "transfer": (lambda d, i, t: d.transfer(i, "교통행정과", "주차 건"), "inbox.transfer"),
    "accept": (lambda d, i, t: d.decide(t, True), "inbox.transfer_accept"),
    "return": (lambda d, i, t: d.decide(t, False, "우리 부서 일이 아닙니다"),
               "inbox.transfer_return"),
    "reveal": (lambda d, i, t: d.reveal(i, "민원인 연락처 확인"), "inbox.reveal"),
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_change_and_audit_row_commit_together(tmp_path, db_url, action):
    settings, db = opened(tmp_path, db_url)
    add_user(db, "road", "officer", departments=["도로과"])
    chief = add_user(db, "chief", "approver", departments=["도로과", "교통행정과"])
    with db.begin() as conn:
        ids = store.insert_items(conn, db_rows(
            [_item("a", "facebook", k(16, 10), status="open", dept="도로과")], True))
    item_id = ids["a"]
    desk = Desk(settings, db, Actor.web(chief.id, "chief", "approver"),
                None, now=lambda: k(16, 12))
    transfer_id = None
    if action in ("accept", "return"):
        transfer_id = desk.transfer(item_id, "교통행정과", "주차 건")
    call, expected = ACTIONS[action]
    before, audits = _state(db, item_id), _audits(db, item_id)

    _audit_table(db, present=False)
    with pytest.raises(SQLAlchemyError):
        call(desk, item_id, transfer_id)
    _audit_table(db, present=True)
    assert _state(db, item_id) == before          # the change rolled back with its audit row
    assert _audits(db, item_id) == audits

    call(desk, item_id, transfer_id)
    assert _audits(db, item_id) == audits + [expected]
    if action != "reveal":
        assert _state(db, item_id) != before
    db.dispose()
