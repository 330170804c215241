"""Send guards: a package that planned a post gets a last word right before each of its
deliveries is claimed (``PublishingService.work(guards=...)``); publishing knows nothing of
what the guard checks. The surveys' guard is tested in tests/test_survey_send_guard.py."""

from __future__ import annotations

from outreach.publishing import model as m
from outreach.publishing.service import GUARD_ACTOR
from test_publish_channels import calls
from test_publish_service import T0, make, spec, states  # noqa: F401 - fixture reuse


def test_a_reason_cancels_the_run_before_anything_is_sent(make, tmp_path):
    service, clock = make(start=T0)
    occ = service.plan(spec())
    asked = []

    def guard(row):
        asked.append(row["occurrence_key"])
        return "its campaign was called off"

    report = service.work(guards={"weekend-guide": guard})
    assert asked == ["2026-11-26T07:00:00Z"]
    row = service.occurrence(occ)
    assert (row["state"], row["decided_by"]) == (m.CANCELLED, GUARD_ACTOR)
    assert row["decision_reason"] == "its campaign was called off"
    assert states(service, occ) == {"outbox": m.D_CANCELLED}
    assert service.ledger.count_attempts() == 0
    assert [(o.state, o.detail) for o in report.outcomes] == [
        (m.D_CANCELLED, "its campaign was called off")]


def test_other_schedules_and_a_yes_go_out(make, tmp_path):
    service, clock = make(start=T0)
    occ = service.plan(spec())
    service.work(guards={"another": lambda row: "no", "weekend-guide": lambda row: None})
    assert states(service, occ) == {"outbox": m.D_SENT}


def test_a_run_partly_out_keeps_what_went_and_cancels_the_rest(make, tmp_path):
    service, clock = make({"sc": {"type": "scripted", "script": ["retry", "ok"],
                                  "log": str(tmp_path / "calls.log")},
                           "outbox": {"type": "outbox"}}, start=T0)
    occ = service.plan(spec(channels=("outbox", "sc")))
    service.work()
    assert states(service, occ) == {"outbox": m.D_SENT, "sc": m.D_RETRY_WAIT}
    clock.advance(hours=2)
    service.work(guards={"weekend-guide": lambda row: "stop"})
    assert states(service, occ) == {"outbox": m.D_SENT, "sc": m.D_CANCELLED}
    assert calls(tmp_path) == 1                      # the retry never reached the platform


def test_a_failing_guard_holds_the_post_back_to_the_next_pass(make, tmp_path):
    service, clock = make(start=T0)
    occ = service.plan(spec())

    def broken(row):
        raise RuntimeError("database away")

    report = service.work(guards={"weekend-guide": broken})
    assert states(service, occ) == {"outbox": m.D_PENDING}
    assert any("not sent, its check failed" in e for e in report.errors)
    service.work(guards={"weekend-guide": lambda row: None})
    assert states(service, occ) == {"outbox": m.D_SENT}
