"""Channels under the real ledger: one platform down does not stop the others; no secret leaks."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timezone

import pytest

from outreach.channels import open_channel
from outreach.errors import ChannelError
from outreach.logs import setup_logging
from outreach.publishing import model as m
from outreach.publishing.model import OccurrenceSpec
from outreach.publishing.service import PublishingService
from outreach.store.db import open_database
from outreach.model import Reply

from fakes import refused_url
from fakes.graph import GraphFake
from fakes.kakao import KakaoFake
from fakes.wordpress import WordPressFake
from fakes.youtube import YouTubeFake
from test_publish_helpers import Clock, workspace

T0 = datetime(2026, 11, 26, 7, 0, tzinfo=timezone.utc)   # Thursday 16:00 in Seoul
CANARY = "CANARY-7f3a9c-do-not-leak"


def service_for(tmp_path, db_url, channels, env):
    settings = dataclasses.replace(workspace(tmp_path, db_url, channels), env=env)
    db = open_database(db_url)
    clock = Clock(T0)
    return PublishingService(settings, db, clock=clock), db


def spec(channels):
    return OccurrenceSpec(schedule="weekend-guide", key="2026-11-26T07:00:00Z", scheduled_for=T0,
                          template="notice", channels=channels, data={"title": "가을 음악회"})


def test_one_platform_down_does_not_stop_the_others(tmp_path, db_url):
    with WordPressFake(password="wp app password 01") as wp:
        channels = {
            "facebook": {"type": "facebook", "page_id": "1000000000001", "page_token_env": "FB",
                         "api_base": refused_url(), "timeout": 0.5, "retries": 0},
            "blog": {"type": "wordpress", "site_url": wp.url, "username": "cityhall",
                     "app_password_env": "WP", "timeout": 2},
            "outbox": {"type": "outbox"},
        }
        service, db = service_for(tmp_path, db_url, channels, {"FB": "fb-token-000001",
                                                               "WP": "wp app password 01"})
        try:
            occ = service.plan(spec(("facebook", "blog", "outbox")))
            service.work()
            rows = {d["channel"]: d for d in service.ledger.deliveries([occ])}
            assert rows["blog"]["state"] == m.D_SENT and rows["outbox"]["state"] == m.D_SENT
            assert rows["facebook"]["state"] == m.D_RETRY_WAIT
            assert "nothing was sent" in rows["facebook"]["error"]
            (post,) = wp.posts.values()
            assert str(post["id"]) == rows["blog"]["remote_id"] and post["title"]["raw"]
        finally:
            db.dispose()


def test_canary_secret_never_leaks(tmp_path, capsys):
    db_url = f"sqlite:///{tmp_path / 'outreach.db'}"
    setup_logging(2)
    errors: list[str] = []
    try:
        with GraphFake(token=CANARY) as graph, WordPressFake(password=CANARY) as wp, \
                YouTubeFake(refresh_token=CANARY, client_secret=CANARY + "-s") as yt, \
                KakaoFake(rest_key=CANARY) as kakao:
            channels = {
                "facebook": {"type": "facebook", "page_id": graph.page_id, "page_token_env": "FB",
                             "api_base": graph.url, "timeout": 2, "retries": 0},
                "blog": {"type": "wordpress", "site_url": wp.url, "username": "cityhall",
                         "app_password_env": "WP"},
                "youtube": {"type": "youtube", "channel_id": yt.channel_id, "client_id_env": "YT_ID",
                            "client_secret_env": "YT_SECRET", "refresh_token_env": "YT_REFRESH",
                            "api_base": yt.url + "/", "token_uri": yt.url + "/token"},
                "kakao": {"type": "kakao", "bot_id": kakao.bot_id, "rest_api_key_env": "KAKAO",
                          "api_base": kakao.url},
                "outbox": {"type": "outbox"},
            }
            env = {"FB": CANARY, "WP": CANARY, "YT_ID": yt.client_id, "YT_SECRET": CANARY + "-s",
                   "YT_REFRESH": CANARY, "KAKAO": CANARY}
            service, db = service_for(tmp_path, db_url, channels, env)
            try:
                # Facebook echoes the token in its error; the blog publishes; the outbox writes files.
                graph.fail("answer", method="POST", path="/photos$", status=400,
                           body={"error": {"message": f"Invalid appsecret_proof for {CANARY}",
                                           "type": "OAuthException", "code": 100}})
                occ = service.plan(spec(("facebook", "blog", "outbox")))
                service.work()
                rows = {d["channel"]: d for d in service.ledger.deliveries([occ])}
                assert rows["facebook"]["state"] == m.D_FAILED and rows["blog"]["state"] == m.D_SENT
                errors.append(rows["facebook"]["error"])
                assert "***" in rows["facebook"]["error"]   # it was there, and was blanked

                yt.add_thread("vid1", "질문")
                youtube = open_channel(service.settings, "youtube")
                to = youtube.replies(None).items[0]
                youtube.reply(to, "답변", "a1")
                yt.revoked = True
                youtube2 = open_channel(service.settings, "youtube")
                with pytest.raises(ChannelError) as err:
                    youtube2.replies(None)
                errors.append(str(err.value))

                kakao_ch = open_channel(service.settings, "kakao")
                kakao_ch.reply(Reply(channel="kakao", remote_id="m", text="?",
                                     created_at=datetime.now(timezone.utc), author_id="bu-1"), "네", "k")
                # an error whose URL carries the token
                fb = open_channel(service.settings, "facebook")
                graph.fail("answer", method="GET", status=500, body="<html>oops</html>")
                with pytest.raises(ChannelError) as err:
                    fb.api.http.get(f"/v25.0/me?access_token={CANARY}")
                errors.append(str(err.value))
                errors.append(repr(err.value.args))
            finally:
                db.dispose()
    finally:
        logging.getLogger("outreach").handlers.clear()
    logs = capsys.readouterr()
    assert "http" in logs.err            # the logs did record the calls
    assert not [e for e in errors if CANARY in e], errors
    assert CANARY not in logs.err and CANARY not in logs.out
    assert CANARY.encode() not in (tmp_path / "outreach.db").read_bytes()
    leaked = [p for p in tmp_path.rglob("*") if p.is_file() and CANARY.encode() in p.read_bytes()]
    assert leaked == []
