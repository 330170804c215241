"""The monthly report as files: HTML (print stylesheet), XLSX, and charts as PNG.

The web page (``web/staff/metrics.py``) shows the same HTML body and charts; both come
from here so the page, the file and the workbook cannot disagree. Channels read as their
platform (``MonthlyReport.channel_name``) in all three; the workbook keeps the codes too.
"""

from __future__ import annotations

import base64
import html as html_text
from pathlib import Path
from typing import Any

from ..i18n import _, current_language, format_date, format_datetime
from .charts import bar_chart
from .report import MonthlyReport

TEMPLATES = Path(__file__).parent / "templates"
#: the report's stylesheet, shared with the staff app (served as /static/report.css)
STATIC = Path(__file__).parent / "static"


def charts(report: MonthlyReport) -> dict[str, bytes]:
    """name -> PNG: views and engagement per channel (this month and last), weekly guide."""
    names = [report.channel_name(c.channel) for c in report.channels]
    this, last = _("This month"), _("Last month")
    out = {
        "views": bar_chart(_("Views per channel ({month})", month=report.period.label), names,
                           [(this, [c.views for c in report.channels]),
                            (last, [c.prev_views for c in report.channels])]),
        "engagement": bar_chart(_("Engagement per channel ({month})", month=report.period.label),
                                names, [(this, [c.engagement for c in report.channels]),
                                        (last, [c.prev_engagement for c in report.channels])]),
    }
    days = sorted({w.day for w in report.weekly})
    if days:
        chans = sorted({w.channel for w in report.weekly})
        cell = {(w.day, w.channel): w.views for w in report.weekly}
        out["weekly"] = bar_chart(
            _("{schedule}: views on each Thursday ({age} after posting)",
              schedule=report.weekly_schedule, age=report.weekly_age),
            [f"{d.month}/{d.day}" for d in days],
            [(report.channel_name(ch), [cell.get((d, ch)) for d in days]) for ch in chans])
    return out


def html_body(report: MonthlyReport, chart_src: dict[str, str], tz: Any) -> str:
    """The report's HTML (no page chrome); ``chart_src``: chart name -> img src."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.globals.update(_=_, format_date=format_date,
                       format_datetime=lambda d: format_datetime(d, tz), n=number, pct=percent)
    return env.get_template("report_body.html").render(r=report, t=report.totals, charts=chart_src)


def number(value: int | float | None) -> str:
    return _("not available") if value is None else f"{value:,}"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}%"


def data_uris(pngs: dict[str, bytes]) -> dict[str, str]:
    return {k: "data:image/png;base64," + base64.b64encode(v).decode() for k, v in pngs.items()}


def write_report(report: MonthlyReport, out_dir: Path, tz: Any = None) -> list[Path]:
    """report-YYYY-MM.html (+ .xlsx, chart-*.png) in ``out_dir``; returns the files written."""
    tz = tz or report.generated_at.tzinfo
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"report-{report.period.label}"
    files = []
    pngs = charts(report)
    for name, blob in pngs.items():
        path = out_dir / f"{stem}-{name}.png"
        path.write_bytes(blob)
        files.append(path)
    src = {k: f"{stem}-{k}.png" for k in pngs}
    for top in report.top:       # the cover slides travel with the report
        if top.cover:
            cover = Path(top.cover)
            path = out_dir / f"{stem}-cover-{top.post}{cover.suffix}"
            path.write_bytes(cover.read_bytes())
            src[f"cover_{top.post}"] = path.name
            files.append(path)
    body = html_body(report, src, tz)
    css = "\n".join((folder / name).read_text(encoding="utf-8")
                    for folder, name in ((TEMPLATES, "report_page.css"), (STATIC, "report.css")))
    title = html_text.escape(f"{_('Monthly outreach report')} {report.period.label}")
    page = (f'<!doctype html>\n<html lang="{current_language()}"><head><meta charset="utf-8">'
            f"<title>{title}</title>"
            f"<style>{css}</style></head><body>{body}</body></html>\n")
    html = out_dir / f"{stem}.html"
    html.write_text(page, encoding="utf-8")
    xlsx = out_dir / f"{stem}.xlsx"
    write_xlsx(report, xlsx)
    return [html, xlsx, *files]


def write_xlsx(report: MonthlyReport, path: Any) -> None:
    """One sheet per table; numbers as numbers, unavailable figures as empty cells with a note."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#e8eef6", "border": 1})
    pct = book.add_format({"num_format": "+0.0\"%\";-0.0\"%\""})

    def sheet(name: str, header: list[str], rows: list[list[Any]], pct_cols: tuple[int, ...] = ()):
        ws = book.add_worksheet(name)
        ws.write_row(0, 0, header, head)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    ws.write_blank(r, c, None)
                elif c in pct_cols:
                    ws.write_number(r, c, value, pct)
                else:
                    ws.write(r, c, value)
        ws.set_column(0, len(header) - 1, 16)
        ws.freeze_panes(1, 0)

    # a channel reads as its platform; its code (the name in outreach.toml) stays in the
    # last column, for sorting, filtering and joining months whatever the language
    name, code = report.channel_name, _("Name in outreach.toml")
    lines = [*report.channels, report.totals]
    sheet(_("Channels"), [_("Channel"), _("Posts"), _("Views"), _("Posts without views"),
                          _("Engagement"), _("Posts without engagement"), _("Posts last month"),
                          _("Views last month"), _("Engagement last month"), _("Views change"),
                          _("Engagement change"), _("Followers at start"), _("Followers at end"),
                          code],
          [[name(c.channel) if c.channel else _("Total"), c.posts, c.views, c.views_missing,
            c.engagement, c.engagement_missing, c.prev_posts, c.prev_views, c.prev_engagement,
            c.views_change, c.engagement_change, c.followers_start, c.followers_end,
            c.channel or None] for c in lines],
          pct_cols=(9, 10))
    sheet(_("Schedules"), [_("Schedule"), _("Channel"), _("Posts"), code],
          [[s, name(c), n, c] for s, c, n in report.schedules])
    sheet(_("Top posts"), [_("Post"), _("Channel"), _("Schedule"), _("Sent"), _("Views"),
                           _("Engagement"), _("Address"), code],
          [[t.post, name(t.channel), t.schedule, t.sent.astimezone(report.generated_at.tzinfo)
            .strftime("%Y-%m-%d %H:%M"), t.views, t.engagement, t.url, t.channel]
           for t in report.top])
    sheet(_("Hand-offs"), [_("Channel"), _("Hand-offs"), _("Median hours"), _("Longest hours"),
                           code],
          [[name(h.channel), h.count, h.p50_hours, h.max_hours, h.channel]
           for h in report.handoffs])
    sheet(_("Week over week"), [_("Thursday"), _("Channel"), _("Posts"), _("Views"),
                                _("Engagement"), code],
          [[w.day.isoformat(), name(w.channel), w.posts, w.views, w.engagement, w.channel]
           for w in report.weekly])
    complaints = (report.inbox or {}).get("complaints") or {}
    sheet(_("Inbox"), [_("Figure"), _("Value")],
          [[_(k), complaints.get(k)] for k in ("received", "answered", "resolved", "overdue")]
          + [[_("First answer p50 (working hours)"),
              (complaints.get("first_answer") or {}).get("p50_working_hours")],
             [_("First answer p90 (working hours)"),
              (complaints.get("first_answer") or {}).get("p90_working_hours")]])
    sheet(_("Definitions"), [_("Term"), _("Definition")],
          [[_("Views"), _("the platform's views; reach where a platform gives only reach; posts "
                          "without the figure are counted apart, never as zero")],
           [_("Engagement"), _("reactions or likes, comments, shares, saves and link clicks, "
                               "as each platform gives them")],
           [_("Change from last month"), _("this month against the last, in percent of the last")],
           [_("Hand-off time"), _("from the post being due on a hand-off channel to staff "
                                  "recording it")]])
    book.close()
