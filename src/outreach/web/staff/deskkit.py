"""What the publishing desk's route modules share: the service for a request, a redirect
back with a message, and parsing of the few values their forms send.

Routes stay thin: parse, call one service, render or redirect.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ...errors import OutreachError
from ...i18n import _
from ...publishing.service import PublishingService
from .context import current_session, staff


def service(request: Request) -> PublishingService:
    """A publishing service on the app's database; its clock honours $OUTREACH_NOW like the
    CLI and run-due, so rehearsals see one time."""
    from ...scheduling.clock import make_clock

    state = staff(request)
    return PublishingService(state.settings, state.db,
                             clock=make_clock(None, state.settings.timezone))


def back(request: Request, route: str, message: str | None = None, kind: str = "ok",
         **params: Any) -> Response:
    """303 to ``route`` with a flash message shown there (the post/redirect/get pattern)."""
    from ...users.sessions import flash

    session = current_session(request)
    if message and session is not None:
        flash(staff(request).db, session.id, message, kind)
    path = request.app.url_path_for(route, **{k: str(v) for k, v in params.items()})
    return RedirectResponse(request.scope.get("root_path", "") + str(path), status_code=303)


def local_datetime(request: Request, text: str, *, field: str) -> datetime:
    """A form's ``2026-12-03T10:00`` (datetime-local) in the workspace's time zone."""
    from ...scheduling.clock import parse_instant

    if not text.strip():
        raise OutreachError(_("{field}: choose a date and time", field=field))
    try:
        return parse_instant(text, staff(request).settings.timezone, key=field)
    except Exception:
        raise OutreachError(_("{field}: expected a date and time such as 2026-12-03 10:00",
                          field=field)) from None


def parse_day(text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise OutreachError(_("expected a date such as 2026-12-03, got {value!r}",
                          value=text[:20])) from None


def int_param(value: Any, field: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise OutreachError(_("{field}: expected a number", field=field)) from None


def page(request: Request, template: str, context: dict[str, Any], **kw: Any) -> Response:
    """``render`` with the desk's words for states, so every page says the same."""
    from ...publishing import desk
    from .render import render

    from ...users.roles import PERMISSIONS, can

    tz = staff(request).settings.timezone
    session = current_session(request)
    may = {p: bool(session) and can(session.role, p) for p in PERMISSIONS}
    # one url_path_for per page, not per row: the calendar has hundreds of links
    runs = request.scope.get("root_path", "") + str(request.app.url_path_for("run", occ_id="0"))[:-1]
    helpers = {"tz": tz, "may": may, "run_href": lambda occ_id: f"{runs}{occ_id}", "desk_words": desk.occurrence_words, "desk_title": desk.run_title,
               "desk_delivery_words": lambda row: desk.delivery_words(row, tz)}
    return render(request, template, {**helpers, **context}, **kw)
