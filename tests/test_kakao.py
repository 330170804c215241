"""Kakao channel: hand-off posts, Solapi brand messages, chatbot Event API answers."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from outreach.channels.kakao import KakaoChannel, send_event
from outreach.channels.kakao_dealers.solapi import authorization
from outreach.errors import AuthExpired, ConfigError, Rejected, Retryable, UnknownOutcome
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
    assert len(kakao.seen("POST", r"/groups/[^/]+/send$")) == 1
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


# -- brand messages: one message group per delivery key, never sent twice -------------
def brand_channel(kakao, tmp_path, numbers=("010-1234-5678", "01098765432"), **settings):
    (tmp_path / "recipients.txt").write_text("\n".join(numbers) + "\n", encoding="utf-8")
    return make_channel(kakao, tmp_path, publish="brand_message",
                        recipients_file=str(tmp_path / "recipients.txt"), **settings)


def test_brand_message_goes_out_as_one_tagged_group(kakao, tmp_path):
    ch = brand_channel(kakao, tmp_path)
    receipt = ch.publish(make_post(tmp_path / "var", slides=0), "occ-9-bm")
    [group] = kakao.groups.values()
    assert group["customFields"] == {"outreachKey": "occ-9-bm"} and group["status"] == "SENDING"
    assert receipt.remote_id == group["groupId"] and receipt.extra["accepted"] == 2
    assert receipt.extra["status"] == "SENDING" and not receipt.extra.get("existing")
    assert len(kakao.seen("POST", r"/groups/[^/]+/send$")) == 1 and not kakao.seen("POST", "send-many")
    assert [m["to"] for m in kakao.solapi_messages] == ["01012345678", "01098765432"]


def test_lost_send_answer_is_found_and_never_sent_again(kakao, tmp_path):
    ch = brand_channel(kakao, tmp_path, timeout=2.0)
    post = make_post(tmp_path / "var", slides=0)
    kakao.fail("lose", method="POST", path=r"/groups/[^/]+/send$")
    with pytest.raises(UnknownOutcome):
        ch.publish(post, "occ-9-bm")
    assert len(kakao.solapi_messages) == 2           # it went out, the answer was lost
    found = ch.find("occ-9-bm")
    assert found is not None and found.remote_id in kakao.groups and found.extra["existing"]
    again = ch.publish(post, "occ-9-bm")             # the ledger's retry after 'unknown'
    assert again.remote_id == found.remote_id and again.extra["existing"]
    assert len(kakao.solapi_messages) == 2 and len(kakao.groups) == 1
    assert ch.find("occ-never") is None


def test_a_crash_before_the_send_finishes_the_same_group(kakao, tmp_path):
    ch = brand_channel(kakao, tmp_path, timeout=2.0)
    post = make_post(tmp_path / "var", slides=0)
    kakao.fail("lose", method="PUT", path=r"/messages$")   # messages added, answer lost
    with pytest.raises(Retryable, match="nothing was sent yet"):
        ch.publish(post, "occ-9-bm")
    assert ch.find("occ-9-bm") is None                      # pending: nothing went out
    receipt = ch.publish(post, "occ-9-bm")
    assert len(kakao.groups) == 1 and receipt.remote_id in kakao.groups
    assert len(kakao.seen("PUT", r"/messages$")) == 1       # not added a second time
    assert len(kakao.solapi_messages) == 2


def test_the_group_is_found_on_solapi_when_the_local_record_is_gone(kakao, tmp_path):
    import shutil

    ch = brand_channel(kakao, tmp_path, timeout=2.0)
    kakao.fail("lose", method="POST", path=r"/groups/[^/]+/send$")
    with pytest.raises(UnknownOutcome):
        ch.publish(make_post(tmp_path / "var", slides=0), "occ-9-bm")
    shutil.rmtree(tmp_path / "var" / "solapi")
    kakao._new_group({"outreachKey": "someone-else"})
    found = brand_channel(kakao, tmp_path).find("occ-9-bm")
    assert found is not None and kakao.groups[found.remote_id]["customFields"]["outreachKey"] == "occ-9-bm"
    assert kakao.seen("GET", r"/messages/v4/groups$")[-1].query["dateType"] == "CREATED"


def test_an_error_body_after_the_messages_went_out_is_not_a_failure(kakao, tmp_path):
    ch = brand_channel(kakao, tmp_path)
    kakao.error_after_send = {"errorCode": "InternalError", "errorMessage": "로그 저장 실패"}
    receipt = ch.publish(make_post(tmp_path / "var", slides=0), "occ-9-bm")
    assert receipt.extra["status"] == "SENDING" and "InternalError" in receipt.extra["note"]
    assert len(kakao.solapi_messages) == 2


def test_an_error_body_before_anything_went_out_is_a_refusal(kakao, tmp_path):
    ch = brand_channel(kakao, tmp_path)
    kakao.fail("answer", method="POST", path=r"/groups/[^/]+/send$", status=200,
               body={"errorCode": "ValidationError", "errorMessage": "잘못된 요청"})
    with pytest.raises(Rejected, match="nothing was sent"):
        ch.publish(make_post(tmp_path / "var", slides=0), "occ-9-bm")
    assert kakao.solapi_messages == []


def test_not_enough_balance_then_charged_sends_the_same_group_once(kakao, tmp_path):
    ch = brand_channel(kakao, tmp_path)
    post = make_post(tmp_path / "var", slides=0)
    kakao.balance = 10
    with pytest.raises(Rejected, match="NotEnoughBalance.*Charge the Solapi balance"):
        ch.publish(post, "occ-9-bm")
    kakao.balance = 50_000
    ch.publish(post, "occ-9-bm")
    assert len(kakao.groups) == 1 and len(kakao.solapi_messages) == 2


def test_refused_numbers_are_reported_by_number(kakao, tmp_path):
    ch = brand_channel(kakao, tmp_path)
    kakao.refused_numbers = {"01012345678", "01098765432"}
    with pytest.raises(Rejected, match=r"010\*\*\*\*5678: 1060 차단된 수신번호"):
        ch.publish(make_post(tmp_path / "var", slides=0), "occ-9-bm")
    assert kakao.solapi_messages == []
    kakao.refused_numbers = {"01012345678"}
    receipt = ch.publish(make_post(tmp_path / "var", slides=0), "occ-9-other")
    assert receipt.extra["accepted"] == 1 and receipt.extra["failed"] == 1


@pytest.mark.parametrize("env, skew, error, words", [
    ({**ENV, "SOLAPI_KEY": "NOSUCHKEY0000000"}, 0, AuthExpired, "InvalidAPIKey.*SOLAPI_KEY"),
    ({**ENV, "SOLAPI_SECRET": "wrong-secret-000"}, 0, AuthExpired, "SignatureDoesNotMatch"),
    (ENV, 20, Rejected, "RequestTimeTooSkewed.*clock"),
])
def test_documented_solapi_error_codes(kakao, tmp_path, env, skew, error, words):
    from datetime import timedelta

    kakao.clock_skew = timedelta(minutes=skew)
    (tmp_path / "r.txt").write_text("01012345678\n", encoding="utf-8")
    ch = make_channel(kakao, tmp_path, env=env, publish="brand_message",
                      recipients_file=str(tmp_path / "r.txt"))
    with pytest.raises(error, match=words):
        ch.publish(make_post(tmp_path / "var", slides=0), "k")
    assert kakao.solapi_messages == []


def test_fake_answers_send_many_and_its_detail_in_their_documented_shapes(kakao):
    import requests

    def post(path):
        auth = authorization(kakao.solapi_key, kakao.solapi_secret)
        return requests.post(kakao.url + path, headers={"Authorization": auth}, timeout=5,
                             json={"messages": [{"to": "01012345678", "from": "0415212114", "text": "t",
                                                 "kakaoOptions": {"pfId": "KA01PF"}}]}).json()
    plain, detail = post("/messages/v4/send-many"), post("/messages/v4/send-many/detail")
    assert plain["groupId"].startswith("G4V") and plain["count"]["total"] == 1 and "groupInfo" not in plain
    assert detail["groupInfo"]["groupId"].startswith("G4V") and detail["failedMessageList"] == []


# -- chatbot answers: failures in words, the user named --------------------------------
def test_delivery_failure_names_the_user_and_never_shows_a_raw_entry(kakao, tmp_path):
    ch = make_channel(kakao, tmp_path)
    kakao.undeliverable.add("bu-777")
    kakao.fail_entry = lambda user: {"user": user, "code": 4010}
    to = Reply(channel="kakao", remote_id="m3", text="?", created_at=datetime.now(timezone.utc),
               author_id="bu-777")
    with pytest.raises(Rejected) as err:
        ch.reply(to, "안내", "a3")
    assert "user bu-777: error code 4010" in str(err.value) and "{" not in str(err.value)
    kakao.fail_entry = lambda user: {"detail": {"nested": True}}
    with pytest.raises(Rejected) as err:
        ch.reply(to, "안내", "a4")
    assert "user bu-777: no reason given" in str(err.value) and "{" not in str(err.value)


def test_event_api_refusal_names_the_users_in_words(kakao, tmp_path):
    ch = make_channel(kakao, tmp_path)
    kakao.fail("answer", method="POST", path="/talk$", status=400,
               body={"code": -400, "msg": {"reason": "event block not found"}})
    to = Reply(channel="kakao", remote_id="m4", text="?", created_at=datetime.now(timezone.utc),
               author_id="bu-5")
    with pytest.raises(Rejected) as err:
        ch.reply(to, "안내", "a5")
    assert "for user bu-5: " in str(err.value) and "event block not found" in str(err.value)
    assert "{" not in str(err.value)
