"""The fast item sheet writes exactly the XML XlsxWriter's own worksheet writes."""

from __future__ import annotations

import zipfile
from pathlib import Path

import xlsxwriter
from openpyxl import load_workbook

from outreach.inbox.xlsx_sheet import FastCellSheet

CELLS = [
    "시민-a1b2c3", "도로 파손 신고합니다. 010-****-5678", "Y", "", "plain ascii",
    "a & b", "<r>rich?</r>", "x > y", 'say "hi"', "two\nlines", "ends with newline\n",
    " leading space", "trailing space ", "\ttab first", "bell\x07inside", "_x0041_ literal",
    "_x00zz_ not an escape", "non-character \ufffe here", "emoji 🙂 and 한글", "=1+1",
    "\u3000ideographic space first", "nbsp last\u00a0", "긴 글" * 6000,
    0, 7, -3, 1234567890123, 0.1, 2.25, 53.2, 1e-7, 1.5e20, 12345.678901234567,
]


COLUMNS = (0, 3, 14, 25, 26, 30)        # 26 and on: past column Z


def _sheet_xml(tmp_path: Path, name: str, worksheet_class, *, bold_header: bool) -> bytes:
    path = tmp_path / f"{name}.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "in_memory": False,
                                           "strings_to_numbers": False,
                                           "strings_to_formulas": False,
                                           "strings_to_urls": False})
    sheet = book.add_worksheet("Items", worksheet_class=worksheet_class)
    bold = book.add_format({"bold": True})
    if bold_header:
        sheet.write_row(0, 0, ["No.", "Text & more"], bold)
    for row, value in enumerate(CELLS, start=1):
        if worksheet_class is FastCellSheet and row % 2:     # half the rows at once
            values = [value if col in COLUMNS else None for col in range(max(COLUMNS) + 1)]
            sheet.write_plain_row(row, values)
            continue
        for col in COLUMNS:
            if isinstance(value, str):
                sheet.write_string(row, col, value)
            else:
                sheet.write_number(row, col, value)
    sheet.freeze_panes(1, 0)
    book.close()
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml")


def test_same_xml_as_xlsxwriter(tmp_path):
    for bold_header in (True, False):
        ours = _sheet_xml(tmp_path, "fast", FastCellSheet, bold_header=bold_header)
        theirs = _sheet_xml(tmp_path, "plain", None, bold_header=bold_header)
        assert ours == theirs
        assert b'<c r="A2" t="inlineStr"><is><t>' in ours        # the fast path was taken
        assert b'<c r="A3" t="inlineStr"><is><t>' in ours


def test_reads_back(tmp_path):
    _sheet_xml(tmp_path, "fast", FastCellSheet, bold_header=True)
    rows = list(load_workbook(tmp_path / "fast.xlsx", read_only=True)["Items"]
                .iter_rows(values_only=True))
    assert rows[0][:2] == ("No.", "Text & more")
    got = [r[14] for r in rows[1:]]
    assert got[CELLS.index("a & b")] == "a & b"
    assert got[CELLS.index(" leading space")] == " leading space"
    assert got[CELLS.index(53.2)] == 53.2
    assert got[CELLS.index("")] is None or got[CELLS.index("")] == ""
