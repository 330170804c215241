"""A known month of inbox items (no tests here): four complaints with hand-computed figures,
plus spam, hidden, deleted items and non-complaints that must stay out of them.

Times are Korea time in November 2026 (no public holiday). Hand-computed:
first answer wall-clock [1, 65, 6] h -> p50 6, p90 6 + 0.8 x 59 = 53.2;
working [1, 2, 6] h -> p50 2, p90 5.2; resolution wall [24, 24], working [9, 9].
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from outreach.inbox.timers import WorkingTime
from outreach.store import inbox as store

KST = ZoneInfo("Asia/Seoul")
WORKING = WorkingTime()
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=KST)


def k(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=KST)


def _item(key, channel, when, *, kind="complaint", status="new", dept=None, cats="",
          answered=None, resolved=None, deleted=False, hidden=False):
    return {"remote_id": key, "channel": channel, "kind": kind, "status": status,
            "assignee": dept, "categories": cats, "created_at": when,
            "first_answered_at": answered, "resolved_at": resolved,
            "first_due_at": WORKING.add(when, 4), "resolve_due_at": WORKING.add_days(when, 7),
            "deleted_at": when + timedelta(hours=1) if deleted else None,
            "platform_hidden": hidden}


COMPLAINTS = [
    _item("c1", "facebook", k(16, 10), status="resolved", dept="도로과", cats="도로",
          answered=k(16, 11), resolved=k(17, 10)),
    _item("c2", "kakao", k(20, 17), status="answered", dept="교통과",
          cats="주차", answered=k(23, 10)),
    _item("c3", "facebook", k(17, 9), kind="question", status="resolved", dept="도로과",
          cats="도로,가로등", answered=k(17, 15), resolved=k(18, 9)),
    _item("c4", "youtube", k(23, 10)),
]
APART_DB = [     # apart by status or flags alone, so kinds are not needed
    _item("s1", "facebook", k(18, 10), status="spam"),
    _item("s2", "facebook", k(18, 11), status="spam", dept="도로과"),
    _item("h1", "youtube", k(19, 10), status="hidden"),
    _item("h2", "facebook", k(19, 11), status="open", hidden=True, dept="교통과"),
    _item("d1", "facebook", k(19, 12), deleted=True),
]
APART_KINDS = [  # apart by kind: need the kind column
    _item("g1", "kakao", k(18, 12), kind="greeting", status="resolved", answered=k(18, 12),
          resolved=k(18, 12)),
    _item("g2", "kakao", k(18, 13), kind="greeting", status="resolved", answered=k(18, 13),
          resolved=k(18, 13)),
    _item("o1", "facebook", k(18, 14), kind="opinion"),
    _item("s3", "kakao", k(18, 15), kind="spam"),
]
OUTSIDE = [_item("x1", "facebook", k(1, 10, month=12)), _item("x0", "facebook", k(31, 10, 10))]

EXPECTED_COMPLAINTS = {
    "received": 4, "answered": 3, "resolved": 2, "overdue": 2, "overdue_now": 1,
    "first_answer": {"count": 3, "p50_hours": 6.0, "p90_hours": 53.2,
                     "p50_working_hours": 2.0, "p90_working_hours": 5.2},
    "resolution": {"count": 2, "p50_hours": 24.0, "p90_hours": 24.0,
                   "p50_working_hours": 9.0, "p90_working_hours": 9.0},
}


def as_row(item: dict, number: int) -> SimpleNamespace:
    """The item as ``report_rows`` gives it (naive UTC times)."""
    values = {name: store.to_db(v) if isinstance(v, datetime) else v for name, v in item.items()}
    return SimpleNamespace(id=number, flags="", text="", author_key=None, author_name=None,
                           **values)


def db_rows(items: list[dict], with_kind: bool) -> list[dict]:
    """Rows for ``store.inbox.insert_items``."""
    out = []
    for item in items:
        row = {name: store.to_db(v) if isinstance(v, datetime) else v
               for name, v in item.items() if name != "kind" or with_kind}
        row.update(text=f"민원 {item['remote_id']} 내용 010-1234-5678",
                   received_at=row["created_at"], priority=3, flags="", ref="{}",
                   source="poll", thread_id=None, parent_id=None, post_remote_id=None,
                   author_key="a1b2c3d4e5f6", author_name=None, url=None, edited_at=None)
        out.append(row)
    return out
