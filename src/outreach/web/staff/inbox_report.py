"""민원 통계 (inbox figures): the dashboard with charts, the printable A4 monthly report, and
CSV / XLSX exports, all from ``outreach.inbox.report`` (the same figures as
``outreach inbox report``)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Route

from ...channels import channel_label
from ...errors import InboxError
from ...i18n import _
from ...inbox.report import Period, default_period, inbox_report, month_period, range_period
from ...inbox.report_export import items_csv_stream, write_csv, write_xlsx
from ...inbox.report_labels import (apart_titles, definitions, figure_columns, group_name,
                                    group_titles, kind_title, pick)
from ...inbox.settings import inbox_config
from ...store.inbox import utcnow
from ...users.roles import VIEW
from .context import staff
from .guard import requires
from .inbox_charts import bars
from .render import render


def _period(request: Request) -> Period:
    q = request.query_params
    tz = staff(request).settings.timezone
    if q.get("since") or q.get("until"):
        if not (q.get("since") and q.get("until")):
            raise InboxError(_("a date range needs both the first and the last day"))
        return range_period(q["since"], q["until"])
    if q.get("month"):
        return month_period(q["month"])
    return default_period(utcnow(), tz)


def _working(request: Request):
    return inbox_config(staff(request).settings).working


def _shown_name(request: Request):
    """The tables' row names: ``group_name``, with channels by their platform's name (the
    pages' ``channel_label``; the CSV / XLSX exports keep the codes)."""
    settings = staff(request).settings

    def name(group: str, key: str) -> str:
        return channel_label(key, settings) if group == "by_channel" else group_name(group, key)

    return name


def _context(request: Request) -> dict:
    period = _period(request)
    report = inbox_report(staff(request).db, _working(request), period)
    data = report.as_json()
    months = list(data["by_month"])
    month_chart = bars(_("Complaints per month"), months, [
        (_("Received"), [data["by_month"][m]["received"] for m in months]),
        (_("Answered"), [data["by_month"][m]["answered"] for m in months]),
        (_("Resolved"), [data["by_month"][m]["resolved"] for m in months]),
        (_("Overdue"), [data["by_month"][m]["overdue"] for m in months])])
    depts = list(data["by_department"])[:12]
    dept_chart = bars(_("Complaints per department"),
                      [group_name("by_department", d) for d in depts], [
        (_("Received"), [data["by_department"][d]["received"] for d in depts]),
        (_("Overdue"), [data["by_department"][d]["overdue"] for d in depts])])
    time_chart = bars(_("First answer, working hours, per department"),
                      [group_name("by_department", d) for d in depts], [
        ("p50", [data["by_department"][d]["first_answer"]["p50_working_hours"] or 0
                 for d in depts]),
        ("p90", [data["by_department"][d]["first_answer"]["p90_working_hours"] or 0
                 for d in depts])])
    query = request.url.query
    return {"r": data, "made_at": report.generated_at,     # shown with format_datetime
            "period": period, "columns": figure_columns(), "pick": pick,
            "groups": group_titles(), "group_name": _shown_name(request), "apart": apart_titles(),
            "kind_title": kind_title, "definitions": definitions(),
            "charts": [month_chart, dept_chart, time_chart], "query": query,
            "month_value": period.label if len(period.label) == 7 else ""}


@requires(VIEW)
def dashboard(request: Request) -> Response:
    return render(request, "inbox/report.html", _context(request))


@requires(VIEW)
def printable(request: Request) -> Response:
    return render(request, "inbox/report_print.html", _context(request))


def _filename(period: Period, suffix: str) -> str:
    return f"inbox-{period.label.replace('..', '_')}.{suffix}"


@requires(VIEW)
def export_csv(request: Request) -> Response:
    period = _period(request)
    headers = {"Cache-Control": "no-store"}
    if request.query_params.get("items") == "1":
        # streamed: rows go out as they are read (a month is tens of thousands of items)
        name = _filename(period, "items.csv")
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
        chunks = items_csv_stream(staff(request).db, _working(request), period)
        return StreamingResponse((c.encode("utf-8") for c in chunks),
                                 media_type="text/csv; charset=utf-8", headers=headers)
    buf = io.StringIO()
    write_csv(inbox_report(staff(request).db, _working(request), period), buf)
    headers["Content-Disposition"] = f'attachment; filename="{_filename(period, "csv")}"'
    return Response(buf.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers=headers)


@requires(VIEW)
def export_xlsx(request: Request) -> Response:
    period = _period(request)
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    handle.close()
    path = Path(handle.name)
    write_xlsx(staff(request).db, _working(request), period, path)
    return FileResponse(path, filename=_filename(period, "xlsx"),
                        media_type="application/vnd.openxmlformats-officedocument."
                                   "spreadsheetml.sheet",
                        headers={"Cache-Control": "no-store"},
                        background=BackgroundTask(path.unlink, missing_ok=True))


routes = [
    Route("/inbox/report", dashboard, methods=["GET"], name="inbox_report"),
    Route("/inbox/report/print", printable, methods=["GET"], name="inbox_report_print"),
    Route("/inbox/report.csv", export_csv, methods=["GET"], name="inbox_report_csv"),
    Route("/inbox/report.xlsx", export_xlsx, methods=["GET"], name="inbox_report_xlsx"),
]
