"""Ledger queries and claims on SQLite and PostgreSQL (``db_url`` runs both)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from outreach.publishing import model as m
from outreach.publishing.model import OccurrenceSpec, delivery_key
from outreach.store.db import open_database
from outreach.store.ledger import Ledger

T0 = datetime(2026, 11, 26, 7, 0, tzinfo=timezone.utc)   # Thursday 16:00 in Seoul


def spec(key: str = "2026-11-26T07:00:00Z", channels=("outbox", "blog"), **kw) -> OccurrenceSpec:
    return OccurrenceSpec(schedule="weekend-guide", key=key, scheduled_for=T0, template="weekend-guide",
                          channels=channels, **kw)


def keys(s: OccurrenceSpec):
    return [(c, delivery_key(s.schedule, s.key, c)) for c in s.channels]


@pytest.fixture
def ledger(db_url):
    db = open_database(db_url)
    yield Ledger(db)
    db.dispose()


def test_delivery_key_is_short_slug_safe_and_stable():
    key = delivery_key("weekend-guide", "2026-11-26T07:00:00Z", "facebook")
    assert key.startswith("wg-20261126-0700-facebook-") and len(key) <= 40
    assert key == delivery_key("weekend-guide", "2026-11-26T07:00:00Z", "facebook")
    assert key != delivery_key("weekend-guide", "2026-11-26T07:00:00Z", "fb")
    feed = delivery_key("now-in-city", "item:https://city.example/news/42?x=1", "outbox")
    assert feed.startswith("nic-") and all(c.isalnum() or c == "-" for c in feed)


def test_plan_is_idempotent_and_keeps_aware_utc_times(ledger):
    s = spec(data={"제목": "가을 음악회"}, context={"date": "2026-11-28"})
    first, created = ledger.plan(s, keys(s), T0 - timedelta(days=1))
    again, created_again = ledger.plan(s, keys(s), T0)
    assert (first, created, created_again) == (again, True, False)
    row = ledger.occurrence(first)
    assert row["scheduled_for"] == T0 and row["scheduled_for"].tzinfo is not None
    assert row["state"] == m.PLANNED and '"가을 음악회"' in row["data_json"]
    assert [d["channel"] for d in ledger.deliveries([first])] == ["outbox", "blog"]


def test_only_one_claim_wins_and_result_needs_the_same_attempt(ledger):
    s = spec()
    occ, _ = ledger.plan(s, keys(s), T0)
    assert ledger.claim_delivery(1, occ, T0, T0 + timedelta(minutes=10), "w1") is None  # not prepared
    assert ledger.set_occurrence_state(occ, m.PREPARED, T0, from_states=[m.PLANNED])
    due = ledger.due_deliveries(T0)
    assert len(due) == 2 and ledger.due_deliveries(T0 - timedelta(seconds=1)) == []
    d = due[0]["id"]
    assert ledger.claim_delivery(d, occ, T0, T0 + timedelta(minutes=10), "w1") == 1
    assert ledger.claim_delivery(d, occ, T0, T0 + timedelta(minutes=10), "w2") is None
    assert ledger.occurrence(occ)["state"] == m.PUBLISHING
    assert not ledger.finish_delivery(d, 2, m.D_SENT, T0, outcome="sent")  # wrong attempt
    assert ledger.finish_delivery(d, 1, m.D_SENT, T0, outcome="sent", remote_id="r1", url="u")
    row = ledger.delivery(d)
    assert (row["state"], row["remote_id"], row["attempts"]) == (m.D_SENT, "r1", 1)
    assert [a["outcome"] for a in ledger.attempts(d)] == ["sent"]


def test_occurrence_state_follows_its_deliveries(ledger):
    s = spec()
    occ, _ = ledger.plan(s, keys(s), T0)
    ledger.set_occurrence_state(occ, m.PREPARED, T0, from_states=[m.PLANNED])
    a, b = (r["id"] for r in ledger.due_deliveries(T0))
    ledger.claim_delivery(a, occ, T0, T0, "w")
    ledger.finish_delivery(a, 1, m.D_SENT, T0, outcome="sent")
    assert ledger.occurrence(occ)["state"] == m.PUBLISHING      # b still pending
    ledger.claim_delivery(b, occ, T0, T0, "w")
    ledger.finish_delivery(b, 1, m.D_FAILED, T0, outcome="failed", error="권한 없음")
    assert ledger.occurrence(occ)["state"] == m.PARTIAL


def test_retry_wait_is_due_only_after_its_time(ledger):
    s = spec(channels=("outbox",))
    occ, _ = ledger.plan(s, keys(s), T0)
    ledger.set_occurrence_state(occ, m.PREPARED, T0, from_states=[m.PLANNED])
    (d,) = (r["id"] for r in ledger.due_deliveries(T0))
    ledger.claim_delivery(d, occ, T0, T0 + timedelta(minutes=10), "w")
    ledger.finish_delivery(d, 1, m.D_RETRY_WAIT, T0, outcome="retry",
                           next_attempt_at=T0 + timedelta(minutes=2))
    assert ledger.due_deliveries(T0 + timedelta(minutes=1)) == []
    assert [r["id"] for r in ledger.due_deliveries(T0 + timedelta(minutes=2))] == [d]
    assert ledger.claim_delivery(d, occ, T0 + timedelta(minutes=2), T0, "w") == 2


def test_stale_attempting_is_taken_over_once(ledger):
    s = spec(channels=("outbox",))
    occ, _ = ledger.plan(s, keys(s), T0)
    ledger.set_occurrence_state(occ, m.PREPARED, T0, from_states=[m.PLANNED])
    (d,) = (r["id"] for r in ledger.due_deliveries(T0))
    ledger.claim_delivery(d, occ, T0, T0 + timedelta(minutes=10), "dead-worker")
    assert ledger.stale_attempting(T0 + timedelta(minutes=9)) == []
    later = T0 + timedelta(minutes=11)
    assert [r["id"] for r in ledger.stale_attempting(later)] == [d]
    assert ledger.claim_stale(d, later, later + timedelta(minutes=10), "w2") == 1
    assert ledger.claim_stale(d, later, later + timedelta(minutes=10), "w3") is None
    # the dead worker's late answer is not recorded over the reconciler
    assert ledger.finish_delivery(d, 1, m.D_SENT, later, outcome="found")
    kinds = [(a["kind"], a["outcome"]) for a in ledger.attempts(d)]
    assert kinds == [("publish", "interrupted"), ("reconcile", "found")]


def test_missed_cancels_pending_deliveries_but_not_started_ones(ledger):
    s = spec()
    occ, _ = ledger.plan(s, keys(s), T0)
    assert ledger.close_occurrence(occ, m.MISSED, "너무 늦음", T0, from_states=m.NOT_STARTED)
    assert {d["state"] for d in ledger.deliveries([occ])} == {m.D_CANCELLED}
    assert not ledger.close_occurrence(occ, m.REJECTED, "x", T0, from_states=m.NOT_STARTED)


def test_watermark_only_moves_forward(ledger):
    assert ledger.checked_until("weekend-guide") is None
    ledger.set_checked_until("weekend-guide", T0, T0)
    ledger.set_checked_until("weekend-guide", T0 - timedelta(hours=1), T0)
    assert ledger.checked_until("weekend-guide") == T0
    ledger.set_checked_until("weekend-guide", T0 + timedelta(hours=1), T0)
    assert ledger.checked_until("weekend-guide") == T0 + timedelta(hours=1)
