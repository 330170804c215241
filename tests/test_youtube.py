"""YouTube channel: google-api-python-client against the fake Data API and token endpoint."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from outreach.channels.youtube import YouTubeChannel
from outreach.errors import AuthExpired, Retryable, UnknownOutcome

from fakes import channel_context
from fakes.posts import make_post
from fakes.youtube import YouTubeFake

ENV = {"YT_CLIENT_ID": "client-1.apps", "YT_CLIENT_SECRET": "yt-client-secret",
       "YT_REFRESH": "1//refresh-token-yt"}


@pytest.fixture
def yt():
    with YouTubeFake() as fake:
        yield fake


def make_channel(yt, tmp_path, **settings):
    cfg = {"channel_id": yt.channel_id, "client_id_env": "YT_CLIENT_ID",
           "client_secret_env": "YT_CLIENT_SECRET", "refresh_token_env": "YT_REFRESH",
           "api_base": yt.url + "/", "token_uri": yt.url + "/token", "timeout": 2, **settings}
    return YouTubeChannel(channel_context("youtube", "youtube", cfg, ENV, tmp_path / "var"))


def quota_used(tmp_path) -> int:
    return json.loads((tmp_path / "var/quota/youtube.json").read_text())["used"]


def test_publish_is_a_handoff_for_community_posts(yt, tmp_path):
    ch = make_channel(yt, tmp_path)
    receipt = ch.publish(make_post(tmp_path / "var", slides=1), "occ-7-yt")
    assert receipt.handoff and (tmp_path / "var/handoff/youtube/occ-7-yt/handoff.json").is_file()
    assert yt.requests == []


def test_harvest_reads_threads_and_long_reply_chains_counting_units(yt, tmp_path):
    ch = make_channel(yt, tmp_path)
    old = datetime.now(timezone.utc) - timedelta(days=3)
    yt.add_thread("vid1", "지난 댓글", when=old)
    for i in range(150):
        yt.add_thread("vid1", f"댓글 {i}")
    busy = yt.add_thread("vid2", "셔틀버스 있나요?")
    for i in range(8):
        yt.add_reply(busy, f"답글 {i}")
    batch = ch.replies((old + timedelta(hours=1)).isoformat())
    texts = [r.text for r in batch.items]
    assert "지난 댓글" not in texts and len(texts) == 150 + 1 + 8
    reply = next(r for r in batch.items if r.text == "답글 0")
    assert reply.parent_id == busy and reply.thread_id == busy and reply.post_remote_id == "vid2"
    # two commentThreads pages + one comments.list for the 8-reply thread
    assert len(yt.seen("GET", "/commentThreads$")) == 2 and len(yt.seen("GET", "/comments$")) == 1
    assert quota_used(tmp_path) == 3
    assert batch.notes == ()


def test_harvest_stops_before_the_daily_budget(yt, tmp_path):
    ch = make_channel(yt, tmp_path, daily_quota=1003, reserve_units=1000)
    for i in range(350):
        yt.add_thread("vid1", f"댓글 {i}")
    cursor = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    batch = ch.replies(cursor)
    assert len(yt.seen("GET", "/commentThreads$")) == 3
    assert batch.notes and "stopped early" in batch.notes[0]
    assert quota_used(tmp_path) == 3 and len(batch.items) == 300
    assert batch.cursor == cursor   # unread older comments are read next time
    with pytest.raises(Retryable, match="quota"):   # an answer (50 units) would pass a 40-unit day
        make_channel(yt, tmp_path, daily_quota=40).hide(batch.items[0])
    assert yt.moderation == {}


def test_reply_and_moderation(yt, tmp_path):
    ch = make_channel(yt, tmp_path)
    tid = yt.add_thread("vid1", "주차 가능한가요?")
    rid = yt.add_reply(tid, "저도 궁금")
    batch = ch.replies(None)
    sub = next(r for r in batch.items if r.remote_id == rid)
    made = ch.reply(sub, "네, 무료 주차장이 있습니다.", "a1")
    assert yt.comments[made.remote_id]["parentId"] == tid
    ch.hide(sub)
    assert yt.moderation[rid] == "rejected"
    assert quota_used(tmp_path) == 1 + 50 + 50


def test_revoked_refresh_token_is_auth_expired(yt, tmp_path):
    yt.revoked = True
    ch = make_channel(yt, tmp_path)
    with pytest.raises(AuthExpired, match="YT_REFRESH") as err:
        ch.replies(None)
    assert "1//refresh-token-yt" not in str(err.value)
    assert not ch.check()[0].ok


def test_quota_exceeded_and_lost_insert(yt, tmp_path):
    ch = make_channel(yt, tmp_path)
    tid = yt.add_thread("vid1", "질문")
    to = ch.replies(None).items[0]
    yt.fail("answer", method="POST", path="/comments$", status=503,
            body={"error": {"code": 503, "message": "backend error", "errors": [{"reason": "backendError"}]}})
    with pytest.raises(UnknownOutcome):
        ch.reply(to, "답변", "a1")
    yt.quota_exceeded = True
    with pytest.raises(Retryable) as err:
        ch.replies(None)
    assert err.value.retry_after and err.value.retry_after > 0
    assert tid


def test_check(yt, tmp_path):
    results = make_channel(yt, tmp_path).check()
    assert all(r.ok for r in results)
    wrong = make_channel(yt, tmp_path, channel_id="UCsomeoneelse").check()
    assert not wrong[0].ok and "not the authorized account" in wrong[0].what


def test_comments_written_as_the_citys_channel_are_marked_own(yt, tmp_path):
    ch = make_channel(yt, tmp_path)
    tid = yt.add_thread("vid1", "주차 가능한가요?")
    typed = yt.add_reply(tid, "네, 시청 뒤 주차장을 이용하세요.", author="천안시", own=True)   # staff on youtube.com
    notice = yt.add_thread("vid2", "일정이 바뀌었습니다. 고정 댓글 확인해 주세요.", author="천안시", own=True)
    other = yt.add_reply(tid, "저도 궁금했어요", author="천안시민")
    assert yt.comments[typed]["authorChannelId"] == {"value": yt.channel_id}
    batch = ch.replies(None)
    assert {r.remote_id: r.ref.get("own") for r in batch.items} == \
        {tid: False, typed: True, notice: True, other: False}
    made = ch.reply(next(r for r in batch.items if r.remote_id == tid), "답변드립니다.", "a1")
    again = {r.remote_id: r for r in ch.replies(None).items}
    assert again[made.remote_id].ref["own"] and again[made.remote_id].author_id == yt.channel_id
