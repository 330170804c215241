"""The monthly outreach report on a known data set: figures equal hand-computed values,
and the workbook, the HTML and the command hold the same numbers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from outreach.config import load_settings
from outreach.i18n import _, use_language
from outreach.metrics.model import Figure
from outreach.metrics.report import monthly_report
from outreach.metrics.report_files import write_report
from outreach.store import metrics as q
from outreach.store.db import open_database

from metrics_support import delivered

KST = ZoneInfo("Asia/Seoul")


def at(day: int, month: int = 11, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=KST)


def snap(db, did, age, sent, **values):
    figures = [Figure(k, v, k) if v is not None else Figure.missing(k, "not given")
               for k, v in values.items()]
    q.save_snapshot(db, did, age, sent + timedelta(days=int(age[:-1]) if age.endswith("d") else 0),
                    figures)


@pytest.fixture
def known(tmp_path, db_url):
    (tmp_path / "outreach.toml").write_text(f'database_url = "{db_url}"\ntimezone = "Asia/Seoul"\n'
                                            '[channels.naver]\ntype = "naver_blog"\nblog_id = "city"\n',
                                            encoding="utf-8")
    settings = load_settings(tmp_path)
    db = open_database(settings.database_url)
    a = delivered(db, channel="facebook", remote_id="p_a", sent=at(5))          # Thursday
    snap(db, a, "7d", at(5), views=1000, reactions=50, comments=10, shares=5, clicks=20)
    b = delivered(db, channel="facebook", remote_id="p_b", sent=at(12))         # Thursday
    snap(db, b, "1d", at(12), views=2000, reactions=60)
    snap(db, b, "7d", at(12), views=3000, reactions=100, comments=20)
    old = delivered(db, channel="facebook", remote_id="p_o", sent=at(15, month=10))
    snap(db, old, "7d", at(15, month=10), views=2000, reactions=40)
    c = delivered(db, channel="instagram", remote_id="m_c", sent=at(5))
    snap(db, c, "7d", at(5), views=500, likes=40, saved=2)
    d = delivered(db, channel="instagram", remote_id="m_d", sent=at(19))
    snap(db, d, "7d", at(19), views=None, likes=10)
    delivered(db, channel="naver", remote_id=None, url="https://blog.naver.com/x/1", sent=at(20),
              schedule="notice", state="handed_off", handed_off_after=timedelta(hours=3))
    delivered(db, channel="naver", remote_id=None, url="https://blog.naver.com/x/2", sent=at(21),
              schedule="notice", state="handed_off", handed_off_after=timedelta(hours=5))
    return settings, db


def test_figures_equal_hand_computed_values(known):
    settings, db = known
    r = monthly_report(settings, db, "2026-11", now=at(30))
    fb, ig, nv = r.channels
    assert (fb.channel, fb.posts, fb.views, fb.engagement) == ("facebook", 2, 4000, 85 + 120)
    assert (fb.prev_views, fb.views_change, fb.engagement_change) == (2000, 100.0, 412.5)
    assert (ig.posts, ig.views, ig.views_missing, ig.engagement, ig.views_change) == (2, 500, 1, 52, None)
    assert (nv.posts, nv.views, nv.views_missing) == (2, None, 2)
    assert (r.totals.posts, r.totals.views, r.totals.engagement) == (6, 4500, 257)
    assert [(t.channel, t.views) for t in r.top] == [("facebook", 3000), ("facebook", 1000),
                                                    ("instagram", 500)]
    assert [(h.channel, h.count, h.p50_hours, h.max_hours) for h in r.handoffs] == [("naver", 2, 4.0, 5.0)]
    assert r.schedules == [("notice", "naver", 2), ("weekend", "facebook", 2), ("weekend", "instagram", 2)]
    weekly = [(w.day.month, w.day.day, w.channel, w.views, w.engagement) for w in r.weekly]
    assert weekly == [(10, 15, "facebook", 2000, 40),       # eight Thursdays up to the month's end
                      (11, 5, "facebook", 1000, 85), (11, 5, "instagram", 500, 42),
                      (11, 12, "facebook", 3000, 120), (11, 19, "instagram", None, 10)]
    assert r.inbox["complaints"]["received"] == 0


def test_workbook_and_html_hold_the_same_numbers(known, tmp_path):
    settings, db = known
    r = monthly_report(settings, db, "2026-11", now=at(30))
    files = write_report(r, tmp_path / "out")
    names = sorted(f.name for f in files)
    assert "report-2026-11.html" in names and "report-2026-11.xlsx" in names
    assert "report-2026-11-views.png" in names and "report-2026-11-weekly.png" in names
    ws = load_workbook(tmp_path / "out" / "report-2026-11.xlsx").worksheets[0]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert rows[0][:6] == ["Facebook", 2, 4000, 0, 205, 0]
    assert rows[0][9] == 100.0 and rows[0][10] == 412.5
    assert rows[1][:4] == ["Instagram", 2, 500, 1]
    assert rows[2][:3] == ["Naver Blog", 2, None]   # naver: not available, not zero
    assert rows[3][:3] == ["Total", 6, 4500]
    html = (tmp_path / "out" / "report-2026-11.html").read_text(encoding="utf-8")
    assert "4,000" in html and "+100.0%" in html and "@media print" in html
    assert '<html lang="en">' in html     # the file says which language it is written in
    png = (tmp_path / "out" / "report-2026-11-views.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_command_in_korean(known, tmp_path):
    settings, _db = known
    env = {"OUTREACH_LANGUAGE": "ko", "PATH": "/usr/bin:/bin",
           "PYTHONPATH": os.environ.get("PYTHONPATH", "")}     # the tree under test
    out = subprocess.run([sys.executable, "-m", "outreach", "--root", str(settings.root), "report",
                          "--month", "2026-11", "--out", str(tmp_path / "cli"), "--json"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["report"]["total"]["views"] == 4500
    html = (tmp_path / "cli" / "report-2026-11.html").read_text(encoding="utf-8")
    assert "월간 홍보 보고서" in html and "조회수" in html and '<html lang="ko">' in html
    assert "네이버 블로그" in _cells(html) and "naver" not in _cells(html)   # names for people
    assert [c["channel"] for c in data["report"]["channels"]] == ["facebook", "instagram", "naver"]


def _cells(html: str) -> list[str]:
    return re.findall(r"<td>([^<]*)</td>", html)


def test_people_read_platform_names_and_the_data_keeps_codes(known, tmp_path):
    """The HTML, the workbook and the charts name each channel by its platform (in the
    language in force); the JSON and the workbook's last column keep the codes."""
    from outreach.metrics.charts import bar_chart
    from outreach.metrics.report_files import charts

    settings, db = known
    r = monthly_report(settings, db, "2026-11", now=at(30))
    with use_language("ko"):
        files = write_report(r, tmp_path / "ko")
        pngs = charts(r)
        views_title = _("Views per channel ({month})", month="2026-11")
        this, last = _("This month"), _("Last month")
        weekly_title = _("{schedule}: views on each Thursday ({age} after posting)",
                         schedule="weekend", age="7d")
    html = files[0].read_text(encoding="utf-8")
    cells = _cells(html)
    assert "네이버 블로그" in cells and "Facebook" in cells and "Instagram" in cells
    assert not {"naver", "facebook", "instagram"} & set(cells)      # no code as a cell
    # every table: channels, schedules, top posts, hand-offs, week over week
    assert cells.count("네이버 블로그") == 3 and cells.count("Facebook") == 7
    book = load_workbook(tmp_path / "ko" / "report-2026-11.xlsx")
    channels = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    assert channels[0][0] == "채널" and channels[0][-1] == "outreach.toml의 이름"
    assert [(row[0], row[-1]) for row in channels[1:]] == [
        ("Facebook", "facebook"), ("Instagram", "instagram"), ("네이버 블로그", "naver"), ("합계", None)]
    for ws in book.worksheets[1:5]:           # schedules, top posts, hand-offs, week over week
        head = [c.value for c in ws[1]]
        at_name, at_code = head.index("채널"), len(head) - 1
        for row in ws.iter_rows(min_row=2, values_only=True):
            with use_language("ko"):
                expected = r.channel_name(row[at_code])
            assert row[at_name] == expected != row[at_code], ws.title
    # the charts: groups and the weekly legend drawn with the names, not the codes
    names = ["Facebook", "Instagram", "네이버 블로그"]
    assert pngs["views"] == bar_chart(views_title, names,
                                      [(this, [c.views for c in r.channels]),
                                       (last, [c.prev_views for c in r.channels])])
    days = sorted({w.day for w in r.weekly})
    cell = {(w.day, w.channel): w.views for w in r.weekly}
    assert pngs["weekly"] == bar_chart(weekly_title, [f"{d.month}/{d.day}" for d in days],
                                       [(n, [cell.get((d, c)) for d in days])
                                        for n, c in (("Facebook", "facebook"),
                                                     ("Instagram", "instagram"))])
    # in English the same files read in English; the JSON keeps the codes either way
    html = write_report(r, tmp_path / "en")[0].read_text(encoding="utf-8")
    assert "Naver Blog" in _cells(html) and "naver" not in _cells(html)
    data = json.loads(json.dumps(r.as_json(), default=str))
    assert [c["channel"] for c in data["channels"]] == ["facebook", "instagram", "naver"]
    assert data["schedules"][0]["channel"] == "naver" and data["handoffs"][0]["channel"] == "naver"
    assert {w["channel"] for w in data["weekly"]["rows"]} == {"facebook", "instagram"}
