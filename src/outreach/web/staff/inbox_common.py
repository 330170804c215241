"""What the inbox routes share: the desk for this request and the queue filter from a query."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from ...inbox.desk import Desk
from ...store.inbox import OPEN_STATUSES
from ...store.inbox_queries import SORTS, QueueFilter
from ...store.inbox_tables import STATUSES
from .context import current_actor, current_session, staff

PAGE_SIZE = 50


def departments_of(request: Request) -> tuple[str, ...] | None:
    """An officer's departments (their queue); None for roles that see every department."""
    session = current_session(request)
    if session is None or session.role != "officer":
        return None
    cached = getattr(request.state, "inbox_departments", None)
    if cached is None:
        from ...users import accounts

        # the session has read the account: its departments are one query
        cached = accounts.departments_of(staff(request).db, session.user_id)
        request.state.inbox_departments = cached
    return cached


def desk(request: Request) -> Desk:
    state, session = staff(request), current_session(request)
    return Desk(state.settings, state.db, current_actor(request), departments_of(request),
                role=session.role if session else None)


def queue_filter(request: Request) -> tuple[QueueFilter, dict[str, Any]]:
    """The queue's filter from the query string, and the values to show in the form."""
    q = request.query_params
    status = q.get("status", "")
    statuses = (status,) if status in STATUSES else OPEN_STATUSES
    sort = q.get("sort", "newest")
    cursor_text = q.get("cursor", "")
    cursor = int(cursor_text) if cursor_text.isdigit() and len(cursor_text) < 12 else None
    who = (q.get("assignee") or "").strip()
    session = current_session(request)
    person_id: int | None = None
    if who == "me":
        person_id = session.user_id if session is not None else None
    elif who.isdigit():
        person_id = int(who)
    else:
        who = who if who == "none" else ""
    f = QueueFilter(statuses=statuses, department=q.get("department") or None,
                    person_id=person_id, unassigned=who == "none",
                    channel=q.get("channel") or None, category=q.get("category") or None,
                    kind=q.get("kind") or None, flag=q.get("flag") or None,
                    overdue=q.get("overdue") == "1", search=(q.get("q") or "").strip()[:100] or None,
                    sort=sort if sort in SORTS else "newest", limit=PAGE_SIZE, cursor=cursor)
    shown = {"status": status if status in STATUSES else "", "department": f.department or "",
             "assignee": who,
             "channel": f.channel or "", "category": f.category or "", "kind": f.kind or "",
             "flag": f.flag or "", "overdue": f.overdue, "q": f.search or "", "sort": f.sort,
             "cursor": cursor}
    return f, shown


def labels() -> dict[str, dict[str, str]]:
    """Words for codes the templates show: sorts, answer and transfer states."""
    from ...i18n import _

    return {
        "sort": {"newest": _("Newest first"), "oldest": _("Oldest first"),
                 "due": _("Next deadline first"), "late": _("Most overdue first")},
        "answer": {"sending": _("sending"), "sent": _("sent"), "unknown": _("outcome unknown"),
                   "failed": _("failed"), "manual": _("answered by hand")},
        "transfer": {"pending": _("waiting"), "accepted": _("accepted"),
                     "returned": _("sent back"), "cancelled": _("withdrawn")},
    }


def _words_for_extraction() -> None:  # pragma: no cover - lets the catalog test see the ids
    """Words the templates translate from data: statuses (kinds and flags are named by
    outreach.inbox.labels, whose English is words, not codes)."""
    from ...i18n import _

    _("new"), _("open"), _("answered"), _("resolved"), _("hidden"), _("spam")
