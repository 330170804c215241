"""The navigation bar, in one table: label, route name, permission to see it.

A page family appears in the bar once its route module defines a route with
that name (see docs/web.md): ``today``, ``calendar``, ``post_new``, ``handoffs``,
``inbox``, ``studio``, ``channels``, ``users``, ``audit``, ``notifications``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...users.roles import ADMIN, EDIT, VIEW


@dataclass(frozen=True)
class NavItem:
    label: str          # English message id; shown through the catalog
    route: str
    permission: str
    # other pages of the same family, marked as current in the bar too (a run is on the
    # calendar: /runs/12 marks 일정)
    also: tuple[str, ...] = ()


NAV: tuple[NavItem, ...] = (
    NavItem("Today", "today", VIEW),
    NavItem("Calendar", "calendar", VIEW, also=("/runs/",)),
    NavItem("New post", "post_new", EDIT),
    NavItem("Hand-offs", "handoffs", VIEW),
    NavItem("Inbox", "inbox", VIEW),
    NavItem("Studio", "studio", VIEW),
    NavItem("Channels", "channels", VIEW),
    NavItem("Analytics", "metrics", VIEW),
    NavItem("Surveys", "surveys", VIEW),
    NavItem("Topics", "topics", VIEW),
    NavItem("Users", "users", ADMIN),
    NavItem("Activity log", "audit", ADMIN),
    NavItem("Notification mails", "notifications", ADMIN),
)


def _labels_for_extraction() -> None:  # pragma: no cover - lets the catalog test see the ids
    from ...i18n import _

    _("Today"), _("Calendar"), _("New post"), _("Hand-offs"), _("Inbox"), _("Studio")
    _("Channels"), _("Users"), _("Activity log"), _("Analytics"), _("Surveys"), _("Topics")
    _("Notification mails")
