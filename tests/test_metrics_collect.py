"""Collecting post figures from local fakes of the platforms' insights endpoints."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from outreach.channels.facebook import FacebookChannel
from outreach.channels.instagram import InstagramChannel
from outreach.config import load_settings
from outreach.metrics.collect import collect
from outreach.metrics.figures import post_figures
from outreach.metrics.model import MetricTarget
from outreach.store.db import open_database

from fakes import channel_context
from fakes.insights import InsightsFake
from metrics_support import delivered

TOKEN = "EAAinsights-token-0001"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
POST = "1000000000001_42"


@pytest.fixture
def graph():
    with InsightsFake(token=TOKEN) as fake:
        fake.values[POST] = {"post_media_view": 1200, "post_total_media_view_unique": 800,
                             "post_reactions_by_type_total": {"like": 30, "love": 5},
                             "post_clicks_by_type": {"link clicks": 12, "photo view": 40}}
        fake.counts[POST] = {"comments": 7, "shares": 3}
        yield fake


def fb(graph, tmp_path, **settings):
    cfg = {"page_id": graph.page_id, "page_token_env": "FB_TOKEN", "api_base": graph.url,
           "timeout": 2.0, "retries": 0, **settings}
    return FacebookChannel(channel_context("facebook", "facebook", cfg, {"FB_TOKEN": TOKEN},
                                           tmp_path / "var"))


def by_name(figures):
    return {f.name: f for f in figures}


def target(sent=NOW - timedelta(days=1)):
    return MetricTarget(POST, None, sent)


def test_facebook_reads_current_metrics_in_one_batch(graph, tmp_path):
    got = by_name(fb(graph, tmp_path).metrics(target(), NOW))
    assert {k: v.value for k, v in got.items()} == {
        "views": 1200, "reach": 800, "reactions": 35, "clicks": 12, "comments": 7, "shares": 3}
    assert got["views"].source == "post_media_view"
    assert len(graph.seen("POST", r"^/$")) == 1          # four metrics, one HTTP request


def test_retired_name_falls_back_to_successor_and_never_sinks_others(graph, tmp_path):
    ch = fb(graph, tmp_path, insight_metrics={"views": "post_impressions",
                                              "reach": "page_fans_city_gone"})
    graph.retired.add("page_fans_city_gone")
    got = by_name(ch.metrics(target(), NOW))
    assert got["views"].value == 1200 and got["views"].source == "post_media_view"
    assert got["reach"].value is None and "retired" in got["reach"].reason
    assert got["reactions"].value == 35 and got["comments"].value == 7


def test_token_without_insights_permission_keeps_the_post_counts(graph, tmp_path):
    graph.denied_insights = True
    got = by_name(fb(graph, tmp_path).metrics(target(), NOW))
    assert got["views"].value is None and "read_insights" in got["views"].reason
    assert got["comments"].value == 7 and got["shares"].value == 3


def test_partial_answer_marks_the_missing_metric_unavailable(graph, tmp_path):
    del graph.values[POST]["post_total_media_view_unique"]
    got = by_name(fb(graph, tmp_path).metrics(target(), NOW))
    assert got["reach"].value is None and got["reach"].reason
    assert got["views"].value == 1200


def test_instagram_figures_are_provisional_for_48_hours(graph, tmp_path):
    media = "17900000000000042"
    graph.values[media] = {"views": 500, "reach": 300, "likes": 40, "comments": 4, "saved": 2}
    cfg = {"ig_user_id": graph.ig_user_id, "token_env": "IG_TOKEN", "api_base": graph.url,
           "timeout": 2.0, "retries": 0}
    ch = InstagramChannel(channel_context("instagram", "instagram", cfg, {"IG_TOKEN": TOKEN},
                                          tmp_path / "var"))
    young = by_name(ch.metrics(MetricTarget(media, None, NOW - timedelta(hours=5)), NOW))
    assert young["views"].value == 500 and young["views"].provisional
    assert young["shares"].value is None          # empty data set: not zero
    old = by_name(ch.metrics(MetricTarget(media, None, NOW - timedelta(days=3)), NOW))
    assert not old["views"].provisional


def workspace(tmp_path, graph, monkeypatch, db_url):
    (tmp_path / "outreach.toml").write_text(f"""
database_url = "{db_url}"
[metrics]
ages = ["1h", "1d"]
[channels.facebook]
type = "facebook"
page_id = "{graph.page_id}"
page_token_env = "FB_TOKEN"
api_base = "{graph.url}"
timeout = 2.0
retries = 0
""", encoding="utf-8")
    monkeypatch.setenv("FB_TOKEN", TOKEN)
    settings = load_settings(tmp_path)
    return settings, open_database(settings.database_url)


def test_collect_stores_due_ages_once_and_followers_daily(graph, tmp_path, monkeypatch, db_url):
    graph.counts[graph.page_id] = {"followers_count": 5321}
    settings, db = workspace(tmp_path, graph, monkeypatch, db_url)
    did = delivered(db, channel="facebook", remote_id=POST, sent=NOW - timedelta(hours=30))
    first = collect(settings, db, NOW)
    assert (first.snapshots, first.missed, first.followers) == (1, 1, 1)   # 1d taken, 1h missed
    again = collect(settings, db, NOW + timedelta(minutes=5))
    assert (again.snapshots, again.followers) == (0, 0)
    [post] = post_figures(db, NOW - timedelta(days=3), NOW + timedelta(days=1))
    assert post.delivery_id == did and post.age == "1d" and post.views == 1200
    assert post.engagement == 35 + 12 + 7 + 3


def test_rate_limit_stops_the_channel_and_leaves_posts_due(graph, tmp_path, monkeypatch, db_url):
    settings, db = workspace(tmp_path, graph, monkeypatch, db_url)
    delivered(db, channel="facebook", remote_id=POST, sent=NOW - timedelta(hours=2))
    graph.fail("answer", method="POST", path=r"^/$", status=400,
               body={"error": {"message": "(#4) Application request limit reached", "code": 4}})
    result = collect(settings, db, NOW)
    assert result.snapshots == 0 and "facebook" in result.stopped
    assert collect(settings, db, NOW).snapshots == 1     # next run: still due, now taken
