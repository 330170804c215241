"""Band and Threads under the real ledger: a post whose answer was lost is found, recorded once,
and the token never reaches the database, the logs or the output folders."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timezone

import pytest

from outreach.publishing import model as m
from outreach.publishing.model import OccurrenceSpec
from outreach.publishing.service import PublishingService
from outreach.store.db import open_database

from fakes.band import BandFake
from fakes.threads import ThreadsFake
from test_publish_helpers import Clock, workspace

T0 = datetime(2026, 11, 26, 7, 0, tzinfo=timezone.utc)
CANARY = {"band": "ZQAAAcanary-band-token-7f3a", "threads": "THQWcanary-threads-token-91c2"}


def channel_table(kind, fake):
    common = {"text": "facebook", "api_base": fake.url, "public_base_url": "https://media.example.kr",
              "token_env": "TOKEN", "timeout": 2, "retries": 0}
    if kind == "band":
        return {"type": "band", "band_key": fake.band_key, **common}
    return {"type": "threads", "threads_user_id": fake.user_id, "poll_interval": 0, **common}


@pytest.mark.parametrize("kind,create_path", [("band", r"/post/create$"),
                                              ("threads", r"/threads_publish$")])
def test_a_lost_answer_is_found_and_recorded_once_without_leaking_the_token(
        kind, create_path, tmp_path, caplog):
    db_url = f"sqlite:///{tmp_path / 'outreach.db'}"
    fake_cls = BandFake if kind == "band" else ThreadsFake
    with fake_cls(token=CANARY[kind]) as fake:
        settings = dataclasses.replace(workspace(tmp_path, db_url, {kind: channel_table(kind, fake)}),
                                       env={"TOKEN": CANARY[kind]})
        db = open_database(db_url)
        try:
            service = PublishingService(settings, db, clock=Clock(T0))
            occ = service.plan(OccurrenceSpec(schedule="weekly", key="w1", scheduled_for=T0,
                                              template="notice", channels=(kind,),
                                              data={"title": "가을 음악회"}))
            fake.fail("lose", method="POST", path=create_path)
            with caplog.at_level(logging.DEBUG):
                service.work()
            [row] = service.ledger.deliveries([occ])
            assert row["state"] == m.D_SENT and row["remote_id"] in fake.posts
            assert len(fake.posts) == 1 and "가을 음악회" in next(iter(fake.posts.values()))["text"
                                                                 if kind == "threads" else "content"]
            # a second pass sends nothing more
            PublishingService(settings, db, clock=Clock(T0)).work()
            assert len(fake.posts) == 1
            dumped = " ".join(str(v) for a in service.ledger.attempts(row["id"]) for v in a.values())
            assert CANARY[kind] not in dumped + str(row) + caplog.text
            for path in tmp_path.rglob("*"):
                if path.is_file() and path.suffix in (".txt", ".json", ".html", ".log"):
                    assert CANARY[kind] not in path.read_text(encoding="utf-8", errors="ignore")
        finally:
            db.dispose()
