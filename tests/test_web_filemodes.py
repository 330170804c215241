"""var/ and the database are owner-only; a hand-off channel can share its folders with a group."""

from __future__ import annotations

import grp
import os
import stat
import subprocess
import sys

import pytest

from outreach.channels.handoff import prepare_handoff
from outreach.errors import ConfigError
from test_publish_helpers import channel_ctx, make_post
from web_support import PASSWORD


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_workspace_gets_an_owner_only_var_and_database(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "outreach.toml").write_text('timezone = "Asia/Seoul"\n', encoding="utf-8")
    old = os.umask(0o022)          # a usual login umask: outreach must not rely on it
    try:
        r = subprocess.run([sys.executable, "-m", "outreach", "--root", str(root), "users",
                            "add", "admin", "--role", "admin", "--password-stdin"],
                           input=PASSWORD + "\n", text=True, capture_output=True, timeout=60)
    finally:
        os.umask(old)
    assert r.returncode == 0, r.stderr
    assert mode(root / "var") == 0o700
    assert mode(root / "var" / "outreach.db") == 0o600


def test_share_group_gives_read_access_to_handoff_folders_only(tmp_path):
    group = grp.getgrgid(os.getgid()).gr_name      # a group this process may hand files to
    var = tmp_path / "var"
    var.mkdir(mode=0o700)
    (var / "outreach.db").write_text("db")
    os.chmod(var / "outreach.db", 0o600)
    old = os.umask(0o077)
    try:
        ctx = channel_ctx(var, name="naver", type_="naver_blog", share_group=group)
        post = make_post(tmp_path / "post")
        receipt = prepare_handoff(ctx, post, "wg-1-nb", text="<p>본문</p>", title="제목")
    finally:
        os.umask(old)
    folder = var / "handoff" / "naver" / "wg-1-nb"
    assert receipt.location == str(folder)
    assert mode(folder) == 0o750
    assert all(mode(f) == 0o640 for f in folder.iterdir())
    assert mode(var) == 0o710 and mode(var / "handoff") == 0o710    # pass through, not list
    assert mode(var / "outreach.db") == 0o600


def test_an_unknown_share_group_says_what_to_do(tmp_path):
    ctx = channel_ctx(tmp_path / "var", name="naver", type_="naver_blog",
                      share_group="no-such-group-xyz")
    with pytest.raises(ConfigError, match="no system group named 'no-such-group-xyz'"):
        prepare_handoff(ctx, make_post(tmp_path / "post"), "k-1", text="x", title="t")
