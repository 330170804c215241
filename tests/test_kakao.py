"""Kakao channel: hand-off posts, Solapi brand messages, chatbot Event API answers."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from outreach.channels.kakao import KakaoChannel, send_event
from outreach.channels.kakao_dealers.solapi import authorization
from outreach.errors import AuthExpired, ConfigError, Rejected
from outreach.model import Reply

from fakes import channel_context
from fakes.kakao import KakaoFake
from fakes.posts import make_post

ENV = {"KAKAO_REST": "kakao-rest-key-0001", "SOLAPI_KEY": "NCSAYU7YDBXYORXC",
       "SOLAPI_SECRET": "solapi-secret-0001"}


@pytest.fixture
def kakao():
    with KakaoFake() as fake:
        yield fake


def make_channel(kakao, tmp_path, env=ENV, **settings):
    cfg = {"bot_id": kakao.bot_id, "rest_api_key_env": "KAKAO_REST", "api_base": kakao.url,
           "dealer_api_base": kakao.url, "solapi_api_key_env": "SOLAPI_KEY",
           "solapi_api_secret_env": "SOLAPI_SECRET", "pf_id": "KA01PF2026", "sender": "0415212114",
           "timeout": 1.0, "retries": 0, **settings}
    return KakaoChannel(channel_context("kakao", "kakao", cfg, env, tmp_path / "var"))


def test_signature_matches_the_documented_recipe():
    header = authorization("KEY", "SECRET", date="2019-07-01T00:41:48Z", salt="jqsba2jxjnrjor")
    import hashlib
    import hmac
    sig = hmac.new(b"SECRET", b"2019-07-01T00:41:48Zjqsba2jxjnrjor", hashlib.sha256).hexdigest()
    assert header == f"HMAC-SHA256 apiKey=KEY, date=2019-07-01T00:41:48Z, salt=jqsba2jxjnrjor, signature={sig}"


def test_channel_posts_are_a_handoff(kakao, tmp_path):
    ch = make_channel(kakao, tmp_path)
    receipt = ch.publish(make_post(tmp_path / "var", slides=2), "occ-8-kakao")
    assert receipt.handoff and ch.find("occ-8-kakao") is not None
    assert kakao.requests == []


def test_brand_message_through_solapi(kakao, tmp_path):
    (tmp_path / "recipients.txt").write_text("# 수신 동의자\n010-1234-5678\n01098765432\n010-1234-5678\n",
                                              encoding="utf-8")
    ch = make_channel(kakao, tmp_path, publish="brand_message",
                      recipients_file=str(tmp_path / "recipients.txt"))
    receipt = ch.publish(make_post(tmp_path / "var", slides=0), "occ-8-bm")
    assert receipt.remote_id.startswith("G4V") and receipt.extra["accepted"] == 2
    assert [m["to"] for m in kakao.solapi_messages] == ["01012345678", "01098765432"]
    msg = kakao.solapi_messages[0]
    assert msg["text"] == "[천안시] 이번 주말 행사 안내" and msg["kakaoOptions"]["pfId"] == "KA01PF2026"
    assert msg["kakaoOptions"]["bms"]["buttons"][0]["linkMobile"] == "https://www.cheonan.go.kr/"
    assert len(kakao.seen("POST", "send-many")) == 1
    assert any(r.ok and "balance" in r.what for r in ch.check())


def test_bad_recipient_line_names_file_and_line(kakao, tmp_path):
    (tmp_path / "r.txt").write_text("010-1234-5678\n공일공\n", encoding="utf-8")
    ch = make_channel(kakao, tmp_path, publish="brand_message", recipients_file=str(tmp_path / "r.txt"))
    with pytest.raises(ConfigError, match=r"r\.txt:2: .*not a phone number"):
        ch.publish(make_post(tmp_path / "var", slides=0), "k")
    assert kakao.requests == []


def test_wrong_solapi_secret_is_auth_expired(kakao, tmp_path):
    (tmp_path / "r.txt").write_text("01012345678\n", encoding="utf-8")
    ch = make_channel(kakao, tmp_path, env={**ENV, "SOLAPI_SECRET": "wrong-secret-000"},
                      publish="brand_message", recipients_file=str(tmp_path / "r.txt"))
    with pytest.raises(AuthExpired, match="SOLAPI_KEY"):
        ch.publish(make_post(tmp_path / "var", slides=0), "k")


def test_chatbot_answer_through_event_api(kakao, tmp_path):
    ch = make_channel(kakao, tmp_path)
    to = Reply(channel="kakao", remote_id="m1", text="쓰레기 배출 요일이 궁금해요",
               created_at=datetime.now(timezone.utc), ref={"bot_user_key": "bu-123"})
    receipt = ch.reply(to, "매주 화·목·토요일 저녁에 배출해 주세요.", "a1")
    assert receipt.remote_id in kakao.tasks and receipt.extra["status"] == "ALL_COMPLETED"
    event = kakao.events[0]
    assert event["user"] == [{"type": "botUserKey", "id": "bu-123"}]
    assert event["event"] == {"name": "answer", "data": {"text": "매주 화·목·토요일 저녁에 배출해 주세요."}}
    kakao.undeliverable.add("bu-999")
    blocked = Reply(channel="kakao", remote_id="m2", text="?", created_at=to.created_at, author_id="bu-999")
    with pytest.raises(Rejected, match="blocked the channel"):
        ch.reply(blocked, "안내", "a2")


def test_send_event_batches_by_100(kakao, tmp_path):
    ch = make_channel(kakao, tmp_path)
    results = send_event(ch, [f"user-{i}" for i in range(250)], "공지")
    assert [len(r.users) for r in results] == [100, 100, 50]
    assert [len(e["user"]) for e in kakao.events] == [100, 100, 50]


def test_replies_is_empty_with_a_note(kakao, tmp_path):
    batch = make_channel(kakao, tmp_path).replies("c")
    assert batch.items == [] and batch.cursor == "c" and "webhook" in batch.notes[0]
