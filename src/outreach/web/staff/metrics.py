"""분석 (analytics): the monthly outreach report with charts and a print stylesheet, its
XLSX workbook, and one post's figures at each age. Every handler calls one service in
``outreach.metrics.pages`` (the same report ``outreach report`` writes)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...metrics import pages
from ...users.roles import VIEW
from .context import staff
from .guard import requires
from .render import render


@requires(VIEW)
def month(request: Request) -> Response:
    view = pages.month_view(staff(request).settings, staff(request).db,
                            request.query_params.get("month"))
    return render(request, "metrics/month.html", {"view": view, "r": view.report})


@requires(VIEW)
def month_xlsx(request: Request) -> Response:
    name, blob = pages.month_xlsx(staff(request).settings, staff(request).db,
                                  request.query_params.get("month"))
    return Response(blob, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


@requires(VIEW)
def post(request: Request) -> Response:
    rows = pages.post_view(staff(request).db, request.path_params["id"])
    return render(request, "metrics/post.html", {"rows": rows, "post_id": request.path_params["id"]})


routes = [
    Route("/metrics", month, methods=["GET"], name="metrics"),
    Route("/metrics/report.xlsx", month_xlsx, methods=["GET"], name="metrics_xlsx"),
    Route("/metrics/posts/{id:int}", post, methods=["GET"], name="metrics_post"),
]
