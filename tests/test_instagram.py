"""Instagram channel against the fake Graph API."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from outreach.channels.instagram import InstagramChannel
from outreach.errors import Rejected, Retryable

from fakes import channel_context
from fakes.graph import GraphFake
from fakes.posts import make_post

TOKEN = "EAAinstagram-token-0002"


@pytest.fixture
def graph():
    with GraphFake(token=TOKEN) as fake:
        fake.container_polls_until_finished = 2
        yield fake


def make_channel(graph, tmp_path, **settings):
    cfg = {"ig_user_id": graph.ig_user_id, "token_env": "IG_TOKEN", "api_base": graph.url,
           "public_base_url": "https://media.cheonan.example/var", "poll_interval": 0,
           "timeout": 1.0, "retries": 0, **settings}
    return InstagramChannel(channel_context("instagram", "instagram", cfg, {"IG_TOKEN": TOKEN},
                                            tmp_path / "var"))


def test_carousel_children_then_carousel_then_publish(graph, tmp_path):
    ch = make_channel(graph, tmp_path)
    receipt = ch.publish(make_post(tmp_path / "var", slides=3), "occ-1-ig")
    kinds = [c["kind"] for c in graph.containers.values()]
    assert kinds == ["IMAGE", "IMAGE", "IMAGE", "CAROUSEL"]
    child = next(iter(graph.containers.values()))
    assert child["carousel_item"] and child["image_url"] == \
        "https://media.cheonan.example/var/drafts/weekend/card-01.png"
    assert graph.ig_media[receipt.remote_id]["media_type"] == "CAROUSEL_ALBUM"
    assert receipt.url and receipt.url.startswith("https://www.instagram.com/p/")
    # it waited for FINISHED before publishing
    assert all(c["status_code"] == "FINISHED" for c in graph.containers.values())
    assert ch.find("occ-1-ig").remote_id == receipt.remote_id
    assert ch.find("other") is None


def test_single_image(graph, tmp_path):
    ch = make_channel(graph, tmp_path)
    receipt = ch.publish(make_post(tmp_path / "var", slides=1), "k1")
    assert graph.ig_media[receipt.remote_id]["media_type"] == "IMAGE"


def test_missing_public_base_url_says_why(graph, tmp_path):
    ch = make_channel(graph, tmp_path, public_base_url="")
    with pytest.raises(Rejected, match="public_base_url is not set.*fetches images"):
        ch.publish(make_post(tmp_path / "var", slides=2), "k1")
    assert graph.requests == []
    assert any(not r.ok and "public_base_url" in r.what for r in ch.check())


def test_quota_used_up_is_retryable_and_nothing_is_created(graph, tmp_path):
    graph.quota_usage = 50
    ch = make_channel(graph, tmp_path)
    with pytest.raises(Retryable, match="50 of 50") as err:
        ch.publish(make_post(tmp_path / "var", slides=2), "k1")
    assert err.value.retry_after and err.value.retry_after > 0
    assert graph.containers == {}


def test_container_error_is_rejected(graph, tmp_path):
    ch = make_channel(graph, tmp_path)
    graph.fail("answer", method="GET", path=r"/1800\d+$", status=200,
               body={"id": "x", "status_code": "ERROR", "status": "Error: image could not be fetched"})
    with pytest.raises(Rejected, match="ERROR"):
        ch.publish(make_post(tmp_path / "var", slides=1), "k1")
    assert graph.ig_media == {}


def test_comments_replies_and_hide(graph, tmp_path):
    ch = make_channel(graph, tmp_path)
    mid = graph.add_ig_media("사진")
    old = graph.add_comment(mid, "예전 댓글", created=datetime.now(timezone.utc) - timedelta(days=2),
                            instagram=True)
    cid = graph.add_comment(mid, "몇 시에 시작하나요?", instagram=True)
    graph.add_comment(cid, "저도 궁금해요", instagram=True, author=("u2", "neighbor"))
    batch = ch.replies((datetime.now(timezone.utc) - timedelta(hours=1)).isoformat())
    texts = {r.text: r for r in batch.items}
    assert set(texts) == {"몇 시에 시작하나요?", "저도 궁금해요"}
    assert texts["저도 궁금해요"].parent_id == cid
    answer = ch.reply(texts["저도 궁금해요"], "오전 10시에 시작합니다.", "a1")
    assert graph.comments[answer.remote_id]["parent_id"] == cid   # top-level comment answered
    ch.hide(texts["몇 시에 시작하나요?"])
    assert graph.comments[cid]["is_hidden"] and not graph.comments[old]["is_hidden"]


def test_check_all_ok(graph, tmp_path):
    results = make_channel(graph, tmp_path).check()
    assert results and all(r.ok for r in results), results


def test_the_accounts_own_comments_are_marked_own(graph, tmp_path):
    ch = make_channel(graph, tmp_path)
    mid = graph.add_ig_media("사진")
    cid = graph.add_comment(mid, "몇 시에 시작하나요?", instagram=True)
    typed = graph.add_comment(cid, "오전 10시입니다!", instagram=True, author=graph.ig_self)   # in the app
    notice = graph.add_comment(mid, "장소가 바뀌었습니다", instagram=True, author=graph.ig_self)
    fan = graph.add_comment(cid, "감사해요", instagram=True, author=("u9", "cheonan_city_fan"))
    batch = ch.replies((datetime.now(timezone.utc) - timedelta(hours=1)).isoformat())
    assert {r.remote_id: r.ref["own"] for r in batch.items} == \
        {cid: False, typed: True, notice: True, fan: False}
    # the from.id of our comments is an Instagram-scoped id, not the IG user id: the username decides
    assert graph.comments[typed]["from"]["id"] != graph.ig_user_id
    answer = ch.reply(next(r for r in batch.items if r.remote_id == cid), "장소는 시청 광장입니다.", "a1")
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    again = {r.remote_id: r for r in ch.replies(since).items}
    assert again[answer.remote_id].ref["own"]
    assert len(graph.seen("GET", rf"/{graph.ig_user_id}$")) == 1   # the username is asked once


def test_a_lost_answer_is_found_not_posted_again(graph, tmp_path):
    from outreach.errors import UnknownOutcome
    ch = make_channel(graph, tmp_path)
    mid = graph.add_ig_media("사진")
    cid = graph.add_comment(mid, "몇 시에 시작하나요?", instagram=True)
    graph.add_comment(cid, "오전 10시에 시작합니다.", instagram=True, author=("u3", "copycat"))  # not ours
    to = next(r for r in ch.replies((datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()).items
              if r.remote_id == cid)
    graph.fail("lose", method="POST", path=r"/replies$")
    with pytest.raises(UnknownOutcome):
        ch.reply(to, "오전 10시에 시작합니다.", "a1")
    again = ch.reply(to, "오전 10시에 시작합니다.", "a1")
    ours = [c for c in graph.comments.values() if c["parent_id"] == cid and c["from"] == {
        "id": graph.ig_self[0], "name": graph.ig_self[1]}]
    assert len(ours) == 1 and again.remote_id == ours[0]["id"] and again.extra["existing"]
    assert len(graph.seen("POST", r"/replies$")) == 1


def test_container_errors_and_slow_containers_go_through_the_shared_graph_helper(graph, tmp_path):
    """Instagram and Threads poll containers with one helper (graph.wait_for_containers)."""
    graph.container_error = "Error: Media download has failed. The media URI doesn't meet our requirements."
    ch = make_channel(graph, tmp_path)
    with pytest.raises(Rejected, match=r"Instagram could not take media container .*: ERROR "
                       r"\(Error: Media download has failed.*the image URL is public") as err:
        ch.publish(make_post(tmp_path / "var", slides=1), "k1")
    assert err.value.reason == "container ERROR" and graph.ig_media == {}

    graph.container_error = None
    graph.container_polls_until_finished = 10**6                 # never finishes
    slow = make_channel(graph, tmp_path, poll_timeout=0)
    with pytest.raises(Retryable, match="still processing 1 item"):
        slow.publish(make_post(tmp_path / "var", slides=1), "k2")
    assert graph.ig_media == {}


def test_media_url_is_the_shared_public_address_rule(graph, tmp_path):
    ch = make_channel(graph, tmp_path, public_base_url="https://media.cheonan.example/var/")
    post = make_post(tmp_path / "var", slides=1)
    assert ch.media_url(post.slides[0]) == \
        "https://media.cheonan.example/var/drafts/weekend/card-01.png"
    outside = make_post(tmp_path / "elsewhere", slides=1)
    with pytest.raises(Rejected, match="is outside .* so it has no public address"):
        ch.media_url(outside.slides[0])
