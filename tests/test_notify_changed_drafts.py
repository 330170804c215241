"""A draft rendered again goes back to waiting for approval, even after an approval: the
approvers are mailed again, once per new draft version, and the mail says it changed."""

from __future__ import annotations

from datetime import timedelta

from outreach.publishing import model as m
from test_approval import AHEAD
from test_desk_notify import configure, notify, smtp  # noqa: F401 - fixture reuse
from test_publish_service import T0, make, spec  # noqa: F401 - fixture reuse


def test_an_approved_draft_rendered_again_is_mailed_again_once_per_version(make, smtp):  # noqa: F811
    service, clock = make(start=T0 - timedelta(hours=2))
    configure(service, smtp.port)
    occ = service.plan(spec(**AHEAD))
    service.work()
    assert notify(service).sent == 1                    # "draft ready"
    service.approve(occ, "과장")
    clock.advance(minutes=1)
    service.resubmit(occ, "편집자")                     # e.g. the data changed in the studio
    row = service.occurrence(occ)
    assert (row["state"], row["draft_revision"]) == (m.AWAITING_APPROVAL, 2)
    clock.advance(minutes=1)
    report = notify(service)
    assert (report.recorded, report.sent) == (1, 1)
    to, msg = smtp.messages[-1]
    assert to == ["boss@example.go.kr"]
    assert "Changed draft waiting for approval" in msg["Subject"]
    body = msg.get_content()
    assert "version 2" in body and "과장 approved an earlier version" in body
    assert f"https://desk.example.go.kr/runs/{occ}" in body
    clock.advance(minutes=1)
    assert (notify(service).sent, len(smtp.messages)) == (0, 2)   # the same version: once
    service.resubmit(occ, "편집자")                     # changed again before anyone looked
    clock.advance(minutes=1)
    assert (notify(service).sent, len(smtp.messages)) == (1, 3)
    assert "version 3" in smtp.messages[-1][1].get_content()
    assert "Nobody has approved it yet." not in smtp.messages[1][1].get_content()


def test_the_changed_draft_mail_reads_in_korean(make, smtp):  # noqa: F811
    service, clock = make(start=T0 - timedelta(hours=2))
    configure(service, smtp.port, language="ko")
    occ = service.plan(spec(**AHEAD))
    service.work()
    notify(service)
    clock.advance(minutes=1)
    service.resubmit(occ, "편집자")
    clock.advance(minutes=1)
    notify(service)
    (_to, msg) = smtp.messages[-1]
    assert msg["Subject"].startswith("[outreach] 변경된 초안 승인 대기: weekend-guide")
    body = msg.get_content()
    assert "초안이 바뀌었습니다" in body and "버전 2" in body
    assert "아직 아무도 승인하지 않았습니다." in body
