"""WordPress channel against the fake REST API."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from outreach.channels.wordpress import WordPressChannel, media_slug, slug_for
from outreach.errors import AuthExpired, Rejected

from fakes import channel_context
from fakes.posts import make_post
from fakes.wordpress import WordPressFake

PASSWORD = "abcd efgh ijkl mnop qrst uvwx"


@pytest.fixture
def wp():
    with WordPressFake(password=PASSWORD) as fake:
        fake.add_category("더큰천안")
        fake.add_category("즐기는천안")
        for i in range(120):   # categories span two pages of 100
            fake.add_category(f"기타{i}")
        yield fake


def make_channel(wp, tmp_path, password=PASSWORD, **settings):
    cfg = {"site_url": wp.url, "username": "cityhall", "app_password_env": "WP_PASS",
           "categories": ["즐기는천안", "기타119"], "timeout": 1.0, "retries": 0, **settings}
    return WordPressChannel(channel_context("blog", "wordpress", cfg, {"WP_PASS": password},
                                            tmp_path / "var"))


def test_publish_uploads_media_and_creates_post_with_slug(wp, tmp_path):
    ch = make_channel(wp, tmp_path)
    receipt = ch.publish(make_post(tmp_path / "var", slides=2), "occ-3-blog")
    post = wp.posts[int(receipt.remote_id)]
    assert post["slug"] == slug_for("occ-3-blog")
    assert len(wp.media) == 2 and post["featured_media"] == min(wp.media)
    names = {c["name"]: cid for cid, c in wp.categories.items()}
    assert post["categories"] == [names["즐기는천안"], names["기타119"]]
    raw = post["content"]["raw"]
    cover, second = wp.media.values()
    # the cover is the featured image: the theme shows it above the post, not twice
    assert cover["source_url"] not in raw
    assert raw.index(second["source_url"]) < raw.index("이번 주말 천안에서")
    assert cover["alt_text"].startswith("1번째 카드") and second["alt_text"].startswith("2번째 카드")
    title = post["title"]["raw"]
    assert [m["title"]["raw"] for m in (cover, second)] == [f"{title} (1/2)", f"{title} (2/2)"]
    assert [m["slug"] for m in (cover, second)] == [media_slug("occ-3-blog", 1), media_slug("occ-3-blog", 2)]
    assert all(m["post"] == post["id"] for m in wp.media.values())      # attached to the post
    assert receipt.extra["media"] == [str(cover["id"]), str(second["id"])]


def test_cover_in_body_for_themes_without_featured_images(wp, tmp_path):
    ch = make_channel(wp, tmp_path, cover_in_body=True)
    receipt = ch.publish(make_post(tmp_path / "var", slides=2), "occ-3-blog")
    raw = wp.posts[int(receipt.remote_id)]["content"]["raw"]
    cover, second = wp.media.values()
    assert raw.index(cover["source_url"]) < raw.index(second["source_url"])


def test_find_by_slug_and_publish_twice_is_one_post(wp, tmp_path):
    ch = make_channel(wp, tmp_path)
    post = make_post(tmp_path / "var", slides=1)
    first = ch.publish(post, "occ-4-blog")
    assert ch.find("occ-4-blog").remote_id == first.remote_id
    assert ch.publish(post, "occ-4-blog").remote_id == first.remote_id
    assert len(wp.posts) == 1
    assert ch.find("nope") is None


def test_unknown_category_lists_known_ones(wp, tmp_path):
    ch = make_channel(wp, tmp_path, categories=["더 큰 천안"])
    with pytest.raises(Rejected, match="'더 큰 천안'.*the blog has: .*더큰천안"):
        ch.publish(make_post(tmp_path / "var", slides=0), "k")
    assert wp.posts == {} and wp.media == {}


def test_comments_since_cursor_over_pages_and_reply(wp, tmp_path):
    ch = make_channel(wp, tmp_path)
    pid = wp.add_post("글")
    wp.add_comment(pid, "지난주 댓글", created=datetime.now(timezone.utc) - timedelta(days=3))
    ids = [wp.add_comment(pid, f"질문 {i} &amp;") for i in range(150)]
    batch = ch.replies((datetime.now(timezone.utc) - timedelta(days=1)).isoformat())
    assert len(batch.items) == 150
    assert len(wp.seen("GET", "/comments$")) == 2
    assert batch.items[0].text == "질문 0 &amp;" and batch.items[0].post_remote_id == str(pid)
    answer = ch.reply(batch.items[0], "답변드립니다.", "a1")
    assert wp.comments[int(answer.remote_id)]["parent"] == ids[0]
    again = ch.reply(batch.items[0], "답변드립니다.", "a1")   # WordPress: comment_duplicate
    assert again.remote_id == answer.remote_id
    ch.hide(batch.items[1])
    assert wp.comments[ids[1]]["status"] == "hold"


def test_bad_password_is_auth_expired_with_fix(wp, tmp_path):
    ch = make_channel(wp, tmp_path, password="wrong password here")
    with pytest.raises(AuthExpired, match="Application Passwords.*WP_PASS"):
        ch.publish(make_post(tmp_path / "var", slides=0), "k")
    result = ch.check()
    assert not result[0].ok and "WP_PASS" in result[0].fix


def test_check_reports_missing_capability(wp, tmp_path):
    ch = make_channel(wp, tmp_path)
    assert all(r.ok for r in ch.check())
    wp.capabilities["publish_posts"] = False
    bad = [r for r in ch.check() if not r.ok]
    assert "publish_posts" in bad[0].what
    with pytest.raises(Rejected, match="not allowed to publish"):
        ch.publish(make_post(tmp_path / "var", slides=0), "k")


def test_comments_by_the_authenticated_user_are_marked_own(wp, tmp_path):
    ch = make_channel(wp, tmp_path)
    since = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    pid = wp.add_post("글")
    citizen = wp.add_comment(pid, "행사 주차장은 어디인가요?")
    batch = ch.replies(since)
    assert [r.ref["own"] for r in batch.items] == [False]
    assert wp.seen("GET", "/users/me$") == []          # guests (author 0) need no lookup
    typed = wp.add_comment(pid, "시청 뒤 주차장입니다.", parent=citizen, user=wp.user_id)   # wp-admin
    editor = wp.add_comment(pid, "다른 계정의 댓글", user=wp.user_id + 6, author="김편집")
    own = {r.remote_id: r.ref["own"] for r in ch.replies(since).items}
    assert own == {str(citizen): False, str(typed): True, str(editor): False}
    answer = ch.reply(batch.items[0], "안내드립니다.", "a1")
    assert wp.comments[int(answer.remote_id)]["author"] == wp.user_id
    assert {r.remote_id: r.ref["own"] for r in ch.replies(since).items}[answer.remote_id]
    assert len(wp.seen("GET", "/users/me$")) == 1       # asked once per channel instance


def test_a_lost_answer_is_found_not_posted_again(wp, tmp_path):
    from outreach.errors import UnknownOutcome
    ch = make_channel(wp, tmp_path)
    pid = wp.add_post("글")
    cid = wp.add_comment(pid, "문의드립니다")
    to = next(r for r in ch.replies((datetime.now(timezone.utc) - timedelta(days=1)).isoformat()).items
              if r.remote_id == str(cid))
    wp.fail("lose", method="POST", path=r"/comments$")
    with pytest.raises(UnknownOutcome):
        ch.reply(to, "네 알겠습니다.", "a1")
    wp.add_comment(pid, "네 알겠습니다.", parent=cid, author="따라쓰기",    # a guest's identical text,
                   created=datetime.now(timezone.utc) + timedelta(minutes=1))   # listed first
    again = ch.reply(to, "네 알겠습니다.", "a1")
    ours = [c for c in wp.comments.values() if c["parent"] == cid and c["author"] == wp.user_id]
    assert len(ours) == 1 and again.remote_id == str(ours[0]["id"]) and again.extra["existing"]
