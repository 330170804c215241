"""The Kakao chatbot's survey flow with Open Builder-shaped skill requests: a theme by
quick reply, then free text -> a survey answer in the inbox; a closed survey says so."""

from __future__ import annotations

import json
from datetime import timedelta

from starlette.testclient import TestClient

from outreach.inbox.items import Inbox
from outreach.store import inbox as store
from outreach.store.inbox import ItemFilter
from outreach.web.app import create_app

from survey_support import AFTER, OPEN, STAFF, add_survey_files, saved_survey
from test_inbox_support import opened

SKILL_KEY = "kakao-skill-key-survey1"
TOML = """
[server.kakao]
secret_env = "KAKAO_SKILL_KEY"
[inbox.kakao]
links = [{label = "블로그", url = "https://blog.naver.com/city"}]
"""
BLOCK_TOML = TOML + '[surveys.kakao]\nblock_id = "5f1a0c2b9d3e4a0012345678"\n'


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def start(tmp_path, db_url, toml=TOML):
    settings, db = opened(tmp_path, db_url, toml, {"KAKAO_SKILL_KEY": SKILL_KEY})
    add_survey_files(settings.root)
    clock = Clock(OPEN)
    surveys = saved_survey(settings, db, clock)
    with db.begin() as conn:       # published (the ledger side is tested in test_survey_publish)
        from outreach.store import surveys as survey_store

        survey_store.set_state(conn, surveys.get("2026-q4-live").id, "published", ["draft"],
                               OPEN)
    client = TestClient(create_app(settings, db, now=clock))
    return settings, db, clock, surveys, client


def skill(utterance: str, user: str = "botuser-7a1", extra: dict | None = None,
          block: str = "폴백 블록") -> dict:
    """A skill payload as Open Builder sends it (userRequest, bot, action.clientExtra)."""
    return {"intent": {"id": "blk-1", "name": block},
            "userRequest": {"timezone": "Asia/Seoul", "utterance": utterance, "lang": "ko",
                            "block": {"id": "blk-1", "name": block}, "params": {},
                            "user": {"id": user, "type": "botUserKey",
                                     "properties": {"plusfriendUserKey": "pf-" + user}}},
            "bot": {"id": "bot-42", "name": "천안시 챗봇"},
            "action": {"id": "act-1", "name": "inbox", "params": {}, "detailParams": {},
                       "clientExtra": extra or {}}}


def say(client, payload) -> dict:
    answer = client.post("/webhooks/kakao/skill",
                         content=json.dumps(payload, ensure_ascii=False).encode(),
                         headers={"Content-Type": "application/json",
                                  "X-Outreach-Skill-Key": SKILL_KEY})
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["version"] == "2.0"
    return data["template"]


def texts(template) -> str:
    return "\n".join(o["simpleText"]["text"] for o in template["outputs"])


def items(db):
    with db.read() as conn:
        return store.list_items(conn, ItemFilter(statuses=(), include_deleted=True, limit=100))


def test_theme_by_quick_reply_then_text_becomes_a_survey_answer(tmp_path, db_url):
    settings, db, clock, surveys, client = start(tmp_path, db_url)
    survey = surveys.get("2026-q4-live")
    try:
        with client:
            first = say(client, skill("질문하기"))
            assert "2026년 4분기 소통 라이브" in texts(first) and "주제" in texts(first)
            assert first["quickReplies"] == [
                {"label": "교통·주차", "action": "message", "messageText": "교통·주차"},
                {"label": "복지·돌봄", "action": "message", "messageText": "복지·돌봄"},
                {"label": "자유 질문", "action": "message", "messageText": "자유 질문"}]
            chosen = say(client, skill("교통·주차"))
            assert "'교통·주차'에 대해" in texts(chosen) and chosen["quickReplies"] == []
            say(client, skill("안녕하세요"))         # a greeting is not the answer
            clock.now = OPEN + timedelta(minutes=3)
            done = say(client, skill("시내버스 배차 간격이 너무 길어요. 010-2345-6789로 연락 주세요"))
            assert "질문이 접수되었습니다" in texts(done)
            assert "12월 14일(월) 오후 6시" in texts(done)
            # the next message is an ordinary one again
            say(client, skill("아파트 앞 가로등이 꺼졌어요"))
        rows = {r.text: r for r in items(db)}
        answer = rows["시내버스 배차 간격이 너무 길어요. 010-2345-6789로 연락 주세요"]
        assert answer.kind == "survey" and answer.survey_id == survey.id
        assert answer.survey_question_id == survey.question("traffic").id
        assert answer.first_due_at is None and answer.status == "new"
        assert "botuser" not in (answer.author_key or "")
        assert rows["아파트 앞 가로등이 꺼졌어요"].kind == "complaint"
        assert rows["아파트 앞 가로등이 꺼졌어요"].survey_id is None
        # the taps are auto-answered, not answers
        assert rows["질문하기"].status == "resolved" and rows["질문하기"].survey_id is None
        assert rows["교통·주차"].status == "resolved" and rows["교통·주차"].kind == "greeting"
        # masked like everything else
        shown = json.dumps(Inbox(settings, db).detail(answer.id), ensure_ascii=False)
        assert "2345-6789" not in shown and "배차 간격" in shown
        counts = surveys.summary(survey.id)
        assert counts.total == 1 and counts.channels == {"kakao": 1}
    finally:
        db.dispose()


def test_block_quick_replies_carry_the_theme_in_extra(tmp_path, db_url):
    settings, db, clock, surveys, client = start(tmp_path, db_url, BLOCK_TOML)
    survey = surveys.get("2026-q4-live")
    try:
        with client:
            first = say(client, skill("소통 라이브", user="u-block"))
            welfare = first["quickReplies"][1]
            assert welfare == {"label": "복지·돌봄", "action": "block",
                               "blockId": "5f1a0c2b9d3e4a0012345678", "messageText": "복지·돌봄",
                               "extra": {"survey": "2026-q4-live", "theme": "welfare"}}
            # Open Builder calls the block with the quick reply's extra as clientExtra
            say(client, skill(welfare["messageText"], user="u-block", extra=welfare["extra"],
                              block="설문 주제"))
            say(client, skill("어르신 돌봄 서비스를 늘려 주세요", user="u-block"))
        (row,) = [r for r in items(db) if r.kind == "survey"]
        assert row.survey_id == survey.id
        assert row.survey_question_id == survey.question("welfare").id
    finally:
        db.dispose()


def test_closed_survey_refuses_new_answers(tmp_path, db_url):
    settings, db, clock, surveys, client = start(tmp_path, db_url)
    try:
        with client:
            say(client, skill("질문하기", user="late"))
            say(client, skill("자유 질문", user="late"))
            surveys.close("2026-q4-live", STAFF)              # staff close it early
            clock.now = OPEN + timedelta(minutes=5)
            late = say(client, skill("축제 예산이 궁금합니다", user="late"))
            assert "마감되었습니다" in texts(late)
            again = say(client, skill("질문하기", user="late"))
            assert "마감되었습니다" in texts(again) and "12월 2일(수) 오전 10시" in texts(again)
            tap = say(client, skill("교통·주차", user="other"))
            assert "마감되었습니다" in texts(tap)
            clock.now = AFTER
            assert "마감되었습니다" in texts(say(client, skill("질문하기", user="other")))
        rows = items(db)
        assert [r for r in rows if r.survey_id is not None] == []
        assert {r.kind for r in rows if r.text == "축제 예산이 궁금합니다"} != {"survey"}
    finally:
        db.dispose()


def test_a_theme_choice_expires(tmp_path, db_url):
    settings, db, clock, surveys, client = start(tmp_path, db_url)
    try:
        with client:
            say(client, skill("교통·주차", user="slow"))
            clock.now = OPEN + timedelta(minutes=31)               # answer_minutes = 30
            reply = say(client, skill("주차장 요금이 너무 비싸요", user="slow"))
            assert "질문이 접수되었습니다" not in texts(reply)
        (row,) = [r for r in items(db) if r.text == "주차장 요금이 너무 비싸요"]
        assert row.survey_id is None
    finally:
        db.dispose()


def test_no_open_survey_says_so(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url, TOML, {"KAKAO_SKILL_KEY": SKILL_KEY})
    try:
        with TestClient(create_app(settings, db, now=lambda: OPEN)) as client:
            assert "지금은 질문을 받고 있지 않습니다" in texts(say(client, skill("질문하기")))
    finally:
        db.dispose()


def test_facebook_webhook_comment_on_a_listed_post_is_an_answer(tmp_path, db_url):
    """The webhook path ingests like the harvest: a comment pushed by Meta under a post the
    survey lists (``posts:``) becomes its answer; one under another post does not."""
    import hashlib
    import hmac

    page = "1000000000001"
    toml = (TOML + f'[channels.facebook]\ntype = "facebook"\npage_id = "{page}"\n'
            'page_token_env = "FB_TOKEN"\n[server.facebook]\napp_secret_env = "FB_SECRET"\n')
    settings, db = opened(tmp_path, db_url, toml, {"KAKAO_SKILL_KEY": SKILL_KEY,
                                                    "FB_SECRET": "fb-secret-1",
                                                    "FB_TOKEN": "t"})
    add_survey_files(settings.root, extra=f'posts: {{facebook: ["{page}_777"]}}\n')
    surveys = saved_survey(settings, db)
    with db.begin() as conn:
        from outreach.store import surveys as survey_store

        survey_store.set_state(conn, surveys.get("2026-q4-live").id, "published", ["draft"],
                               OPEN)

    def hook(client, post_id, comment_id, message):
        value = {"item": "comment", "verb": "add", "comment_id": comment_id,
                 "post_id": post_id, "parent_id": post_id,
                 "from": {"id": "5550001", "name": "김시민"}, "message": message,
                 "created_time": int(OPEN.timestamp())}
        body = json.dumps({"object": "page", "entry": [{"id": page, "time": 1, "changes": [
            {"field": "feed", "value": value}]}]}, ensure_ascii=False).encode()
        sig = "sha256=" + hmac.new(b"fb-secret-1", body, hashlib.sha256).hexdigest()
        answer = client.post("/webhooks/facebook", content=body,
                             headers={"X-Hub-Signature-256": sig,
                                      "Content-Type": "application/json"})
        assert answer.status_code == 200

    try:
        with TestClient(create_app(settings, db, now=lambda: OPEN)) as client:
            hook(client, f"{page}_777", f"{page}_777_1", "청년 주거 지원을 늘려 주세요")
            hook(client, f"{page}_888", f"{page}_888_1", "가로등이 꺼졌어요")
        rows = {r.text: r for r in items(db)}
        assert rows["청년 주거 지원을 늘려 주세요"].survey_id == surveys.get("2026-q4-live").id
        assert rows["청년 주거 지원을 늘려 주세요"].kind == "survey"
        assert rows["가로등이 꺼졌어요"].survey_id is None
    finally:
        db.dispose()
