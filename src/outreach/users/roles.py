"""Roles as sets of permissions, in one table.

Roles are not a ladder: an approver may approve but not edit, an editor may
edit and hand off but not approve, an officer answers the inbox of their
departments. So routes and services ask for a *permission*, never a role.
``self`` (a signed-in user's own account) and ``public`` (the sign-in page)
are pseudo-permissions every role, or every visitor, has.
"""

from __future__ import annotations

from typing import Final

VIEW, EDIT, APPROVE, PUBLISH, HANDOFF, INBOX_ANSWER, ADMIN = (
    "view", "edit", "approve", "publish", "handoff", "inbox_answer", "admin")
# surveys: create and edit them, publish their call (which still goes through approval
# like any one-off post) and close them; linking an inbox item is inbox work (INBOX_ANSWER)
SURVEY: Final = "survey"
SELF, PUBLIC = "self", "public"
PERMISSIONS: Final = (VIEW, EDIT, APPROVE, PUBLISH, HANDOFF, INBOX_ANSWER, ADMIN, SURVEY)

ROLE_PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    # users, channels, settings, and everything the others may do
    "admin": frozenset(PERMISSIONS),
    # data, drafts, one-off posts, templates, hand-offs, surveys; publish now / retry
    "editor": frozenset({VIEW, EDIT, PUBLISH, HANDOFF, INBOX_ANSWER, SURVEY}),
    # approve / reject drafts; publish now / retry what they approved
    "approver": frozenset({VIEW, APPROVE, PUBLISH, INBOX_ANSWER}),
    # the inbox of their departments
    "officer": frozenset({VIEW, INBOX_ANSWER}),
    # reads everything, changes nothing but their own account
    "viewer": frozenset({VIEW}),
}
ROLES: Final = tuple(ROLE_PERMISSIONS)


def can(role: str | None, permission: str) -> bool:
    """Whether ``role`` holds ``permission`` (``public`` always; ``self`` for any role)."""
    if permission == PUBLIC:
        return True
    if role is None or role not in ROLE_PERMISSIONS:
        return False
    return permission == SELF or permission in ROLE_PERMISSIONS[role]
