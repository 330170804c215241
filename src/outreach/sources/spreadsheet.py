"""A list field (a template's ``events``) to and from a spreadsheet staff keep in Excel.

Reading: ``.xlsx`` (openpyxl, first sheet, values not formulas) or ``.csv``
as Excel saves it in Korea: CP949 ("CSV (쉼표로 분리)") or UTF-8 with a BOM
("CSV UTF-8"); comma, semicolon or tab separated. The first non-empty row
holds the column headers, matched to the item fields by the template's Korean
label (행사 이름), its description, or the field name (title), ignoring spaces
and case. Every row is checked like a data file; an error names the file, the
row number as Excel shows it, the column and what to write instead.

Writing: the same columns (labels as headers), dates as real date cells in
``.xlsx`` and CSV in UTF-8 with a BOM (which Excel opens without mangling Hangul).
"""

from __future__ import annotations

import csv
import io
import os
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..errors import DataError, ImageError, SourceError, _where
from ..i18n import _
from ..failures import failure_words
from ..render.data import MediaRule, check_data, media_rule
from ..render.template import FieldSpec

SUFFIXES = (".xlsx", ".csv")


def read_rows(path: Path) -> list[tuple[int, list[Any]]]:
    """(row number, cell values) of every row of the first sheet, blank rows left out."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(_("{path}: spreadsheet not found: check the path", path=path))
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    if suffix == ".csv":
        return _csv_rows(path)
    raise SourceError(_("{path}: not a spreadsheet this tool reads: save it as .xlsx or .csv",
                        path=path))


def _xlsx_rows(path: Path) -> list[tuple[int, list[Any]]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    # an .xlsx is a zip archive: a renamed .xls or a broken download is not one
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        raise SourceError(_("{path}: cannot read this .xlsx file ({error}): open it in Excel "
                            "and save it again", path=path, error=failure_words(exc))) from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = list(row)
            if any(v is not None and str(v).strip() for v in values):
                rows.append((number, values))
        return rows
    finally:
        book.close()


def _csv_rows(path: Path) -> list[tuple[int, list[Any]]]:
    raw = path.read_bytes()
    text = decode_csv(raw, path)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for number, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        if any(cell.strip() for cell in row):
            rows.append((number, list(row)))
    return rows


def decode_csv(raw: bytes, path: Path | str = "") -> str:
    """UTF-8 (with or without a BOM), else CP949: what Korean Excel writes."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp949")
    except UnicodeDecodeError:
        raise SourceError(_("{path}: this CSV is neither UTF-8 nor CP949 (EUC-KR): save it from "
                            "Excel as 'CSV UTF-8'", path=path)) from None


def _key(text: Any) -> str:
    return "".join(str(text or "").split()).lower()


def column_names(spec: FieldSpec) -> list[str]:
    """The headers an item field answers to, the preferred (its label) first."""
    names = [spec.label, spec.description, spec.name]
    return [n for n in dict.fromkeys(names) if n]


def header_map(headers: Sequence[Any], items: Sequence[FieldSpec], path: Path,
               row: int) -> dict[int, FieldSpec]:
    """Column index -> item field; unknown or missing columns are errors saying which."""
    by_name: dict[str, FieldSpec] = {}
    for spec in items:
        for name in column_names(spec):
            by_name.setdefault(_key(name), spec)
    out: dict[int, FieldSpec] = {}
    for i, header in enumerate(headers):
        if header is None or not str(header).strip():
            continue
        spec = by_name.get(_key(header))
        if spec is None:
            known = ", ".join(column_names(s)[0] for s in items)
            raise DataError(_("column {column} {header!r} is not a field of this list; the "
                              "columns are: {known}", column=_letter(i),
                              header=str(header).strip(), known=known), file=path, line=row)
        if spec in out.values():
            raise DataError(_("column {column} {header!r} repeats the {name} column: keep one",
                              column=_letter(i), header=str(header).strip(),
                              name=column_names(spec)[0]), file=path, line=row)
        out[i] = spec
    missing = [column_names(s)[0] for s in items if s.required and s not in out.values()]
    if missing:
        raise DataError(_("missing columns: {columns} (the header row needs them)",
                          columns=", ".join(missing)), file=path, line=row)
    return out


def import_list(path: Path, spec: FieldSpec, *, base: Path, media: MediaRule | None = None
                ) -> list[dict[str, Any]]:
    """The items of list field ``spec`` from a spreadsheet, each checked like a data file.

    ``base`` is the folder of the data file the items will be saved in: a photo
    column names a file relative to it or to the spreadsheet's own folder (then it
    is rewritten relative to ``base``). ``media`` is the data file's image rule
    (``render.data.media_rule``); by default photos are looked up in ``base``.
    """
    media = media or media_rule(base / "data.yaml", None)
    path = Path(path)
    if spec.items is None:
        raise DataError(_("{field} is not a list of items: only such a list is imported from a "
                          "spreadsheet", field=spec.name))
    rows = read_rows(path)
    if not rows:
        raise DataError(_("the spreadsheet is empty: the first row names the columns"),
                        file=path)
    header_row, headers = rows[0]
    columns = header_map(headers, spec.items, path, header_row)
    fields = {f.name: f for f in spec.items}
    out: list[dict[str, Any]] = []
    for number, values in rows[1:]:
        raw: dict[str, Any] = {}
        for i, fspec in columns.items():
            cell = values[i] if i < len(values) else None
            raw[fspec.name] = _cell_value(cell, fspec, path.parent, base)
        try:
            check_data(fields, raw, source=path, media=media, strict=False)
        except (DataError, ImageError) as exc:
            fspec = fields.get(str(exc.key).split(".")[0]) if exc.key else None
            column = next((i for i, s in columns.items() if s is fspec), None)
            where = f"{_letter(column)}{number} {column_names(fspec)[0]}" if fspec and \
                column is not None else None
            bare = exc.message[len(_where(exc.file, exc.line, exc.key)):]
            raise type(exc)(bare, file=path, line=number, key=where) from None
        out.append({k: v for k, v in raw.items() if v not in (None, "", [])})
    if spec.max_items is not None and len(out) > spec.max_items:
        raise DataError(_("{n} rows, but {field} takes at most {max}: split them over two "
                          "posts", n=len(out), field=spec.title, max=spec.max_items), file=path)
    return out


def _cell_value(cell: Any, spec: FieldSpec, sheet_dir: Path, base: Path) -> Any:
    """An Excel cell as the data file would hold it (dates as dates, lists from "a, b")."""
    if cell is None:
        return None
    if isinstance(cell, str):
        cell = cell.strip()
        if not cell:
            return None
    if spec.type == "date" and isinstance(cell, datetime):
        return cell.date()
    if spec.type == "time" and isinstance(cell, datetime):
        return cell.time()
    if spec.type == "text" and isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if spec.type == "text" and isinstance(cell, (datetime, date, time)):
        return cell.strftime("%H:%M") if isinstance(cell, time) else cell.isoformat()
    if spec.type == "date" and isinstance(cell, str):
        return cell.replace(".", "-").replace("/", "-").rstrip("-").strip()
    if spec.type == "list":
        parts = [p.strip() for p in str(cell).replace(";", ",").split(",") if p.strip()]
        if spec.item_type in ("number", "int"):
            try:
                return [float(p) for p in parts]
            except ValueError:
                return parts
        return parts
    if spec.type == "image" and isinstance(cell, str):
        candidate = Path(cell).expanduser()
        if not candidate.is_absolute() and not (base / candidate).is_file() and \
                (sheet_dir / candidate).is_file():
            return Path(os.path.relpath(sheet_dir / candidate, base)).as_posix()
    return cell


def _letter(index: int | None) -> str:
    if index is None:
        return "?"
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def export_list(path: Path, spec: FieldSpec, items: Iterable[dict[str, Any]]) -> Path:
    """Write the items of list field ``spec`` as .xlsx or .csv (by the suffix); the path."""
    path = Path(path)
    if spec.items is None:
        raise DataError(_("{field} is not a list of items: nothing to export as columns",
                          field=spec.name))
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SourceError(_("{path}: export to a .xlsx or .csv file", path=path))
    headers = [column_names(f)[0] for f in spec.items]
    rows = [[_export_value(item.get(f.name), f) for f in spec.items] for item in items]
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(headers)
        writer.writerows([["" if v is None else (v.isoformat() if isinstance(v, (date, time))
                                                 else v) for v in row] for row in rows])
        path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
        return path
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = spec.title[:31]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for i, fspec in enumerate(spec.items):
        letter = _letter(i)
        width = max([len(str(headers[i])) * 2] + [len(str(r[i] or "")) * 2 for r in rows[:50]])
        sheet.column_dimensions[letter].width = min(60, max(10, width))
        if fspec.type == "date":
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    book.save(path)
    return path


def _export_value(value: Any, spec: FieldSpec) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value
