"""Answers go back through each channel's API exactly once; hiding; manual answers; saved replies."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime, timedelta, timezone

import pytest

from outreach.errors import InboxError, UnknownOutcome
from outreach.inbox.answers import fill_saved, load_saved, send_answer
from outreach.inbox.harvest import harvest_all
from outreach.inbox.items import Inbox
from outreach.store import inbox as store
from outreach.store.inbox import ItemFilter

from fakes.graph import GraphFake
from fakes.wordpress import WordPressFake
from fakes.youtube import YouTubeFake
from test_inbox_support import REPO, opened

FB_TOKEN = "EAAfacebook-page-token-0001"
WP_PASSWORD = "abcd efgh ijkl mnop qrst uvwx"
ENV = {"FB_TOKEN": FB_TOKEN, "WP_PASS": WP_PASSWORD, "YT_CLIENT_ID": "client-1.apps",
       "YT_CLIENT_SECRET": "yt-client-secret", "YT_REFRESH": "1//refresh-token-yt"}
ANSWER = "안녕하세요, 도로과입니다. 내일 오전 중 현장을 확인하겠습니다."


def _facebook(stack, _now):
    fake = stack.enter_context(GraphFake(token=FB_TOKEN))
    cid = fake.add_comment(fake.add_post("가로등 정비 안내"), "우리 골목 가로등도 봐 주세요")
    toml = (f'[channels.facebook]\ntype = "facebook"\npage_id = "{fake.page_id}"\n'
            f'page_token_env = "FB_TOKEN"\napi_base = "{fake.url}"\ntimeout = 2.0\nretries = 0\n')

    def answers():
        return [c["message"] for c in fake.comments.values()
                if c["parent_id"] == cid and c["from"]["id"] == fake.page_id]

    def hidden():
        return fake.comments[cid]["is_hidden"]
    return fake, toml, answers, hidden


def _instagram(stack, _now):
    fake = stack.enter_context(GraphFake(token=FB_TOKEN))
    cid = fake.add_comment(fake.add_ig_media("겨울철 제설 안내"), "우리 동네 가로등 언제 고쳐요?",
                           instagram=True)
    toml = (f'[channels.insta]\ntype = "instagram"\nig_user_id = "{fake.ig_user_id}"\n'
            f'token_env = "FB_TOKEN"\napi_base = "{fake.url}"\n'
            f'public_base_url = "https://media.example/var"\ntimeout = 2.0\nretries = 0\n')

    def answers():
        return [c["message"] for c in fake.comments.values() if c["parent_id"] == cid]

    def hidden():
        return fake.comments[cid]["is_hidden"]
    return fake, toml, answers, hidden


def _wordpress(stack, now):
    fake = stack.enter_context(WordPressFake(password=WP_PASSWORD))
    pid = fake.add_post("더큰천안 소식")
    cid = fake.add_comment(pid, "가로등 하나가 꺼져 있어요", created=now - timedelta(minutes=5))
    toml = (f'[channels.blog]\ntype = "wordpress"\nsite_url = "{fake.url}"\n'
            f'username = "cityhall"\napp_password_env = "WP_PASS"\ntimeout = 2.0\nretries = 0\n')

    def answers():
        import html
        import re
        return [html.unescape(re.sub("<[^>]+>", "", c["content"]["rendered"])).strip()
                for c in fake.comments.values() if c["parent"] == cid]

    def hidden():
        return fake.comments[cid]["status"] == "hold"
    return fake, toml, answers, hidden


def _youtube(stack, now):
    fake = stack.enter_context(YouTubeFake())
    tid = fake.add_thread("vid001", "영상 잘 봤어요. 가로등 민원은 어디에 넣나요?",
                          when=now - timedelta(minutes=5))
    toml = (f'[channels.youtube]\ntype = "youtube"\nchannel_id = "{fake.channel_id}"\n'
            f'client_id_env = "YT_CLIENT_ID"\nclient_secret_env = "YT_CLIENT_SECRET"\n'
            f'refresh_token_env = "YT_REFRESH"\napi_base = "{fake.url}/"\n'
            f'token_uri = "{fake.url}/token"\ntimeout = 2\n')

    def answers():
        return [fake.comments[c]["textOriginal"] for c in fake.replies_of(tid)]

    def hidden():
        return fake.moderation.get(tid) == "rejected"
    return fake, toml, answers, hidden


PLATFORMS = {"facebook": _facebook, "instagram": _instagram, "wordpress": _wordpress,
             "youtube": _youtube}


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_reply_round_trip_once_and_hide(tmp_path, platform):
    now = datetime.now(timezone.utc)
    with ExitStack() as stack:
        fake, toml, answers, hidden = PLATFORMS[platform](stack, now)
        settings, db = opened(tmp_path, f"sqlite:///{tmp_path / 'o.db'}", toml, ENV)
        assert harvest_all(settings, db).new == 1
        inbox = Inbox(settings, db, actor="김주무관")
        item = inbox.list(ItemFilter())[0]
        assert item.categories == ["가로등"]
        outcome = send_answer(inbox, item.id, ANSWER)
        assert outcome.status == "sent" and outcome.remote_id and not outcome.already
        assert answers() == [ANSWER]
        again = send_answer(inbox, item.id, ANSWER)            # the command is retried
        assert again.already and again.answer_id == outcome.answer_id
        assert answers() == [ANSWER]
        shown = inbox.detail(item.id)
        assert shown["item"]["status"] == "answered" and shown["item"]["first_answered_at"]
        assert [a["status"] for a in shown["answers"]] == ["sent"]
        assert harvest_all(settings, db).new == 0             # our own answer is not a new item
        inbox.hide(item.id)
        assert hidden() and inbox.detail(item.id)["item"]["status"] == "hidden"
        db.dispose()


def test_unknown_outcome_is_recorded_and_not_sent_twice_blindly(tmp_path):
    now = datetime.now(timezone.utc)
    with ExitStack() as stack:
        fake, toml, answers, _ = _facebook(stack, now)
        settings, db = opened(tmp_path, f"sqlite:///{tmp_path / 'o.db'}", toml, ENV)
        harvest_all(settings, db)
        inbox = Inbox(settings, db)
        item = inbox.list(ItemFilter())[0]
        fake.fail("reset", method="POST", path=r"/comments$")
        with pytest.raises(UnknownOutcome):
            send_answer(inbox, item.id, ANSWER)
        assert [a["status"] for a in inbox.detail(item.id)["answers"]] == ["unknown"]
        with pytest.raises(InboxError, match="may already be on the platform.*--resend"):
            send_answer(inbox, item.id, ANSWER)
        assert answers() == []
        outcome = send_answer(inbox, item.id, ANSWER, resend=True)
        assert outcome.status == "sent" and answers() == [ANSWER]
        db.dispose()


def test_manual_answer_for_a_channel_without_answer_api(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url, '[channels.naver]\ntype = "naver_blog"\nblog_id = "city"\n')
    from test_inbox_support import ingestor, reply
    with db.begin() as conn:
        item = ingestor(settings).ingest(conn, [reply("n1", "주차장 요금이 궁금해요",
                                                      channel="naver")]).new[0]
    inbox = Inbox(settings, db, actor="이주무관")
    with pytest.raises(InboxError, match="--manual"):
        send_answer(inbox, item, "요금은 30분에 500원입니다.")
    done = send_answer(inbox, item, "요금은 30분에 500원입니다.", manual=True)
    assert done.status == "manual"
    assert send_answer(inbox, item, "요금은 30분에 500원입니다.", manual=True).already
    with db.read() as conn:
        row = store.get_item(conn, item)
    assert row.status == "answered" and row.first_answered_at is not None
    db.dispose()


def test_saved_reply_fills_placeholders(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    from test_inbox_support import ingestor, reply
    with db.begin() as conn:
        item = ingestor(settings).ingest(conn, [reply("s1", "불법주차 신고합니다")]).new[0]
    inbox = Inbox(settings, db, now=lambda: datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc))
    saved = load_saved(REPO / "inbox" / "replies.yaml")
    text = fill_saved(inbox, saved, "접수안내", item)
    ticket = Inbox(settings, db).view(Inbox(settings, db).row(item)).ticket
    assert ticket and ticket.startswith("20261120-") and str(item) != ticket[-6:]
    assert f"접수번호 {ticket}번으로 교통행정과에 전달" in text and "{" not in text
    with pytest.raises(InboxError, match="no saved reply '없는답변'.*접수안내"):
        fill_saved(inbox, saved, "없는답변", item)
    db.dispose()


def test_saved_reply_errors_name_the_line(tmp_path):
    from outreach.errors import ConfigError
    path = tmp_path / "replies.yaml"
    path.write_text("좋은답변: 감사합니다\n나쁜답변: '{이름}님 감사합니다'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"replies.yaml:2: 나쁜답변: unknown placeholder \{이름\}"):
        load_saved(path)


def test_kakao_chatbot_answer_goes_out_through_the_event_api(tmp_path, db_url):
    import json as _json

    from starlette.testclient import TestClient

    from fakes.kakao import KakaoFake
    from outreach.web.app import create_app

    with KakaoFake() as fake:
        toml = (f'[channels.kakao]\ntype = "kakao"\nbot_id = "{fake.bot_id}"\n'
                f'rest_api_key_env = "KAKAO_REST"\napi_base = "{fake.url}"\ntimeout = 2.0\n'
                f'retries = 0\n[server.kakao]\nsecret_env = "SKILL_KEY"\n')
        env = {"KAKAO_REST": fake.rest_key, "SKILL_KEY": "skill-key-123456"}
        settings, db = opened(tmp_path, db_url, toml, env)
        request = {"userRequest": {"utterance": "경로당 난방이 안 돼요. 어르신들이 추워하십니다",
                                   "user": {"id": "bk-7788", "type": "botUserKey",
                                            "properties": {}}},
                   "bot": {"id": fake.bot_id}}
        with TestClient(create_app(settings, db)) as client:
            answer = client.post("/webhooks/kakao/skill?key=skill-key-123456",
                                 content=_json.dumps(request, ensure_ascii=False).encode())
        assert "접수번호" in answer.text
        inbox = Inbox(settings, db, actor="복지정책과")
        item = inbox.list(ItemFilter())[0]
        assert item.channel == "kakao" and "복지" in item.categories
        outcome = send_answer(inbox, item.id, "내일 오전 중 담당자가 경로당을 방문하겠습니다.")
        assert outcome.status == "sent" and outcome.remote_id.startswith("task-")
        assert fake.events[0]["user"] == [{"type": "botUserKey", "id": "bk-7788"}]
        assert fake.events[0]["event"]["data"]["text"] == "내일 오전 중 담당자가 경로당을 방문하겠습니다."
        assert send_answer(inbox, item.id, "내일 오전 중 담당자가 경로당을 방문하겠습니다.").already
        assert len(fake.events) == 1
        db.dispose()
