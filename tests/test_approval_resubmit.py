"""A rejection asks for changes: the studio shows its reason and submits the corrected post
again (awaiting approval, a new draft version), and approvers are mailed once about it."""

from __future__ import annotations

from datetime import timedelta

from outreach.publishing import model as m
from outreach.publishing.service import PublishingService
from test_approval import AHEAD
from test_desk_notify import configure, notify, smtp  # noqa: F401 - fixture reuse
from test_publish_service import T0, make, spec  # noqa: F401 - fixture reuse
from test_studio import EDIT, editor, form_of
from web_support import csrf


def test_the_studio_shows_the_rejection_and_submits_the_corrected_post_again(staff) -> None:
    editor(staff)
    fields = form_of(staff.get(EDIT).text)
    r = staff.post(f"{EDIT}/submit", data={**fields, "csrf_token": csrf(staff, EDIT)})
    assert r.status_code == 303, r.text
    service = PublishingService(staff.ws.settings, staff.ws.db)
    service.reject(1, "boss", "2번 장 날짜가 틀림")
    page = staff.get(EDIT).text
    assert 'id="rejection"' in page and "2번 장 날짜가 틀림" in page and "submit it for approval " \
        "again" in page
    fields = form_of(page)
    fields["week_label"] = "고친 판"
    r = staff.post(f"{EDIT}/submit", data={**fields, "csrf_token": csrf(staff, EDIT)})
    assert r.status_code == 303, r.text
    row = service.occurrence(1)
    assert (row["state"], row["draft_revision"]) == (m.AWAITING_APPROVAL, 2)
    assert {d["state"] for d in service.ledger.deliveries([1])} == {m.D_PENDING}
    page = staff.get(EDIT).text
    assert "2번 장 날짜가 틀림" in page and "The corrected draft was submitted again." in page


def test_approvers_are_mailed_once_when_a_rejected_draft_comes_back(make, smtp):  # noqa: F811
    service, clock = make(start=T0 - timedelta(hours=2))
    configure(service, smtp.port)
    occ = service.plan(spec(**AHEAD))
    service.work()
    notify(service)                                     # "draft ready": 1 mail
    service.reject(occ, "과장", "사진 교체")
    clock.advance(minutes=1)
    service.resubmit(occ, "편집자")
    clock.advance(minutes=1)
    report = notify(service)
    assert (report.recorded, report.sent) == (1, 1)
    (to, msg) = smtp.messages[-1]
    assert to == ["boss@example.go.kr"] and "submitted again" in msg["Subject"]
    assert "사진 교체" in msg.get_content() and f"/runs/{occ}" in msg.get_content()
    clock.advance(minutes=1)
    assert (notify(service).sent, len(smtp.messages)) == (0, 2)   # same version: once
    service.resubmit(occ, "편집자")                    # another render: a new version
    clock.advance(minutes=1)
    assert (notify(service).sent, len(smtp.messages)) == (1, 3)
    assert "Draft version 3." in smtp.messages[-1][1].get_content()
