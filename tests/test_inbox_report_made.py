"""The monthly inbox report's "made" (작성) time is in the one Korean date format in the
CSV and XLSX exports too, as on the page (i18n.format_datetime)."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from outreach.i18n import use_language
from outreach.inbox.report import Report, month_period
from outreach.inbox.report_export import write_csv

SEOUL = ZoneInfo("Asia/Seoul")


def test_csv_first_row_says_when_it_was_made_in_korean():
    report = Report(month_period("2026-11"), datetime(2026, 11, 29, 21, 5, tzinfo=SEOUL))
    out = io.StringIO()
    with use_language("ko"):
        write_csv(report, out)
    first = out.getvalue().lstrip("\ufeff").splitlines()[0]
    assert first.endswith("2026년 11월 29일 (일) 21:05 작성"), first
