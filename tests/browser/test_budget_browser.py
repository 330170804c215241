"""The run page's cost line in a real browser (Debian's chromium through Playwright), in Korean:
a Kakao brand-message run over the daily budget says what it costs and that it would be refused."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from conftest import sign_in
from fakes.kakao import KakaoFake
from outreach.publishing.model import OccurrenceSpec
from outreach.publishing.service import PublishingService
from web_support import PASSWORD, add_user, web_workspace


@pytest.fixture
def kakao():
    with KakaoFake() as fake:
        yield fake


@pytest.fixture
def web_ws(tmp_path, db_url, kakao):
    (tmp_path / "recipients.txt").write_text("010-1111-2222\n010-3333-4444\n", encoding="utf-8")
    toml = ('[channels.kakao]\ntype = "kakao"\npublish = "brand_message"\ntext = "facebook"\n'
            f'dealer_api_base = "{kakao.url}"\nsolapi_api_key_env = "SOLAPI_KEY"\n'
            'solapi_api_secret_env = "SOLAPI_SECRET"\npf_id = "KA01PF2026"\nsender = "0415212114"\n'
            f'recipients_file = "{tmp_path / "recipients.txt"}"\nprice_per_message = 25\n'
            '\n[budget]\ndaily_krw = 40\n')
    ws = web_workspace(tmp_path, db_url, toml=toml, language="ko",
                       env={"SOLAPI_KEY": kakao.solapi_key, "SOLAPI_SECRET": kakao.solapi_secret})
    yield ws
    ws.db.dispose()


def test_run_page_shows_cost_and_refusal_in_korean(page, web_ws, kakao, shot):
    occ = PublishingService(web_ws.settings, web_ws.db).plan(OccurrenceSpec(
        schedule="weekly", key="w1", scheduled_for=datetime.now(timezone.utc), template="notice",
        channels=("kakao",), data={"title": "가을 음악회"}))
    add_user(web_ws.db, "kim", "viewer")
    sign_in(page, "kim", PASSWORD)
    page.goto(f"/runs/{occ}")
    cost = page.locator("dd.cost")
    assert "이번 실행 비용: 50 KRW" in cost.inner_text()
    assert "수신자 2명 × 25 KRW" in cost.inner_text()
    assert "플랫폼 호출 전에 거부됩니다" in cost.locator(".error-text").inner_text()
    assert cost.locator(".error-text").is_visible()
    shot(page, "run-cost")
    assert page.js_errors == [] and kakao.requests == []
