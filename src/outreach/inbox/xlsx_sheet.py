"""An XlsxWriter worksheet that writes plain cells faster, byte for byte the same XML.

A month's item sheet is ~700,000 cells; in constant-memory mode XlsxWriter
writes each through ``Worksheet._write_cell``, which runs three regular
expressions and builds an attribute list per cell (about half the export's
CPU). Most of our cells are plain: no format, no character that needs
escaping, no leading or trailing space. For those this class writes the
same ``<c>`` element XlsxWriter would, in one f-string, a row at a time; every other cell
(formats, ``& < >``, control characters, ``_xHHHH_`` look-alikes, edge
spaces, columns past Z) goes through XlsxWriter's own code. The sameness is
tested against XlsxWriter's output (tests/test_inbox_xlsx_sheet.py), which
also catches an XlsxWriter upgrade that changes the private method this
overrides.
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
    kind = cell.__class__.__name__
    if kind == "String":
        text = cell.string
        if _NOT_PLAIN.search(text):
            return None
        return f'<c r="{_COLUMNS[col]}{row + 1}" t="inlineStr"><is><t>{text}</t></is></c>'
    if kind == "Number":
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
        cols = [i for i, v in enumerate(values) if v is not None and v != ""]
        if not cols:
            return
        short = self.xls_strmax // 2
        if not self.constant_memory or not all(
                (kind := type(values[i])) is str and len(values[i]) <= short
                or (kind is int or kind is float) and math.isfinite(values[i]) for i in cols) \
                or self._check_dimensions(row, cols[0]) or self._check_dimensions(row, cols[-1]):
            for i in cols:
                value = values[i]
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
        for i in cols:
            value = values[i]
            cells[i] = CellStringTuple(value, None) if type(value) is str \
                else CellNumberTuple(value, None)

    def _write_single_row(self, current_row_num: int = 0) -> None:
        row_num = self.previous_row
        cells = self.table.get(row_num)
        if not cells or not self.constant_memory or self.col_info \
                or row_num in self.row_info or row_num in self.comments:
            return super()._write_single_row(current_row_num)
        xml = []
        for col_num in range(self.dim_colmin, self.dim_colmax + 1):
            cell = cells.get(col_num)
            if cell is not None:
                piece = _plain_cell(row_num, col_num, cell)
                if piece is None:
                    return super()._write_single_row(current_row_num)
                xml.append(piece)
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
