"""Several processes calling work() on one database publish every delivery exactly once."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone

from outreach.publishing import model as m
from outreach.publishing.model import OccurrenceSpec
from outreach.publishing.service import PublishingService
from outreach.store.db import open_database
from test_crash_kill import start_worker
from test_publish_channels import register
from test_publish_helpers import workspace


def test_concurrent_workers_send_each_delivery_once(tmp_path, db_url, monkeypatch):
    register(monkeypatch)
    log = tmp_path / "calls.log"
    channels = {"a": {"type": "scripted", "script": ["ok"], "log": str(log)},
                "b": {"type": "scripted", "script": ["ok"], "log": str(log)}}
    settings = workspace(tmp_path, db_url, channels)
    db = open_database(db_url)
    service = PublishingService(settings, db)
    now = datetime.now(timezone.utc)
    occs = [service.plan(OccurrenceSpec(schedule="now-in-city", key=f"item:{i}", template="notice",
                                        scheduled_for=now - timedelta(minutes=1),
                                        channels=("a", "b"), data={"title": f"소식 {i}"}))
            for i in range(5)]
    workers = [start_worker(tmp_path, db_url, channels) for _ in range(3)]
    results = [w.communicate(timeout=120) for w in workers]
    assert all(w.returncode == 0 for w in workers), results
    sent_by_workers = sum(len(json.loads(out)) for out, _ in results)

    deliveries = service.ledger.deliveries(occs)
    assert len(deliveries) == 10 and {d["state"] for d in deliveries} == {m.D_SENT}
    per_key = Counter(log.read_text().splitlines())
    assert per_key == Counter({d["key"]: 1 for d in deliveries})   # one platform call each
    assert sent_by_workers == 10 and service.ledger.count_attempts() == 10
    assert {service.occurrence(o)["state"] for o in occs} == {m.DONE}
    db.dispose()
