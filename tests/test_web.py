"""The webhook server: Facebook signatures and payloads, the Kakao skill, limits, /health."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

import pytest
from starlette.testclient import TestClient

from outreach.inbox.items import Inbox
from outreach.store import inbox as store
from outreach.store.inbox import ItemFilter
from outreach.web.app import create_app

from test_inbox_support import opened

APP_SECRET = "fb-app-secret-0123456789"
VERIFY = "verify-me-please"
SKILL_KEY = "kakao-skill-key-abcdef"
PAGE = "1000000000001"
NOW = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)      # Friday 10:00 KST
TOML = f"""
[channels.facebook]
type = "facebook"
page_id = "{PAGE}"
page_token_env = "FB_TOKEN"
[server]
max_body = 4096
[server.facebook]
app_secret_env = "FB_APP_SECRET"
verify_token_env = "FB_VERIFY"
[server.kakao]
secret_env = "KAKAO_SKILL_KEY"
[inbox.kakao]
links = [{{label = "블로그", url = "https://blog.naver.com/city"}},
         {{label = "복지 상담", url = "https://www.bokjiro.go.kr/"}}]
"""
ENV = {"FB_APP_SECRET": APP_SECRET, "FB_VERIFY": VERIFY, "KAKAO_SKILL_KEY": SKILL_KEY,
       "FB_TOKEN": "page-token"}


@pytest.fixture
def served(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url, TOML, ENV)
    with TestClient(create_app(settings, db, now=lambda: NOW)) as client:
        client.settings = settings
        yield client, db
    db.dispose()


def _items(db, **kw):
    with db.read() as conn:
        return store.list_items(conn, ItemFilter(statuses=(), include_deleted=True, **kw))


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def comment(verb="add", message="가로등이 또 꺼졌어요", comment_id="9001_111"):
    value = {"item": "comment", "verb": verb, "comment_id": comment_id, "post_id": "9001",
             "parent_id": "9001", "from": {"id": "5550001", "name": "김시민"},
             "created_time": 1763600400}
    if message is not None:
        value["message"] = message
    return json.dumps({"object": "page", "entry": [
        {"id": PAGE, "time": 1763600400, "changes": [{"field": "feed", "value": value}]}]},
        ensure_ascii=False).encode()


def post_fb(client, body, signature="auto"):
    headers = {"Content-Type": "application/json"}
    if signature == "auto":
        signature = sign(body)
    if signature:
        headers["X-Hub-Signature-256"] = signature
    return client.post("/webhooks/facebook", content=body, headers=headers)


def test_facebook_verification_handshake(served):
    client, _ = served
    ok = client.get("/webhooks/facebook", params={"hub.mode": "subscribe",
                                                  "hub.verify_token": VERIFY, "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444"
    bad = client.get("/webhooks/facebook", params={"hub.mode": "subscribe",
                                                   "hub.verify_token": "guess", "hub.challenge": "1"})
    assert bad.status_code == 403


def test_facebook_signatures(served):
    client, db = served
    body = comment()
    assert post_fb(client, body, signature=None).status_code == 401
    assert post_fb(client, body, signature=sign(body, "wrong-secret")).status_code == 403
    assert post_fb(client, body, signature="sha256=zz").status_code == 403
    assert _items(db) == []
    good = post_fb(client, body)
    assert good.status_code == 200 and good.text == "EVENT_RECEIVED"
    replay = post_fb(client, body)               # Meta retries; an attacker replays
    assert replay.status_code == 200
    rows = _items(db)
    assert len(rows) == 1 and rows[0].remote_id == "9001_111" and rows[0].source == "webhook"
    assert rows[0].post_remote_id == "9001" and rows[0].parent_id is None


def test_facebook_edit_and_remove(served):
    client, db = served
    post_fb(client, comment())
    post_fb(client, comment("edited", "가로등이 또 꺼졌어요. 벌써 세 번째입니다"))
    post_fb(client, comment("hide", None))
    row = _items(db)[0]
    assert row.text.endswith("세 번째입니다") and row.platform_hidden
    post_fb(client, comment("remove", None))
    row = _items(db)[0]
    assert row.deleted_at is not None and row.text.endswith("세 번째입니다")
    with db.read() as conn:
        kinds = [e.kind for e in store.item_events(conn, row.id)]
    assert kinds == ["edited", "platform_hidden", "deleted"]


def test_facebook_bad_input_is_4xx_and_never_stored(served):
    client, db = served
    for body in (b"{not json", b"[]", json.dumps({"object": "page", "entry": "x"}).encode(),
                 "한글".encode("utf-16")):
        assert post_fb(client, body).status_code == 400
    huge = b'{"object":"page","entry":[' + b" " * 5000 + b"]}"
    assert post_fb(client, huge).status_code == 413
    assert _items(db) == []


def skill(utterance: str, user: str = "botuser-abc123") -> dict:
    return {"intent": {"id": "blk1", "name": "폴백 블록"},
            "userRequest": {"timezone": "Asia/Seoul", "utterance": utterance, "lang": "ko",
                            "block": {"id": "blk1", "name": "폴백 블록"}, "params": {},
                            "user": {"id": user, "type": "botUserKey",
                                     "properties": {"plusfriendUserKey": "pf-" + user}}},
            "bot": {"id": "bot-42", "name": "시청 민원봇"},
            "action": {"id": "act1", "name": "inbox", "params": {}, "detailParams": {},
                       "clientExtra": {}}}


def post_skill(client, payload, key=SKILL_KEY, how="header"):
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"}
    params = {}
    if key and how == "header":
        headers["X-Outreach-Skill-Key"] = key
    elif key:
        params["key"] = key
    return client.post("/webhooks/kakao/skill", content=body, headers=headers, params=params)


def test_kakao_first_contact_gets_rules_and_links(served):
    client, db = served
    answer = post_skill(client, skill("안녕하세요"))
    assert answer.status_code == 200
    data = answer.json()
    assert data["version"] == "2.0"
    outputs = data["template"]["outputs"]
    assert len(outputs) == 1 and "이용 안내" in outputs[0]["simpleText"]["text"]
    assert [q["label"] for q in data["template"]["quickReplies"]] == ["블로그", "복지 상담"]
    link = post_skill(client, skill("블로그")).json()["template"]["outputs"]
    assert link == [{"simpleText": {"text": "블로그 바로가기\nhttps://blog.naver.com/city"}}]
    rows = _items(db)
    assert len(rows) == 2 and {r.status for r in rows} == {"resolved"}    # menu taps close at once


def test_kakao_complaint_gets_ticket_and_keeps_user_key_private(served):
    client, db = served
    post_skill(client, skill("안녕하세요"))
    answer = post_skill(client, skill("아파트 앞 가로등이 일주일째 꺼져 있어요"), how="query")
    outputs = answer.json()["template"]["outputs"]
    assert len(outputs) == 1
    row = next(r for r in _items(db) if r.status == "new")
    text = outputs[0]["simpleText"]["text"]
    assert row.kind == "complaint" and f"접수번호는 {row.id}입니다" not in text
    assert re.search(r"접수번호는 20261120-[0-9A-Z]{6}입니다", text) and "도로과" in text and "11월 20일(금) 14:00" in text
    assert row.assignee == "도로과" and row.author_key and "botuser" not in row.author_key
    assert json.loads(row.ref)["bot_user_key"] == "botuser-abc123"
    shown = json.dumps(Inbox(client.settings, db).detail(row.id), ensure_ascii=False)
    assert "botuser" not in shown and "가로등이 일주일째" in shown


def test_kakao_first_message_that_is_a_complaint_gets_both(served):
    client, _ = served
    outputs = post_skill(client, skill("불법주차 신고합니다", user="u2")).json()["template"]["outputs"]
    assert len(outputs) == 2
    assert "이용 안내" in outputs[0]["simpleText"]["text"]
    assert "접수번호" in outputs[1]["simpleText"]["text"]


def test_kakao_rejects_bad_requests_without_storing(served):
    client, db = served
    assert post_skill(client, skill("민원"), key=None).status_code == 401
    assert post_skill(client, skill("민원"), key="wrong-key").status_code == 403
    assert post_skill(client, b"{\"userRequest\": ").status_code == 400
    assert post_skill(client, {"userRequest": {"utterance": "x"}}).status_code == 400
    assert post_skill(client, skill("가" * 5000)).status_code == 413
    assert _items(db) == []


def test_health(served):
    client, _ = served
    assert client.get("/health").json() == {"ok": True}
    assert client.get("/nope").status_code == 404


def test_outreach_serve_answers_real_http(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url, TOML, ENV)
    db.dispose()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "outreach", "--root", str(settings.root),
                             "serve", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert line.startswith("outreach: serving on http://127.0.0.1:"), proc.stderr.read()
        base = line.split()[-1]
        for _ in range(50):
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as r:
                    assert json.load(r) == {"ok": True}
                break
            except urllib.error.URLError:
                time.sleep(0.1)
        body = comment()
        req = urllib.request.Request(base + "/webhooks/facebook", data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "X-Hub-Signature-256": sign(body)})
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.status == 200
        bad = urllib.request.Request(base + "/webhooks/facebook", data=body, method="POST",
                                     headers={"X-Hub-Signature-256": sign(body, "x")})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(bad, timeout=5)
        assert err.value.code == 403
        req = urllib.request.Request(base + "/webhooks/kakao/skill?key=" + SKILL_KEY,
                                     data=json.dumps(skill("제설 요청합니다")).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as r:
            answer = json.load(r)
        assert answer["version"] == "2.0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    _, db = opened(tmp_path, db_url, TOML, ENV)
    assert {r.channel for r in _items(db)} == {"facebook", "kakao"}
    db.dispose()
