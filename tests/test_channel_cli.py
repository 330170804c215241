"""``outreach channels`` and ``outreach channels check`` on a workspace wired to the fakes."""

from __future__ import annotations

import json

import pytest

from outreach.cli import main

from fakes.graph import GraphFake
from fakes.wordpress import WordPressFake

TOKEN = "EAAcli-page-token-000111"
WP_PASS = "cli wp password 0000"


@pytest.fixture
def workspace(tmp_path):
    with GraphFake(token=TOKEN) as graph, WordPressFake(password=WP_PASS) as wp:
        wp.add_category("더큰천안")
        (tmp_path / "outreach.toml").write_text(f"""
timezone = "Asia/Seoul"

[channels.outbox]
type = "outbox"

[channels.facebook]
type = "facebook"
page_id = "{graph.page_id}"
page_token_env = "FACEBOOK_PAGE_TOKEN"
api_base = "{graph.url}"

[channels.blog]
type = "wordpress"
site_url = "{wp.url}"
username = "cityhall"
app_password_env = "WP_APP_PASSWORD"
categories = ["더큰천안"]

[channels.kakao]
type = "kakao"
enabled = false
""", encoding="utf-8")
        (tmp_path / ".env").write_text(f"FACEBOOK_PAGE_TOKEN={TOKEN}\nWP_APP_PASSWORD='{WP_PASS}'\n",
                                       encoding="utf-8")
        yield tmp_path, graph, wp


def test_channels_lists_what_each_can_do(workspace, capsys):
    root, _, _ = workspace
    assert main(["--root", str(root), "channels"]) == 0
    out = capsys.readouterr().out
    assert "facebook  [facebook]" in out and "carousel" in out
    assert "kakao  [kakao]  (disabled)" in out
    assert main(["--root", str(root), "channels", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert "find" in rows["blog"]["capabilities"] and rows["facebook"]["limits"]["max_images"] == 10


def test_check_all_ok_then_says_what_is_wrong(workspace, capsys):
    root, graph, wp = workspace
    assert main(["--root", str(root), "channels", "check"]) == 0
    assert "all channels ok" in capsys.readouterr().out
    graph.expired = True
    wp.capabilities["upload_files"] = False
    assert main(["--root", str(root), "channels", "check"]) == 1
    out = capsys.readouterr().out
    assert ("FAIL Facebook page token expired on 2026-11-20: create a new one and set "
            "FACEBOOK_PAGE_TOKEN") in out
    assert "lacks upload_files" in out
    assert TOKEN not in out and WP_PASS not in out


def test_check_one_channel_and_unknown_name(workspace, capsys):
    root, graph, _ = workspace
    assert main(["--root", str(root), "channels", "check", "blog"]) == 0
    assert graph.requests == []
    assert main(["--root", str(root), "channels", "check", "nope"]) == 2
    assert "outreach: error:" in capsys.readouterr().err


def test_check_reports_a_missing_secret_plainly(workspace, capsys):
    root, _, _ = workspace
    (root / ".env").write_text("", encoding="utf-8")
    assert main(["--root", str(root), "channels", "check", "facebook"]) == 1
    out = capsys.readouterr().out
    assert "FACEBOOK_PAGE_TOKEN is not set" in out


def test_check_speaks_korean_and_json_stays_english(workspace, capsys):
    """QA: the check lines reached Korean staff (and the channels page) in English."""
    root, graph, wp = workspace
    toml = root / "outreach.toml"
    toml.write_text('language = "ko"\n' + toml.read_text(encoding="utf-8"), encoding="utf-8")
    graph.expired = True
    wp.capabilities["upload_files"] = False
    assert main(["--root", str(root), "channels", "check"]) == 1
    out = capsys.readouterr().out
    assert ("Facebook 페이지 토큰이 2026-11-20에 만료되었습니다: 새로 발급받아 "
            "FACEBOOK_PAGE_TOKEN에 설정하세요") in out
    assert "WordPress 사용자 cityhall에게 upload_files 권한이 없습니다" in out
    assert "expired on" not in out and "lacks" not in out
    assert main(["--root", str(root), "channels", "check", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["facebook"][0]["what"] == "Facebook page token expired on 2026-11-20"
    assert "lacks upload_files" in report["blog"][0]["what"]
