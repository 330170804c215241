"""One-off posts: scheduled, moved, cancelled, and sent once at their (new) time."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from outreach.errors import ConfigError, LedgerError
from outreach.publishing import model as m
from outreach.publishing.oneoff import PostRequest, cancel_post, move_post, schedule_post
from test_publish_service import T0, make, spec, states  # noqa: F401 - fixture reuse


def request(**kw) -> PostRequest:
    kw.setdefault("template", "notice")
    kw.setdefault("at", T0)
    kw.setdefault("approval", False)
    return PostRequest(**kw)


def test_post_is_rendered_ahead_and_sent_once_at_its_time(make, tmp_path):
    service, clock = make(start=T0 - timedelta(days=1))
    occ = schedule_post(service, request(), "김주무관")
    row = service.occurrence(occ)
    assert (row["schedule"], row["created_by"], row["state"]) == (m.POST, "김주무관", m.PLANNED)
    service.work()                                       # renders the draft, sends nothing
    assert service.occurrence(occ)["state"] == m.PREPARED
    assert states(service, occ) == {"outbox": m.D_PENDING}
    clock.now = T0
    assert service.work().count(m.D_SENT) == 1
    clock.advance(minutes=5)
    assert service.work().idle and service.ledger.count_attempts() == 1
    assert service.occurrence(occ)["state"] == m.DONE


def test_moved_post_goes_out_at_the_new_time_only(make):
    service, clock = make(start=T0 - timedelta(days=1))
    occ = schedule_post(service, request(), "김주무관")
    service.work()
    later = T0 + timedelta(days=2)
    assert move_post(service, occ, later, "김주무관")["scheduled_for"] == later
    clock.now = T0 + timedelta(minutes=1)
    assert service.work().idle                            # the old time passes quietly
    clock.now = later
    assert service.work().count(m.D_SENT) == 1
    with pytest.raises(LedgerError, match="no longer be changed"):
        move_post(service, occ, later + timedelta(days=1), "김주무관")


def test_a_claim_read_before_a_move_does_not_send_at_the_old_time(make):
    """The worker's due list was read before the move; its claim re-checks the time."""
    service, clock = make(start=T0 - timedelta(days=1))
    occ = schedule_post(service, request(), "김주무관")
    service.work()
    clock.now = T0
    (due,) = service.ledger.due_deliveries(clock.now)
    move_post(service, occ, T0 + timedelta(hours=1), "김주무관")   # 'now' is T0, so still future
    assert service.ledger.claim_delivery(due["id"], occ, clock.now, clock.now + timedelta(minutes=5),
                                         "w") is None
    assert service.occurrence(occ)["state"] == m.PREPARED


def test_cancelled_post_is_never_sent(make):
    service, clock = make(start=T0 - timedelta(days=1))
    occ = schedule_post(service, request(), "김주무관")
    row = cancel_post(service, occ, "이팀장", "행사 연기")
    assert (row["state"], row["decision_reason"], row["decided_by"]) == (m.CANCELLED, "행사 연기",
                                                                         "이팀장")
    clock.now = T0
    service.work()
    assert states(service, occ) == {"outbox": m.D_CANCELLED}
    assert service.ledger.count_attempts() == 0


def test_post_with_approval_waits_for_an_approver(make):
    service, clock = make(start=T0 - timedelta(days=1))
    occ = schedule_post(service, request(approval=True), "김주무관")
    service.work()
    assert service.occurrence(occ)["state"] == m.AWAITING_APPROVAL
    service.approve(occ, "이팀장")
    clock.now = T0
    assert service.work().count(m.D_SENT) == 1


def test_held_post_moved_to_the_future_waits_for_approval_again(make):
    service, clock = make(start=T0 - timedelta(days=1))
    occ = schedule_post(service, request(approval=True), "김주무관")
    service.work()
    clock.now = T0
    service.work()
    assert service.occurrence(occ)["state"] == m.HELD
    move_post(service, occ, T0 + timedelta(days=1), "김주무관")
    assert service.occurrence(occ)["state"] == m.AWAITING_APPROVAL


def test_bad_requests_leave_no_row(make, tmp_path):
    service, clock = make(start=T0 - timedelta(days=1))
    with pytest.raises(LedgerError, match="in the past"):
        schedule_post(service, request(at=T0 - timedelta(days=2)), "김주무관")
    with pytest.raises(ConfigError, match="does not exist"):
        schedule_post(service, request(data_file=tmp_path / "nope.yaml"), "김주무관")
    with pytest.raises(ConfigError, match="no channel named"):
        schedule_post(service, request(channels=["nowhere"]), "김주무관")
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [1, 2\n", encoding="utf-8")
    with pytest.raises(Exception) as info:
        schedule_post(service, request(data_file=bad), "김주무관")
    assert "bad.yaml" in str(info.value)
    assert service.ledger.recent(since=T0 - timedelta(days=9), until=T0 + timedelta(days=9)) == []


def test_only_one_off_posts_can_be_moved_or_cancelled(make):
    service, clock = make(start=T0 - timedelta(hours=2))
    occ = service.plan(spec())
    with pytest.raises(LedgerError, match="only one-off posts"):
        move_post(service, occ, T0 + timedelta(days=1), "x")
    with pytest.raises(LedgerError, match="only one-off posts"):
        cancel_post(service, occ, "x")


def test_cancel_and_publish_race_settles_once(make):
    """A cancel and a worker's claim at the same moment: either it went out or it did not."""
    for _ in range(3):
        service, clock = make(start=T0 - timedelta(days=1))
        occ = schedule_post(service, request(), "김주무관")
        service.work()
        clock.now = T0
        barrier = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def cancel() -> None:
            barrier.wait()
            try:
                outcome["cancel"] = cancel_post(service, occ, "x")["state"]
            except LedgerError as exc:
                outcome["cancel"] = exc

        def work() -> None:
            barrier.wait()
            outcome["work"] = service.work().count(m.D_SENT)

        threads = [threading.Thread(target=cancel), threading.Thread(target=work)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        (d,) = service.ledger.deliveries([occ])
        if outcome["cancel"] == m.CANCELLED:
            assert d["attempts"] == 0 and d["state"] == m.D_CANCELLED
        else:
            assert d["attempts"] == 1 and d["state"] == m.D_SENT
            assert isinstance(outcome["cancel"], LedgerError)
