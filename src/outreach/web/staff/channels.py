"""채널 (channels): each channel's latest check, quota, token expiry, with the fix in words.

Checks run in the daemon every six hours and with ``outreach channels check``; the page reads
what they stored and never calls a platform itself.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...publishing import desk
from ...users.roles import VIEW
from .deskkit import page, service
from .guard import requires


@requires(VIEW)
def index(request: Request) -> Response:
    svc = service(request)
    return page(request, "channels/channels.html",
                {"rows": desk.channel_rows(svc.settings, svc.db, svc.clock())})


routes = [Route("/channels", index, methods=["GET"], name="channels")]
