"""Approval: approved drafts go out, rejected and unapproved ones do not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outreach.errors import LedgerError
from outreach.publishing import model as m
from test_publish_service import T0, make, spec, states  # noqa: F401 - fixture reuse

AHEAD = dict(approval_required=True, prepare_at=T0 - timedelta(hours=3))


def test_draft_is_prepared_ahead_then_approved_and_published(make, tmp_path):
    service, clock = make(start=T0 - timedelta(hours=2))
    occ = service.plan(spec(**AHEAD))
    with pytest.raises(LedgerError, match="not ready"):
        service.approve(occ, "과장")
    service.work()
    row = service.occurrence(occ)
    assert row["state"] == m.AWAITING_APPROVAL
    assert (tmp_path / "var" / "posts" / str(occ) / "slide-01.png").is_file()  # staff can look
    assert states(service, occ) == {"outbox": m.D_PENDING}
    assert service.approve(occ, "과장")["decided_by"] == "과장"
    service.work()
    assert states(service, occ) == {"outbox": m.D_PENDING}          # not before its time
    clock.now = T0
    service.work()
    assert states(service, occ) == {"outbox": m.D_SENT}


def test_rejected_is_never_published(make):
    service, clock = make(start=T0 - timedelta(hours=2))
    occ = service.plan(spec(**AHEAD))
    service.work()
    row = service.reject(occ, "과장", "행사 취소")
    assert (row["state"], row["decision_reason"]) == (m.REJECTED, "행사 취소")
    clock.now = T0
    service.work()
    assert states(service, occ) == {"outbox": m.D_CANCELLED}
    with pytest.raises(LedgerError, match="rejected"):
        service.approve(occ, "과장")


def test_unapproved_is_held_then_missed(make):
    service, clock = make(start=T0 - timedelta(hours=2))
    occ = service.plan(spec(**AHEAD))
    service.work()
    clock.now = T0
    assert service.work().held == 1
    assert service.occurrence(occ)["state"] == m.HELD
    assert states(service, occ) == {"outbox": m.D_PENDING}
    clock.now = T0 + timedelta(hours=3)
    assert service.work().missed == 1
    assert service.occurrence(occ)["state"] == m.MISSED
    assert service.ledger.count_attempts() == 0
    with pytest.raises(LedgerError):
        service.approve(occ, "과장")


def test_held_approved_within_grace_goes_out(make):
    service, clock = make(start=T0 - timedelta(hours=2))
    occ = service.plan(spec(**AHEAD))
    service.work()
    clock.now = T0 + timedelta(minutes=5)
    service.work()
    assert service.occurrence(occ)["state"] == m.HELD
    service.approve(occ, "과장")
    service.work()
    assert states(service, occ) == {"outbox": m.D_SENT}
