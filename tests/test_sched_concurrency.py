"""Two `run-due` processes and a daemon started together publish every delivery once;
and an in-process week of passes shows the Thursday post really going out once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from outreach.publishing.service import PublishingService
from outreach.scheduling.runner import run_pass
from outreach.scheduling.specs import load_schedules, scheduling_options
from outreach.store.db import open_database
from outreach.store.ledger_tables import attempt, delivery, occurrence
from test_daemon import wait_for
from test_publish_helpers import write_template
from test_sched_helpers import workspace

KST = timezone(timedelta(hours=9))
THU_16 = datetime(2026, 11, 26, 16, tzinfo=KST)
NOTICE = """\
template: notice
data: content/notice/{date}.yaml
cron: "0 16 * * thu"
channels: [outbox, archive]
"""
NEWS = """\
template: notice
feed: {url: content/feed.xml, fields: {title: title}, backfill: true}
cron: "*/10 * * * *"
channels: [outbox, archive]
"""
FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>시 소식</title>
<item><title>겨울 빛축제 개막</title><guid>n1</guid><pubDate>Mon, 23 Nov 2026 09:00:00 +0900</pubDate></item>
<item><title>제설 대책 가동</title><guid>n2</guid><pubDate>Tue, 24 Nov 2026 09:00:00 +0900</pubDate></item>
<item><title>버스 배차 간격 단축</title><guid>n3</guid><pubDate>Wed, 25 Nov 2026 09:00:00 +0900</pubDate></item>
</channel></rss>"""


def _workspace(root, db_url, schedules):
    settings = workspace(root, schedules, db_url=db_url, templates=(),
                         toml_extra='[channels.archive]\ntype = "outbox"\n')
    write_template(settings.templates_dir)
    (root / "content" / "notice").mkdir(parents=True)
    (root / "content" / "notice" / "2026-11-26.yaml").write_text("title: 주말 가족 음악회\n",
                                                                  encoding="utf-8")
    (root / "content" / "feed.xml").write_text(FEED, encoding="utf-8")
    return settings


def _folders(settings, channel):
    folder = settings.var_dir / "outbox" / channel
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) \
        if folder.is_dir() else []


def _ledger(db):
    with db.read() as conn:
        states = conn.execute(select(delivery.c.state, func.count()).group_by(delivery.c.state)).all()
        publish_attempts = conn.execute(select(attempt.c.delivery_id, func.count())
                                        .where(attempt.c.kind == "publish")
                                        .group_by(attempt.c.delivery_id)).all()
        occurrences = conn.execute(select(occurrence.c.schedule, occurrence.c.key)).all()
    return dict(states), dict(publish_attempts), occurrences


def test_two_run_dues_and_a_daemon_publish_each_delivery_once(tmp_path, db_url):
    root = tmp_path / "ws"
    settings = _workspace(root, db_url, {"notice.yaml": NOTICE, "news.yaml": NEWS})
    db = open_database(settings.database_url)
    PublishingService(settings, db).set_checked_until("notice", THU_16 - timedelta(minutes=1))
    env = {**os.environ, "OUTREACH_NOW": (THU_16 + timedelta(seconds=20)).isoformat()}
    env.pop("OUTREACH_HOME", None)
    cmd = [sys.executable, "-m", "outreach", "--root", str(root)]
    log_path = tmp_path / "daemon.log"
    with open(log_path, "w", encoding="utf-8") as log:
        procs = [subprocess.Popen([*cmd, "daemon"], stdout=log, stderr=subprocess.STDOUT, env=env)]
    procs += [subprocess.Popen([*cmd, "run-due"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env) for _ in range(2)]
    try:
        for proc in procs[1:]:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
        # 1 Thursday run + 3 feed items, on 2 channels each
        wait_for(lambda: _ledger(db)[0] == {"sent": 8}, "all eight deliveries sent")
        procs[0].send_signal(signal.SIGTERM)
        assert procs[0].wait(timeout=60) == 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    states, attempts, occurrences = _ledger(db)
    db.dispose()
    assert states == {"sent": 8}
    assert sorted(attempts.values()) == [1] * 8               # nobody sent anything twice
    assert sorted(occurrences) == [("news", "item:n1"), ("news", "item:n2"), ("news", "item:n3"),
                                   ("notice", "2026-11-26T07:00:00Z")]
    assert len(_folders(settings, "outbox")) == 4 and len(_folders(settings, "archive")) == 4
    assert "Traceback" not in log_path.read_text(encoding="utf-8")


def test_a_week_of_passes_publishes_the_thursday_post_once(tmp_path, db_url):
    settings = _workspace(tmp_path / "ws", db_url, {"notice.yaml": NOTICE})
    db = open_database(settings.database_url)
    # passes every 6 hours for six days, and every 3 minutes from 15:00 to 17:00 on Thursday
    times = sorted({THU_16 + timedelta(hours=h, seconds=5) for h in range(-72, 73, 6)} |
                   {THU_16 + timedelta(minutes=m, seconds=5) for m in range(-60, 61, 3)})
    now = [times[0]]
    clock = lambda: now[0]  # noqa: E731 - the controllable clock
    schedules, options = load_schedules(settings), scheduling_options(settings)
    try:
        for now[0] in times:
            service = PublishingService(settings, db, clock=clock)
            run_pass(settings, service, schedules, clock=clock, options=options)
        states, attempts, occurrences = _ledger(db)
    finally:
        db.dispose()
    assert occurrences == [("notice", "2026-11-26T07:00:00Z")]
    assert states == {"sent": 2} and sorted(attempts.values()) == [1, 1]
    (folder,) = _folders(settings, "outbox")
    manifest = (settings.var_dir / "outbox" / "outbox" / folder / "manifest.json").read_text(
        encoding="utf-8")
    assert "주말 가족 음악회" in manifest
