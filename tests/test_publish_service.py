"""The publishing service end to end on a real template, outbox folders and the ledger."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from outreach.publishing import model as m
from outreach.publishing.model import OccurrenceSpec
from outreach.publishing.service import PublishingService
from outreach.store.db import open_database
from test_publish_channels import calls, register
from test_publish_helpers import Clock, workspace

T0 = datetime(2026, 11, 26, 7, 0, tzinfo=timezone.utc)   # Thursday 16:00 in Seoul


def spec(key="2026-11-26T07:00:00Z", channels=("outbox",), **kw) -> OccurrenceSpec:
    kw.setdefault("scheduled_for", T0)
    return OccurrenceSpec(schedule="weekend-guide", key=key, template="notice", channels=channels,
                          **kw)


@pytest.fixture
def make(tmp_path, db_url, monkeypatch):
    register(monkeypatch)
    opened = []

    def build(channels=None, start=T0 - timedelta(hours=1), section=None):
        settings = workspace(tmp_path, db_url, channels)
        if section:
            object.__setattr__(settings, "sections", {"publishing": section})
        db = open_database(db_url)
        opened.append(db)
        clock = Clock(start)
        return PublishingService(settings, db, clock=clock), clock

    yield build
    for db in opened:
        db.dispose()


def states(service, occ_id):
    return {d["channel"]: d["state"] for d in service.ledger.deliveries([occ_id])}


def test_due_occurrence_is_rendered_once_and_sent_once(make, tmp_path):
    service, clock = make()
    occ = service.plan(spec(data={"title": "가을 음악회"}))
    assert service.work().idle                                # not due yet
    clock.now = T0
    report = service.work()
    assert report.prepared == 1 and report.count(m.D_SENT) == 1
    assert service.occurrence(occ)["state"] == m.DONE
    (delivery,) = service.ledger.deliveries([occ])
    folder = tmp_path / "var" / "outbox" / "outbox" / delivery["key"]
    assert (folder / "01.png").is_file()
    assert "가을 음악회" in (folder / "text.txt").read_text(encoding="utf-8")
    assert (tmp_path / "var" / "posts" / str(occ) / "manifest.json").is_file()
    # replanning the same run and working again changes nothing
    assert service.plan(spec(data={"title": "가을 음악회"})) == occ
    clock.advance(minutes=5)
    assert service.work().idle and service.ledger.count_attempts() == 1


def test_late_within_grace_goes_out_and_past_grace_is_missed(make):
    service, clock = make()
    on_time = service.plan(spec())
    late = service.plan(spec(key="2026-11-26T07:10:00Z", scheduled_for=T0 + timedelta(minutes=10),
                             grace=timedelta(minutes=30)))
    clock.now = T0 + timedelta(hours=1, minutes=50)
    report = service.work()
    assert report.missed == 1 and report.count(m.D_SENT) == 1
    assert service.occurrence(on_time)["state"] == m.DONE
    row = service.occurrence(late)
    assert row["state"] == m.MISSED and "grace" in row["error"]
    assert states(service, late) == {"outbox": m.D_CANCELLED}


def test_retryable_failure_backs_off_then_sends(make, tmp_path):
    service, clock = make({"sc": {"type": "scripted", "script": ["retry", "ok"],
                                  "log": str(tmp_path / "calls.log")}},
                          start=T0, section={"retry_base_seconds": 60})
    occ = service.plan(spec(channels=("sc",)))
    service.work()
    (d,) = service.ledger.deliveries([occ])
    assert d["state"] == m.D_RETRY_WAIT and d["next_attempt_at"] > T0
    assert service.work().outcomes == []                      # back-off not over
    clock.advance(minutes=2)
    service.work()
    assert states(service, occ) == {"sc": m.D_SENT} and calls(tmp_path) == 2
    assert [a["outcome"] for a in service.ledger.attempts(d["id"])] == ["retry", "sent"]


def test_one_failing_channel_does_not_stop_the_others(make, tmp_path):
    service, clock = make({"sc": {"type": "scripted", "script": ["reject"],
                                  "log": str(tmp_path / "calls.log")},
                           "outbox": {"type": "outbox"}}, start=T0)
    occ = service.plan(spec(channels=("sc", "outbox")))
    service.work()
    assert states(service, occ) == {"sc": m.D_FAILED, "outbox": m.D_SENT}
    assert service.occurrence(occ)["state"] == m.PARTIAL
    failed = [d for d in service.ledger.deliveries([occ]) if d["channel"] == "sc"][0]
    assert "게시물 형식 오류" in failed["error"]


def test_unknown_is_never_resent_until_a_person_says_so(make, tmp_path):
    service, clock = make({"sc": {"type": "scripted", "script": ["unknown", "ok"],
                                  "log": str(tmp_path / "calls.log")}}, start=T0)
    occ = service.plan(spec(channels=("sc",)))
    service.work()
    assert states(service, occ) == {"sc": m.D_UNKNOWN}
    clock.advance(hours=1)
    service.work()
    assert calls(tmp_path) == 1
    (d,) = service.ledger.deliveries([occ])
    service.retry(d["key"], "담당자")
    service.work()
    assert states(service, occ) == {"sc": m.D_SENT} and calls(tmp_path) == 2
    assert service.occurrence(occ)["state"] == m.DONE


def test_render_failure_retries_before_time_and_fails_at_time(make, tmp_path):
    service, clock = make()
    missing = tmp_path / "content" / "2026-11-26.yaml"
    occ = service.plan(spec(data_file=missing, prepare_at=T0 - timedelta(hours=1)))
    report = service.work()
    row = service.occurrence(occ)
    assert row["state"] == m.PLANNED and row["error"] and report.errors
    missing.parent.mkdir(parents=True)
    missing.write_text("title: 시민 음악회\n", encoding="utf-8")
    clock.advance(minutes=4)
    assert service.work().prepared == 0                       # waits render_retry_minutes
    clock.advance(minutes=2)
    assert service.work().prepared == 1
    clock.now = T0
    service.work()
    assert states(service, occ) == {"outbox": m.D_SENT}


def test_render_failure_at_publish_time_fails_every_delivery(make):
    service, clock = make(start=T0)
    occ = service.plan(spec(data={"wrong": "field"}))
    service.work()
    assert service.occurrence(occ)["state"] == m.FAILED
    (d,) = service.ledger.deliveries([occ])
    assert d["state"] == m.D_FAILED and "rendered" in d["error"]


def test_handoff_waits_for_a_person(make, tmp_path):
    service, clock = make({"kakao": {"type": "handoff", "platform": "카카오톡 채널"}}, start=T0)
    occ = service.plan(spec(channels=("kakao",)))
    service.work()
    (d,) = service.pending_handoffs()
    assert d["state"] == m.D_AWAITING_HANDOFF and (tmp_path / d["location"] / "handoff.json").is_file()
    assert service.occurrence(occ)["state"] == m.DONE
    service.handoff_done(d["id"], "홍길동", url="https://pf.kakao.com/_abc/123")
    row = service.delivery(d["id"])
    assert (row["state"], row["handed_off_by"], row["url"]) == (
        m.D_HANDED_OFF, "홍길동", "https://pf.kakao.com/_abc/123")
    assert service.pending_handoffs() == []


def test_record_missed_and_skipped_are_visible_and_never_sent(make):
    service, clock = make(start=T0 + timedelta(hours=5))
    occ = service.record(spec(), "missed", "daemon was down")
    assert service.record(spec(), "missed", "again") == occ
    service.record(spec(key="item:1"), "skipped", "feed baseline")
    assert service.work().outcomes == []
    assert service.occurrence(occ)["state"] == m.MISSED


def test_disabled_channel_is_cancelled(make):
    service, clock = make({"outbox": {"type": "outbox"}, "off": {"type": "outbox",
                                                                  "enabled": False}}, start=T0)
    occ = service.plan(spec(channels=("outbox", "off")))
    service.work()
    assert states(service, occ) == {"outbox": m.D_SENT, "off": m.D_CANCELLED}
    assert service.occurrence(occ)["state"] == m.DONE


def test_handoff_sync_records_posts_the_channel_can_see(make, monkeypatch):
    from outreach import channels as registry

    monkeypatch.setitem(registry._TYPES, "seeing_handoff", "test_publish_channels:SeeingHandoff")
    service, clock = make({"blog": {"type": "seeing_handoff"}}, start=T0)
    occ = service.plan(spec(channels=("blog",)))
    service.work()
    ((row, receipt),) = service.sync_handoffs()
    d = service.delivery(row["id"])
    assert d["state"] == m.D_HANDED_OFF and d["url"] == receipt.url and d["handed_off_by"] == "sync"
    assert service.sync_handoffs() == []
    assert states(service, occ) == {"blog": m.D_HANDED_OFF}
