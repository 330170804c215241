"""The item rows of the exports, cell by cell: the XLSX sheet (written through the fast item
sheet) holds the same rows as the items CSV, with the received time as "YYYY-MM-DD HH:MM"
in Korea time, the working hours, masked text and the pseudonymous author."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from outreach.inbox.report import month_period
from outreach.inbox.report_export import items_csv, write_xlsx
from outreach.store import inbox as store
from outreach.store.inbox_queries import has_kind

from inbox_report_data import APART_DB, COMPLAINTS, OUTSIDE, WORKING, db_rows
from test_inbox_support import opened

NOVEMBER = month_period("2026-11")


def _same(cell, text: str) -> bool:
    """An XLSX cell equals the CSV's text (a number read back may be int or float)."""
    if cell is None:
        return text == ""
    if isinstance(cell, (int, float)):
        return float(text) == cell
    return cell == text


def test_xlsx_item_rows_equal_the_csv_rows(tmp_path, db_url):
    _settings, db = opened(tmp_path, db_url)
    with db.begin() as conn:
        store.insert_items(conn, db_rows(COMPLAINTS + APART_DB + OUTSIDE, has_kind()))
    path = tmp_path / "report.xlsx"
    write_xlsx(db, WORKING, NOVEMBER, path)
    out = io.StringIO()
    items_csv(db, WORKING, NOVEMBER, out)
    db.dispose()

    sheet = [list(r) for r in load_workbook(path, read_only=True)["Items"]
             .iter_rows(values_only=True)]
    lines = list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert len(sheet) == len(lines) == 10
    assert sheet[0] == lines[0]
    for cells, line in zip(sheet[1:], lines[1:]):
        assert len(cells) == len(line)
        assert all(_same(c, t) for c, t in zip(cells, line)), (cells, line)
    header = sheet[0]
    c1 = dict(zip(header, next(r for r in sheet[1:] if r[1] == "2026-11-16 10:00")))
    assert isinstance(c1["No."], int)
    assert (c1["Channel"], c1["Department"], c1["Categories"], c1["Status"]) == \
        ("facebook", "도로과", "도로", "resolved")
    assert (c1["Answered"], c1["Resolved"], c1["Overdue"]) == ("Y", "Y", None)
    assert (c1["First answer (working h)"], c1["Resolution (working h)"]) == (1, 9)
    assert c1["Author"] == "시민-a1b2c3"
    assert c1["Text"] == "민원 c1 내용 010-****-5678"
    c3 = dict(zip(header, next(r for r in sheet[1:] if r[1] == "2026-11-17 09:00")))
    assert c3["Categories"] == "도로, 가로등"
    assert [r[1] for r in sheet[1:]] == sorted(r[1] for r in sheet[1:])     # oldest first
