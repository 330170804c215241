"""An XlsxWriter worksheet that writes plain rows faster, byte for byte the same XML.

A month's item sheet is ~700,000 cells. In constant-memory mode XlsxWriter
takes each through a public writer (argument decoding, bounds check) and
then ``Worksheet._write_cell`` (three regular expressions, an attribute list
and a file write per cell): about two thirds of the export's CPU before this
class. Here a row is stored with one call (``write_plain_row``), and when
all its cells are plain (no format, nothing to escape, no edge spaces, within
A..Z) the row is written as one string holding the same ``<c>`` elements
XlsxWriter would write. Every other row or cell goes through XlsxWriter's
own code. The sameness is tested against XlsxWriter's output byte for byte
(tests/test_inbox_xlsx_sheet.py), which also catches an XlsxWriter upgrade
that changes the private methods and cell tuples used here.
"""

from __future__ import annotations

import math
import re
from typing import Any, Sequence

from xlsxwriter.worksheet import CellNumberTuple, CellStringTuple, Worksheet

# Anything XlsxWriter would change or mark in an inline string (see its
# _escape_control_characters, _escape_data and _preserve_whitespace).
_NOT_PLAIN = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
_COLUMNS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _plain_cell(row: int, col: int, cell: Any) -> str | None:
    """The ``<c>`` element XlsxWriter writes for a plain string or number cell; None for any
    other cell (XlsxWriter's own code writes it)."""
    if cell.format is not None or col >= 26:
        return None
    kind = cell.__class__
    if kind is CellStringTuple:
        text = cell.string
        if _NOT_PLAIN.search(text):
            return None
        return f'<c r="{_COLUMNS[col]}{row + 1}" t="inlineStr"><is><t>{text}</t></is></c>'
    if kind is CellNumberTuple:
        return f'<c r="{_COLUMNS[col]}{row + 1}"><v>{cell.number:.16G}</v></c>'
    return None


class FastCellSheet(Worksheet):
    """Use with ``Workbook(..., {"constant_memory": True})`` and
    ``add_worksheet(name, worksheet_class=FastCellSheet)``: a row of plain cells is
    written with one call instead of one per cell."""

    def write_plain_row(self, row: int, values: Sequence[Any]) -> None:
        """``values`` from column A, each as ``write_string`` (str) or ``write_number``
        (int, float) would write it, ``None`` and ``""`` left empty; the bounds are checked
        once per row instead of once per cell. Anything else goes cell by cell through
        XlsxWriter's own writers."""
        short = self.xls_strmax // 2
        plain = self.constant_memory
        first = last = -1
        for i, value in enumerate(values):
            if value is None or value == "":
                continue
            kind = type(value)
            if not (kind is str and len(value) <= short or kind is int
                    or kind is float and math.isfinite(value)):
                plain = False
            if first < 0:
                first = i
            last = i
        if first < 0:
            return
        if not plain or self._check_dimensions(row, first) or self._check_dimensions(row, last):
            for i, value in enumerate(values):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    self.write_string(row, i, value)
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    self.write_number(row, i, value)
                else:
                    self.write(row, i, value)
            return
        if row > self.previous_row:
            self._write_single_row(row)
        cells = self.table[row]
        for i, value in enumerate(values):
            if value is None or value == "":
                continue
            cells[i] = CellStringTuple(value, None) if type(value) is str \
                else CellNumberTuple(value, None)

    def _write_single_row(self, current_row_num: int = 0) -> None:
        row_num = self.previous_row
        cells = self.table.get(row_num)
        if not cells or not self.constant_memory or self.col_info \
                or row_num in self.row_info or row_num in self.comments:
            return super()._write_single_row(current_row_num)
        xml = []
        r = row_num + 1
        for col_num in range(self.dim_colmin, min(self.dim_colmax + 1, 26)):
            cell = cells.get(col_num)
            if cell is None:
                continue
            # _plain_cell inline: this loop runs for every cell of the month
            kind = cell.__class__
            if cell.format is None:
                if kind is CellStringTuple:
                    text = cell.string
                    if not _NOT_PLAIN.search(text):
                        xml.append(f'<c r="{_COLUMNS[col_num]}{r}" t="inlineStr">'
                                   f'<is><t>{text}</t></is></c>')
                        continue
                elif kind is CellNumberTuple:
                    xml.append(f'<c r="{_COLUMNS[col_num]}{r}"><v>{cell.number:.16G}</v></c>')
                    continue
            return super()._write_single_row(current_row_num)
        if self.dim_colmax >= 26 and any(col >= 26 for col in cells):
            return super()._write_single_row(current_row_num)
        self.previous_row = current_row_num
        self._write_row(row_num, None)
        self.fh.write("".join(xml))
        self._xml_end_tag("row")
        self.table.clear()
        return None

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        # the cells of a row that is not all plain
        piece = _plain_cell(row, col, cell) \
            if self.constant_memory and not self.col_info and row not in self.row_info else None
        if piece is None:
            super()._write_cell(row, col, cell)
        else:
            self.fh.write(piece)
