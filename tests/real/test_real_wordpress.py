"""The WordPress adapter against a real WordPress (Debian's package, PHP's built-in server).

One site for the module, in America/Los_Angeles (west of UTC, where a UTC ``after``
loses every new comment), installed in about a second. Answers are lost for real by
``LossyProxy``. Skips, saying why, where the packages or MariaDB are missing;
``.ci/run`` installs them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from outreach.channels.wordpress import WordPressChannel, media_slug, slug_for
from outreach.errors import UnknownOutcome

from fakes import channel_context
from fakes.posts import make_post
from wordpress_site import LossyProxy, WordPressSite, missing

TRICKY = 'He said "yes" -- it\'s done...\n두 번째 줄\n\n새 문단 - 끝'

reason = missing()
pytestmark = pytest.mark.skipif(reason is not None, reason=f"real WordPress: {reason}")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with WordPressSite(tmp_path_factory.mktemp("wordpress")) as wp:
        yield wp


@pytest.fixture
def proxy(site):
    p = LossyProxy(site.url)
    yield p
    p.close()


@pytest.fixture
def ch(site, proxy, tmp_path):
    cfg = {"site_url": proxy.url, "username": site.editor, "app_password_env": "WP_PASS",
           "categories": ["즐기는천안"], "timeout": 30.0, "retries": 0}
    channel = WordPressChannel(channel_context("blog", "wordpress", cfg, {"WP_PASS": site.password},
                                               tmp_path / "var"))
    yield channel
    channel.close()


def ago(**kw) -> datetime:
    return datetime.now(timezone.utc) - timedelta(**kw)


def media_of(site, key: str, count: int) -> list[dict]:
    return site.api("GET", "media", params={
        "slug": ",".join(media_slug(key, i) for i in range(1, count + 1)), "per_page": 100,
        "context": "edit", "orderby": "id", "order": "asc"})


def test_check_passes_for_an_editor(ch):
    assert all(r.ok for r in ch.check()), [r.what for r in ch.check()]


def test_publish_attaches_titled_images_and_shows_the_cover_once(site, ch, tmp_path):
    post = make_post(tmp_path / "var", slides=3)
    receipt = ch.publish(post, "real-publish")
    made = site.api("GET", f"posts/{receipt.remote_id}", params={"context": "edit"})
    assert made["slug"] == slug_for("real-publish") and made["status"] == "publish"
    media = media_of(site, "real-publish", 3)
    assert [m["post"] for m in media] == [int(receipt.remote_id)] * 3          # attached
    assert [m["title"]["raw"] for m in media] == [f"{post.title} ({i}/3)" for i in (1, 2, 3)]
    assert [m["alt_text"] for m in media] == [s.alt_text for s in post.slides]
    assert made["featured_media"] == media[0]["id"]
    page = site.page(receipt.url)
    for m in media:     # the cover as featured image only; the others in the body
        assert page.count(f'src="{m["source_url"]}"') == 1, m["source_url"]
    assert ch.find("real-publish").remote_id == receipt.remote_id


def test_find_after_a_lost_answer_and_no_second_post(site, ch, proxy, tmp_path):
    post = make_post(tmp_path / "var", slides=2)
    proxy.arm("lose", "POST", r"/wp/v2/posts$")
    with pytest.raises(UnknownOutcome) as lost:
        ch.publish(post, "real-lost")
    assert len(lost.value.uploads) == 2
    assert [m["post"] for m in media_of(site, "real-lost", 2)] == [None, None]   # unattached
    found = ch.find("real-lost")
    assert found is not None           # and its images, left unattached, are attached now
    assert [m["post"] for m in media_of(site, "real-lost", 2)] == [int(found.remote_id)] * 2
    assert ch.publish(post, "real-lost").remote_id == found.remote_id
    rows = site.api("GET", "posts", params={"search": post.title, "status": "any", "per_page": 100,
                                            "slug": slug_for("real-lost")})
    assert [str(r["id"]) for r in rows] == [found.remote_id]


def test_a_slug_with_a_suffix_is_settled_to_the_original(site, ch, proxy, tmp_path):
    post = make_post(tmp_path / "var", slides=1)
    original = ch.publish(post, "real-dup")
    proxy.arm("empty", "GET", r"/wp/v2/posts$")              # the lookup misses the original
    again = ch.publish(post, "real-dup")
    assert again.remote_id == original.remote_id and again.extra["duplicate_removed"]
    copies = site.api("GET", "posts", params={"slug": slug_for("real-dup") + "-2", "status": "any"})
    assert copies == []
    assert [m["post"] for m in media_of(site, "real-dup", 1)] == [int(original.remote_id)]
    assert site.api("GET", "media", params={"slug": media_slug("real-dup", 1) + "-2"}) == []


def test_images_of_a_post_never_made_are_deleted(site, ch, proxy, tmp_path):
    post = make_post(tmp_path / "var", slides=2)
    proxy.arm("drop", "POST", r"/wp/v2/posts$")              # the worker dies before the post
    with pytest.raises(UnknownOutcome) as failed:
        ch.publish(post, "real-orphan")
    assert ch.find("real-orphan") is None
    assert len(media_of(site, "real-orphan", 2)) == 2
    assert sorted(ch.discard_uploads("real-orphan", failed.value.uploads)) == \
        sorted(failed.value.uploads)
    assert media_of(site, "real-orphan", 2) == []
    proxy.arm("drop", "POST", r"/wp/v2/posts$")              # killed again: nothing recorded
    with pytest.raises(UnknownOutcome):
        ch.publish(post, "real-orphan")
    assert len(ch.discard_uploads("real-orphan", [])) == 2   # found under the key's slugs
    assert media_of(site, "real-orphan", 2) == []


def test_harvest_held_late_approved_and_typed_text_west_of_utc(site, ch, tmp_path):
    post_id = int(ch.publish(make_post(tmp_path / "var", slides=0), "real-harvest").remote_id)
    since = ago(minutes=10).isoformat()
    site.guest_comment(post_id, TRICKY)                      # a first-time guest: held
    shown = site.api("POST", "comments", json={"post": post_id, "content": "주차는 어디에?",
                                                "author_name": "김민원", "author_email": "kim@example.kr",
                                                "status": "approved"})
    held = site.api("GET", "comments", params={"post": post_id, "status": "hold"})
    assert len(held) == 1 and "&#8220;yes&#8221;" in held[0]["content"]["rendered"]
    # what WordPress does with a UTC wall clock in 'after': a site west of UTC finds nothing
    utc_wall = ago(minutes=10).strftime("%Y-%m-%dT%H:%M:%S")
    assert site.api("GET", "comments", params={"post": post_id, "after": utc_wall}) == []
    # with an offset WordPress converts to site-local (the fallback when the index is closed)
    assert [c["id"] for c in site.api("GET", "comments", params={
        "post": post_id, "after": utc_wall + "+00:00"})] == [shown["id"]]

    first = ch.replies(since)
    items = {r.remote_id: r for r in first.items if r.post_remote_id == str(post_id)}
    assert set(items) == {str(held[0]["id"]), str(shown["id"])}
    guest = items[str(held[0]["id"])]
    assert guest.hidden and guest.text == TRICKY and not guest.ref["own"]
    assert not items[str(shown["id"])].hidden and items[str(shown["id"])].text == "주차는 어디에?"

    site.api("POST", f"comments/{held[0]['id']}", json={"status": "approved"})
    second = ch.replies(first.cursor)
    again = [r for r in second.items if r.remote_id == str(held[0]["id"])]
    assert len(again) == 1 and not again[0].hidden            # the approval is seen, once
    assert str(held[0]["id"]) not in {r.remote_id for r in ch.replies(second.cursor).items}


def test_reply_and_a_lost_answer_with_typography(site, ch, proxy, tmp_path):
    post_id = int(ch.publish(make_post(tmp_path / "var", slides=0), "real-reply").remote_id)
    question = site.api("POST", "comments", json={"post": post_id, "content": "문의드립니다",
                                                   "author_name": "이시민", "author_email": "lee@example.kr",
                                                   "status": "approved"})
    to = next(r for r in ch.replies(ago(minutes=10).isoformat()).items
              if r.remote_id == str(question["id"]))
    proxy.arm("lose", "POST", r"/wp/v2/comments$")
    with pytest.raises(UnknownOutcome):
        ch.reply(to, TRICKY, "answer-1")
    again = ch.reply(to, TRICKY, "answer-1")                  # WordPress: comment_duplicate (409)
    ours = site.api("GET", "comments", params={"parent": question["id"], "context": "edit"})
    assert [str(c["id"]) for c in ours] == [again.remote_id] and again.extra["existing"]
    assert ours[0]["author"] == site.editor_id and ours[0]["content"]["raw"] == TRICKY
    assert "&#8230;" in ours[0]["content"]["rendered"]        # why raw text is compared
    plain = ch.reply(to, "주차장은 시청 뒤편입니다.", "answer-2")
    harvested = {r.remote_id: r for r in ch.replies(ago(minutes=10).isoformat()).items}
    assert harvested[plain.remote_id].ref["own"] and harvested[again.remote_id].ref["own"]


def test_answering_a_held_comment_approves_it(site, ch, tmp_path):
    post_id = int(ch.publish(make_post(tmp_path / "var", slides=0), "real-held-answer").remote_id)
    question = site.api("POST", "comments", json={"post": post_id, "content": "처음 질문입니다",
                                                   "author_name": "최시민", "author_email": "choi@example.kr",
                                                   "status": "hold"})
    to = next(r for r in ch.replies(ago(minutes=10).isoformat()).items
              if r.remote_id == str(question["id"]))
    assert to.hidden
    answer = ch.reply(to, "답변드립니다.", "answer-held")
    assert site.api("GET", f"comments/{question['id']}", params={"context": "edit"})["status"] == "approved"
    assert site.api("GET", f"comments/{answer.remote_id}")["parent"] == question["id"]
