"""분석 pages of the staff app: the monthly report, its workbook and one post's figures."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from outreach.metrics.model import Figure
from outreach.store import metrics as q

from metrics_support import delivered
from web_support import add_user, sign_in

KST = ZoneInfo("Asia/Seoul")


def seed(db):
    sent = datetime(2026, 11, 12, 10, tzinfo=KST)
    did = delivered(db, channel="outbox", remote_id="r1", sent=sent)
    q.save_snapshot(db, did, "1d", sent + timedelta(days=1),
                    [Figure("views", 1234, "post_media_view"), Figure("reactions", 56, "x"),
                     Figure.missing("reach", "post_total_media_view_unique: (#10) permission")])
    return did


def test_month_page_post_page_and_workbook(staff):
    add_user(staff.ws.db, "viewer1", "viewer")
    seed(staff.ws.db)
    sign_in(staff, "viewer1")
    page = staff.get("/metrics?month=2026-11")
    assert page.status_code == 200
    assert "1,234" in page.text and "data:image/png;base64," in page.text
    assert 'href="/metrics"' in page.text                     # in the navigation bar
    book = staff.get("/metrics/report.xlsx?month=2026-11")
    assert book.status_code == 200
    ws = load_workbook(BytesIO(book.content)).worksheets[0]
    row = [c.value for c in ws[2]]
    assert row[:3] == ["Local outbox", 1, 1234]      # the platform's name, in the page's language
    assert ws[1][-1].value == "Name in outreach.toml" and row[-1] == "outbox"   # the code kept
    assert ">outbox<" not in page.text and "<td>Local outbox</td>" in page.text
    post_id = 1
    one = staff.get(f"/metrics/posts/{post_id}")
    assert one.status_code == 200 and "1,234" in one.text and "(#10) permission" in one.text
    assert staff.get("/metrics/posts/999").status_code == 404
    assert staff.get("/metrics?month=2026-13").status_code == 400     # bad input: no 5xx


def test_pages_need_a_sign_in(staff):
    assert staff.get("/metrics").status_code in (302, 303)


def test_the_page_and_the_report_file_share_one_stylesheet(staff, tmp_path):
    import re

    from outreach.metrics.report import monthly_report
    from outreach.metrics.report_files import write_report

    add_user(staff.ws.db, "viewer1", "viewer")
    seed(staff.ws.db)
    sign_in(staff, "viewer1")
    for path in ("/metrics?month=2026-11", "/metrics/posts/1"):
        links = re.findall(r'<link rel="stylesheet" href="(/static/report\.css\?v=\w+)"',
                           staff.get(path).text)
        assert len(links) == 1, path
    served = staff.get(links[0])
    assert served.status_code == 200 and ".report h2 {" in served.text
    assert "@media print" in served.text and "nav, header, .no-print" in served.text
    report = monthly_report(staff.ws.settings, staff.ws.db, "2026-11",
                            now=datetime(2026, 11, 30, 12, tzinfo=KST))
    html = write_report(report, tmp_path)[0].read_text(encoding="utf-8")
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert served.text in style                      # the file holds the served rules as is
    assert "body {" in style and "body {" not in served.text   # the page keeps app.css's body
