"""What every staff page shares: the app's state and the request's signed-in user.

``StaffState`` is built once by ``create_staff_app`` and hung on
``app.state.staff``; route handlers reach it with ``staff(request)``.
``current_session(request)`` / ``current_actor(request)`` give the signed-in
user (set by ``requires``) and the ``Actor`` to pass to services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from ...config import Settings
from ...errors import PermissionDenied
from ...i18n import _
from ...store.db import Database
from ...users.audit import Actor
from ...users.sessions import Session, SessionPolicy


@dataclass
class StaffState:
    settings: Settings
    db: Database
    policy: SessionPolicy
    secure_cookies: bool | None          # None: Secure when the request came over https
    templates: Any = None                # jinja2.Environment
    route_names: frozenset[str] = field(default_factory=frozenset)
    # name -> its Route, for names only one route of the app has (render.url_for: a page
    # builds ~70 links; Starlette's app.url_path_for walks every route for each)
    route_index: dict[str, Any] = field(default_factory=dict)
    static_version: str = ""
    action_labels: dict[str, str] = field(default_factory=dict)


def staff(request: Request) -> StaffState:
    return request.app.state.staff


def current_session(request: Request) -> Session | None:
    """The signed-in user's session (None on public pages without one)."""
    return getattr(request.state, "session", None)


def current_actor(request: Request) -> Actor:
    """The ``Actor`` for services: the signed-in user, via web, not self-declared."""
    session = current_session(request)
    if session is None:
        raise PermissionDenied(_("sign in first"))
    return session.actor


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def form_data(request: Request) -> Any:
    """The submitted form of a POST (parsed by ``requires`` before the CSRF check)."""
    return getattr(request.state, "form", None) or {}
