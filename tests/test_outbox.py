"""The outbox channel writes one complete folder per delivery key, once."""

from __future__ import annotations

import json

import pytest

from outreach.channels.outbox import OutboxChannel
from outreach.errors import Rejected
from test_publish_helpers import channel_ctx, make_post


def test_publish_writes_folder_with_slides_text_and_manifest(tmp_path):
    channel = OutboxChannel(channel_ctx(tmp_path / "var"))
    post = make_post(tmp_path / "draft", slides=2)
    receipt = channel.publish(post, "wg-20261126-0700-ob-abc123")
    folder = tmp_path / "var" / "outbox" / "outbox" / "wg-20261126-0700-ob-abc123"
    assert receipt.location == str(folder)
    assert receipt.url == folder.resolve().as_uri()
    assert sorted(p.name for p in folder.iterdir()) == [
        "01.png", "02.png", "manifest.json", "text-blog.html", "text-facebook.txt", "text.txt"]
    assert (folder / "text.txt").read_text(encoding="utf-8") == post.texts["facebook"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["key"] == "wg-20261126-0700-ob-abc123"
    assert [s["alt_text"] for s in manifest["slides"]] == ["주말 안내 카드 1", "주말 안내 카드 2"]
    assert (folder / "01.png").read_bytes() == post.slides[0].path.read_bytes()


def test_second_publish_of_same_key_keeps_first_folder(tmp_path):
    channel = OutboxChannel(channel_ctx(tmp_path / "var"))
    first = channel.publish(make_post(tmp_path / "a", slides=1), "k-1")
    second = channel.publish(make_post(tmp_path / "b", slides=3), "k-1")
    assert first == second
    assert sorted(p.name for p in (tmp_path / "var/outbox/outbox/k-1").glob("*.png")) == ["01.png"]
    assert [p.name for p in (tmp_path / "var/outbox/outbox").iterdir()] == ["k-1"]


def test_find_sees_only_complete_folders(tmp_path):
    channel = OutboxChannel(channel_ctx(tmp_path / "var"))
    assert channel.find("k-2") is None
    (tmp_path / "var/outbox/outbox/k-2").mkdir(parents=True)  # half-written: no manifest
    assert channel.find("k-2") is None
    channel.publish(make_post(tmp_path / "a"), "k-3")
    assert channel.find("k-3").remote_id == "k-3"


def test_missing_slide_is_rejected_and_leaves_nothing(tmp_path):
    channel = OutboxChannel(channel_ctx(tmp_path / "var"))
    post = make_post(tmp_path / "a", slides=2)
    post.slides[1].path.unlink()
    with pytest.raises(Rejected, match="slide-2.png is missing"):
        channel.publish(post, "k-4")
    assert list((tmp_path / "var/outbox/outbox").iterdir()) == []


def test_unsafe_key_is_refused(tmp_path):
    channel = OutboxChannel(channel_ctx(tmp_path / "var"))
    with pytest.raises(Rejected, match="not a safe folder name"):
        channel.publish(make_post(tmp_path / "a"), "../escape")


def test_settings_folder_and_limits(tmp_path):
    channel = OutboxChannel(channel_ctx(tmp_path / "var", folder=str(tmp_path / "elsewhere"),
                                        max_text=10))
    assert channel.limits.max_text == 10
    channel.publish(make_post(tmp_path / "a"), "k-5")
    assert (tmp_path / "elsewhere" / "k-5" / "manifest.json").is_file()
