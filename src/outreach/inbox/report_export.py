"""The report as files: CSV (figures, or one row per item) and XLSX (every table plus the
items on their own sheet).

Items are exported masked (``masking.mask``) with their pseudonymous author
only, never the platform user id. CSV starts with a UTF-8 byte order mark so
Excel on a Korean Windows opens it as UTF-8. XLSX is written by XlsxWriter in
constant-memory mode: a month of 50,000 items streams to disk row by row, one
call per row into a worksheet that writes plain cells faster (``xlsx_sheet``).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import IO, Any, Iterator

from ..i18n import _, format_datetime
from ..store.db import Database
from .items import pseudonym
from .masking import mask
from .report import ItemFacts, Period, Report, inbox_report, report_items
from .report_labels import (apart_titles, counted_title, definitions, figure_columns,
                            group_name, group_titles, kind_title, pick)
from .timers import WorkingTime


def figure_rows(report: Report) -> list[list[Any]]:
    """The figures as one table: section, group, then the figure columns."""
    data = report.as_json()
    cols = figure_columns()
    rows: list[list[Any]] = [[_("Table"), _("Group"), *(title for _k, title in cols)]]
    rows.append([_("Complaint figures"), _("All"),
                 *(pick(data["complaints"], key) for key, _t in cols)])
    for group, title in group_titles().items():
        for name, summary in data[group].items():
            rows.append([title, group_name(group, name), *(pick(summary, k) for k, _t in cols)])
    for key, title in apart_titles().items():
        rows.append([_("Counted apart"), title, data["apart"][key]])
    for kind, n in data["apart_kinds"].items():
        rows.append([_("Counted apart"), kind_title(kind), n])
    return rows


def item_header() -> list[str]:
    return [_("No."), _("Received"), _("Channel"), _("Kind"), _("Counted as"), _("Department"),
            _("Categories"), _("Status"), _("Answered"), _("Resolved"), _("Overdue"),
            _("First answer (working h)"), _("Resolution (working h)"), _("Author"), _("Text")]


class ItemRows:
    """Turns items into export rows; the words for kinds and statuses are looked up once
    per export, not once per item (a month is tens of thousands of rows)."""

    def __init__(self) -> None:
        self.kinds: dict[str, str] = {}
        self.counted: dict[str, str] = {}

    def __call__(self, row: Any, f: ItemFacts) -> list[Any]:
        kind = self.kinds.get(f.kind)
        if kind is None:
            kind = self.kinds[f.kind] = kind_title(f.kind)
        counted = self.counted.get(f.counted_as)
        if counted is None:
            counted = self.counted[f.counted_as] = counted_title(f.counted_as)
        # "2026-11-26 16:00" (isoformat is C; strftime costs 4x as much per row)
        return [row.id, f.received_local.isoformat(" ", "minutes")[:16], row.channel, kind, counted,
                row.assignee or "", (row.categories or "").replace(",", ", "), row.status,
                "Y" if f.answered else "", "Y" if f.resolved else "", "Y" if f.overdue else "",
                _hours(f.first_work), _hours(f.done_work), pseudonym(row),
                mask(row.text or "")]


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def item_row(row: Any, f: ItemFacts) -> list[Any]:
    """One item as an export row (masked text, pseudonymous author)."""
    return ItemRows()(row, f)


def write_csv(report: Report, out: IO[str]) -> None:
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("Inbox figures"), report.period.label,
                     _("made {at}", at=format_datetime(report.generated_at))])
    writer.writerows(figure_rows(report))


def items_csv(db: Database, working: WorkingTime, period: Period, out: IO[str]) -> Report:
    """One row per item received in ``period`` (masked); returns the report of the same pass."""
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(item_header())
    rows = ItemRows()
    return inbox_report(db, working, period, with_text=True,
                        on_item=lambda row, f: writer.writerow(
                            [_safe_cell(v) for v in rows(row, f)]))


def items_csv_stream(db: Database, working: WorkingTime, period: Period,
                     chunk: int = 64_000) -> Iterator[str]:
    """The items CSV as text chunks of about ``chunk`` characters, written while the rows
    are read (the web's download starts at once and never holds the month in memory)."""
    from ..store.inbox import utcnow

    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    writer.writerow(item_header())
    rows = ItemRows()
    now = utcnow()
    report = Report(period, now.astimezone(working.tz))
    for row, f in report_items(db, working, period, report, now=now, with_text=True):
        writer.writerow([_safe_cell(v) for v in rows(row, f)])
        if buf.tell() >= chunk:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def _safe_cell(value: Any) -> Any:
    """A citizen's text starting with = + - @ would run as a formula when the CSV is opened
    in a spreadsheet: prefix it with an apostrophe (OWASP's advice for CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_xlsx(db: Database, working: WorkingTime, period: Period, path: Path | IO[bytes],
               *, with_items: bool = True) -> Report:
    """Every table of the report, the definitions and (by default) the items, one pass."""
    import xlsxwriter  # lazy: only exports need it

    from .xlsx_sheet import FastCellSheet

    book = xlsxwriter.Workbook(path if isinstance(path, (str, Path)) else path,
                               {"constant_memory": True, "in_memory": False,
                                "strings_to_numbers": False, "strings_to_formulas": False,
                                "strings_to_urls": False})
    try:
        bold = book.add_format({"bold": True})
        sheet = book.add_worksheet(_("Figures"))         # first tab when the file opens
        notes = book.add_worksheet(_("Definitions"))
        items = book.add_worksheet(_("Items"), worksheet_class=FastCellSheet) \
            if with_items else None
        on_item: Any = None
        if items is not None:
            items.write_row(0, 0, item_header(), bold)
            items.freeze_panes(1, 0)
            count = [0]
            rows = ItemRows()
            write_row = items.write_plain_row

            def on_item(row, f):  # noqa: F811 - replaces the None above
                count[0] += 1
                write_row(count[0], rows(row, f))
        report = inbox_report(db, working, period, on_item=on_item, with_text=with_items)
        sheet.write_row(0, 0, [_("Inbox figures"), report.period.label,
                               _("made {at}", at=format_datetime(report.generated_at))],
                        bold)
        for i, row in enumerate(figure_rows(report), start=2):
            sheet.write_row(i, 0, row, bold if i == 2 else None)
        sheet.set_column(0, 1, 18)
        sheet.set_column(2, 16, 12)
        notes.set_column(0, 0, 120)
        for i, text in enumerate(definitions()):
            notes.write(i, 0, text)
        return report
    finally:
        book.close()


def csv_text(report: Report) -> str:
    buf = io.StringIO()
    write_csv(report, buf)
    return buf.getvalue()
