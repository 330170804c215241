"""Report figures on a known data set equal hand-computed values, on SQLite and PostgreSQL;
the CSV and XLSX exports hold the same numbers; the CLI prints them."""

from __future__ import annotations

import csv
import io
import json

import pytest

from outreach.errors import InboxError
from outreach.inbox.report import build, inbox_report, month_period, range_period
from outreach.inbox.report_export import items_csv, write_csv, write_xlsx
from outreach.store import inbox as store
from outreach.store.inbox_queries import has_kind

from inbox_report_data import (APART_DB, APART_KINDS, COMPLAINTS, EXPECTED_COMPLAINTS, NOW,
                               OUTSIDE, WORKING, as_row, db_rows)
from test_inbox_support import opened

NOVEMBER = month_period("2026-11")


def test_figures_leave_spam_hidden_deleted_and_non_complaints_apart():
    items = COMPLAINTS + APART_DB + APART_KINDS
    report = build([as_row(it, i) for i, it in enumerate(items, 1)], NOVEMBER, WORKING, NOW)
    data = report.as_json()
    assert data["complaints"] == EXPECTED_COMPLAINTS
    assert data["apart"] == {"spam": 3, "hidden": 2, "non_complaint": 3, "deleted": 1}
    assert data["apart_kinds"] == {"greeting": 2, "opinion": 1}
    dept = data["by_department"]
    assert list(dept) == ["도로과", "-", "교통과"]            # most received first, then name
    assert (dept["도로과"]["received"], dept["도로과"]["overdue"], dept["도로과"]["resolved"]) \
        == (2, 1, 2)
    assert dept["도로과"]["first_answer"]["p50_working_hours"] == 3.5    # (1 + 6) / 2
    assert {k: v["received"] for k, v in data["by_category"].items()} == \
        {"도로": 2, "-": 1, "가로등": 1, "주차": 1}
    assert {k: v["received"] for k, v in data["by_kind"].items()} == \
        {"complaint": 3, "question": 1}
    assert {k: v["received"] for k, v in data["by_channel"].items()} == \
        {"facebook": 2, "kakao": 1, "youtube": 1}
    assert data["by_month"]["2026-11"] == EXPECTED_COMPLAINTS


def test_periods():
    assert (NOVEMBER.first.isoformat(), NOVEMBER.last.isoformat()) == ("2026-11-01", "2026-11-30")
    assert month_period("2026-12").last.day == 31
    assert range_period("2026-10-15", "2026-12-02").months() == ["2026-10", "2026-11", "2026-12"]
    for bad in ("2026-13", "November", "2026-1-x"):
        with pytest.raises(InboxError, match="YYYY-MM"):
            month_period(bad)
    with pytest.raises(InboxError, match="before it starts"):
        range_period("2026-11-30", "2026-11-01")


def _filled(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    with db.begin() as conn:
        store.insert_items(conn, db_rows(COMPLAINTS + APART_DB + OUTSIDE, has_kind()))
    return settings, db


def test_report_from_the_database_and_exports(tmp_path, db_url):
    settings, db = _filled(tmp_path, db_url)
    data = inbox_report(db, WORKING, NOVEMBER, now=NOW).as_json()
    assert data["complaints"] == EXPECTED_COMPLAINTS           # December/October items left out
    assert data["apart"] == {"spam": 2, "hidden": 2, "non_complaint": 0, "deleted": 1}
    assert data["by_month"] == {"2026-11": EXPECTED_COMPLAINTS}
    two_months = inbox_report(db, WORKING, range_period("2026-11-01", "2026-12-31"),
                              now=NOW).as_json()
    assert two_months["complaints"]["received"] == 5
    assert two_months["by_month"]["2026-12"]["received"] == 1

    # XLSX: opens, and the figures sheet holds the same numbers; items masked
    path = tmp_path / "report.xlsx"
    write_xlsx(db, WORKING, NOVEMBER, path)
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["Figures", "Definitions", "Items"]
    rows = [list(r) for r in book["Figures"].iter_rows(values_only=True)]
    header = rows[2]
    total = dict(zip(header, rows[3]))
    assert total["Received"] == 4 and total["Answered"] == 3 and total["Resolved"] == 2
    assert total["Overdue"] == 2 and total["First answer p90 (h)"] == 53.2
    assert total["First answer p90 (working h)"] == 5.2
    apart = {r[1]: r[2] for r in rows if r[0] == "Counted apart"}
    assert apart["Spam"] == 2 and apart["Hidden"] == 2
    items = [list(r) for r in book["Items"].iter_rows(values_only=True)]
    assert len(items) == 1 + 9
    texts = " ".join(str(r[-1]) for r in items[1:])
    assert "010-****-5678" in texts and "1234" not in texts

    # CSV figures and the item CSV agree
    out = io.StringIO()
    write_csv(inbox_report(db, WORKING, NOVEMBER, now=NOW), out)
    table = list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert dict(zip(table[1], table[2]))["Received"] == "4"
    out = io.StringIO()
    items_csv(db, WORKING, NOVEMBER, out)
    lines = list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert len(lines) == 10 and "1234" not in out.getvalue()
    db.dispose()


def test_cli_report_json_and_xlsx(tmp_path, db_url, capsys):
    from outreach.cli import main

    settings, db = _filled(tmp_path, db_url)
    db.dispose()
    xlsx = tmp_path / "nov.xlsx"
    code = main(["--root", str(settings.root), "inbox", "report", "--month", "2026-11",
                 "--xlsx", str(xlsx), "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    data = json.loads(out.out)
    assert data["complaints"]["received"] == 4 and data["apart"]["spam"] == 2
    assert xlsx.exists()
    code = main(["--root", str(settings.root), "inbox", "report", "--month", "2026-11"])
    out = capsys.readouterr()
    assert code == 0 and "Received: 4" in out.out and "[Counted apart] Spam: 2" in out.out
    code = main(["--root", str(settings.root), "inbox", "report", "--month", "2026-13"])
    out = capsys.readouterr()
    assert code == 2 and "YYYY-MM" in out.err and "Traceback" not in out.err


def test_working_clock_agrees_with_working_time():
    """The report's constant-time working hours equal ``WorkingTime.between`` (holidays,
    weekends, before and after office hours, long spans), in either order of first use."""
    import random
    from datetime import datetime, timedelta

    from outreach.inbox.report import WorkingClock
    from inbox_report_data import KST

    rng = random.Random(5)
    clock = WorkingClock(WORKING)
    base = datetime(2026, 9, 20, 0, 0, tzinfo=KST)           # Chuseok 2026 is Sep 24-26
    for _ in range(400):
        a = base + timedelta(minutes=rng.randrange(60 * 24 * 60)) - timedelta(days=30)
        b = a + timedelta(minutes=rng.randrange(60 * 24 * 20))
        expected = WORKING.between(a, b).total_seconds() / 3600
        assert abs(clock.hours(a, b) - expected) < 1e-9, (a, b)
