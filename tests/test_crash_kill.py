"""A worker SIGKILLed inside the platform call: reconciled, never published twice.

Each test really kills a subprocess while its delivery is ``attempting``
(committed before the call), then a new ``work()`` after the lease runs the
reconcile rules: found -> sent; proven absent -> sent once more; cannot
look up -> unknown.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from outreach.publishing import model as m
from outreach.publishing.model import OccurrenceSpec
from outreach.publishing.service import PublishingService
from outreach.store.db import open_database
from test_publish_channels import calls, register
from test_publish_helpers import Clock, workspace

TESTS = Path(__file__).resolve().parent
WORKER = f"""
import json, sys
sys.path.insert(0, {str(TESTS)!r})
from pathlib import Path
from outreach import channels as registry
registry._TYPES["scripted"] = "test_publish_channels:ScriptedChannel"
registry._TYPES["scripted_nofind"] = "test_publish_channels:ScriptedNoFind"
from test_publish_helpers import make_settings
from outreach.publishing.service import PublishingService
from outreach.store.db import open_database
cfg = json.loads(sys.argv[1])
settings = make_settings(Path(cfg["root"]), cfg["db"], cfg["channels"])
report = PublishingService(settings, open_database(cfg["db"])).work()
print(json.dumps([o.state for o in report.outcomes]))
"""


def start_worker(root: Path, db_url: str, channels: dict) -> subprocess.Popen:
    cfg = json.dumps({"root": str(root), "db": db_url, "channels": channels})
    return subprocess.Popen([sys.executable, "-c", WORKER, cfg], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, proc: subprocess.Popen, limit: float = 60.0) -> None:
    """Wait until the worker is inside the platform call (it writes ``path`` there)."""
    deadline = time.monotonic() + limit
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"worker ended early: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("worker never reached the platform call")
        time.sleep(0.05)


@pytest.mark.parametrize("type_, script, expected, total_calls", [
    ("scripted", ["post-then-sleep"], m.D_SENT, 1),       # post is out: found, not sent again
    ("scripted", ["sleep", "ok"], m.D_SENT, 2),            # proven absent: sent exactly once
    ("scripted_nofind", ["sleep", "ok"], m.D_UNKNOWN, 1),  # cannot look up: a person checks
])
def test_killed_worker_is_reconciled(tmp_path, db_url, monkeypatch, type_, script, expected,
                                     total_calls):
    register(monkeypatch)
    log = tmp_path / "calls.log"
    channels = {"sc": {"type": type_, "script": script, "log": str(log)}}
    settings = workspace(tmp_path, db_url, channels)
    db = open_database(db_url)
    now = datetime.now(timezone.utc)
    service = PublishingService(settings, db, clock=Clock(now))
    occ = service.plan(OccurrenceSpec(schedule="weekend-guide", key="crash-1", template="notice",
                                      scheduled_for=now - timedelta(minutes=1), channels=("sc",)))
    worker = start_worker(tmp_path, db_url, channels)
    wait_for(Path(str(log) + ".inside"), worker)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    (row,) = service.ledger.deliveries([occ])
    assert row["state"] == m.D_ATTEMPTING                     # committed before the call

    service.clock.now = now + timedelta(minutes=5)             # lease (10 min) still running
    assert service.work().reconciled == 0 and calls(tmp_path) == 1

    service.clock.now = now + timedelta(minutes=11)
    report = service.work()
    (row,) = service.ledger.deliveries([occ])
    assert report.reconciled == 1 and row["state"] == expected
    assert calls(tmp_path) == total_calls
    outbox = tmp_path / "var" / "outbox" / "sc"
    assert len(list(outbox.glob("*/manifest.json"))) == (1 if expected == m.D_SENT else 0)
    kinds = [(a["kind"], a["outcome"]) for a in service.ledger.attempts(row["id"])]
    assert kinds[0] == ("publish", "interrupted") and kinds[1][0] == "reconcile"
    service.clock.now = now + timedelta(minutes=30)
    service.work()
    assert calls(tmp_path) == total_calls                     # nothing more, ever
    db.dispose()
