"""Render a page, or only the part an HTMX request asked for.

``render(request, "users/list.html", {...})`` gives the whole page. When an
HTMX request (not a boosted one) targets an element whose id is the name of a
block in that template (``hx-target="#user_table"`` and
``{% block user_table %}``), only that block is rendered: one template per page,
each swappable region a named block, no separate partial files to keep in step.
``render(..., block="name")`` picks a block explicitly.

Every template sees: ``_``, ``ngettext``, ``format_datetime`` (workspace time
zone), ``format_date``, ``url_for(name, **params)`` (a path), ``static(path)``,
``csrf_token``, ``session`` (the signed-in user or None), ``nav`` (the bar for
this user), ``flashes``, ``role_label``, ``channel_label`` (also a filter: a channel code
as staff read it), ``request``.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import NoMatchFound, Route

from ...channels import channel_label
from ...errors import OutreachError
from ...i18n import _, current_language, format_date, format_datetime, ngettext
from ...users.roles import can
from .context import current_session, is_htmx, staff
from .guard import csrf_token, set_pre_csrf_cookie
from .nav import NAV

if TYPE_CHECKING:
    from ...config import Settings

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

_ROLE_LABELS = {"admin": "Admin", "editor": "Editor", "approver": "Approver",
                "officer": "Officer", "viewer": "Viewer"}


def role_label(role: str) -> str:
    """A role's name in the language in force."""
    return _(_ROLE_LABELS.get(role, role))


def _role_ids_for_extraction() -> None:  # pragma: no cover
    _("Admin"), _("Editor"), _("Approver"), _("Officer"), _("Viewer")


def make_environment(static_version: str, settings: "Settings | None" = None):
    """The Jinja2 environment (autoescaped; strings through outreach.i18n per call).

    ``channel_label`` (a filter and a global: ``{{ it.channel | channel_label }}``) names a
    channel code as staff read it, from the workspace's ``settings`` (outreach.channels);
    ``kind_label`` and ``flag_label`` name an inbox item's kind and flags
    (outreach.inbox.labels)."""
    from ...inbox.labels import flag_label, kind_label
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(("html",), default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      auto_reload=False)
    env.globals.update(_=_, ngettext=ngettext, format_date=format_date,
                       role_label=role_label)
    env.globals["static_version"] = static_version

    def label(code: object) -> str:
        return channel_label(str(code), settings)

    env.filters["channel_label"] = env.globals["channel_label"] = label
    env.filters["kind_label"] = env.globals["kind_label"] = kind_label
    env.filters["flag_label"] = env.globals["flag_label"] = flag_label
    return env


def route_index(routes: list) -> dict[str, Route]:
    """Top-level ``Route``s by name, for the names no other route or mount could answer to
    (so asking that one route gives what ``app.url_path_for`` gives)."""
    seen: dict[str, int] = {}

    def count(rs) -> None:
        for r in rs:
            name = getattr(r, "name", None)
            if name:
                seen[name] = seen.get(name, 0) + 1
            count(getattr(r, "routes", None) or ())

    count(routes)
    if any(not isinstance(r, Route) and not getattr(r, "name", None) for r in routes):
        return {}               # an unnamed mount answers to its routes' plain names
    return {r.name: r for r in routes if isinstance(r, Route) and seen.get(r.name) == 1}


def _context(request: Request, extra: Mapping[str, Any]) -> dict[str, Any]:
    state = staff(request)
    session = current_session(request)
    tz = state.settings.timezone
    root = request.scope.get("root_path", "")
    index = state.route_index

    def url_for(name: str, /, **params: Any) -> str:
        texts = {k: str(v) for k, v in params.items()}
        route = index.get(name)
        if route is not None:
            try:
                return root + str(route.url_path_for(name, **texts))
            except NoMatchFound:
                pass                                   # let the app say what is wrong
        return root + str(request.app.url_path_for(name, **texts))

    def static(path: str) -> str:
        return f"{root}/static/{path}?v={state.static_version}"

    def fmt_datetime(value: datetime | None) -> str:
        return "" if value is None else format_datetime(value, tz)

    nav = [(item, url_for(item.route)) for item in NAV
           if session is not None and item.route in state.route_names
           and can(session.role, item.permission)]
    return {"request": request, "session": session, "csrf_token": csrf_token(request),
            "nav": nav, "flashes": session.flashes if session else (),
            "url_for": url_for, "static": static, "format_datetime": fmt_datetime,
            "language": current_language(), "path": request.url.path, **extra}


def render(request: Request, template: str, context: Mapping[str, Any] | None = None, *,
           status: int = 200, block: str | None = None,
           headers: Mapping[str, str] | None = None) -> Response:
    """The page, or one block of it for an HTMX request (see the module docstring)."""
    env = staff(request).templates
    tmpl = env.get_template(template)
    ctx = _context(request, context or {})
    if block is None and is_htmx(request) and request.headers.get("hx-boosted") != "true":
        target = request.headers.get("hx-target")
        if target and target in tmpl.blocks:
            block = target
    if block is not None:
        html = "".join(tmpl.blocks[block](tmpl.new_context(ctx)))
    else:
        html = tmpl.render(ctx)
        session = current_session(request)
        whole_page = not is_htmx(request) or request.headers.get("hx-boosted") == "true"
        if session is not None and session.flashes and whole_page:   # shown: forget them
            from ...users.sessions import clear_flashes

            clear_flashes(staff(request).db, session.id)
    response = HTMLResponse(html, status_code=status, headers=dict(headers or {}))
    set_pre_csrf_cookie(request, response)
    return response


def error_response(request: Request, exc: OutreachError | str, status: int) -> Response:
    """The error page with the error's one-line message; for HTMX, the message alone,
    swapped into the page's message area."""
    # files are named from the workspace folder, as staff know them (content/...)
    # an error's web sentence when its message points to a CLI command (errors.py)
    text = (getattr(exc, "web", None) or str(exc)) if isinstance(exc, OutreachError) else exc
    message = text.replace(str(staff(request).settings.root) + os.sep, "")
    if is_htmx(request):
        return render(request, "error.html", {"message": message, "status": status},
                      status=status, block="messages",
                      headers={"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"})
    return render(request, "error.html", {"message": message, "status": status,
                                          "back": _came_from(request)}, status=status)


def _came_from(request: Request) -> str | None:
    """The page of this site whose form or link led here (its Referer), to go back and fix
    the input there; None for another site's or no Referer."""
    from urllib.parse import urlsplit

    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or referer.path in ("", request.url.path):
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")


