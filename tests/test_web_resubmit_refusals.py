"""When a run's draft can no longer be submitted again, the studio's submit says so in staff
words (what to do on the web), never the CLI's wording; in Korean by default."""

from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone

import pytest

from outreach.publishing import model as m
from outreach.publishing.service import PublishingService
from test_studio import DAY, EDIT, form_of
from web_support import add_user, csrf, sign_in, staff_client, web_workspace

RUN = datetime(2026, 12, 3, 7, 0, tzinfo=timezone.utc)      # Thu 3 Dec 16:00 in Seoul


@pytest.fixture
def korean(tmp_path, db_url, monkeypatch):
    """A Korean workspace, an editor signed in, the clock a day before the run."""
    monkeypatch.setenv("OUTREACH_NOW", (RUN - timedelta(days=1)).isoformat())
    ws = web_workspace(tmp_path, db_url, language="ko")
    add_user(ws.db, "kim", "editor")
    with staff_client(ws) as client:
        client.ws = ws
        sign_in(client, "kim")
        yield client
    ws.db.dispose()


def _submit(client):
    fields = form_of(client.get(EDIT).text)
    return client.post(f"{EDIT}/submit", data={**fields, "csrf_token": csrf(client, EDIT)})


def _error(response) -> str:
    assert response.status_code == 400, response.text[:500]
    return html.unescape(response.text)


def _cli_words(text: str) -> bool:
    return "outreach" in text.replace("[outreach]", "") or "one-off" in text or "occurrence" in text


def test_past_its_window_the_studio_says_to_make_a_new_post(korean, monkeypatch):
    monkeypatch.setenv("OUTREACH_NOW", (RUN + timedelta(hours=3)).isoformat())  # grace: 2 h
    page = _error(_submit(korean))
    assert "게시 시각(유예 시간 포함)이 지나" in page and "새 게시물" in page
    assert "입력한 데이터는 저장되었습니다" in page
    assert not _cli_words(page.split('id="messages"')[-1].split("</main>")[0])


def test_a_published_run_cannot_be_submitted_again_and_the_page_says_what_to_do(korean,
                                                                               monkeypatch):
    assert _submit(korean).status_code == 303
    service = PublishingService(korean.ws.settings, korean.ws.db, clock=lambda: RUN)
    service.approve(1, "boss")
    service.work()                                          # it goes out at its time
    assert service.occurrence(1)["state"] == m.DONE
    monkeypatch.setenv("OUTREACH_NOW", (RUN + timedelta(minutes=10)).isoformat())
    page = _error(_submit(korean))
    assert "1번 게시는 이미 게시됨 상태라" in page and "새 게시물" in page
    assert service.occurrence(1)["state"] == m.DONE


def test_a_draft_being_made_right_now_says_wait_a_minute(korean):
    assert _submit(korean).status_code == 303
    now = RUN - timedelta(days=1)
    service = PublishingService(korean.ws.settings, korean.ws.db, clock=lambda: now)
    # the scheduler (or a colleague's submit) is rendering it: planned and leased
    assert service.ledger.hold_for_change(1, now, now + timedelta(minutes=10),
                                          from_states=[m.AWAITING_APPROVAL])
    page = _error(_submit(korean))
    assert "지금 만들어지고 있습니다" in page and "1분 뒤" in page
    assert "저장하고 승인 요청" in page


def test_the_cli_keeps_its_own_wording(korean, monkeypatch):
    from outreach.errors import LedgerError

    monkeypatch.setenv("OUTREACH_NOW", (RUN + timedelta(hours=3)).isoformat())
    _submit(korean)
    service = PublishingService(korean.ws.settings, korean.ws.db,
                                clock=lambda: RUN + timedelta(hours=3))
    with pytest.raises(LedgerError) as caught:
        service.resubmit(1, "kim")
    assert caught.value.web and caught.value.web != str(caught.value)
