"""Hand-off folders: images in order, text ready to paste, Korean instructions; once per key."""

from __future__ import annotations

import json

from outreach.channels.handoff import HandoffChannel, prepare_handoff
from test_publish_helpers import channel_ctx, make_post


def test_prepare_handoff_writes_everything_a_person_needs(tmp_path):
    ctx = channel_ctx(tmp_path / "var", name="naver", type_="naver_blog", platform="네이버 블로그")
    post = make_post(tmp_path / "draft", slides=2)
    receipt = prepare_handoff(ctx, post, "wg-1-nb-abcdef", text=post.texts["blog"],
                              title="이번 주말 시민 안내", fields={"category": "시정소식"})
    folder = tmp_path / "var/handoff/naver/wg-1-nb-abcdef"
    assert receipt.handoff and receipt.location == str(folder) and receipt.remote_id is None
    assert sorted(p.name for p in folder.iterdir()) == [
        "01.png", "02.png", "alt.txt", "body.html", "handoff.json", "안내.txt"]
    meta = json.loads((folder / "handoff.json").read_text(encoding="utf-8"))
    assert meta["channel"] == "naver" and meta["key"] == "wg-1-nb-abcdef"
    assert meta["fields"] == {"category": "시정소식"}
    assert any("네이버 블로그" in step for step in meta["instructions"])
    assert any("outreach handoff done wg-1-nb-abcdef" in step for step in meta["instructions"])
    assert (folder / "alt.txt").read_text(encoding="utf-8").splitlines()[0] == "01.png: 주말 안내 카드 1"


def test_plain_text_goes_to_text_txt_and_second_call_is_noop(tmp_path):
    ctx = channel_ctx(tmp_path / "var", name="kakao", type_="handoff")
    post = make_post(tmp_path / "draft", slides=1)
    prepare_handoff(ctx, post, "k-1", text="카카오 소식 본문", title="제목")
    again = prepare_handoff(ctx, post, "k-1", text="다른 본문", title="다른 제목")
    folder = tmp_path / "var/handoff/kakao/k-1"
    assert again.location == str(folder)
    assert (folder / "text.txt").read_text(encoding="utf-8") == "카카오 소식 본문"
    assert not (folder / "body.html").exists()


def test_handoff_channel_publish_and_find(tmp_path):
    channel = HandoffChannel(channel_ctx(tmp_path / "var", name="manual", type_="handoff"))
    assert channel.find("k-9") is None
    receipt = channel.publish(make_post(tmp_path / "draft"), "k-9")
    assert channel.find("k-9") == receipt
    text = (tmp_path / "var/handoff/manual/k-9/text.txt").read_text(encoding="utf-8")
    assert "가을 음악회" in text
