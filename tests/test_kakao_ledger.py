"""Kakao brand messages under the real ledger: a group that went out is recorded sent, once."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

from outreach.publishing import model as m
from outreach.publishing.model import OccurrenceSpec
from outreach.publishing.service import PublishingService
from outreach.store.db import open_database

from fakes.kakao import KakaoFake
from test_publish_helpers import Clock, workspace

T0 = datetime(2026, 11, 26, 7, 0, tzinfo=timezone.utc)


def test_lost_answers_never_send_the_paid_message_twice(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'outreach.db'}"
    (tmp_path / "recipients.txt").write_text("010-1111-2222\n010-3333-4444\n", encoding="utf-8")
    with KakaoFake() as kakao:
        channels = {"kakao": {"type": "kakao", "publish": "brand_message", "text": "facebook",
                              "dealer_api_base": kakao.url, "solapi_api_key_env": "SOLAPI_KEY",
                              "solapi_api_secret_env": "SOLAPI_SECRET", "pf_id": "KA01PF2026",
                              "sender": "0415212114",
                              "recipients_file": str(tmp_path / "recipients.txt"),
                              "timeout": 2, "retries": 0}}
        env = {"SOLAPI_KEY": kakao.solapi_key, "SOLAPI_SECRET": kakao.solapi_secret}
        settings = dataclasses.replace(workspace(tmp_path, db_url, channels), env=env)
        db = open_database(db_url)
        clock = Clock(T0)

        def occurrence(key):
            return service.plan(OccurrenceSpec(schedule="bm", key=key, scheduled_for=clock(),
                                               template="notice", channels=("kakao",),
                                               data={"title": "가을 음악회"}))
        try:
            # 1. the send went out and its answer was lost: found, recorded sent
            service = PublishingService(settings, db, clock=clock)
            first = occurrence("2026-11-26T07:00:00Z")
            kakao.fail("lose", method="POST", path=r"/groups/[^/]+/send$")
            service.work()
            [row] = service.ledger.deliveries([first])
            assert row["state"] == m.D_SENT and row["remote_id"] in kakao.groups
            assert len(kakao.solapi_messages) == 2

            # 2. the answer to adding the messages was lost: retried later, same group, sent once
            service = PublishingService(settings, db, clock=clock)
            second = occurrence("2026-11-27T07:00:00Z")
            kakao.fail("lose", method="PUT", path=r"/messages$")
            service.work()
            [row] = service.ledger.deliveries([second])
            assert row["state"] == m.D_RETRY_WAIT and "nothing was sent yet" in row["error"]
            assert len(kakao.solapi_messages) == 2
            clock.advance(hours=2)
            service = PublishingService(settings, db, clock=clock)
            service.work()
            [row] = service.ledger.deliveries([second])
            assert row["state"] == m.D_SENT and len(kakao.groups) == 2
            assert len(kakao.solapi_messages) == 4

            # 3. staff send a delivery again that did go out: Solapi's group is found, not re-sent
            service = PublishingService(settings, db, clock=clock)
            service.ledger.set_delivery(row["id"], clock(), from_states=[m.D_SENT],
                                        note="test: pretend unknown", state=m.D_UNKNOWN)
            service.retry(row["id"], by="김주무관")
            service = PublishingService(settings, db, clock=clock)
            service.work()
            [row] = service.ledger.deliveries([second])
            assert row["state"] == m.D_SENT and len(kakao.solapi_messages) == 4
            assert len(kakao.seen("POST", r"/groups/[^/]+/send$")) == 2
        finally:
            db.dispose()
