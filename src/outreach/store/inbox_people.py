"""Who may be given an inbox item: staff accounts and the departments they belong to.

An item is assigned to a person *within its department* (``inbox_items.assignee``
names the department, ``assignee_user_id`` the person). These queries read the
identity tables for the inbox's person filter, bulk assignment and overdue
notices; the rules live in ``outreach.inbox.people``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from sqlalchemy import Connection, select

from .users_tables import departments, memberships, users

ASSIGNABLE_ROLES = ("officer", "approver", "admin")


@dataclass(frozen=True)
class Person:
    id: int
    name: str                   # sign-in name
    display_name: str
    email: str | None
    role: str
    departments: tuple[str, ...]

    @property
    def label(self) -> str:
        """How pages show the person: ``김주무관 (kim)`` or just ``kim``."""
        return f"{self.display_name} ({self.name})" if self.display_name else self.name


def _people(conn: Connection, where) -> list[Person]:
    """Enabled accounts matching ``where`` with their departments, by sign-in name: one
    statement (each account's memberships joined, departments by name)."""
    u = users.c
    m, d = memberships.alias("person_memberships"), departments.alias("person_departments")
    rows = conn.execute(
        select(u.id, u.name, u.display_name, u.email, u.role, d.c.name.label("department"))
        .select_from(users.outerjoin(m, m.c.user_id == u.id)
                     .outerjoin(d, d.c.id == m.c.department_id))
        .where(u.disabled.is_(False), *where).order_by(u.name, d.c.name)).all()
    out: list[Person] = []
    depts: list[str] = []
    for i, r in enumerate(rows):
        if r.department is not None:
            depts.append(r.department)
        if i + 1 == len(rows) or rows[i + 1].id != r.id:
            out.append(Person(r.id, r.name, r.display_name or "", r.email, r.role,
                              tuple(depts)))
            depts = []
    return out


def by_login(conn: Connection, login: str) -> Person | None:
    found = _people(conn, [users.c.name == login.strip().lower()])
    return found[0] if found else None


def by_id(conn: Connection, user_id: int) -> Person | None:
    found = _people(conn, [users.c.id == int(user_id)])
    return found[0] if found else None


def by_ids(conn: Connection, ids: Iterable[int]) -> dict[int, Person]:
    wanted = sorted({int(i) for i in ids if i is not None})
    if not wanted:
        return {}
    return {p.id: p for p in _people(conn, [users.c.id.in_(wanted)])}


def assignable(conn: Connection, in_departments: Sequence[str] | None) -> list[Person]:
    """Enabled accounts that may hold items, members of ``in_departments`` (None: of any
    department), sorted by sign-in name."""
    m, d = memberships.c, departments.c
    members = select(m.user_id).join(departments, d.id == m.department_id)
    if in_departments is not None:
        if not in_departments:
            return []
        members = members.where(d.name.in_(list(in_departments)))
    return _people(conn, [users.c.role.in_(ASSIGNABLE_ROLES), users.c.id.in_(members)])


def is_department(conn: Connection, name: str) -> bool:
    return conn.execute(select(departments.c.id).where(departments.c.name == name)
                        ).first() is not None


def department_names(conn: Connection) -> list[str]:
    """Every department of the workspace, by name."""
    return list(conn.execute(select(departments.c.name).order_by(departments.c.name)).scalars())


def supervisors(conn: Connection, department: str | None, roles: Sequence[str]) -> list[Person]:
    """Enabled members of ``department`` whose role is one of ``roles`` (without a
    department: the enabled admins)."""
    if department:
        m, d = memberships.c, departments.c
        members = (select(m.user_id).join(departments, d.id == m.department_id)
                   .where(d.name == department))
        return _people(conn, [users.c.role.in_(list(roles)), users.c.id.in_(members)])
    return _people(conn, [users.c.role == "admin"])
