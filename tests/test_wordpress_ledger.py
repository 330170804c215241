"""WordPress publishing under the real ledger: uploads recorded on the attempt, orphans of a
post never made deleted (after a refusal, and after a worker SIGKILLed mid-publish)."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from outreach.publishing import model as m
from outreach.publishing.model import OccurrenceSpec
from outreach.publishing.service import PublishingService
from outreach.store.db import open_database

from fakes.wordpress import WordPressFake
from test_publish_helpers import Clock, workspace

PASSWORD = "wp app password 01"
TESTS = Path(__file__).resolve().parent
WORKER = f"""
import dataclasses, json, sys
sys.path.insert(0, {str(TESTS)!r})
from pathlib import Path
from test_publish_helpers import make_settings
from outreach.publishing.service import PublishingService
from outreach.store.db import open_database
cfg = json.loads(sys.argv[1])
settings = dataclasses.replace(make_settings(Path(cfg["root"]), cfg["db"], cfg["channels"]),
                               env=cfg["env"])
PublishingService(settings, open_database(cfg["db"])).work()
"""


def blog(wp) -> dict:
    return {"blog": {"type": "wordpress", "site_url": wp.url, "username": "cityhall",
                     "app_password_env": "WP", "timeout": 30, "retries": 0}}


def plan(service, now, key="2026-11-26T07:00:00Z"):
    return service.plan(OccurrenceSpec(schedule="weekend-guide", key=key, scheduled_for=now,
                                       template="notice", channels=("blog",),
                                       data={"title": "가을 음악회"}))


def test_a_refused_post_records_and_deletes_its_uploads(tmp_path, db_url):
    with WordPressFake(password=PASSWORD) as wp:
        wp.capabilities["publish_posts"] = False
        settings = dataclasses.replace(workspace(tmp_path, db_url, blog(wp)), env={"WP": PASSWORD})
        db = open_database(db_url)
        now = datetime.now(timezone.utc)
        service = PublishingService(settings, db, clock=Clock(now))
        try:
            occ = plan(service, now)
            service.work()
            (row,) = service.ledger.deliveries([occ])
            assert row["state"] == m.D_FAILED and "not allowed to publish" in row["error"]
            uploaded = service.ledger.recorded_media(row["id"])
            assert uploaded and wp.media == {}               # recorded, then deleted
            assert f"deleted {len(uploaded)} image(s)" in row["error"]
            assert json.loads(service.ledger.attempts(row["id"])[-1]["media"]) == uploaded
        finally:
            db.dispose()


def test_a_worker_killed_after_its_uploads_leaves_no_orphans(tmp_path, db_url):
    with WordPressFake(password=PASSWORD) as wp:
        channels = blog(wp)
        settings = dataclasses.replace(workspace(tmp_path, db_url, channels), env={"WP": PASSWORD})
        db = open_database(db_url)
        now = datetime.now(timezone.utc)
        service = PublishingService(settings, db, clock=Clock(now))
        try:
            occ = plan(service, now - timedelta(minutes=1))
            wp.fail("hang", method="POST", path=r"/wp/v2/posts$")   # images are up, the post hangs
            cfg = json.dumps({"root": str(tmp_path), "db": db_url, "channels": channels,
                              "env": {"WP": PASSWORD}})
            worker = subprocess.Popen([sys.executable, "-c", WORKER, cfg], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
            deadline = time.monotonic() + 60
            while not wp.seen("POST", r"/wp/v2/posts$"):
                assert worker.poll() is None, worker.communicate()
                assert time.monotonic() < deadline, "the worker never reached the post"
                time.sleep(0.05)
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
            orphans = set(wp.media)
            assert orphans and wp.posts == {}
            service.clock.now = now + timedelta(minutes=11)      # the lease ran out
            report = service.work()
            (row,) = service.ledger.deliveries([occ])
            assert report.reconciled == 1 and row["state"] == m.D_SENT
            (post,) = wp.posts.values()
            assert not orphans & set(wp.media)                   # the killed attempt's images: gone
            assert wp.media and all(i["post"] == post["id"] for i in wp.media.values())
            outcomes = [(a["kind"], a["outcome"]) for a in service.ledger.attempts(row["id"])]
            assert outcomes[:2] == [("publish", "interrupted"), ("reconcile", "absent")]
            assert "deleted" in service.ledger.attempts(row["id"])[1]["error"]
        finally:
            db.dispose()


def test_a_retry_after_an_unknown_outcome_deletes_the_images_recorded_before(tmp_path, db_url):
    with WordPressFake(password=PASSWORD) as wp:
        settings = dataclasses.replace(workspace(tmp_path, db_url, blog(wp)), env={"WP": PASSWORD})
        db = open_database(db_url)
        now = datetime.now(timezone.utc)
        service = PublishingService(settings, db, clock=Clock(now))
        try:
            occ = plan(service, now)
            wp.fail("reset", method="POST", path=r"/wp/v2/posts$")   # the create's answer is lost
            service.work()
            (row,) = service.ledger.deliveries([occ])
            first = set(service.ledger.recorded_media(row["id"]))
            assert row["state"] == m.D_UNKNOWN and first == {str(i) for i in wp.media}
            service.retry(row["id"], by="pr-officer")                # a person checked: not out
            service.work()
            (row,) = service.ledger.deliveries([occ])
            (post,) = wp.posts.values()
            assert row["state"] == m.D_SENT and not first & {str(i) for i in wp.media}
            assert wp.media and all(i["post"] == post["id"] for i in wp.media.values())
        finally:
            db.dispose()
