"""Transfers of an item between departments: asked with a reason, accepted or sent back by
the receiving department, with the time the item spent in each department recorded.

While a transfer is pending the item stays with the department that has it
(and shows in the receiving department's "transfers to accept"); at most one
transfer per item is pending (a unique index, so two officers asking at once
get one transfer). Accepting moves the item and, by the workspace setting
``[inbox] transfer_deadlines``, either keeps the citizen's deadlines (``keep``,
the default: internal routing never gives the city more time) or counts them
again from the moment of acceptance (``restart``: a first answer not yet
given is due ``first_answer_hours`` later, resolution ``resolution_days``
later), as some cities' rules for misrouted complaints allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from ..config import Settings
from ..errors import ConfigError, InboxError
from ..i18n import _
from ..i18n import text as i18n_text
from ..store import inbox as store
from ..store import inbox_queries as queries
from .departments import check_department
from .items import Inbox
from .settings import InboxConfig, inbox_config

POLICIES = ("keep", "restart")


def deadline_policy(settings: Settings) -> str:
    """``[inbox] transfer_deadlines``: keep (default) or restart."""
    value = settings.section("inbox").get("transfer_deadlines", "keep")
    if value not in POLICIES:
        raise ConfigError(_("expected \"keep\" or \"restart\", got {value!r}", value=value),
                          file=settings.file, key="inbox.transfer_deadlines")
    return value


@dataclass(frozen=True)
class Stay:
    department: str
    entered_at: datetime
    left_at: datetime | None
    hours: float
    working_hours: float


class Transfers:
    """Transfer service; ``inbox.actor`` is who acts (kept in the item's history)."""

    def __init__(self, inbox: Inbox, config: InboxConfig | None = None,
                 policy: str | None = None) -> None:
        self.inbox = inbox
        self.config = config or inbox_config(inbox.settings)
        self.policy = policy or deadline_policy(inbox.settings)

    def request(self, item_id: int | str, to_department: str, reason: str,
                *, may_act_for: Sequence[str] | None = None) -> int:
        """Ask ``to_department`` to take the item; the transfer's id."""
        to_department, reason = to_department.strip(), reason.strip()
        if not to_department:
            raise InboxError(_("name the department that should take the item"))
        if not reason:
            raise InboxError(_("a transfer needs a reason: say why the other department "
                               "should take it"))
        row = self.inbox.row(item_id)
        now = self.inbox.now()
        with self.inbox.db.begin() as conn:
            to_department = check_department(self.inbox.settings, conn, to_department)
            row = queries.lock_item(conn, row.id)
            if may_act_for is not None and row.assignee not in may_act_for:
                raise InboxError(_("item {id} is not in one of your departments",
                                   id=row.id))
            if (row.assignee or "") == to_department:
                raise InboxError(_("item {id} is already with {department}",
                                   id=row.id, department=to_department))
            if row.assignee and not queries.has_stays(conn, row.id):
                # the first stay starts when the item arrived
                queries.enter_department(conn, row.id, row.assignee,
                                         store.from_db(row.created_at))
            transfer_id = queries.add_transfer(
                conn, item_id=row.id, from_department=row.assignee, to_department=to_department,
                reason=reason, requested_by=self.inbox.actor, requested_at=store.to_db(now))
            if transfer_id is None:
                raise InboxError(_("item {id} already has a transfer waiting for an answer",
                                   id=row.id))
            store.add_events(conn, [store.event(
                row.id, "transfer", self.inbox.actor,
                f"{row.assignee or '-'} -> {to_department}: {reason}", now)])
            self.inbox.audit(conn, "inbox.transfer", row.id,
                             {"transfer": transfer_id, "to": to_department})
        return transfer_id

    def accept(self, transfer_id: int, note: str = "",
               *, may_act_for: Sequence[str] | None = None) -> None:
        """The receiving department takes the item."""
        now = self.inbox.now()
        with self.inbox.db.begin() as conn:
            t = self._pending(conn, transfer_id, may_act_for)
            row = queries.lock_item(conn, t.item_id)
            if not queries.decide_transfer(conn, t.id, "accepted", self.inbox.actor, now,
                                           note.strip() or None):
                raise InboxError(_("transfer {id} was already settled", id=t.id))
            if row.assignee and not queries.has_stays(conn, row.id):
                queries.enter_department(conn, row.id, row.assignee,
                                         store.from_db(row.created_at))
            queries.enter_department(conn, row.id, t.to_department, now)
            # the receiving department chooses its own person
            values: dict[str, Any] = {"assignee": t.to_department, "assignee_user_id": None}
            if row.status == "new":
                values["status"] = "open"
            detail = f"{t.from_department or '-'} -> {t.to_department}"
            if self.policy == "restart":
                values.update(self._restarted(row, now))
                detail = detail + " " + i18n_text("(deadlines restarted)")
            store.update_item(conn, row.id, **values)
            store.add_events(conn, [store.event(row.id, "transfer_accepted", self.inbox.actor,
                                                detail + (f": {note.strip()}" if note.strip()
                                                          else ""), now)])
            self.inbox.audit(conn, "inbox.transfer_accept", row.id, {"transfer": t.id})

    def send_back(self, transfer_id: int, reason: str,
                  *, may_act_for: Sequence[str] | None = None) -> None:
        """The receiving department declines; the item stays where it was."""
        if not reason.strip():
            raise InboxError(_("say why the transfer is sent back"))
        self._decline(transfer_id, "returned", "transfer_returned", reason.strip(), may_act_for)

    def cancel(self, transfer_id: int) -> None:
        """The asking department withdraws its request."""
        self._decline(transfer_id, "cancelled", "transfer_cancelled", "", None)

    def _decline(self, transfer_id: int, status: str, kind: str, reason: str,
                 may_act_for: Sequence[str] | None) -> None:
        now = self.inbox.now()
        with self.inbox.db.begin() as conn:
            t = self._pending(conn, transfer_id, may_act_for)
            if not queries.decide_transfer(conn, t.id, status, self.inbox.actor, now,
                                           reason or None):
                raise InboxError(_("transfer {id} was already settled", id=t.id))
            store.add_events(conn, [store.event(
                t.item_id, kind, self.inbox.actor,
                f"{t.from_department or '-'} <- {t.to_department}" + (f": {reason}" if reason
                                                                      else ""), now)])
            self.inbox.audit(conn, "inbox.transfer_" + ("return" if status == "returned"
                                                         else "cancel"),
                             t.item_id, {"transfer": t.id})

    def _pending(self, conn, transfer_id: int, may_act_for: Sequence[str] | None):
        t = queries.get_transfer(conn, int(transfer_id))
        if t is None:
            raise InboxError(_("no transfer {id}", id=transfer_id))
        if t.status != "pending":
            raise InboxError(_("transfer {id} was already settled", id=t.id))
        if may_act_for is not None and t.to_department not in may_act_for:
            raise InboxError(_("transfer {id} is addressed to {department}, not to one of "
                               "your departments", id=t.id, department=t.to_department))
        return t

    def _restarted(self, row, now: datetime) -> dict[str, Any]:
        working = self.config.working
        values: dict[str, Any] = {}
        if row.first_answered_at is None:
            values["first_due_at"] = store.to_db(working.add(now, self.config.first_answer_hours))
        if row.resolved_at is None:
            values["resolve_due_at"] = store.to_db(
                working.add_days(now, self.config.resolution_days))
        return values

    # -- reading -------------------------------------------------------------------
    def of_item(self, item_id: int) -> list[Any]:
        with self.inbox.db.read() as conn:
            return queries.item_transfers(conn, item_id)

    def pending(self, departments: Sequence[str] | None = None) -> list[Any]:
        with self.inbox.db.read() as conn:
            return queries.pending_transfers(conn, departments)

    def stays(self, item_id: int, *, row: Any = None) -> list[Stay]:
        """Time the item spent in each department (the current stay up to now); ``row``:
        the item's row when the caller has it (an item without recorded stays)."""
        now = self.inbox.now()
        working = self.config.working
        with self.inbox.db.read() as conn:
            rows = queries.department_stays(conn, item_id)
            if not rows:
                item = row if row is not None and row.id == item_id else \
                    store.get_item(conn, item_id)
                if item is None or not item.assignee:
                    return []
                rows = [type("S", (), {"department": item.assignee, "entered_at": item.created_at,
                                       "left_at": None})()]
        out = []
        for r in rows:
            start = store.from_db(r.entered_at)
            end = store.from_db(r.left_at) if r.left_at else now
            out.append(Stay(r.department, start, store.from_db(r.left_at),
                            round(max((end - start).total_seconds(), 0) / 3600, 2),
                            round(working.between(start, end).total_seconds() / 3600, 2)))
        return out
