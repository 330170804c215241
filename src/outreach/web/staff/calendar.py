"""일정 (calendar): month and week views of past and upcoming runs, coloured by state, with
skip days and public holidays; one-off posts can be dragged to another day."""

from __future__ import annotations

from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...publishing import desk
from ...users.roles import VIEW
from .deskkit import page, parse_day, service
from .guard import requires


def span(view: str, anchor: date) -> tuple[date, date]:
    """[start, end) of the grid: whole weeks (Monday first) around the month, or one week."""
    if view == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=7)
    first = anchor.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    start = first - timedelta(days=first.weekday())
    end = nxt + timedelta(days=(7 - nxt.weekday()) % 7)
    return start, end


def context(request: Request, view: str, anchor: date) -> dict:
    svc = service(request)
    now = svc.clock()
    start, end = span(view, anchor)
    days = desk.calendar(svc.settings, svc.db, desk.current_schedules(svc.settings), start, end,
                         now)
    if view == "week":
        prev, nxt = anchor - timedelta(days=7), anchor + timedelta(days=7)
    else:
        prev = (anchor.replace(day=1) - timedelta(days=1)).replace(day=1)
        nxt = (anchor.replace(day=1) + timedelta(days=32)).replace(day=1)
    today = now.astimezone(svc.settings.timezone).date()
    return {"view": view, "anchor": anchor, "days": days, "prev": prev, "next": nxt,
            "today": today, "weeks": [days[i:i + 7] for i in range(0, len(days), 7)]}


@requires(VIEW)
def calendar(request: Request) -> Response:
    view = "week" if request.query_params.get("view") == "week" else "month"
    svc_today = service(request).clock().astimezone(service(request).settings.timezone).date()
    month = request.query_params.get("month")
    anchor = parse_day(request.query_params.get("day") or (month + "-01" if month else None),
                       svc_today)
    return page(request, "calendar/calendar.html", context(request, view, anchor))


routes = [Route("/calendar", calendar, methods=["GET"], name="calendar")]
