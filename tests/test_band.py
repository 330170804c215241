"""The Naver Band channel against its local fake (tests/fakes/band.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from outreach.errors import AuthExpired, Rejected, Retryable, UnknownOutcome
from outreach.model import Reply

from fakes import channel_context
from fakes.band import BandFake, band_error
from fakes.posts import make_post

TOKEN = "ZQAAAband-token-test"


def build(fake, tmp_path, **kw):
    from outreach.channels.band import BandChannel
    cfg = {"band_key": fake.band_key, "token_env": "BAND_TOKEN", "api_base": fake.url,
           "public_base_url": "https://media.example.kr/outreach", "timeout": 2.0, "retries": 0, **kw}
    return BandChannel(channel_context("band", "band", cfg, {"BAND_TOKEN": TOKEN}, tmp_path / "var"))


@pytest.fixture
def fake():
    with BandFake(token=TOKEN) as f:
        yield f


def test_post_carries_text_card_links_marker_and_push(fake, tmp_path):
    receipt = build(fake, tmp_path).publish(make_post(tmp_path / "var", slides=2), "occ-1-band")
    post = fake.posts[receipt.remote_id]
    assert post["content"].startswith("[천안시] 이번 주말 행사를 소개합니다.")
    assert "https://media.example.kr/outreach/drafts/weekend/card-02.png" in post["content"]
    assert "게시번호" in post["content"] and fake.pushes == [receipt.remote_id]
    sent = fake.seen("POST", r"/post/create$")[0]
    assert sent.query["access_token"] == TOKEN and sent.form()["band_key"] == fake.band_key


def test_cards_omitted_and_no_push_when_configured(fake, tmp_path):
    ch = build(fake, tmp_path, cards="omit", do_push=False, public_base_url="")
    receipt = ch.publish(make_post(tmp_path / "var", slides=2), "k")
    assert "card-01" not in fake.posts[receipt.remote_id]["content"] and fake.pushes == []


def test_card_links_need_a_public_address(fake, tmp_path):
    with pytest.raises(Rejected, match="public_base_url"):
        build(fake, tmp_path, public_base_url="").publish(make_post(tmp_path / "var", slides=1), "k")
    assert fake.posts == {}


@pytest.mark.parametrize("code,expected", [
    (10401, AuthExpired), (1001, Retryable), (1003, Retryable), (2142, Rejected),
    (3001, Rejected), (10403, Rejected), (60102, Rejected), (2300, UnknownOutcome), (99999, Rejected)])
def test_documented_error_codes_map_to_typed_failures(fake, tmp_path, code, expected):
    fake.fail("answer", method="POST", path=r"/post/create$", status=200,
              body={"result_code": code, "result_data": {"message": "x"}})
    with pytest.raises(expected) as err:
        build(fake, tmp_path).publish(make_post(tmp_path / "var", slides=0), "k")
    assert TOKEN not in str(err.value)
    if code == 1003:
        assert err.value.retry_after == 60


def test_comments_are_read_with_own_marked_and_cursor_moves(fake, tmp_path):
    pid = fake.add_post("소식")
    fake.add_comment(pid, "몇 시에 시작하나요?")
    fake.add_comment(pid, "10시입니다", own=True)
    fake.add_post("댓글 없는 글")
    ch = build(fake, tmp_path)
    batch = ch.replies(None)
    by_text = {r.text: r for r in batch.items}
    assert set(by_text) == {"몇 시에 시작하나요?", "10시입니다"}
    assert by_text["10시입니다"].ref["own"] and not by_text["몇 시에 시작하나요?"].ref["own"]
    assert by_text["몇 시에 시작하나요?"].post_remote_id == pid
    assert len(fake.seen("GET", r"/post/comments$")) == 1     # the post without comments is not asked
    assert ch.replies(batch.cursor).items == []


def test_answer_lost_then_retried_goes_out_once(fake, tmp_path):
    pid = fake.add_post("소식")
    cid = fake.add_comment(pid, "문의")
    to = Reply(channel="band", remote_id=cid, text="문의", created_at=datetime.now(timezone.utc),
               post_remote_id=pid)
    ch = build(fake, tmp_path)
    first = ch.reply(to, "안내드립니다.", "a0")
    assert first.remote_id and fake.comments[first.remote_id]["content"] == "안내드립니다."
    fake.fail("lose", method="POST", path=r"/comment/create$")
    with pytest.raises(UnknownOutcome):
        ch.reply(to, "다시 안내드립니다.", "a1")
    again = ch.reply(to, "다시 안내드립니다.", "a1")
    ours = [c for c in fake.comments.values() if c["content"] == "다시 안내드립니다."]
    assert len(ours) == 1 and again.extra["existing"]


def test_hide_is_refused_plainly(fake, tmp_path):
    with pytest.raises(Rejected, match="cannot hide"):
        build(fake, tmp_path).hide(Reply(channel="band", remote_id="c", text="",
                                         created_at=datetime.now(timezone.utc)))


def test_check_names_the_band_and_missing_rights(fake, tmp_path):
    results = build(fake, tmp_path).check()
    assert all(r.ok for r in results) and "천안 맘카페 밴드" in results[0].what
    fake.permissions = ["posting"]
    results = build(fake, tmp_path).check()
    assert any(not r.ok and "commenting" in (r.fix or "") for r in results)
    results = build(fake, tmp_path, band_key="AAAwrong").check()
    assert not results[0].ok and "다른 밴드" in results[0].what
    fake.expired = True
    results = build(fake, tmp_path).check()
    assert not results[0].ok and "BAND_TOKEN" in results[0].fix


def test_band_failures_read_in_korean(fake, tmp_path):
    from outreach.i18n import use_language

    fake.fail("answer", method="POST", path=r"/post/create$", status=200,
              body={"result_code": 1003, "result_data": {"message": "Cool down time restriction"}})
    with use_language("ko"), pytest.raises(Retryable) as err:
        build(fake, tmp_path).publish(make_post(tmp_path / "var", slides=0), "k")
    assert "Band 오류 1003: 짧은 시간에 너무 많이 호출했습니다" in str(err.value)
    assert "아무것도 게시되지 않았습니다" in str(err.value)
