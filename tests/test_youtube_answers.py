"""YouTube answers whose outcome was lost, quota on the way, and what the CLI exits with."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from outreach.cli import main
from outreach.errors import UnknownOutcome
from outreach.inbox.answers import send_answer
from outreach.inbox.harvest import harvest_all
from outreach.inbox.items import Inbox
from outreach.store.inbox import ItemFilter

from fakes.youtube import YouTubeFake
from test_inbox_support import opened

ENV = {"YT_CLIENT_ID": "client-1.apps", "YT_CLIENT_SECRET": "yt-client-secret",
       "YT_REFRESH": "1//refresh-token-yt"}
# quotes, ampersand, angle brackets, Windows line ends and trailing blanks: what YouTube
# hands back for this is not byte-identical to what was sent
ANSWER = '안녕하세요, "도로과"입니다.\r\n내일 오전 현장 확인 & <긴급> 처리하겠습니다.  \r\n'


@pytest.fixture
def yt():
    with YouTubeFake() as fake:
        yield fake


def toml_for(fake) -> str:
    return (f'[channels.youtube]\ntype = "youtube"\nchannel_id = "{fake.channel_id}"\n'
            f'client_id_env = "YT_CLIENT_ID"\nclient_secret_env = "YT_CLIENT_SECRET"\n'
            f'refresh_token_env = "YT_REFRESH"\napi_base = "{fake.url}/"\n'
            f'token_uri = "{fake.url}/token"\ntimeout = 10\n')


def harvested(yt, tmp_path):
    tid = yt.add_thread("vid001", "가로등이 꺼졌어요", when=datetime.now(timezone.utc) - timedelta(minutes=5))
    settings, db = opened(tmp_path, f"sqlite:///{tmp_path / 'o.db'}", toml_for(yt), ENV)
    harvest_all(settings, db)
    inbox = Inbox(settings, db, actor="김주무관")
    return settings, db, inbox, inbox.list(ItemFilter())[0], tid


def quota_used(settings) -> int:
    return json.loads((settings.var_dir / "quota" / "youtube.json").read_text())["used"]


def test_a_lost_answer_is_found_on_its_thread_not_posted_twice(yt, tmp_path):
    settings, db, inbox, item, tid = harvested(yt, tmp_path)
    yt.add_reply(tid, ANSWER.strip(), author="다른시민")       # same words, not our channel
    yt.fail("lose", method="POST", path=r"/youtube/v3/comments$")
    with pytest.raises(UnknownOutcome):
        send_answer(inbox, item.id, ANSWER)
    ours = [c for c in yt.replies_of(tid) if yt.comments[c]["authorChannelId"]["value"] == yt.channel_id]
    assert len(ours) == 1                                     # it went out; the answer was lost
    before = quota_used(settings)
    outcome = send_answer(inbox, item.id, ANSWER, resend=True)
    assert outcome.already and outcome.status == "sent" and outcome.remote_id == ours[0]
    assert len(yt.seen("POST", r"/youtube/v3/comments$")) == 1   # never a second insert
    assert quota_used(settings) == before + 1                 # one comments.list page, counted
    assert [a["status"] for a in inbox.detail(item.id)["answers"]] == ["sent"]
    db.dispose()


def test_a_resend_goes_out_when_the_first_attempt_never_arrived(yt, tmp_path):
    settings, db, inbox, item, tid = harvested(yt, tmp_path)
    yt.fail("reset", method="POST", path=r"/youtube/v3/comments$")   # dropped before YouTube acted
    with pytest.raises(UnknownOutcome):
        send_answer(inbox, item.id, ANSWER)
    outcome = send_answer(inbox, item.id, ANSWER, resend=True)
    assert outcome.status == "sent" and not outcome.already
    assert len(yt.replies_of(tid)) == 1 and yt.comments[outcome.remote_id]["textOriginal"] == ANSWER.strip().replace("\r\n", "\n")
    db.dispose()


def test_harvest_keeps_what_it_read_when_youtube_says_the_quota_is_gone(yt, tmp_path):
    from outreach.channels.youtube import YouTubeChannel

    from fakes import channel_context

    for i in range(250):
        yt.add_thread("vid1", f"댓글 {i}")
    yt.quota_limit = 2                     # another app of the project spent the rest today
    cfg = {"channel_id": yt.channel_id, "client_id_env": "YT_CLIENT_ID",
           "client_secret_env": "YT_CLIENT_SECRET", "refresh_token_env": "YT_REFRESH",
           "api_base": yt.url + "/", "token_uri": yt.url + "/token", "timeout": 10}
    ch = YouTubeChannel(channel_context("youtube", "youtube", cfg, ENV, tmp_path / "var"))
    cursor = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    batch = ch.replies(cursor)
    assert len(batch.items) == 200 and batch.cursor == cursor
    assert "stopped early" in batch.notes[0] and "kept the 200 comments read" in batch.notes[0]
    assert ch.meter.used() == ch.daily                      # no further calls today
    calls = len(yt.requests)
    again = ch.replies(cursor)
    assert again.items == [] and len(yt.requests) == calls  # estimated first, nothing sent
    assert "stopped early" in again.notes[0]


def run_cli(root, *args, capsys):
    code = main(["--root", str(root), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_reply_refused_by_the_platform_exits_1_not_2(yt, tmp_path, capsys):
    settings, db, inbox, item, tid = harvested(yt, tmp_path)
    db.dispose()
    yt.fail("answer", method="POST", path=r"/youtube/v3/comments$", status=400,
            body={"error": {"code": 400, "message": "The comment is too long.",
                            "errors": [{"reason": "commentTextTooLong", "domain": "youtube.comment",
                                        "message": "The comment is too long."}]}})
    code, out, err = run_cli(settings.root, "inbox", "reply", str(item.id), "답변입니다",
                             capsys=capsys)
    assert code == 1 and err.startswith("outreach: error: ") and "commentTextTooLong" in err
    assert len(err.strip().splitlines()) == 1
    yt.fail("lose", method="POST", path=r"/youtube/v3/comments$")
    code, out, err = run_cli(settings.root, "inbox", "reply", str(item.id), "다른 답변입니다",
                             capsys=capsys)
    assert code == 1 and "may have gone through" in err
    code, out, err = run_cli(settings.root, "inbox", "reply", str(item.id), capsys=capsys)
    assert code == 2                                         # bad input stays 2


def test_a_resend_without_quota_for_the_lookup_sends_nothing_and_stays_unknown(yt, tmp_path):
    tid = yt.add_thread("vid001", "가로등이 꺼졌어요", when=datetime.now(timezone.utc) - timedelta(minutes=5))
    # harvest 2 units (two pages) + the lost insert 50 = 52: nothing left for a 1-unit lookup
    settings, db = opened(tmp_path, f"sqlite:///{tmp_path / 'o.db'}",
                          toml_for(yt) + "daily_quota = 52\nreserve_units = 0\n", ENV)
    harvest_all(settings, db)
    inbox = Inbox(settings, db)
    item = inbox.list(ItemFilter())[0]
    yt.fail("lose", method="POST", path=r"/youtube/v3/comments$")
    with pytest.raises(UnknownOutcome):
        send_answer(inbox, item.id, ANSWER)
    from outreach.errors import Retryable

    with pytest.raises(Retryable, match="quota"):
        send_answer(inbox, item.id, ANSWER, resend=True)
    assert [a["status"] for a in inbox.detail(item.id)["answers"]] == ["unknown"]
    assert len(yt.seen("POST", r"/youtube/v3/comments$")) == 1 and len(yt.replies_of(tid)) == 1
    db.dispose()


def test_our_text_is_recognised_however_the_platform_renders_it():
    from outreach.channels.textmatch import same_text

    sent = '안내드립니다.\r\n"도로과" & <긴급>  \r\n'
    assert same_text(sent, '안내드립니다.\n"도로과" & <긴급>')                       # textOriginal
    assert same_text(sent, "안내드립니다.<br>&quot;도로과&quot; &amp; &lt;긴급&gt;")   # textDisplay
    assert not same_text(sent, "안내드립니다. 도로과")
