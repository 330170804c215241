"""The run page's approve form carries the draft version the approver saw: approving a draft
rendered again meanwhile is refused with one line and the page shows the new draft."""

from __future__ import annotations

import re
from datetime import timezone

from desk_support import audit_count
from outreach.i18n import _, use_language
from outreach.publishing import model as m
from outreach.publishing.service import PublishingService
from test_desk_web import WED, desk, thursday  # noqa: F401 - fixture reuse
from web_support import post, sign_in

_REVISION = re.compile(r'name="revision" value="(\d+)"')
STALE = ("The draft changed while you were approving it. Look at the new draft, then "
         "approve again.")


def _editor_renders_again(ws, occ_id: int) -> dict:
    service = PublishingService(ws.settings, ws.db, clock=lambda: WED.astimezone(timezone.utc))
    return service.resubmit(occ_id, "editor")


def test_approving_a_draft_rendered_again_meanwhile_is_refused(desk):
    occ = thursday(desk.ws)
    sign_in(desk, "boss")
    page = desk.get(f"/runs/{occ['id']}")
    seen = int(_REVISION.search(page.text).group(1))       # what the approver looked at
    assert seen == occ["draft_revision"]
    assert _editor_renders_again(desk.ws, occ["id"])["draft_revision"] == seen + 1
    r = post(desk, f"/runs/{occ['id']}/approve", {"revision": str(seen)},
             page=f"/runs/{occ['id']}")
    assert r.status_code == 303 and r.headers["location"].endswith(f"/runs/{occ['id']}")
    assert thursday(desk.ws)["state"] == m.AWAITING_APPROVAL
    assert audit_count(desk.ws.db, "post.approve", occ["id"]) == 0
    again = desk.get(f"/runs/{occ['id']}")
    assert again.status_code == 200 and STALE in again.text
    assert int(_REVISION.search(again.text).group(1)) == seen + 1   # the new draft is shown
    assert 'id="draft-revision">2<' in again.text
    r = post(desk, f"/runs/{occ['id']}/approve", {"revision": str(seen + 1)},
             page=f"/runs/{occ['id']}")
    assert r.status_code == 303
    assert (thursday(desk.ws)["state"], audit_count(desk.ws.db, "post.approve", occ["id"])) \
        == (m.APPROVED, 1)


def test_a_bad_revision_is_a_clear_400_never_a_5xx(desk):
    occ = thursday(desk.ws)
    sign_in(desk, "boss")
    r = post(desk, f"/runs/{occ['id']}/approve", {"revision": "abc"}, page=f"/runs/{occ['id']}")
    assert r.status_code == 400 and "revision: expected a number" in r.text
    assert thursday(desk.ws)["state"] == m.AWAITING_APPROVAL


def test_the_refusal_reads_in_korean():
    with use_language("ko"):
        assert _(STALE) == "승인하려는 사이에 초안이 바뀌었습니다. 새 초안을 확인한 뒤 다시 승인하세요"


def test_the_cli_resubmits_and_refuses_a_stale_revision(desk, capsys):
    from outreach.cli import main

    occ = thursday(desk.ws)
    root = str(desk.ws.root)
    assert main(["--root", root, "resubmit", str(occ["id"]), "--by", "편집자"]) == 0
    assert f"--revision {occ['draft_revision'] + 1}" in capsys.readouterr().out
    assert main(["--root", root, "approve", str(occ["id"]), "--revision",
                 str(occ["draft_revision"]), "--by", "과장"]) == 2
    assert "changed while you were approving" in capsys.readouterr().err
    assert thursday(desk.ws)["state"] == m.AWAITING_APPROVAL
    assert main(["--root", root, "approve", str(occ["id"]), "--revision",
                 str(occ["draft_revision"] + 1), "--by", "과장"]) == 0
    assert thursday(desk.ws)["state"] == m.APPROVED
