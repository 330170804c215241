"""Harvest from the fake platforms: paging, a cursor that survives restarts, webhook + poll
stored once, one failing channel not stopping the others."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import pytest
from starlette.testclient import TestClient

from outreach.cli import main
from outreach.inbox.harvest import harvest_all
from outreach.store import inbox as store
from outreach.store.inbox import ItemFilter
from outreach.web.app import create_app

from fakes import refused_url
from fakes.graph import GraphFake
from fakes.wordpress import WordPressFake
from test_inbox_support import opened

TOKEN = "EAAfacebook-page-token-0001"
WP_PASSWORD = "abcd efgh ijkl mnop qrst uvwx"


def fb_toml(graph) -> str:
    return (f'[channels.facebook]\ntype = "facebook"\npage_id = "{graph.page_id}"\n'
            f'page_token_env = "FB_TOKEN"\napi_base = "{graph.url}"\ntimeout = 2.0\nretries = 0\n')


def wp_toml(url: str) -> str:
    return (f'[channels.blog]\ntype = "wordpress"\nsite_url = "{url}"\nusername = "cityhall"\n'
            f'app_password_env = "WP_PASS"\ntimeout = 1.0\nretries = 0\n')


ENV = {"FB_TOKEN": TOKEN, "WP_PASS": WP_PASSWORD, "FB_APP_SECRET": "app-secret-xyz-123"}


@pytest.fixture
def graph():
    with GraphFake(token=TOKEN) as fake:
        yield fake


def _all(db):
    with db.read() as conn:
        return store.list_items(conn, ItemFilter(statuses=(), include_deleted=True, limit=1000))


def test_paging_and_cursor_survive_restarts(tmp_path, db_url, graph):
    now = datetime.now(timezone.utc)
    posts = [graph.add_post("이번 주 시정 소식"), graph.add_post("겨울철 제설 안내")]
    for i in range(130):                                   # more than one page of 100
        graph.add_comment(posts[0], f"의견 {i}: 가로등 밝기 조정 부탁드려요",
                          created=now - timedelta(minutes=200 - i), author=(f"u{i}", f"시민{i}"))
    graph.add_comment(posts[1], "우리 골목 제설 언제 하나요?", created=now - timedelta(minutes=50))
    settings, db = opened(tmp_path, db_url, fb_toml(graph), ENV)
    report = harvest_all(settings, db)
    assert report.ok and report.new == 131
    assert {r.channel for r in _all(db)} == {"facebook"}
    with db.read() as conn:
        saved = store.get_cursor(conn, "facebook")
    assert saved and datetime.fromisoformat(saved) >= now - timedelta(minutes=71)
    db.dispose()

    # a new process: the cursor comes from the database, old comments are not read again
    graph.add_comment(posts[1], "제설 감사합니다!", created=now - timedelta(minutes=1))
    settings, db = opened(tmp_path, db_url, fb_toml(graph), ENV)
    before = len(graph.seen("GET"))
    again = harvest_all(settings, db)
    assert again.ok and again.new == 1
    texts = [r.text for r in _all(db)]
    assert len(texts) == 132 and texts.count("제설 감사합니다!") == 1
    # the comments since the cursor ride along with the posts (field expansion)
    assert ".since(" in graph.seen("GET", r"/posts$")[-1].query["fields"]
    assert len(graph.seen("GET")) >= before
    db.dispose()


def test_webhook_and_poll_store_one_item(tmp_path, db_url, graph):
    post = graph.add_post("불법주차 단속 안내")
    cid = graph.add_comment(post, "불법주차 신고는 어디로 하나요?", author=("5550009", "최시민"))
    toml = fb_toml(graph) + '[server.facebook]\napp_secret_env = "FB_APP_SECRET"\n'
    settings, db = opened(tmp_path, db_url, toml, ENV)
    body = json.dumps({"object": "page", "entry": [{"id": graph.page_id, "time": 1, "changes": [
        {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": cid,
                                    "post_id": post, "parent_id": post,
                                    "from": {"id": "5550009", "name": "최시민"},
                                    "message": "불법주차 신고는 어디로 하나요?",
                                    "created_time": int(datetime.now(timezone.utc).timestamp())}}]}]},
        ensure_ascii=False).encode()
    sig = "sha256=" + hmac.new(b"app-secret-xyz-123", body, hashlib.sha256).hexdigest()
    with TestClient(create_app(settings, db)) as client:
        assert client.post("/webhooks/facebook", content=body,
                           headers={"X-Hub-Signature-256": sig}).status_code == 200
    report = harvest_all(settings, db)
    assert report.ok and report.new == 0
    rows = _all(db)
    assert len(rows) == 1 and rows[0].remote_id == cid and rows[0].source == "webhook"
    db.dispose()


def test_one_failing_channel_does_not_stop_the_others(tmp_path, db_url, graph, capsys):
    graph.add_comment(graph.add_post("소식"), "복지 상담 받고 싶어요")
    settings, db = opened(tmp_path, db_url, fb_toml(graph) + wp_toml(refused_url()), ENV)
    report = harvest_all(settings, db)
    by_name = {c.channel: c for c in report.channels}
    assert by_name["facebook"].new == 1 and by_name["facebook"].error is None
    assert by_name["blog"].error and not report.ok
    with db.read() as conn:
        rows = {r.channel: r for r in store.cursors(conn)}
    assert rows["blog"].last_error and rows["blog"].cursor is None
    code = main(["--root", str(settings.root), "harvest"])
    out = capsys.readouterr().out
    assert code == 1 and "blog: 0 new" in out and "error:" in out
    db.dispose()


def test_wordpress_harvest_pages_and_only_named_channel(tmp_path, db_url, graph):
    with WordPressFake(password=WP_PASSWORD) as wp:
        pid = wp.add_post("더큰천안 소식") if hasattr(wp, "add_post") else 1
        for i in range(150):
            wp.add_comment(pid, f"공원 산책로 정비 의견 {i}",
                           created=datetime.now(timezone.utc) - timedelta(minutes=300 - i))
        graph.add_comment(graph.add_post("소식"), "페이스북 댓글")
        settings, db = opened(tmp_path, db_url, fb_toml(graph) + wp_toml(wp.url), ENV)
        report = harvest_all(settings, db, channels=["blog"])
        assert [c.channel for c in report.channels] == ["blog"] and report.new == 150
        rows = _all(db)
        assert {r.channel for r in rows} == {"blog"} and rows[0].categories == "공원"
        assert rows[0].post_remote_id == str(pid)
        db.dispose()


def test_a_rule_with_auto_hide_hides_on_the_platform_others_never(tmp_path, db_url, graph):
    post = graph.add_post("소식")
    spam = graph.add_comment(post, "조건만남 하실 분 연락주세요")       # rule: obscene, auto_hide
    rude = graph.add_comment(post, "시발 이게 행정이냐")                # abusive: flagged only
    settings, db = opened(tmp_path, db_url, fb_toml(graph), ENV)
    assert harvest_all(settings, db).new == 2
    assert graph.comments[spam]["is_hidden"] and not graph.comments[rude]["is_hidden"]
    rows = {r.remote_id: r for r in _all(db)}
    assert rows[spam].status == "hidden" and rows[spam].platform_hidden
    assert rows[rude].status == "new" and rows[rude].flags == "abusive"
    db.dispose()


def test_the_citys_own_hand_typed_comments_are_not_filed(tmp_path, db_url, graph):
    from fakes.youtube import YouTubeFake

    now = datetime.now(timezone.utc)
    with WordPressFake(password=WP_PASSWORD) as wp, YouTubeFake() as yt:
        pid = wp.add_post("더큰천안 소식")
        wq = wp.add_comment(pid, "도서관 주차장 몇 시까지 여나요?", created=now - timedelta(minutes=9))
        wp.add_comment(pid, "밤 10시까지 엽니다.", parent=wq, user=wp.user_id,     # typed in wp-admin
                       created=now - timedelta(minutes=8))
        tid = yt.add_thread("vid1", "셔틀버스 시간표 있나요?", when=now - timedelta(minutes=9))
        yt.add_reply(tid, "고정 댓글에 있습니다.", author="천안시", own=True, when=now - timedelta(minutes=8))
        mid = graph.add_ig_media("겨울철 제설 안내")
        iq = graph.add_comment(mid, "우리 골목 제설 언제 하나요?", instagram=True,
                               created=now - timedelta(minutes=9))
        graph.add_comment(iq, "내일 오전 중 작업합니다.", instagram=True, author=graph.ig_self,
                          created=now - timedelta(minutes=8))
        toml = (wp_toml(wp.url) +
                f'[channels.insta]\ntype = "instagram"\nig_user_id = "{graph.ig_user_id}"\n'
                f'token_env = "FB_TOKEN"\napi_base = "{graph.url}"\n'
                f'public_base_url = "https://media.example/var"\ntimeout = 2.0\nretries = 0\n'
                f'[channels.youtube]\ntype = "youtube"\nchannel_id = "{yt.channel_id}"\n'
                f'client_id_env = "YT_ID"\nclient_secret_env = "YT_SECRET"\n'
                f'refresh_token_env = "YT_REFRESH"\napi_base = "{yt.url}/"\n'
                f'token_uri = "{yt.url}/token"\ntimeout = 2\n')
        env = {**ENV, "YT_ID": "client-1.apps", "YT_SECRET": "yt-client-secret",
               "YT_REFRESH": "1//refresh-token-yt"}
        settings, db = opened(tmp_path, db_url, toml, env)
        report = harvest_all(settings, db)
        assert report.ok and report.new == 3
        assert sorted((r.channel, r.text) for r in _all(db)) == [
            ("blog", "도서관 주차장 몇 시까지 여나요?"), ("insta", "우리 골목 제설 언제 하나요?"),
            ("youtube", "셔틀버스 시간표 있나요?")]
        db.dispose()
