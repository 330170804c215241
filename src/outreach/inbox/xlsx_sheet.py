"""An XlsxWriter worksheet that writes plain cells faster, byte for byte the same XML.

A month's item sheet is ~700,000 cells; in constant-memory mode XlsxWriter
writes each through ``Worksheet._write_cell``, which runs three regular
expressions and builds an attribute list per cell (about half the export's
CPU). Most of our cells are plain: no format, no character that needs
escaping, no leading or trailing space. For those this class writes the
same ``<c>`` element XlsxWriter would, in one f-string; every other cell
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


class FastCellSheet(Worksheet):
    """Use with ``Workbook(..., {"constant_memory": True})`` and
    ``add_worksheet(name, worksheet_class=FastCellSheet)``."""

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        if cell.format is None and col < 26 and self.constant_memory \
                and not self.col_info and row not in self.row_info:
            kind = cell.__class__.__name__
            if kind == "String":
                text = cell.string
                if not _NOT_PLAIN.search(text):
                    self.fh.write(f'<c r="{_COLUMNS[col]}{row + 1}" t="inlineStr">'
                                  f'<is><t>{text}</t></is></c>')
                    return
            elif kind == "Number":
                self.fh.write(f'<c r="{_COLUMNS[col]}{row + 1}"><v>{cell.number:.16G}</v></c>')
                return
        super()._write_cell(row, col, cell)
