"""The daemon as systemd runs it: a real subprocess, signals, one per database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from outreach.errors import AlreadyRunning
from outreach.publishing.service import PublishingService
from outreach.scheduling.lock import DaemonLock
from outreach.store.db import open_database
from outreach.store.ledger_tables import occurrence
from test_sched_helpers import WEEKEND, run_cli, workspace

KST = timezone(timedelta(hours=9))
THU_16 = datetime(2026, 11, 26, 16, tzinfo=KST)


def wait_for(predicate, what: str, deadline: float = 60.0):
    """Poll until ``predicate()`` is truthy; the deadline only guards against a hang."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def start_daemon(root, now: datetime, log_path):
    env = {**os.environ, "OUTREACH_NOW": now.isoformat()}
    env.pop("OUTREACH_HOME", None)
    log = open(log_path, "w", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "outreach", "--root", str(root), "daemon"],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    log.close()
    return proc


def keys(db, schedule: str) -> list[tuple[str, str]]:
    with db.read() as conn:
        return [tuple(r) for r in conn.execute(
            select(occurrence.c.key, occurrence.c.state)
            .where(occurrence.c.schedule == schedule).order_by(occurrence.c.id))]


def test_one_daemon_per_database(db_url):
    first, second = open_database(db_url), open_database(db_url)
    try:
        with DaemonLock(first, "the test database"):
            with pytest.raises(AlreadyRunning) as caught:
                DaemonLock(second, "the test database").acquire()
            assert str(caught.value).startswith(
                f"another outreach daemon is already running on the test database (pid {os.getpid()})")
        with DaemonLock(second, "the test database"):   # released: the next one may start
            pass
    finally:
        first.dispose()
        second.dispose()


def test_daemon_catches_up_refuses_a_twin_reloads_and_stops(tmp_path, db_url):
    root = tmp_path / "ws"
    settings = workspace(root, {"weekend-guide.yaml": WEEKEND}, db_url=db_url)
    db = open_database(settings.database_url)
    # the daemon last looked at 15:50 and comes back at 16:30: the 16:00 run is due once
    PublishingService(settings, db).set_checked_until("weekend-guide",
                                                      THU_16 - timedelta(minutes=10))
    log_path = tmp_path / "daemon.log"
    proc = start_daemon(root, THU_16 + timedelta(minutes=30), log_path)
    try:
        wait_for(lambda: keys(db, "weekend-guide"), "the catch-up pass")
        assert [k for k, _ in keys(db, "weekend-guide")] == ["2026-11-26T07:00:00Z"]
        assert keys(db, "weekend-guide")[0][1] != "missed"

        twin = run_cli(root, "daemon", env={"OUTREACH_NOW": THU_16.isoformat()})
        assert twin.returncode == 2
        assert twin.stderr.startswith("outreach: error: another outreach daemon is already "
                                      "running on ")
        assert f"(pid {proc.pid})" in twin.stderr and twin.stderr.count("\n") == 1

        (root / "schedules" / "extra.yaml").write_text(WEEKEND.replace("thu", "fri"),
                                                       encoding="utf-8")
        (root / "schedules" / "weekend-guide.yaml").write_text("template: [", encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "schedule added" in log_path.read_text(encoding="utf-8"), "the reload")
        text = log_path.read_text(encoding="utf-8")
        assert "schedule=extra" in text
        assert "schedule file not loaded" in text and "kept_previous=True" in text

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        assert "daemon stopped" in log_path.read_text(encoding="utf-8")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        db.dispose()
    assert "Traceback" not in log_path.read_text(encoding="utf-8")


def test_daemon_refuses_to_start_with_a_bad_schedule(tmp_path):
    workspace(tmp_path, {"weekend-guide.yaml": WEEKEND.replace("approval", "x") + "aproval: none\n"})
    result = run_cli(tmp_path, "daemon")
    assert result.returncode == 2
    assert result.stderr.strip() == ("outreach: error: schedules/weekend-guide.yaml:5: aproval: "
                                     "unknown key; a schedule knows template, description, data, "
                                     "feed, cron, channels, approval, prepare_before, "
                                     "misfire_grace, start, end, skip, skip_holidays, enabled, source")
