"""Texts outreach stores and shows later (a delivery's attempt errors in the ledger, the
channel checks) read in the reader's language, whatever language the process that
recorded them spoke (an English ``--json`` run, a daemon with ``language = "en"``); rows
written before read as they were written."""

from __future__ import annotations

import html
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from desk_support import pass_at
from outreach import i18n
from outreach.i18n import _, recording, shown, stored, use_language
from outreach.logs import redact, register_secret
from outreach.publishing import model as m
from outreach.publishing.service import PublishingService
from outreach.store.notify import NotificationStore
from web_support import add_user, sign_in, staff_client, web_workspace

SEOUL = ZoneInfo("Asia/Seoul")
WED = datetime(2026, 11, 25, 17, 0, tzinfo=SEOUL)          # Thursday's draft is made
THU = datetime(2026, 11, 26, 16, 0, 30, tzinfo=SEOUL)      # its publish time
NO_TOKEN = ('[channels.facebook]\ntype = "facebook"\npage_id = "123"\n'
            'page_token_env = "FB_TOKEN_NOT_SET"\n')


@pytest.fixture
def korean(tmp_path, db_url, monkeypatch):
    """A Korean workspace (with a Facebook channel whose token is missing) and a signed-in
    approver's client."""
    monkeypatch.setenv("OUTREACH_NOW", WED.isoformat())
    ws = web_workspace(tmp_path, db_url, language="ko", toml=NO_TOKEN)
    add_user(ws.db, "boss", "approver")
    with staff_client(ws) as client:
        client.ws = ws
        sign_in(client, "boss")
        yield client
    ws.db.dispose()


def test_the_channels_page_reads_in_korean_after_an_english_json_check(korean, capsys):
    from outreach.cli import main

    # the check speaks English (--json), and its results are stored
    assert main(["--root", str(korean.ws.root), "channels", "check", "--json"]) == 1
    out = capsys.readouterr().out
    assert "nothing to check" in out and "FB_TOKEN_NOT_SET is not set" in out
    page = html.unescape(korean.get("/channels").text)
    assert "확인할 것이 없습니다" in page
    assert "환경 변수 FB_TOKEN_NOT_SET이(가) 설정되어 있지 않습니다" in page
    assert "outreach.toml이나 환경 변수를 고치세요" in page
    assert "nothing to check" not in page and "is not set" not in page
    with use_language("en"):       # and the same rows read in English for an English reader
        checks = NotificationStore(korean.ws.db).checks()
    assert checks["outbox"]["results"][0]["what"] == "nothing to check"


def test_a_check_stored_before_reads_as_it_was_written(korean):
    now = datetime(2026, 11, 25, tzinfo=timezone.utc)
    NotificationStore(korean.ws.db).save_check(
        "outbox", [{"ok": False, "what": "old English line", "fix": "old fix",
                    "expires_at": None}], now, None)
    page = html.unescape(korean.get("/channels").text)
    assert "old English line" in page and "old fix" in page


def test_the_run_page_reads_in_korean_after_an_english_run(korean):
    ws = korean.ws
    with use_language("en"):                       # e.g. a daemon whose language is English
        pass_at(ws, WED.astimezone(timezone.utc))
        service = PublishingService(ws.settings, ws.db, clock=lambda: WED)
        occ = service.ledger.occurrence_by_key("weekend-guide", "2026-11-26T07:00:00Z")
        service.approve(occ["id"], "boss")
        draft = Path(occ["draft_dir"])
        shutil.rmtree(draft)                        # the draft vanished before its time
        pass_at(ws, THU.astimezone(timezone.utc))
    (delivery,) = service.ledger.deliveries([occ["id"]])
    assert delivery["state"] == m.D_FAILED
    with use_language("en"):
        (english,) = service.ledger.deliveries([occ["id"]])
    assert "manifest.json is missing: render the post again" in english["error"]
    page = html.unescape(korean.get(f"/runs/{occ['id']}").text)
    said = "manifest.json이(가) 없습니다: 게시물을 다시 만드세요(render)"
    assert page.count(said) >= 2            # the delivery in words, and its attempt's row
    assert "is missing" not in page and "render the post again" not in page


def test_stored_messages_translate_when_read_and_keep_secrets_out():
    register_secret("s3cret-token-value")
    with use_language("en"), recording():
        error = ("channel fb: " + _("gave up after {attempts} attempts: {reason}", attempts=5,
                                    reason=_("timed out waiting for the answer"))
                 + " url?access_token=s3cret-token-value")
        error = redact(error)
    kept = stored(error)
    assert kept.startswith(i18n.PREFIX) and "s3cret-token-value" not in kept
    with use_language("ko"):
        assert shown(kept) == ("channel fb: 5번 시도한 뒤 포기했습니다: 응답을 기다리다 시간이 "
                               "초과되었습니다 url?access_token=***")
    with use_language("en"):
        assert shown(kept) == str(error)
    # old rows, a platform's own words, a damaged value: shown as they are
    assert shown("the worker stopped during the platform call") == \
        "the worker stopped during the platform call"
    assert shown("i18n:{not json") == "i18n:{not json"
    assert shown(None) is None
    # outside recording() messages are plain strings, stored as they are
    plain = _("nothing to check")
    assert type(plain) is str and stored(plain) == plain


def test_dates_in_a_stored_message_follow_the_reader():
    when = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with use_language("en"), recording():
        text = _("{what} expires on {day} (in {days} days)", what="token",
                 day=i18n.format_datetime(when, SEOUL), days=3)
    with use_language("ko"):
        assert "2026년 12월 1일 (화) 09:00" in shown(stored(text))


def test_status_json_reads_stored_errors_in_english_in_a_korean_workspace(korean, capsys,
                                                                          monkeypatch):
    import json

    from outreach.cli import main

    ws = korean.ws
    pass_at(ws, WED.astimezone(timezone.utc))          # the Korean daemon: a Korean pass
    service = PublishingService(ws.settings, ws.db, clock=lambda: WED)
    occ = service.ledger.occurrence_by_key("weekend-guide", "2026-11-26T07:00:00Z")
    service.approve(occ["id"], "boss")
    shutil.rmtree(Path(occ["draft_dir"]))
    pass_at(ws, THU.astimezone(timezone.utc))
    monkeypatch.setenv("OUTREACH_NOW", THU.isoformat())
    main(["--root", str(ws.root), "status", "--json"])
    rows = json.loads(capsys.readouterr().out)
    (run,) = [r for r in rows if r["id"] == occ["id"]]
    assert "manifest.json is missing: render the post again" in run["deliveries"][0]["error"]
    main(["--root", str(ws.root), "status"])            # the same rows, in Korean
    assert "manifest.json이(가) 없습니다" in capsys.readouterr().out
