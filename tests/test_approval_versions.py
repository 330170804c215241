"""Approvals name the draft version they saw; a rejection asks for changes and the corrected
draft can be submitted again (on SQLite and PostgreSQL through the ``make`` fixture)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desk_support import audit_count
from outreach.errors import LedgerError, StaleDraft
from outreach.publishing import model as m
from test_publish_service import T0, make, spec, states  # noqa: F401 - fixture reuse

AHEAD = dict(approval_required=True, prepare_at=T0 - timedelta(hours=3))


def _drafted(make):
    service, clock = make(start=T0 - timedelta(hours=2))
    occ = service.plan(spec(**AHEAD))
    service.work()
    return service, clock, occ


def test_each_render_is_a_new_version_and_a_stale_approval_changes_nothing(make):
    service, clock, occ = _drafted(make)
    seen = service.occurrence(occ)["draft_revision"]
    assert seen == 1
    row = service.resubmit(occ, "편집자")                 # re-rendered while the boss looks
    assert (row["state"], row["draft_revision"]) == (m.AWAITING_APPROVAL, 2)
    with pytest.raises(StaleDraft, match="changed while you were approving"):
        service.approve(occ, "과장", revision=seen)
    row = service.occurrence(occ)
    assert (row["state"], row["decided_by"]) == (m.AWAITING_APPROVAL, None)
    assert audit_count(service.db, "post.approve", occ) == 0
    assert audit_count(service.db, "post.redraft", occ) == 1
    clock.now = T0
    service.work()
    assert service.ledger.count_attempts() == 0          # nobody approved version 2
    assert service.approve(occ, "과장", revision=2)["state"] == m.APPROVED
    service.work()
    assert states(service, occ) == {"outbox": m.D_SENT}


def test_rendering_an_approved_draft_again_withdraws_the_approval(make):
    service, clock, occ = _drafted(make)
    service.approve(occ, "과장", revision=1)
    row = service.resubmit(occ, "편집자")
    assert (row["state"], row["draft_revision"]) == (m.AWAITING_APPROVAL, 2)
    clock.now = T0
    report = service.work()
    assert report.held == 1 and service.ledger.count_attempts() == 0
    service.approve(occ, "과장", revision=2)
    service.work()
    service.work()
    assert states(service, occ) == {"outbox": m.D_SENT}
    assert service.ledger.count_attempts() == 1           # once, never twice
    with pytest.raises(LedgerError, match="cannot be submitted again|only runs"):
        service.resubmit(occ, "편집자")                    # published: left alone


def test_a_rejected_draft_is_corrected_and_submitted_again(make):
    service, clock, occ = _drafted(make)
    service.reject(occ, "과장", "2번 장 날짜가 틀림")
    assert states(service, occ) == {"outbox": m.D_CANCELLED}
    row = service.resubmit(occ, "편집자")
    assert (row["state"], row["draft_revision"]) == (m.AWAITING_APPROVAL, 2)
    assert (row["decided_by"], row["decision_reason"]) == ("과장", "2번 장 날짜가 틀림")
    assert states(service, occ) == {"outbox": m.D_PENDING}
    assert audit_count(service.db, "post.resubmit", occ) == 1
    assert audit_count(service.db, "post.reject", occ) == 1   # the rejection stays on record
    clock.now = T0
    service.work()
    assert service.ledger.count_attempts() == 0           # still needs an approval
    row = service.approve(occ, "과장", revision=2)
    assert (row["state"], row["decision_reason"]) == (m.APPROVED, None)
    service.work()
    assert states(service, occ) == {"outbox": m.D_SENT}


def test_a_rejected_draft_past_its_grace_window_stays_rejected(make):
    service, clock, occ = _drafted(make)
    service.reject(occ, "과장", "취소")
    clock.now = T0 + timedelta(hours=3)                    # grace is 2 hours
    with pytest.raises(LedgerError, match="grace window"):
        service.resubmit(occ, "편집자")
    assert service.occurrence(occ)["state"] == m.REJECTED
    assert states(service, occ) == {"outbox": m.D_CANCELLED}
    assert audit_count(service.db, "post.resubmit", occ) == 0


def test_a_failed_render_leaves_the_run_planned_and_unapprovable(make):
    service, clock, occ = _drafted(make)
    service.reject(occ, "과장", "사진 교체")
    templates = service.settings.templates_dir
    broken = templates / "notice" / "template.yaml"
    original = broken.read_text(encoding="utf-8")
    broken.write_text("not: [valid", encoding="utf-8")
    try:
        with pytest.raises(Exception):
            service.resubmit(occ, "편집자")
    finally:
        broken.write_text(original, encoding="utf-8")
    row = service.occurrence(occ)
    assert row["state"] == m.PLANNED and row["error"]
    with pytest.raises(LedgerError):
        service.approve(occ, "과장")
    clock.advance(minutes=1)
    service.work()                                         # the daemon renders it again
    assert service.occurrence(occ)["state"] == m.AWAITING_APPROVAL


def test_approving_while_the_draft_is_rendered_again_never_approves_the_new_one(make):
    import threading

    service, clock, occ = _drafted(make)
    other, other_clock = make(start=clock.now)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def approve() -> None:
        barrier.wait()
        try:
            other.approve(occ, "과장", revision=1)
            # approved (the row it reads back afterwards may already be the resubmit's:
            # approval withdrawn, planned, so its state is not the outcome)
            results["approve"] = m.APPROVED
        except LedgerError as exc:
            results["approve"] = type(exc).__name__

    def resubmit() -> None:
        barrier.wait()
        results["resubmit"] = service.resubmit(occ, "편집자")["state"]

    threads = [threading.Thread(target=approve), threading.Thread(target=resubmit)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["resubmit"] == m.AWAITING_APPROVAL, results
    assert results["approve"] in (m.APPROVED, "StaleDraft"), results
    row = service.occurrence(occ)
    # whichever came first, version 2 waits for an approval nobody has given yet
    assert (row["state"], row["draft_revision"]) == (m.AWAITING_APPROVAL, 2)
    clock.now = T0
    service.work()
    assert service.ledger.count_attempts() == 0
