"""The inbox in a real browser (Debian's chromium): an officer filters, answers with a saved
reply and transfers an item; the receiving officer sees and accepts it; a viewer cannot
answer; a new Kakao chatbot message appears live without a reload; a double click on
"send" sends one answer (the fake Kakao Event API counts them)."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from fakes.kakao import KakaoFake
from inbox_web_support import file_items, staff_users
from web_support import PASSWORD, LiveServer, web_workspace

from conftest import sign_in

SKILL_KEY = "kakao-skill-key-abcdef"


@pytest.fixture
def kakao():
    with KakaoFake() as fake:
        yield fake


@pytest.fixture
def web_ws(tmp_path, db_url, kakao):
    """The sample workspace with a Kakao chatbot channel answering through the fake Event
    API, the skill webhook's key, and a live view that checks every 0.3 s."""
    toml = (f'[channels.kakao]\ntype = "kakao"\nbot_id = "{kakao.bot_id}"\n'
            f'rest_api_key_env = "KAKAO_REST"\napi_base = "{kakao.url}"\n'
            '[server.kakao]\nsecret_env = "KAKAO_SKILL_KEY"\n'
            '[inbox]\nlive_seconds = 0.3\n')
    ws = web_workspace(tmp_path, db_url, toml,
                       env={"KAKAO_REST": kakao.rest_key, "KAKAO_SKILL_KEY": SKILL_KEY})
    staff_users(ws)
    yield ws
    ws.db.dispose()


@pytest.fixture
def live_server(web_ws):
    with LiveServer(web_ws) as server:
        yield server


def _skill(base: str, utterance: str, user: str) -> None:
    body = {"userRequest": {"timezone": "Asia/Seoul", "utterance": utterance, "lang": "ko",
                            "block": {"id": "b1", "name": "폴백"}, "params": {},
                            "user": {"id": user, "type": "botUserKey", "properties": {}}},
            "bot": {"id": "bot-1", "name": "민원봇"},
            "action": {"id": "a1", "name": "inbox", "params": {}, "detailParams": {},
                       "clientExtra": {}}}
    req = urllib.request.Request(f"{base}/webhooks/kakao/skill?key={SKILL_KEY}",
                                 data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as answer:
        assert answer.status == 200


def test_live_kakao_message_and_double_click_sends_once(page, kakao, shot):
    _skill(page.base, "안녕하세요", "botuser-1")                 # first contact: the menu
    sign_in(page, "road", PASSWORD)
    page.goto("/inbox")
    assert page.locator("tr.item").count() == 0
    _skill(page.base, "아파트 앞 가로등이 일주일째 꺼져 있어요", "botuser-1")
    row = page.locator("tr.item").first
    row.wait_for(timeout=10_000)                                  # arrived without a reload
    assert "가로등" in row.inner_text()
    shot(page, "live-row")
    row.locator("a").first.click()
    page.wait_for_load_state()
    page.select_option("select.saved", label="현장확인")
    text = page.input_value("textarea[name=text]")
    assert "도로과에서 오늘 중으로" in text                        # placeholder filled
    assert int(page.text_content("output.count")) == len(text)
    assert "도로과에서" in page.text_content(".preview-text")
    page.dblclick("button.send")
    page.wait_for_url("**/inbox/*")
    page.wait_for_selector(".answer")
    assert len(kakao.events) == 1 and kakao.events[0]["event"]["data"]["text"] == text
    assert page.locator(".answer").count() == 1
    # the same request sent twice more at once, past the page's guard (a retried request)
    statuses = page.evaluate("""async (text) => {
        const token = document.querySelector('meta[name=csrf-token]').content;
        const send = () => fetch(location.pathname + '/answer', {method: 'POST',
          headers: {'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': token},
          body: new URLSearchParams({text: text, seen_answers: '0'}), redirect: 'manual'});
        const answers = await Promise.all([send(), send()]);
        return answers.map(r => r.status); }""", text)
    assert len(kakao.events) == 1, statuses
    shot(page, "answered")
    assert page.js_errors == []


def test_officer_filters_answers_and_transfers_receiver_accepts(page, web_ws, shot):
    ids = file_items(web_ws, {"a": "우리 동네 가로등이 꺼져 있어요",
                              "b": "도로가 움푹 패여서 위험합니다",
                              "c": "인도 보도블록이 깨졌어요"})
    sign_in(page, "road", PASSWORD)
    page.goto("/inbox")
    page.fill("input[name=q]", "움푹")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("tr.item").count() == 1
    page.click(f"#item-{ids['b']} a")
    page.wait_for_load_state()
    page.select_option("select.saved", label="접수안내")
    assert re.search(r"접수번호 \d{8}-\w{6}번", page.input_value("textarea[name=text]"))
    # facebook is not configured in this workspace: record the answer given by hand
    page.click("button.send")
    page.wait_for_selector(".answer")
    # the workspace's departments are offered, never the item's own: picked, not typed
    choices = page.locator("select[name=department] option").all_text_contents()
    assert "교통행정과" in choices and "도로과" not in choices
    page.select_option("select[name=department]", label="교통행정과")
    page.fill("input[name=reason]", "차로 통제는 교통행정과 소관")
    page.click("text=Ask to transfer")
    page.wait_for_load_state()
    assert "Waiting for 교통행정과" in page.content()
    shot(page, "transfer-asked")
    page.click("button:has-text('Sign out')")
    sign_in(page, "traffic", PASSWORD)
    page.goto("/inbox/transfers")
    assert "차로 통제는 교통행정과 소관" in page.content()
    page.click("button:has-text('Accept')")
    page.wait_for_load_state()
    assert "Time in each department" in page.content()
    page.goto("/inbox")
    assert page.locator(f"#item-{ids['b']}").count() == 1
    shot(page, "accepted")
    assert page.js_errors == []


def test_a_viewer_cannot_answer(page, web_ws):
    ids = file_items(web_ws, {"a": "우리 동네 가로등이 꺼져 있어요"})
    sign_in(page, "watcher", PASSWORD)
    page.goto(f"/inbox/{ids['a']}")
    assert page.locator("textarea[name=text]").count() == 0
    assert page.locator("button.send").count() == 0
    status = page.evaluate("""async () => {
        const token = document.querySelector('meta[name=csrf-token]').content;
        const r = await fetch(location.pathname + '/answer', {method: 'POST',
          headers: {'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': token},
          body: 'text=hi&manual=1&seen_answers=0'});
        return r.status; }""")
    assert status == 403


def test_monthly_report_in_korean_prints_on_a4(page, web_ws, shot, tmp_path):
    from web_support import add_user

    file_items(web_ws, {"a": "우리 동네 가로등이 꺼져 있어요", "b": "불법주차 신고합니다",
                        "c": "감사합니다 수고하세요"})
    add_user(web_ws.db, "gwajang", "approver", language="ko")
    sign_in(page, "gwajang", PASSWORD)
    page.goto("/inbox/report")
    assert page.locator("svg.chart").count() == 3
    assert "민원 처리 현황" in page.content() and "정의" in page.content()
    shot(page, "report-ko")
    page.goto("/inbox/report/print")
    page.emulate_media(media="print")
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
    shot(page, "report-print")
    assert page.js_errors == []


def test_supervisor_assigns_people_and_officer_filters_mine(page, web_ws, shot):
    ids = file_items(web_ws, {"a": "우리 동네 가로등이 꺼져 있어요",
                              "b": "도로가 움푹 패여서 위험합니다",
                              "c": "인도 보도블록이 깨졌어요"})
    sign_in(page, "chief", PASSWORD)
    page.goto(f"/inbox/{ids['a']}")
    page.select_option("form.assign-form select[name=person]", label="road")
    page.click("form.assign-form button[type=submit]")
    page.wait_for_load_state()
    assert "Assigned to road." in page.content()
    assert page.locator("form.assign-form select[name=person] option:checked").inner_text() \
        == "road"
    # bulk: the item page's person plus one more, chosen in the queue
    page.goto("/inbox")
    page.check(f"input[name=ids][value='{ids['b']}']")
    page.select_option("#bulk select[name=action]", "assign")
    page.select_option("#bulk select[name=person]", label="road")
    page.click("#bulk button[type=submit]")
    page.wait_for_load_state()
    assert "1 items changed." in page.content()
    assert page.locator(f"#item-{ids['b']} td.person").inner_text() == "road"
    shot(page, "assigned")
    page.click("button:has-text('Sign out')")
    sign_in(page, "road", PASSWORD)
    page.goto("/inbox")
    page.select_option("form[role=search] select[name=assignee]", "me")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state()
    shown = sorted(int(r.get_attribute("id").split("-")[1]) for r in page.locator("tr.item").all())
    assert shown == sorted([ids["a"], ids["b"]])
    page.select_option("form[role=search] select[name=assignee]", "none")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state()
    assert [r.get_attribute("id") for r in page.locator("tr.item").all()] == [f"item-{ids['c']}"]
    shot(page, "mine")
    assert page.js_errors == []
