"""Assigning an inbox item to a person within its department.

An item has a department (``assignee``: triage rules route it, transfers move
it) and, within it, at most one person (``assignee_user_id``): a staff account
whose role may answer (officer, approver, admin) and who is a member of that
department. An item without a department takes the person's department when the
person belongs to exactly one; otherwise a supervisor routes it first.
Moving an item to another department (routing, an accepted transfer) clears
the person: the receiving department chooses its own.
"""

from __future__ import annotations

from typing import Sequence

from ..errors import InboxError
from ..i18n import _
from ..store import inbox as store
from ..store import inbox_people as people
from ..store import inbox_queries as queries
from ..store.inbox_people import Person
from .items import Inbox

UNASSIGN = ("", "-", "none")


def find_person(inbox: Inbox, who: str | int) -> Person:
    """A staff account by sign-in name or number; one clear line when there is none."""
    with inbox.db.read() as conn:
        text = str(who).strip()
        found = people.by_id(conn, int(text)) if text.isdigit() else people.by_login(conn, text)
    if found is None:
        raise InboxError(_("no staff account {who}: use a sign-in name from "
                           "`outreach users list`", who=text))
    if found.role not in people.ASSIGNABLE_ROLES:
        raise InboxError(_("{who} may not answer inbox items (role {role}): choose an officer "
                           "or a supervisor", who=found.name, role=found.role))
    return found


def assign_person(inbox: Inbox, item_id: int | str, who: str | int | None, *,
                  may_act_for: Sequence[str] | None = None) -> Person | None:
    """Give the item to ``who`` (sign-in name or account number; empty: nobody) within its
    department; the person, or None when unassigned. ``may_act_for``: the departments
    the acting officer works in (None: every department)."""
    person = None if who is None or str(who).strip().lower() in UNASSIGN \
        else find_person(inbox, who)
    row = inbox.row(item_id)
    with inbox.db.begin() as conn:
        row = queries.lock_item(conn, row.id)
        if may_act_for is not None and row.assignee not in may_act_for:
            raise InboxError(_("item {id} is not in one of your departments", id=row.id))
        department = row.assignee
        if person is not None and department and department not in person.departments:
            raise InboxError(_("{who} is not a member of {department}: choose one of its "
                               "people, or transfer the item first", who=person.name,
                               department=department))
        if person is not None and not department:
            if len(person.departments) != 1:
                raise InboxError(_("item {id} has no department yet and {who} belongs to "
                                   "{n} departments: route it to one first", id=row.id,
                                   who=person.name, n=len(person.departments)))
            department = person.departments[0]
            if may_act_for is not None and department not in may_act_for:
                raise InboxError(_("item {id} is not in one of your departments", id=row.id))
        values: dict = {"assignee_user_id": person.id if person else None,
                        "assignee": department}
        if person is not None and row.status == "new":
            values["status"] = "open"
        before = row.assignee_user_id
        store.update_item(conn, row.id, **values)
        store.add_events(conn, [store.event(
            row.id, "assign", inbox.actor,
            f"{before or '-'} -> {person.name if person else '-'} ({department or '-'})",
            inbox.now())])
        inbox.audit(conn, "inbox.assign", row.id,
                    {"person": person.name if person else None, "department": department})
    return person


def assign(inbox: Inbox, item_id: int | str, who: str) -> tuple[str, Person | None]:
    """The CLI's ``inbox assign ID WHO``: a sign-in name assigns that person; ``-``
    unassigns the person; any other word routes the item to that department (the way
    it worked before people could be assigned). ("person" | "department", person)."""
    text = who.strip()
    if text.lower() in UNASSIGN:
        return "person", assign_person(inbox, item_id, None)
    with inbox.db.read() as conn:
        account = people.by_login(conn, text) if not people.is_department(conn, text) else None
    if account is not None:
        return "person", assign_person(inbox, item_id, account.id)
    inbox.assign(item_id, text)
    return "department", None
