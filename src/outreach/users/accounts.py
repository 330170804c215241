"""Accounts, roles and departments: add, change, disable; each change audited.

Names are sign-in names: lower-case letters, digits, ``.``, ``_``, ``-``
(Korean display names go in ``display_name``). The last enabled admin cannot be
demoted or disabled, so a workspace never locks itself out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from ..errors import NotFound, UserError
from ..i18n import LANGUAGES, _
from ..model import utc_now
from ..store import users as store
from ..store.db import Database
from . import passwords
from .audit import Actor, record
from .roles import ROLES

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_email(email: str | None) -> str | None:
    """An e-mail address for notifications, or None when left empty."""
    email = (email or "").strip()
    if not email:
        return None
    if len(email) > 255 or not _EMAIL.match(email):
        raise UserError(_("{email!r} is not an e-mail address", email=email))
    return email


@dataclass(frozen=True)
class User:
    id: int
    name: str
    display_name: str
    role: str
    language: str | None
    disabled: bool
    departments: tuple[str, ...] = ()
    created_at: datetime | None = None
    email: str | None = None

    @property
    def shown_name(self) -> str:
        return self.display_name or self.name


def _user(row, depts: list[str] | None = None) -> User:
    return User(id=row.id, name=row.name, display_name=row.display_name or "", role=row.role,
                language=row.language, disabled=bool(row.disabled),
                departments=tuple(depts or ()), created_at=store.from_db(row.created_at),
                email=row.email)


def normalise_name(name: str) -> str:
    return (name or "").strip().lower()


def check_name(name: str) -> str:
    name = normalise_name(name)
    if not _NAME.match(name):
        raise UserError(_("user name {name!r} is not valid: use 1-64 lower-case letters, digits, "
                          "'.', '_' or '-'", name=name))
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(_("unknown role {role!r}: use one of {roles}", role=role,
                          roles=", ".join(ROLES)))
    return role


def _require(conn: Connection, name: str) -> object:
    row = store.get_user(conn, name=normalise_name(name))
    if row is None:
        raise NotFound(_("no user named {name!r}: see 'outreach users list'", name=name))
    return row


def _dept_ids(conn: Connection, names: list[str] | tuple[str, ...], now: datetime) -> list[int]:
    ids = []
    for dept in names:
        dept = dept.strip()
        if not dept:
            continue
        found = store.department_id(conn, dept)
        ids.append(found if found is not None else store.add_department(conn, dept, now))
    return ids


def add_user(db: Database, actor: Actor, name: str, role: str, password: str, *,
             display_name: str = "", departments: tuple[str, ...] = (),
             language: str | None = None, email: str | None = None) -> User:
    """Create an account (unknown departments are created)."""
    name, role, email = check_name(name), check_role(role), check_email(email)
    passwords.check_strength(password, name=name)
    if language is not None and language not in LANGUAGES:
        raise UserError(_("unknown language {language!r}: use one of {languages}",
                          language=language, languages=", ".join(LANGUAGES)))
    hashed = passwords.hash_password(password)
    now = utc_now()
    with db.begin() as conn:
        if store.get_user(conn, name=name) is not None:
            raise UserError(_("a user named {name!r} exists already", name=name))
        uid = store.add_user(conn, {
            "name": name, "display_name": display_name.strip()[:128], "password_hash": hashed,
            "role": role, "language": language, "disabled": False, "email": email,
            "created_at": store.to_db(now), "password_changed_at": store.to_db(now)})
        store.set_memberships(conn, uid, _dept_ids(conn, departments, now))
        record(conn, actor, "user.add", "user", name,
               {"role": role, "departments": list(departments)})
        return _user(store.get_user(conn, user_id=uid), list(departments))


def list_users(db: Database) -> list[User]:
    with db.read() as conn:
        depts = store.memberships_of(conn)
        return [_user(r, depts.get(r.id)) for r in store.list_users(conn)]


def departments_of(db: Database, user_id: int) -> tuple[str, ...]:
    """The names of an account's departments, sorted (``get_user(...).departments`` in
    one query, for a signed-in user whose account the session has already read)."""
    with db.read() as conn:
        return tuple(store.memberships_of(conn, [user_id]).get(user_id, ()))


def get_user(db: Database, name: str) -> User:
    with db.read() as conn:
        row = _require(conn, name)
        return _user(row, store.memberships_of(conn, [row.id]).get(row.id))


def update_user(db: Database, actor: Actor, name: str, *, role: str | None = None,
                display_name: str | None = None, departments: tuple[str, ...] | None = None,
                disabled: bool | None = None, language: str | None | bool = False,
                email: str | None | bool = False) -> User:
    """Change an account; a role change or disabling also signs the user out everywhere.

    ``language=False`` / ``email=False`` leave them alone; ``language=None`` means the
    workspace's; ``email=None`` or ``""`` removes the address.
    """
    now = utc_now()
    with db.begin() as conn:
        row = _require(conn, name)
        values: dict = {}
        changes: dict = {}
        if role is not None and check_role(role) != row.role:
            values["role"] = changes["role"] = role
        if display_name is not None and display_name.strip() != (row.display_name or ""):
            values["display_name"] = changes["display_name"] = display_name.strip()[:128]
        if disabled is not None and disabled != bool(row.disabled):
            values["disabled"] = changes["disabled"] = disabled
        if language is not False and language != row.language:
            if language is not None and language not in LANGUAGES:
                raise UserError(_("unknown language {language!r}: use one of {languages}",
                                  language=language, languages=", ".join(LANGUAGES)))
            values["language"] = changes["language"] = language
        if email is not False and check_email(email) != row.email:
            values["email"] = changes["email"] = check_email(email)
        losing_admin = row.role == "admin" and not row.disabled and (
            values.get("role", "admin") != "admin" or values.get("disabled"))
        if losing_admin and store.count_admins(conn) <= 1:
            raise UserError(_("{name} is the last admin: make another user admin first",
                              name=row.name))
        if values:
            store.update_user(conn, row.id, **values)
        if departments is not None:
            store.set_memberships(conn, row.id, _dept_ids(conn, departments, now))
            changes["departments"] = list(departments)
        if "role" in values or values.get("disabled"):
            store.revoke_sessions(conn, row.id, now)
        if changes:
            record(conn, actor, "user.update", "user", row.name, changes)
        return _user(store.get_user(conn, user_id=row.id),
                     store.memberships_of(conn, [row.id]).get(row.id))


def recipients(db: Database, permission: str) -> list[User]:
    """Enabled users with an e-mail address whose role holds ``permission``: who is told
    when something needs that permission (a draft to approve: ``approve``)."""
    from .roles import can

    return [u for u in list_users(db) if not u.disabled and u.email and can(u.role, permission)]


def set_password(db: Database, actor: Actor, name: str, password: str, *,
                 keep_session: int | None = None) -> None:
    """Set a new password, end every session of that user (but ``keep_session``) and lift
    a sign-in lock on the name (an admin's way to let a locked-out person back in)."""
    now = utc_now()
    with db.begin() as conn:
        row = _require(conn, name)
        passwords.check_strength(password, name=row.name)
        store.update_user(conn, row.id, password_hash=passwords.hash_password(password),
                          password_changed_at=store.to_db(now))
        store.revoke_sessions(conn, row.id, now, except_id=keep_session)
        store.clear_attempts(conn, f"name:{row.name}")
        record(conn, actor, "user.password", "user", row.name)


def change_own_password(db: Database, actor: Actor, current: str, new: str,
                        session_id: int | None) -> None:
    """A signed-in user changes their password: the current one is asked again."""
    with db.read() as conn:
        row = store.get_user(conn, user_id=actor.user_id)
    if row is None or not passwords.verify(row.password_hash, current):
        raise UserError(_("the current password is not right"))
    set_password(db, actor, row.name, new, keep_session=session_id)


def departments(db: Database) -> list[tuple[int, str, int]]:
    """(id, name, member count) of every department."""
    with db.read() as conn:
        return [(r.id, r.name, r.members) for r in store.list_departments(conn)]


def add_department(db: Database, actor: Actor, name: str) -> None:
    name = name.strip()
    if not name or len(name) > 128:
        raise UserError(_("a department needs a name of at most 128 characters"))
    with db.begin() as conn:
        if store.department_id(conn, name) is not None:
            raise UserError(_("a department named {name!r} exists already", name=name))
        store.add_department(conn, name, utc_now())
        record(conn, actor, "department.add", "department", name)


def remove_department(db: Database, actor: Actor, name: str) -> None:
    with db.begin() as conn:
        dept = store.department_id(conn, name)
        if dept is None:
            raise NotFound(_("no department named {name!r}", name=name))
        store.delete_department(conn, dept)
        record(conn, actor, "department.remove", "department", name)
