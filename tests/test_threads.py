"""The Threads channel against its local fake (tests/fakes/threads.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from outreach.errors import Rejected, Retryable, UnknownOutcome
from outreach.model import Reply

from fakes import channel_context
from fakes.posts import make_post
from fakes.threads import ThreadsFake

TOKEN = "THQWthreads-token"


def build(fake, tmp_path, **kw):
    from outreach.channels.threads import ThreadsChannel
    cfg = {"threads_user_id": fake.user_id, "token_env": "TH_TOKEN", "api_base": fake.url,
           "public_base_url": "https://media.example.kr/outreach", "poll_interval": 0,
           "timeout": 2.0, "retries": 0, **kw}
    return ThreadsChannel(channel_context("threads", "threads", cfg, {"TH_TOKEN": TOKEN},
                                          tmp_path / "var"))


@pytest.fixture
def fake():
    with ThreadsFake(token=TOKEN) as f:
        yield f


def test_carousel_goes_out_as_items_then_one_carousel_then_publish(fake, tmp_path):
    ch = build(fake, tmp_path)
    receipt = ch.publish(make_post(tmp_path / "var", slides=3), "occ-1-th")
    post = fake.posts[receipt.remote_id]
    assert len(post["children"]) == 3 and "게시번호" in post["text"]
    items = [c["params"] for c in fake.containers.values() if c["params"].get("is_carousel_item")]
    assert [i["image_url"] for i in items] == [
        f"https://media.example.kr/outreach/drafts/weekend/card-{n:02d}.png" for n in (1, 2, 3)]
    assert fake.seen("GET", r"/threads_publishing_limit$")          # quota read before publishing
    assert len(fake.seen("POST", r"/threads_publish$")) == 1
    assert receipt.url.startswith("https://www.threads.net/")


def test_text_only_and_one_image(fake, tmp_path):
    ch = build(fake, tmp_path)
    text_post = ch.publish(make_post(tmp_path / "var", slides=0, name="t"), "k-text")
    image_post = ch.publish(make_post(tmp_path / "var", slides=1, name="i"), "k-img")
    kinds = [c["params"]["media_type"] for c in fake.containers.values()]
    assert kinds == ["TEXT", "IMAGE"]
    assert fake.posts[image_post.remote_id]["image_url"].endswith("/drafts/i/card-01.png")
    assert text_post.remote_id in fake.posts


def test_text_over_500_characters_is_refused_before_any_call(fake, tmp_path):
    ch = build(fake, tmp_path)
    post = make_post(tmp_path / "var", slides=0)
    post = type(post)(**{**vars(post), "texts": {**post.texts, "threads": "가" * 490}})
    with pytest.raises(Rejected, match="at most 500"):
        ch.publish(post, "k-long")
    assert fake.requests == []


def test_quota_used_up_is_retryable_and_nothing_is_created(fake, tmp_path):
    fake.quota_usage = 250
    with pytest.raises(Retryable, match="250 of 250"):
        build(fake, tmp_path).publish(make_post(tmp_path / "var", slides=1), "k-q")
    assert fake.containers == {}


def test_without_public_base_url_images_are_refused(fake, tmp_path):
    ch = build(fake, tmp_path, public_base_url="")
    with pytest.raises(Rejected, match="public_base_url"):
        ch.publish(make_post(tmp_path / "var", slides=1), "k")
    results = ch.check()
    assert not all(r.ok for r in results) and any("public_base_url" in r.what for r in results)


def test_container_error_is_rejected_with_the_reason(fake, tmp_path):
    fake.container_error = "FAILED_DOWNLOADING_IMAGE"
    with pytest.raises(Rejected, match="FAILED_DOWNLOADING_IMAGE"):
        build(fake, tmp_path).publish(make_post(tmp_path / "var", slides=1), "k")
    assert fake.posts == {}


def test_replies_read_at_every_depth_with_own_marked(fake, tmp_path):
    pid = fake.add_post("소식")
    q = fake.add_reply(pid, "주차는 어디에 하나요?")
    fake.add_reply(q, "답변입니다", own=True)
    fake.add_reply(q, "저도 궁금해요", username="citizen_lee")
    batch = build(fake, tmp_path).replies(None)
    by_text = {r.text: r for r in batch.items}
    assert set(by_text) == {"주차는 어디에 하나요?", "답변입니다", "저도 궁금해요"}
    assert by_text["답변입니다"].ref["own"] and not by_text["저도 궁금해요"].ref["own"]
    assert by_text["저도 궁금해요"].parent_id == q and by_text["주차는 어디에 하나요?"].parent_id is None
    assert all(r.post_remote_id == pid for r in batch.items)
    again = build(fake, tmp_path).replies(batch.cursor)
    assert again.items == []


def test_answer_goes_out_once_even_when_its_response_is_lost(fake, tmp_path):
    pid = fake.add_post("소식")
    q = fake.add_reply(pid, "문의")
    ch = build(fake, tmp_path)
    to = Reply(channel="threads", remote_id=q, text="문의", created_at=datetime.now(timezone.utc))
    fake.fail("lose", method="POST", path=r"/threads_publish$")
    with pytest.raises(UnknownOutcome):
        ch.reply(to, "안내드립니다.", "a1")
    again = ch.reply(to, "안내드립니다.", "a1")
    ours = [r for r in fake.replies.values() if r["parent"] == q and r["own"]]
    assert len(ours) == 1 and again.remote_id == ours[0]["id"] and again.extra["existing"]
    assert fake.containers[next(iter(fake.containers))]["params"]["reply_to_id"] == q


def test_hide_reply(fake, tmp_path):
    q = fake.add_reply(fake.add_post("소식"), "광고입니다")
    build(fake, tmp_path).hide(Reply(channel="threads", remote_id=q, text="",
                                     created_at=datetime.now(timezone.utc)))
    assert fake.replies[q]["hide_status"] == "HIDDEN"


def test_check_reports_token_and_quota(fake, tmp_path):
    fake.quota_usage = 7
    results = build(fake, tmp_path).check()
    assert all(r.ok for r in results) and any("7 of 250" in r.what for r in results)
    fake.expired = True
    results = build(fake, tmp_path).check()
    assert not results[0].ok and "TH_TOKEN" in results[0].fix
