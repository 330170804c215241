"""Today (오늘) lists autopilot drafts whose sources failed, in Korean, until staff edit the
file: the same list the notifications mail, now where the PR officer looks every morning."""

from __future__ import annotations

from datetime import datetime

import pytest

from conftest import sign_in
from fakes.datagokr import KEY
from fakes.kma import KST, FakeKMA
from fakes.tourapi import FakeTourAPI
from outreach.autopilot.service import draft_pass
from outreach.i18n import use_language
from outreach.scheduling.specs import load_all
from web_support import PASSWORD, add_user, web_workspace

WED = datetime(2026, 12, 9, 9, 0, tzinfo=KST)        # the run of Thursday 2026-12-10


@pytest.fixture
def fakes():
    tour, kma = FakeTourAPI().start(), FakeKMA(WED).start()
    yield tour, kma
    kma.stop()


@pytest.fixture
def web_ws(tmp_path, db_url, fakes):
    tour, kma = fakes
    toml = (f'[autopilot]\ntourapi_url = "{tour.base}"\nkma_url = "{kma.base}"\n')
    ws = web_workspace(tmp_path, db_url, toml, language="ko",
                       env={"DATA_GO_KR_SERVICE_KEY": KEY})
    yield ws
    ws.db.dispose()


def test_today_lists_an_autopilot_draft_with_problems_until_staff_edit_it(
        page, web_ws, fakes, shot, monkeypatch):
    tour, _kma = fakes
    tour.stop()                                               # TourAPI is down on Wednesday
    schedule = next(s for s in load_all(web_ws.settings)[0] if s.name == "weekend-guide")
    with use_language("ko"):                                  # as the daemon of a Korean workspace
        outcome = draft_pass(web_ws.settings, schedule, WED)
    (drafted,) = outcome.written
    assert outcome.problems

    monkeypatch.setenv("OUTREACH_NOW", "2026-12-09T10:00:00+09:00")
    add_user(web_ws.db, "pyeonjip", "editor", language="ko")
    sign_in(page, "pyeonjip", PASSWORD)
    page.goto("/today")
    section = page.locator("#drafts-to-check")
    assert section.count() == 1
    text = section.inner_text()
    assert "확인할 자동 작성 초안" in text and "weekend-guide" in text
    assert "content/weekend-guide/2026-12-10.yaml" in text
    assert "한국관광공사 TourAPI 행사 목록을 받지 못했습니다" in text
    assert KEY not in page.content()
    shot(page, "today-autopilot")
    # a PR officer does not edit YAML files: the item opens the draft in the studio
    page.get_by_role("link", name="스튜디오에서 확인").click()
    page.wait_for_url("**/studio/weekend-guide/2026-12-10")
    assert "주말사용설명서" in page.locator("h1").inner_text()
    # and the studio says what the autopilot could not fill in, above the form
    problems = page.locator("#autopilot-problems").inner_text()
    assert "승인을 요청하기 전에 아래를 확인하세요" in problems
    assert "한국관광공사 TourAPI 행사 목록을 받지 못했습니다" in problems
    shot(page, "studio-problems")
    # submitted as it is, the approver sees the same problems above 승인
    from datetime import date

    from outreach.studio.service import StudioService
    from outreach.users.audit import Actor

    row = StudioService(web_ws.settings, web_ws.db).submit(
        "weekend-guide", date(2026, 12, 10), actor=Actor.system("test"))
    page.goto(f"/runs/{row['id']}")
    warning = page.locator("#autopilot-problems").inner_text()
    assert "승인하기 전에 확인하세요" in warning
    assert "한국관광공사 TourAPI 행사 목록을 받지 못했습니다" in warning
    shot(page, "run-problems")

    drafted.write_text(drafted.read_text(encoding="utf-8") + "# 확인함\n", encoding="utf-8")
    page.goto("/today")
    assert page.locator("#drafts-to-check").count() == 0     # a person's file now
    page.goto("/studio/weekend-guide/2026-12-10")
    assert page.locator("#autopilot-problems").count() == 0
    assert page.js_errors == []
