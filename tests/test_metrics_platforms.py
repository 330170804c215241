"""YouTube and WordPress figures against local fakes of their documented endpoints."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from outreach.channels.wordpress import WordPressChannel
from outreach.channels.youtube import YouTubeChannel, video_ids
from outreach.errors import Retryable
from outreach.metrics.model import MetricTarget

from fakes import channel_context
from fakes.wordpress import WordPressFake
from fakes.youtube_stats import YouTubeStatsFake

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
YT_ENV = {"YT_CLIENT_ID": "client-1.apps", "YT_CLIENT_SECRET": "yt-client-secret",
          "YT_REFRESH": "1//refresh-token-yt"}
WP_PASSWORD = "abcd efgh ijkl mnop qrst uvwx"


@pytest.fixture
def yt():
    with YouTubeStatsFake() as fake:
        yield fake


def youtube(yt, tmp_path):
    cfg = {"channel_id": yt.channel_id, "client_id_env": "YT_CLIENT_ID",
           "client_secret_env": "YT_CLIENT_SECRET", "refresh_token_env": "YT_REFRESH",
           "api_base": yt.url + "/", "token_uri": yt.url + "/token", "timeout": 2}
    return YouTubeChannel(channel_context("youtube", "youtube", cfg, YT_ENV, tmp_path / "var"))


def by_name(figures):
    return {f.name: f for f in figures}


def test_video_ids_from_addresses():
    assert video_ids(["https://www.youtube.com/watch?v=abcdefghijk&t=3",
                      "https://youtu.be/ABCDEFGHIJK", "https://example.org/x",
                      "https://www.youtube.com/shorts/abcdefghijk"]) == ["abcdefghijk", "ABCDEFGHIJK"]


def test_youtube_sums_statistics_of_linked_videos_for_one_unit(yt, tmp_path):
    yt.stats["abcdefghijk"] = {"viewCount": "100", "likeCount": "7", "commentCount": "2"}
    yt.stats["ABCDEFGHIJK"] = {"viewCount": "50", "commentCount": "1"}     # likes hidden
    ch = youtube(yt, tmp_path)
    target = MetricTarget(None, "https://blog.example/1", NOW - timedelta(days=1),
                          ("https://youtu.be/abcdefghijk", "https://www.youtube.com/watch?v=ABCDEFGHIJK"))
    got = by_name(ch.metrics(target, NOW))
    assert (got["views"].value, got["likes"].value, got["comments"].value) == (150, 7, 3)
    assert len(yt.seen("GET", r"/videos$")) == 1
    assert ch.metrics(MetricTarget(None, None, NOW, ("https://example.org",)), NOW) == []


def test_youtube_quota_exceeded_is_a_stop_not_a_figure(yt, tmp_path):
    yt.stats["abcdefghijk"] = {"viewCount": "1"}
    yt.quota_exceeded = True
    with pytest.raises(Retryable):
        youtube(yt, tmp_path).metrics(MetricTarget("abcdefghijk", None, NOW), NOW)


def test_wordpress_counts_comments_and_says_views_are_not_available(tmp_path):
    with WordPressFake() as wp:
        post = wp.add_post("주말 가이드")
        for text in ("좋아요", "감사합니다"):
            wp.approve(wp.add_comment(post, text))
        cfg = {"site_url": wp.url, "username": "cityhall", "app_password_env": "WP_PASS",
               "timeout": 2.0, "retries": 0}
        ch = WordPressChannel(channel_context("blog", "wordpress", cfg, {"WP_PASS": WP_PASSWORD},
                                              tmp_path / "var"))
        got = by_name(ch.metrics(MetricTarget(str(post), None, NOW), NOW))
    assert got["comments"].value == 2
    assert got["views"].value is None and "Jetpack" in got["views"].reason


def test_kakao_brand_message_delivery_results_from_the_dealer(tmp_path):
    from fakes.kakao import KakaoFake
    from fakes.posts import make_post
    from outreach.channels.kakao import KakaoChannel

    with KakaoFake() as kakao:
        (tmp_path / "r.txt").write_text("010-1234-5678\n01098765432\n", encoding="utf-8")
        cfg = {"bot_id": kakao.bot_id, "rest_api_key_env": "KAKAO_REST", "api_base": kakao.url,
               "dealer_api_base": kakao.url, "solapi_api_key_env": "SOLAPI_KEY",
               "solapi_api_secret_env": "SOLAPI_SECRET", "pf_id": "KA01PF2026",
               "sender": "0415212114", "timeout": 2.0, "retries": 0,
               "publish": "brand_message", "recipients_file": str(tmp_path / "r.txt")}
        env = {"KAKAO_REST": "kakao-rest-key-0001", "SOLAPI_KEY": "NCSAYU7YDBXYORXC",
               "SOLAPI_SECRET": "solapi-secret-0001"}
        ch = KakaoChannel(channel_context("kakao", "kakao", cfg, env, tmp_path / "var"))
        receipt = ch.publish(make_post(tmp_path / "var", slides=0), "occ-1-bm")
        sending = by_name(ch.metrics(MetricTarget(receipt.remote_id, None, NOW), NOW))
        assert sending["delivered"].value == 0 and sending["delivered"].provisional
        count = kakao.groups[receipt.remote_id]["count"]      # the carrier reports back
        count.update(sentPending=0, sentSuccess=1, sentFailed=1)
        done = by_name(ch.metrics(MetricTarget(receipt.remote_id, None, NOW), NOW))
        assert (done["delivered"].value, done["failed"].value) == (1, 1)
        assert not done["delivered"].provisional
