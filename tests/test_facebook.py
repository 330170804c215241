"""Facebook Page channel against the fake Graph API."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from outreach.channels.facebook import FacebookChannel
from outreach.errors import AuthExpired, Rejected, Retryable
from outreach.model import Reply

from fakes import channel_context
from fakes.graph import GraphFake, graph_error
from fakes.posts import make_post

TOKEN = "EAAfacebook-page-token-0001"


@pytest.fixture
def graph():
    with GraphFake(token=TOKEN) as fake:
        yield fake


def make_channel(graph, tmp_path, **settings):
    cfg = {"page_id": graph.page_id, "page_token_env": "FB_TOKEN", "api_base": graph.url,
           "timeout": 1.0, "retries": 0, **settings}
    return FacebookChannel(channel_context("facebook", "facebook", cfg, {"FB_TOKEN": TOKEN},
                                           tmp_path / "var"))


def test_carousel_uploads_unpublished_photos_then_one_feed_post(graph, tmp_path):
    ch = make_channel(graph, tmp_path)
    post = make_post(tmp_path / "var", slides=3)
    receipt = ch.publish(post, "occ-1/facebook")
    uploads = graph.seen("POST", r"/photos$")
    assert len(uploads) == 3
    assert all(r.form()["published"] == "false" for r in uploads)
    assert isinstance(uploads[0].form()["source"], bytes)
    created = graph.posts[receipt.remote_id]
    assert created["attached_media"] == [r for r in graph.photos]
    assert "게시번호" in created["message"]
    assert all("access_token" not in r.query for r in graph.requests)  # token travels in a header


def test_single_photo_and_text_posts(graph, tmp_path):
    ch = make_channel(graph, tmp_path)
    one = ch.publish(make_post(tmp_path / "var", slides=1), "k-photo")
    assert graph.posts[one.remote_id]["photo"] in graph.photos
    text = ch.publish(make_post(tmp_path / "var", slides=0, name="t"), "k-text")
    assert graph.posts[text.remote_id]["link"] == "https://www.cheonan.go.kr/"


def test_find_after_crash_scans_recent_posts_over_pages(graph, tmp_path):
    ch = make_channel(graph, tmp_path)
    receipt = ch.publish(make_post(tmp_path / "var", slides=0), "occ-9/facebook")
    for i in range(60):  # newer posts push ours to the third page
        graph.add_post(f"다른 게시물 {i}", created=datetime.now(timezone.utc) + timedelta(minutes=i + 1))
    found = ch.find("occ-9/facebook")
    assert found is not None and found.remote_id == receipt.remote_id
    assert ch.find("never-posted") is None


def test_comments_since_cursor_through_batch_and_paging(graph, tmp_path):
    ch = make_channel(graph, tmp_path)
    old = datetime.now(timezone.utc) - timedelta(hours=5)
    posts = [graph.add_post(f"게시물 {i}") for i in range(3)]
    graph.add_comment(posts[0], "예전 댓글", created=old)
    first = graph.add_comment(posts[0], "주차장은 어디인가요?")
    graph.add_comment(first, "시청 뒤편에 있어요", author=("5550002", "이웃"))
    for i in range(120):
        graph.add_comment(posts[1], f"댓글 {i}")
    batch = ch.replies((old + timedelta(minutes=1)).isoformat())
    texts = [r.text for r in batch.items]
    assert "예전 댓글" not in texts
    assert "주차장은 어디인가요?" in texts and "댓글 119" in texts
    assert len(texts) == 122
    nested = next(r for r in batch.items if r.text == "시청 뒤편에 있어요")
    assert nested.parent_id == first and nested.post_remote_id == posts[0]
    # one posts request carrying every post's new comments, one more page for the busy post
    assert len(graph.seen("GET", r"/posts$")) == 1 and len(graph.seen("GET", r"/comments$")) == 1
    assert not graph.seen("POST", r"^/$")
    assert datetime.fromisoformat(batch.cursor) >= max(r.created_at for r in batch.items)


def test_a_hundred_quiet_posts_cost_at_most_three_requests(graph, tmp_path):
    ch = make_channel(graph, tmp_path)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    posts = [graph.add_post(f"게시물 {i}", created=now - timedelta(hours=i + 1)) for i in range(100)]
    graph.add_post("오래된 게시물", created=now - timedelta(days=40))
    graph.add_comment(posts[3], "지난주 댓글", created=now - timedelta(days=8))
    batch = ch.replies(None)                       # first harvest: the last 7 days
    assert batch.items == [] and len(graph.requests) <= 3
    before = len(graph.requests)
    assert ch.replies(batch.cursor).items == []    # nothing new since
    assert len(graph.requests) - before <= 3
    fields = graph.seen("GET", r"/posts$")[-1].query["fields"]
    assert "comments.filter(stream)" in fields and ".since(" in fields


def test_comments_of_the_cursors_second_are_not_read_again(graph, tmp_path):
    ch = make_channel(graph, tmp_path)
    second = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=5)
    pid = graph.add_post("게시물")
    graph.add_comment(pid, "첫 댓글", created=second)
    graph.add_comment(pid, "같은 초의 댓글", created=second)
    first = ch.replies((second - timedelta(minutes=1)).isoformat())
    assert sorted(r.text for r in first.items) == ["같은 초의 댓글", "첫 댓글"]
    assert datetime.fromisoformat(first.cursor) == second + timedelta(microseconds=1)
    assert ch.replies(first.cursor).items == []          # Graph's since is whole seconds, inclusive
    later = graph.add_comment(pid, "다음 초의 댓글", created=second + timedelta(seconds=1))
    assert [r.remote_id for r in ch.replies(first.cursor).items] == [later]


def test_a_second_still_filling_is_read_again_rather_than_lost(graph, tmp_path):
    ch = make_channel(graph, tmp_path)
    just_now = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=5)
    pid = graph.add_post("게시물")
    graph.add_comment(pid, "방금 쓴 댓글", created=just_now)
    batch = ch.replies((just_now - timedelta(minutes=1)).isoformat())
    assert datetime.fromisoformat(batch.cursor) == just_now
    late = graph.add_comment(pid, "같은 초에 늦게 보인 댓글", created=just_now)
    assert late in [r.remote_id for r in ch.replies(batch.cursor).items]


def test_reply_is_sent_once_and_hide(graph, tmp_path):
    ch = make_channel(graph, tmp_path)
    pid = graph.add_post("게시물")
    cid = graph.add_comment(pid, "문의드립니다")
    to = Reply(channel="facebook", remote_id=cid, text="문의드립니다", created_at=datetime.now(timezone.utc))
    first = ch.reply(to, "안내해 드리겠습니다.", "ans-1")
    again = ch.reply(to, "안내해 드리겠습니다.", "ans-1")
    assert first.remote_id == again.remote_id
    assert len(graph.seen("POST", rf"/{cid}/comments$")) == 1
    ch.hide(to)
    assert graph.comments[cid]["is_hidden"] is True


def test_error_codes_map_to_typed_failures(graph, tmp_path):
    ch = make_channel(graph, tmp_path)
    post = make_post(tmp_path / "var", slides=0)
    graph.fail("answer", method="POST", path="/feed$", status=403,
               body=graph_error(200, "(#200) Requires pages_manage_posts permission to manage the "
                                     "object").body)
    with pytest.raises(Rejected, match="pages_manage_posts"):
        ch.publish(post, "k1")
    graph.fail("answer", method="POST", path="/feed$", status=400,
               body=graph_error(32, "(#32) Page request limit reached").body,
               headers={"X-Business-Use-Case-Usage":
                        '{"1": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 7}]}'})
    with pytest.raises(Retryable) as err:
        ch.publish(post, "k2")
    assert err.value.retry_after == 7 * 60
    # the usage headers said "wait": the next call is refused locally, nothing sent
    sent = len(graph.requests)
    with pytest.raises(Retryable, match="pausing"):
        ch.publish(post, "k3")
    assert len(graph.requests) == sent


def test_expired_token_and_check(graph, tmp_path):
    ch = make_channel(graph, tmp_path)
    assert all(r.ok for r in ch.check())
    graph.scopes.remove("pages_manage_posts")
    bad = [r for r in ch.check() if not r.ok]
    assert bad and "pages_manage_posts" in bad[0].what
    graph.expired = True
    with pytest.raises(AuthExpired, match="FB_TOKEN"):
        ch.publish(make_post(tmp_path / "var", slides=0), "k")
    result = ch.check()
    assert [(r.ok, r.what, r.fix) for r in result] == [
        (False, "Facebook page token expired on 2026-11-20", "create a new one and set FB_TOKEN")]


def test_a_read_meta_finds_too_big_is_asked_again_in_smaller_pages(graph, tmp_path):
    ch = make_channel(graph, tmp_path)
    pid = graph.add_post("게시물")
    graph.add_comment(pid, "문의드립니다", created=datetime.now(timezone.utc) - timedelta(minutes=10))
    graph.fail("answer", method="GET", path=r"/posts$", status=500,
               body={"error": {"message": "Please reduce the amount of data you're asking for, then "
                                          "retry your request", "type": "OAuthException", "code": 1}})
    batch = ch.replies((datetime.now(timezone.utc) - timedelta(hours=1)).isoformat())
    assert [r.text for r in batch.items] == ["문의드립니다"]
    assert [r.query["limit"] for r in graph.seen("GET", r"/posts$")] == ["100", "25"]
