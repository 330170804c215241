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

import re
from typing import Any

from xlsxwriter.worksheet import Worksheet

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
