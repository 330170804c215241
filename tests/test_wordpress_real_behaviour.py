"""WordPress as it really behaves (learned from Debian's 6.1): held comments, texturized
text, site-local ``after``, slug suffixes, orphan media. Against tests/fakes/wordpress.py;
tests/real/ runs the same cases against a real WordPress."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from outreach.channels.wordpress import (Cursor, WordPressChannel, comparable, media_slug,
                                         plain_text, site_after, slug_for)
from outreach.errors import Rejected, UnknownOutcome

from fakes import channel_context
from fakes.posts import make_post
from fakes.wordpress import WordPressFake, render_comment

PASSWORD = "abcd efgh ijkl mnop qrst uvwx"
TRICKY = 'He said "yes" -- it\'s done...\n두 번째 줄\n\n새 문단 - 끝'


def channel(fake, tmp_path, **settings):
    cfg = {"site_url": fake.url, "username": "cityhall", "app_password_env": "WP_PASS",
           "categories": [], "timeout": 2.0, "retries": 0, **settings}
    return WordPressChannel(channel_context("blog", "wordpress", cfg, {"WP_PASS": PASSWORD},
                                            tmp_path / "var"))


def ago(**kw) -> datetime:
    return datetime.now(timezone.utc) - timedelta(**kw)


# -- comment text -------------------------------------------------------------------
def test_the_fake_renders_like_wordpress():
    rendered = render_comment(TRICKY)
    assert "&#8220;yes&#8221;" in rendered and "&#8211;" in rendered and "&#8230;" in rendered
    assert rendered.count("<p>") == 2 and "<br />" in rendered


def test_inbox_gets_what_the_citizen_typed_with_lines_and_paragraphs(tmp_path):
    with WordPressFake(password=PASSWORD) as wp:
        pid = wp.add_post("글")
        cid = wp.add_comment(pid, TRICKY.replace("\n", "\r\n"))
        (item,) = channel(wp, tmp_path).replies(ago(days=1).isoformat()).items
        assert item.remote_id == str(cid) and item.text == TRICKY
        query = wp.seen("GET", "/comments$")[0].query
        assert query["context"] == "edit" and "author_email" not in query["_fields"]   # no e-mails, IPs


def test_a_harvest_with_nothing_new_costs_one_request(tmp_path):
    with WordPressFake(password=PASSWORD) as wp:
        ch = channel(wp, tmp_path)
        wp.add_comment(wp.add_post("글"), "댓글", created=ago(minutes=3))
        cursor = ch.replies(ago(minutes=10).isoformat()).cursor
        before = len(wp.requests)
        assert ch.replies(cursor).items == []
        assert len(wp.requests) - before == 1


def test_without_moderation_rights_rendered_text_keeps_its_structure(tmp_path):
    with WordPressFake(password=PASSWORD) as wp:
        wp.capabilities.update(moderate_comments=False, edit_posts=False)
        pid = wp.add_post("글")
        wp.add_comment(pid, "첫 줄\n둘째 줄\n\n새 문단")
        wp.add_comment(pid, "승인 대기", status="hold")
        batch = channel(wp, tmp_path).replies(ago(days=1).isoformat())
        assert [r.text for r in batch.items] == ["첫 줄\n둘째 줄\n\n새 문단"]
        assert any("cannot read comments held for moderation" in n for n in batch.notes)


def test_plain_text_and_comparable_undo_wordpress_formatting():
    assert plain_text(render_comment(TRICKY)) == \
        "He said \u201cyes\u201d \u2013 it\u2019s done\u2026\n두 번째 줄\n\n새 문단 \u2013 끝"
    assert comparable(plain_text(render_comment(TRICKY))) == comparable(TRICKY)


# -- moderation queue -----------------------------------------------------------------
def test_held_comments_reach_the_inbox_and_a_late_approval_is_seen_once(tmp_path):
    with WordPressFake(password=PASSWORD) as wp:
        ch = channel(wp, tmp_path)
        pid = wp.add_post("글")
        held = wp.add_comment(pid, "처음 다는 댓글입니다", status="hold", created=ago(minutes=30))
        first = ch.replies(ago(hours=1).isoformat())
        (item,) = first.items
        assert item.remote_id == str(held) and item.hidden and item.ref["status"] == "hold"
        assert json.loads(first.cursor)["held"] == [held]
        later = wp.add_comment(pid, "새 댓글", created=ago(minutes=1))
        second = ch.replies(first.cursor)                      # still held: asked again
        assert {r.remote_id: r.hidden for r in second.items} == {str(held): True, str(later): False}
        wp.approve(held)                                       # its date is 30 minutes old
        third = ch.replies(second.cursor)
        assert [(r.remote_id, r.hidden) for r in third.items if r.remote_id == str(held)] == \
            [(str(held), False)]
        assert json.loads(third.cursor)["held"] == []
        fourth = ch.replies(third.cursor)
        assert str(held) not in {r.remote_id for r in fourth.items}


def test_an_old_plain_cursor_still_works():
    cursor = Cursor.parse("2026-11-20T01:02:03+00:00")
    assert cursor.after == datetime(2026, 11, 20, 1, 2, 3, tzinfo=timezone.utc) and cursor.held == []
    assert Cursor.parse(cursor.dump()) == cursor


# -- site-local after ---------------------------------------------------------------------
@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Seoul", "UTC"])
def test_after_is_sent_as_the_sites_local_time(tmp_path, zone):
    with WordPressFake(password=PASSWORD, zone=ZoneInfo(zone)) as wp:
        ch = channel(wp, tmp_path)
        pid = wp.add_post("글")
        old = wp.add_comment(pid, "세 시간 전", created=ago(hours=3))
        new = wp.add_comment(pid, "방금", created=ago(minutes=2))
        batch = ch.replies(ago(minutes=10).isoformat())
        # west of UTC nothing is lost; east of UTC no window is read again
        assert [r.remote_id for r in batch.items] == [str(new)] and str(old) != batch.items[0].remote_id
        assert len(wp.seen("GET", "/wp-json/?$")) == 1
        ch.replies(batch.cursor)
        assert len(wp.seen("GET", "/wp-json/?$")) == 1          # the zone is asked once


def test_site_after_over_a_daylight_saving_fall_back():
    la = ZoneInfo("America/Los_Angeles")
    since = datetime(2026, 11, 1, 8, 30, tzinfo=timezone.utc)   # 01:30 PDT, before the fall-back
    now = datetime(2026, 11, 1, 10, 0, tzinfo=timezone.utc)     # 02:00 PST
    # comments at 01:10 PST (09:10 UTC) are later than since: the earlier wall clock is sent
    assert site_after(since, la, now) == "2026-11-01T00:29:59"
    assert site_after(since, ZoneInfo("Asia/Seoul"), now) == "2026-11-01T17:29:59"


# -- answers ------------------------------------------------------------------------------
@pytest.mark.parametrize("moderator", [True, False])
def test_a_lost_answer_with_quotes_dashes_and_lines_is_recognised(tmp_path, moderator):
    with WordPressFake(password=PASSWORD) as wp:
        if not moderator:
            wp.capabilities.update(moderate_comments=False)
        ch = channel(wp, tmp_path)
        pid = wp.add_post("글")
        cid = wp.add_comment(pid, "문의드립니다")
        to = next(r for r in ch.replies(ago(days=1).isoformat()).items if r.remote_id == str(cid))
        wp.fail("lose", method="POST", path=r"/comments$")
        with pytest.raises(UnknownOutcome):
            ch.reply(to, TRICKY, "a1")
        again = ch.reply(to, TRICKY, "a1")
        ours = [c for c in wp.comments.values() if c["parent"] == cid and c["author"] == wp.user_id]
        assert len(ours) == 1 and again.remote_id == str(ours[0]["id"]) and again.extra["existing"]


def test_a_duplicate_refusal_without_our_answer_stays_refused(tmp_path):
    with WordPressFake(password=PASSWORD) as wp:
        ch = channel(wp, tmp_path)
        pid = wp.add_post("글")
        cid = wp.add_comment(pid, "문의")
        to = next(r for r in ch.replies(ago(days=1).isoformat()).items if r.remote_id == str(cid))
        wp.fail("answer", method="POST", path=r"/comments$", status=409,
                body={"code": "comment_duplicate", "message": "Duplicate comment detected"})
        with pytest.raises(Rejected, match="comment_duplicate"):
            ch.reply(to, "다른 답", "a2")


# -- media and slugs ----------------------------------------------------------------------
def test_a_post_made_twice_is_settled_to_the_original(tmp_path):
    with WordPressFake(password=PASSWORD) as wp:
        ch = channel(wp, tmp_path)
        post = make_post(tmp_path / "var", slides=2)
        original = ch.publish(post, "occ-9-blog")
        kept_media = set(wp.media)
        # a racing worker's lookup saw nothing (the original was not committed yet)
        wp.fail("answer", method="GET", path=r"/wp/v2/posts$", status=200, body=[],
                headers={"X-WP-Total": "0", "X-WP-TotalPages": "0"})
        again = ch.publish(post, "occ-9-blog")
        assert again.remote_id == original.remote_id and again.extra["duplicate_removed"]
        assert list(wp.posts) == [int(original.remote_id)]
        assert wp.posts[int(original.remote_id)]["slug"] == slug_for("occ-9-blog")
        assert set(wp.media) == kept_media                       # the copy's images are gone too
        created = wp.seen("POST", r"/wp/v2/posts$")
        assert len(created) == 2


def test_find_prefers_the_original_over_a_suffixed_copy(tmp_path):
    with WordPressFake(password=PASSWORD) as wp:
        first = wp.add_post("글", slug=slug_for("k1"))
        wp.add_post("글", slug=slug_for("k1") + "-2")
        assert channel(wp, tmp_path).find("k1").remote_id == str(first)


def test_a_refused_post_returns_its_uploads_and_they_can_be_discarded(tmp_path):
    with WordPressFake(password=PASSWORD) as wp:
        ch = channel(wp, tmp_path)
        wp.capabilities["publish_posts"] = False
        with pytest.raises(Rejected) as caught:
            ch.publish(make_post(tmp_path / "var", slides=3), "occ-5-blog")
        assert sorted(caught.value.uploads) == sorted(str(i) for i in wp.media) and len(wp.media) == 3
        in_use = wp.add_post("다른 글")
        other = wp.media[min(wp.media)]
        other["post"] = in_use                                   # attached elsewhere: kept
        orphans = sorted(str(i) for i in wp.media if i != other["id"])
        assert sorted(ch.discard_uploads("occ-5-blog", caught.value.uploads)) == orphans
        assert list(wp.media) == [other["id"]]


def test_uploads_of_a_killed_publish_are_found_by_their_slugs(tmp_path):
    with WordPressFake(password=PASSWORD) as wp:
        ch = channel(wp, tmp_path)
        wp.fail("reset", method="POST", path=r"/wp/v2/posts$")    # the worker dies here
        with pytest.raises(UnknownOutcome):
            ch.publish(make_post(tmp_path / "var", slides=2), "occ-6-blog")
        unrelated = next(iter(wp.media)) + 1000
        wp.media[unrelated] = {"id": unrelated, "slug": "someone-elses", "post": None}
        assert ch.find("occ-6-blog") is None
        assert len(ch.discard_uploads("occ-6-blog", [])) == 2
        assert list(wp.media) == [unrelated]
        receipt = ch.publish(make_post(tmp_path / "var", slides=2), "occ-6-blog")
        assert [m["slug"] for m in wp.media.values() if m["id"] != unrelated] == \
            [media_slug("occ-6-blog", 1), media_slug("occ-6-blog", 2)]  # no -2: the slugs were freed
        assert all(m["post"] == int(receipt.remote_id) for m in wp.media.values() if m["id"] != unrelated)


def test_the_cursors_own_second_is_neither_lost_nor_read_twice(tmp_path):
    with WordPressFake(password=PASSWORD) as wp:
        ch = channel(wp, tmp_path)
        pid = wp.add_post("글")
        second = ago(minutes=1).replace(microsecond=0)
        a = wp.add_comment(pid, "같은 초 1", created=second)
        first = ch.replies(ago(minutes=5).isoformat())
        assert [r.remote_id for r in first.items] == [str(a)]
        b = wp.add_comment(pid, "같은 초 2", created=second)     # same second, after the read
        later = ch.replies(first.cursor)
        assert [r.remote_id for r in later.items] == [str(b)]
        assert ch.replies(later.cursor).items == []


def test_a_local_date_that_lies_does_not_bring_old_comments_back(tmp_path):
    # comments made before the site's time zone was changed keep their old local 'date'
    with WordPressFake(password=PASSWORD, zone=ZoneInfo("America/Los_Angeles")) as wp:
        ch = channel(wp, tmp_path)
        pid = wp.add_post("글")
        old = wp.add_comment(pid, "옛 댓글", created=ago(hours=5))
        wp.comments[old]["date"] = wp.comments[old]["date_gmt"]       # written while the site was UTC
        new = wp.add_comment(pid, "새 댓글", created=ago(minutes=1))
        assert [r.remote_id for r in ch.replies(ago(minutes=10).isoformat()).items] == [str(new)]


def test_a_held_comment_is_stored_once_and_shown_when_approved(tmp_path, db_url):
    from outreach.inbox.harvest import harvest_all
    from outreach.store import inbox as store
    from outreach.store.inbox import ItemFilter
    from test_inbox_support import opened

    def items(db):
        with db.read() as conn:
            return store.list_items(conn, ItemFilter(statuses=(), include_deleted=True, limit=100))

    with WordPressFake(password=PASSWORD, zone=ZoneInfo("America/Los_Angeles")) as wp:
        toml = (f'[channels.blog]\ntype = "wordpress"\nsite_url = "{wp.url}"\nusername = "cityhall"\n'
                f'app_password_env = "WP_PASS"\ntimeout = 2.0\nretries = 0\n')
        settings, db = opened(tmp_path, db_url, toml, {"WP_PASS": PASSWORD})
        try:
            pid = wp.add_post("글")
            held = wp.add_comment(pid, "처음 댓글\n\n두 번째 문단", status="hold", created=ago(minutes=5))
            assert harvest_all(settings, db).new == 1
            (row,) = items(db)
            assert row.remote_id == str(held) and row.platform_hidden and row.text == "처음 댓글\n\n두 번째 문단"
            wp.add_comment(pid, "다음 댓글")
            assert harvest_all(settings, db).new == 1
            wp.approve(held)
            assert harvest_all(settings, db).new == 0
            rows = {r.remote_id: r for r in items(db)}
            assert len(rows) == 2 and not rows[str(held)].platform_hidden
        finally:
            db.dispose()


def test_a_closed_rest_index_falls_back_to_an_after_with_offset(tmp_path):
    with WordPressFake(password=PASSWORD, zone=ZoneInfo("America/Los_Angeles")) as wp:
        wp.fail("answer", method="GET", path=r"/wp-json/?$", status=403, times=1,
                body={"code": "rest_forbidden", "message": "Sorry", "data": {"status": 403}})
        pid = wp.add_post("글")
        new = wp.add_comment(pid, "방금", created=ago(minutes=1))
        wp.add_comment(pid, "어제", created=ago(days=1))
        batch = channel(wp, tmp_path).replies(ago(minutes=10).isoformat())
        assert [r.remote_id for r in batch.items] == [str(new)]
        assert wp.seen("GET", "/comments$")[0].query["after"].endswith("+00:00")


def test_answering_a_held_comment_approves_it_first(tmp_path):
    with WordPressFake(password=PASSWORD) as wp:
        ch = channel(wp, tmp_path)
        pid = wp.add_post("글")
        held = wp.add_comment(pid, "처음 질문", status="hold")
        (to,) = ch.replies(ago(days=1).isoformat()).items
        answer = ch.reply(to, "답변드립니다.", "a1")
        assert wp.comments[held]["status"] == "approved"
        assert wp.comments[int(answer.remote_id)]["parent"] == held


def test_images_of_a_post_whose_answer_was_lost_are_attached_when_it_is_found(tmp_path):
    with WordPressFake(password=PASSWORD) as wp:
        ch = channel(wp, tmp_path)
        wp.fail("lose", method="POST", path=r"/wp/v2/posts$")     # made, but we never heard
        with pytest.raises(UnknownOutcome):
            ch.publish(make_post(tmp_path / "var", slides=2), "occ-7-blog")
        assert [m["post"] for m in wp.media.values()] == [None, None]
        found = ch.find("occ-7-blog")
        assert [m["post"] for m in wp.media.values()] == [int(found.remote_id)] * 2


def test_a_comment_without_date_gmt_is_dated_in_the_sites_zone(tmp_path):
    with WordPressFake(password=PASSWORD, zone=ZoneInfo("Asia/Seoul")) as wp:
        pid = wp.add_post("글")
        cid = wp.add_comment(pid, "옛 블로그에서 옮겨온 댓글", created=ago(minutes=3))
        wp.comments[cid]["date_gmt"] = None          # '0000-00-00 00:00:00' in the database
        (item,) = channel(wp, tmp_path).replies(ago(minutes=10).isoformat()).items
        assert abs(item.created_at - ago(minutes=3)) < timedelta(seconds=5)
