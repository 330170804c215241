"""Overdue items are mailed once, through the notification pass and a real SMTP server
(aiosmtpd), to the officers and supervisors of the item's department only."""

from __future__ import annotations

from datetime import timedelta

from outreach.notify import job

from inbox_report_data import db_rows, _item, k
from inbox_web_support import staff_users
from test_desk_notify import smtp  # noqa: F401 - the aiosmtpd fixture
from web_support import web_workspace

TOML = """
[notifications]
base_url = "https://desk.example.go.kr"
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
username = "outreach"
password_env = "SMTP_PW"
sender = "outreach@example.go.kr"
"""


def test_overdue_mail_once_to_the_department(tmp_path, db_url, smtp):  # noqa: F811
    ws = web_workspace(tmp_path, db_url, TOML.format(port=smtp.port), env={"SMTP_PW": "s3cret"})
    staff_users(ws)
    with ws.db.begin() as conn:
        for name in ("road", "traffic", "chief", "watcher"):
            conn.exec_driver_sql(f"UPDATE users SET email = '{name}@example.go.kr' "
                                 f"WHERE name = '{name}'")
    from outreach.store import inbox as store

    with ws.db.begin() as conn:
        ids = store.insert_items(conn, db_rows(
            [_item("a", "facebook", k(16, 10), status="open", dept="도로과")], True))
    clock = [k(16, 13)]
    report = job.run(ws.settings, ws.db, [], lambda: clock[0])
    assert smtp.messages == [] and report.errors == []
    clock[0] = k(16, 15)
    job.run(ws.settings, ws.db, [], lambda: clock[0])
    (to, msg), = smtp.messages
    assert sorted(to) == ["chief@example.go.kr", "road@example.go.kr"]
    assert f"item {ids['a']}" in msg["Subject"] and "010-****-5678" in msg.get_content()
    assert f"https://desk.example.go.kr/inbox/{ids['a']}" in msg.get_content()
    clock[0] += timedelta(minutes=5)
    job.run(ws.settings, ws.db, [], lambda: clock[0])
    assert len(smtp.messages) == 1
    ws.db.dispose()
