"""Naver Blog hand-off channel and its RSS confirmation."""

from __future__ import annotations

import json

import pytest

from outreach.channels.naver_blog import NaverBlogChannel

from fakes import channel_context
from fakes.naver import NaverRssFake
from fakes.posts import make_post


@pytest.fixture
def rss():
    with NaverRssFake() as fake:
        yield fake


def make_channel(rss, tmp_path, **settings):
    cfg = {"blog_id": rss.blog_id, "category": "시정소식", "api_base": rss.url, "timeout": 1.0,
           "retries": 0, **settings}
    return NaverBlogChannel(channel_context("naver", "naver_blog", cfg, {}, tmp_path / "var"))


def test_publish_prepares_a_handoff_folder(rss, tmp_path):
    ch = make_channel(rss, tmp_path)
    receipt = ch.publish(make_post(tmp_path / "var", slides=2), "occ-5-naver")
    assert receipt.handoff
    meta = json.loads((tmp_path / "var/handoff/naver/occ-5-naver/handoff.json").read_text("utf-8"))
    assert meta["title"] == "이번 주말 천안 행사 안내"
    assert meta["fields"]["category"] == "시정소식" and meta["fields"]["tags"] == ["천안", "주말나들이"]
    assert meta["platform"] == "네이버 블로그"
    assert ch.find("occ-5-naver").location == receipt.location
    assert rss.requests == []   # preparing needs no network


def test_rss_confirms_matching_titles_only(rss, tmp_path):
    ch = make_channel(rss, tmp_path)
    rss.add_post("다른 글")
    link = rss.add_post("이번 주말  천안 행사 안내")   # a person typed two spaces
    found = ch.confirmations({"k1": "이번 주말 천안 행사 안내", "k2": "아직 안 올린 글"})
    assert set(found) == {"k1"}
    assert found["k1"].url == link.split("?")[0] and found["k1"].remote_id == link.split("?")[0].rsplit("/", 1)[1]
    assert ch.confirmations({}) == {}


def test_check_names_a_wrong_blog_id(rss, tmp_path):
    assert make_channel(rss, tmp_path).check()[0].ok
    bad = make_channel(rss, tmp_path, blog_id="no_such_blog").check()
    assert not bad[0].ok and "blog_id" in bad[0].fix
