"""Read models for the staff app's 분석 pages: the month's report and one post's figures.

The web handlers call these (one each); the body HTML is the same as the report file's.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import NotFound
from ..i18n import _
from ..store.db import Database
from .figures import PostFigures, post_figures
from .report import MonthlyReport, monthly_report
from .report_files import charts, data_uris, html_body, write_xlsx
from .settings import age_delta


def this_month(settings: Settings) -> str:
    now = datetime.now(settings.timezone)
    return f"{now.year:04d}-{now.month:02d}"


@dataclass
class MonthView:
    report: MonthlyReport
    body: str          # the report's HTML, charts and covers inline (data: URIs)


def month_view(settings: Settings, db: Database, month: str | None) -> MonthView:
    report = monthly_report(settings, db, month or this_month(settings))
    src = data_uris(charts(report))
    for top in report.top:
        if top.cover:
            blob = Path(top.cover).read_bytes()
            kind = "jpeg" if top.cover.endswith((".jpg", ".jpeg")) else "png"
            src[f"cover_{top.post}"] = f"data:image/{kind};base64," + base64.b64encode(blob).decode()
    return MonthView(report, html_body(report, src, settings.timezone))


def month_xlsx(settings: Settings, db: Database, month: str | None) -> tuple[str, bytes]:
    """(file name, workbook bytes) of the month's report."""
    report = monthly_report(settings, db, month or this_month(settings))
    out = io.BytesIO()
    write_xlsx(report, out)
    return f"outreach-report-{report.period.label}.xlsx", out.getvalue()


def post_view(db: Database, occurrence_id: int) -> list[dict[str, Any]]:
    """One post on each channel: its figures at every age taken, oldest age first."""
    rows = post_figures(db, datetime(1970, 1, 1, tzinfo=timezone.utc),
                        datetime(9999, 1, 1, tzinfo=timezone.utc), occurrence_id=occurrence_id)
    if not rows:
        raise NotFound(_("post {id} has no delivered channel", id=occurrence_id))
    return [{"post": r, "ages": sorted(r.by_age.items(), key=lambda kv: age_delta(kv[0])),
             "names": sorted({n for v in r.by_age.values() for n in v})} for r in rows]
