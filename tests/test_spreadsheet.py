"""Spreadsheets in and out: .xlsx and Excel's CSVs (CP949, UTF-8 with BOM), Korean headers,
row-numbered errors, and ``outreach data import/export`` on a copy of the sample workspace."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from outreach.cli import main
from outreach.config import load_settings
from outreach.errors import DataError, ImageError
from outreach.studio.service import StudioService
from outreach.users.audit import Actor

REPO = Path(__file__).resolve().parents[1]
HEADERS = ["행사 이름", "분류", "시작일", "종료일", "시간", "장소", "요금", "소개", "사진"]
ROWS = [
    ["성거산 눈꽃 산행", "체험", "2026-12-05", "", "09:00~13:00", "성거산 자연휴양림 (서북구 성거읍)",
     "무료", "눈 덮인 숲길을 숲해설가와 걷습니다.", "../photos/taejosan.jpg"],
    ["천안예술의전당 송년 음악회", "공연", "2026-12-06", "", "19:30", "천안예술의전당 대공연장",
     "전석 10,000원", "시립교향악단의 송년 무대.", "../photos/city-hall.jpg"],
]


@pytest.fixture
def workspace(tmp_path) -> Path:
    root = tmp_path / "ws"
    for name in ("templates", "content", "schedules", "inbox"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "outreach.toml", root / "outreach.toml")
    return root


def xlsx(path: Path, rows: list[list], headers: list[str] = HEADERS) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def csv_bytes(rows: list[list], encoding: str, bom: bool = False) -> bytes:
    lines = [",".join(HEADERS)] + [",".join(f'"{c}"' if "," in str(c) else str(c) for c in r)
                                   for r in rows]
    data = "\r\n".join(lines).encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def studio(root: Path) -> StudioService:
    return StudioService(load_settings(root))


def test_xlsx_with_korean_headers_fills_the_events_of_a_date(workspace) -> None:
    # Excel keeps dates as real dates: the cell type must be accepted as well as text
    rows = [list(r) for r in ROWS]
    rows[0][2] = datetime(2026, 12, 5)
    sheet = xlsx(workspace / "events.xlsx", rows)
    version, spec, count = studio(workspace).import_sheet("weekend-guide", date(2026, 12, 10),
                                                          sheet, actor=Actor.cli("kim"))
    assert (spec.name, count, version.number) == ("events", 2, 1)
    saved = yaml.safe_load((workspace / "content/weekend-guide/2026-12-10.yaml").read_text())
    assert [e["title"] for e in saved["events"]] == ["성거산 눈꽃 산행", "천안예술의전당 송년 음악회"]
    assert saved["events"][0]["start"] == date(2026, 12, 5)
    assert saved["events"][1]["fee"] == "전석 10,000원"
    # a new date starts from the latest earlier file: the contact carries over
    assert saved["contact"].startswith("천안시청 홍보담당관실")
    assert version.by == "kim" and "events[0].title" not in version.changes


@pytest.mark.parametrize("encoding,bom", [("cp949", False), ("utf-8", True), ("utf-8", False)])
def test_excel_csv_in_cp949_or_utf8_with_bom(workspace, encoding, bom) -> None:
    path = workspace / "events.csv"
    path.write_bytes(csv_bytes(ROWS, encoding, bom))
    raw, spec, count = studio(workspace).import_rows("weekend-guide", date(2026, 12, 3), path)
    assert count == 2
    assert raw["events"][1]["place"] == "천안예술의전당 대공연장"


def test_a_bad_cell_names_the_file_row_and_column(workspace) -> None:
    rows = [list(r) for r in ROWS]
    rows[1][2] = "12월 6일"
    sheet = xlsx(workspace / "events.xlsx", rows)
    with pytest.raises(DataError, match=r"events\.xlsx:3: C3 시작일: expected a date like "
                                        r"2026-05-16, got '12월 6일'"):
        studio(workspace).import_rows("weekend-guide", date(2026, 12, 3), sheet)


def test_unknown_and_missing_columns_are_named(workspace) -> None:
    sheet = xlsx(workspace / "a.xlsx", [r + ["x"] for r in ROWS], HEADERS + ["비고"])
    with pytest.raises(DataError, match=r"a\.xlsx:1: column J '비고' is not a field of this list"):
        studio(workspace).import_rows("weekend-guide", date(2026, 12, 3), sheet)
    short = xlsx(workspace / "b.xlsx", [r[:5] for r in ROWS], HEADERS[:5])
    with pytest.raises(DataError, match=r"b\.xlsx:1: missing columns: 장소, 소개, 사진"):
        studio(workspace).import_rows("weekend-guide", date(2026, 12, 3), short)


def test_a_missing_photo_is_named_by_row(workspace) -> None:
    rows = [list(r) for r in ROWS]
    rows[0][8] = "없는사진.jpg"
    sheet = xlsx(workspace / "events.xlsx", rows)
    with pytest.raises(ImageError, match=r"events\.xlsx:2: I2 사진: image file not found"):
        studio(workspace).import_rows("weekend-guide", date(2026, 12, 3), sheet)


def test_export_then_import_gives_the_same_events(workspace) -> None:
    svc = studio(workspace)
    for suffix in (".xlsx", ".csv"):
        out = svc.export_sheet("weekend-guide", date(2026, 12, 3), workspace / f"out{suffix}")
        raw, _, count = svc.import_rows("weekend-guide", date(2026, 12, 3), out)
        before, _, _ = svc.load("weekend-guide", date(2026, 12, 3))
        assert count == len(before["events"])
        assert [e["title"] for e in raw["events"]] == [e["title"] for e in before["events"]]
        assert [str(e["start"]) for e in raw["events"]] == [str(e["start"]) for e in before["events"]]
    sheet = load_workbook(workspace / "out.xlsx").active
    assert [c.value for c in sheet[1]][:3] == ["행사 이름", "분류", "시작일"]
    assert isinstance(sheet["C2"].value, datetime)     # a real date cell, not text
    assert (workspace / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_cli_import_export_history_and_restore(workspace, capsys) -> None:
    sheet = xlsx(workspace / "events.xlsx", ROWS)
    root = ["--root", str(workspace)]
    assert main(root + ["data", "import", "weekend-guide", str(sheet), "--date", "2026-12-03"]) == 0
    out = capsys.readouterr().out
    assert "imported 2 rows into events of content/weekend-guide/2026-12-03.yaml" in out
    assert "saved as version 1" in out
    assert main(root + ["data", "history", "weekend-guide", "--date", "2026-12-03"]) == 0
    assert "version 1" in capsys.readouterr().out
    # restore the first version after a second import changed it
    other = xlsx(workspace / "other.xlsx", ROWS[:1])
    assert main(root + ["data", "import", "weekend-guide", str(other), "--date", "2026-12-03"]) == 0
    assert main(root + ["data", "restore", "weekend-guide", "1", "--date", "2026-12-03"]) == 0
    assert "restored version 1 as version 3" in capsys.readouterr().out
    saved = yaml.safe_load((workspace / "content/weekend-guide/2026-12-03.yaml").read_text())
    assert len(saved["events"]) == 2
    out_file = workspace / "back.xlsx"
    assert main(root + ["data", "export", "weekend-guide", "--date", "2026-12-03",
                        "--out", str(out_file)]) == 0
    assert out_file.is_file()


def test_cli_bad_sheet_is_one_line_and_exit_2(workspace, capsys) -> None:
    rows = [list(r) for r in ROWS]
    rows[0][5] = ""
    sheet = xlsx(workspace / "events.xlsx", rows)
    code = main(["--root", str(workspace), "data", "import", "weekend-guide", str(sheet),
                 "--date", "2026-12-03"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "events.xlsx:2: F2 장소: missing required field" in err
