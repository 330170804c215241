"""오늘 (today): everything that needs a person now, each item with its action."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...publishing import desk
from ...users.roles import VIEW
from .deskkit import page, service
from .guard import requires



@requires(VIEW)
def today(request: Request) -> Response:
    svc = service(request)
    found = desk.today(svc.settings, svc.db, desk.current_schedules(svc.settings), svc.clock())
    return page(request, "today/today.html", {"t": found, "now": svc.clock()})


routes = [Route("/today", today, methods=["GET"], name="today")]
