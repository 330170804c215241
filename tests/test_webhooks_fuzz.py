"""The webhook server never answers 5xx to input: fuzzed bodies, hostile JSON, a locked database.

Every request here carries a valid Kakao skill key or a valid Facebook signature, so it
gets past authentication and reaches parsing, the inbox and the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import threading
import time

import pytest
from sqlalchemy import create_engine
from starlette.testclient import TestClient

from outreach.logs import setup_logging
from outreach.store import inbox as store
from outreach.store.inbox import ItemFilter
from outreach.web.app import LOCK_WAIT, create_app
from outreach.web.strictjson import BadJSON, depth, loads

from test_inbox_support import opened

APP_SECRET = "fb-app-secret-0123456789"
SKILL_KEY = "kakao-skill-key-abcdef"
PAGE = "1000000000001"
TOML = f"""
[channels.facebook]
type = "facebook"
page_id = "{PAGE}"
page_token_env = "FB_TOKEN"
[server]
max_body = 8192
[server.facebook]
app_secret_env = "FB_APP_SECRET"
verify_token_env = "FB_VERIFY"
[server.kakao]
secret_env = "KAKAO_SKILL_KEY"
"""
ENV = {"FB_APP_SECRET": APP_SECRET, "FB_VERIFY": "verify-me-please",
       "KAKAO_SKILL_KEY": SKILL_KEY, "FB_TOKEN": "page-token"}


@pytest.fixture
def served(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url, TOML, ENV)
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as client:
        yield client, db
    db.dispose()


def _count(db) -> int:
    with db.read() as conn:
        return len(store.list_items(conn, ItemFilter(statuses=(), include_deleted=True)))


def skill_body(utterance="가로등이 꺼졌어요", user="botuser-1") -> dict:
    return {"userRequest": {"utterance": utterance, "user": {"id": user, "properties": {}}},
            "bot": {"id": "bot-1"}}


def post_skill(client, body: bytes):
    return client.post("/webhooks/kakao/skill", content=body,
                       headers={"Content-Type": "application/json",
                                "X-Outreach-Skill-Key": SKILL_KEY})


def post_fb(client, body: bytes):
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post("/webhooks/facebook", content=body,
                       headers={"Content-Type": "application/json",
                                "X-Hub-Signature-256": signature})


def fb_body(created_time: object = 1763600400, message: object = "불법주차 신고",
            comment_id: object = "9001_1") -> bytes:
    value = {"item": "comment", "verb": "add", "comment_id": comment_id, "post_id": "9001",
             "from": {"id": "5550001", "name": "김시민"}, "message": message,
             "created_time": created_time}
    return json.dumps({"object": "page", "entry": [
        {"id": PAGE, "changes": [{"field": "feed", "value": value}]}]},
        ensure_ascii=False).encode()


# -- strict JSON ----------------------------------------------------------------

def test_depth_counts_brackets_outside_strings_only():
    assert depth('{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert depth(r'["\"[[[[", "\\", [["x"]]]') == 3
    with pytest.raises(BadJSON):
        loads(b"[" * 100_000 + b"]" * 100_000)


@pytest.mark.parametrize("body", [
    b'{"a": "\\ud800"}', b'{"\\udfff": 1}', b'{"a": "x\\u0000y"}', b'{"a": NaN}',
    b'{"a": Infinity}', b'{"a": 1e999}', b'{"a": ' + b"9" * 5000 + b"}", b'\xed\xa0\x80',
    b'{"a": "\xff"}'])
def test_loads_refuses_what_breaks_later_layers(body):
    with pytest.raises(BadJSON):
        loads(body)


def test_loads_accepts_ordinary_json_with_escapes_and_bom():
    assert loads('\ufeff{"t": "가로등 \\ud83d\\ude00 \\"ok\\""}'.encode()) == \
        {"t": '가로등 \U0001F600 "ok"'}


# -- the server ------------------------------------------------------------------

def test_kakao_hostile_bodies_get_400_and_store_nothing(served):
    client, db = served
    deep = b'{"u":' * 1000 + b"1" + b"}" * 1000
    for body in (deep, b"[" * 4000, json.dumps(skill_body("\ud800")).encode(),
                 json.dumps(skill_body(user="\udc00abc")).encode(),
                 json.dumps(skill_body("a\x00b")).encode(),
                 json.dumps(skill_body()).encode().replace(b"botuser-1", b"bot\xed\xa0\x80"),
                 b'{"userRequest": {"utterance": 1e999}}'):
        answer = post_skill(client, body)
        assert answer.status_code == 400, (body[:60], answer.text)
    assert _count(db) == 0


def test_facebook_impossible_timestamps_get_400(served):
    client, db = served
    for created in (10 ** 20, -10 ** 20, 253402300800, 0, "9999-12-31T23:59:59-23:59",
                    "0001-01-01T00:00:00+14:00", "yesterday", 1.5e300, [1], True):
        answer = post_fb(client, fb_body(created_time=created))
        assert answer.status_code == 400, (created, answer.text)
    assert post_fb(client, b'{"object":"page","entry":[{"id":"1","changes":[{"field":"feed",'
                           b'"value":{"item":"comment","created_time":NaN}}]}]}').status_code == 400
    assert _count(db) == 0
    assert post_fb(client, fb_body(created_time="2026-11-20T01:00:00+0000")).status_code == 200
    assert _count(db) == 1


def test_overlong_ids_and_names_never_reach_the_database(served):
    client, db = served
    for comment_id in ("9001_" + "1" * 300, "9001_" + "가" * 300):
        assert post_fb(client, fb_body(comment_id=comment_id)).status_code == 400
    body = json.loads(fb_body(comment_id="9001_7"))
    value = body["entry"][0]["changes"][0]["value"]
    value["from"] = {"id": "5" * 500, "name": "김" * 1000}
    value["post_id"] = "9" * 250
    assert post_fb(client, json.dumps(body).encode()).status_code == 400   # post_id too long
    value["post_id"] = "9001"
    assert post_fb(client, json.dumps(body).encode()).status_code == 200   # name shortened
    skill = skill_body("가" * 500, user="u" * 2000)
    skill["bot"] = {"id": "b" * 3000}
    assert post_skill(client, json.dumps(skill, ensure_ascii=False).encode()).status_code == 200
    assert _count(db) == 2


def test_oversized_bodies_get_413_with_and_without_content_length(served):
    client, _ = served
    big = json.dumps(skill_body("가" * 5000)).encode()
    assert post_skill(client, big).status_code == 413

    def chunks():
        for _ in range(100):
            yield b" " * 1000
    streamed = client.post("/webhooks/kakao/skill", content=chunks(),
                           headers={"X-Outreach-Skill-Key": SKILL_KEY})
    assert streamed.status_code == 413


def _random_value(rng: random.Random, level: int = 0):
    kind = rng.randrange(8 if level < 4 else 5)
    if kind == 0:
        return rng.choice([None, True, False, 0, -1, 2 ** 63, 10 ** 30, 1e308, -0.0])
    if kind in (1, 2, 3, 4):
        alphabet = ["a", "가", "\ud800", "\udfff", "\x00", "\n", "\u200b", "😀", "{", "\\", '"',
                    "\ufeff", "%s", "{ticket}"]
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
    if kind == 5:
        return [_random_value(rng, level + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(["id", "user", "utterance", "userRequest", "bot", "properties",
                        "plusfriendUserKey", "entry", "changes", "value", "item", "verb",
                        "comment_id", "message", "created_time", "from", "object", "\ud801"]):
            _random_value(rng, level + 1) for _ in range(rng.randrange(5))}


def _mutations(rng: random.Random, base: dict):
    """Well-formed requests with one part replaced by something random."""
    for _ in range(120):
        body = json.loads(json.dumps(base))
        node = body
        path = []
        while isinstance(node, dict) and node and rng.random() < 0.7:
            key = rng.choice(list(node))
            path.append(key)
            if not isinstance(node[key], (dict, list)) or rng.random() < 0.3:
                break
            node = node[key] if isinstance(node[key], dict) else node[key][0] \
                if node[key] and isinstance(node[key][0], dict) else node[key]
        if isinstance(node, dict) and path:
            node[path[-1]] = _random_value(rng)
        yield json.dumps(body, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")


def test_fuzzed_requests_never_get_5xx(served):
    client, db = served
    rng = random.Random(20261129)
    statuses: dict[int, int] = {}
    fb_base = json.loads(fb_body())
    for body in _mutations(rng, skill_body()):
        status = post_skill(client, body).status_code
        statuses[status] = statuses.get(status, 0) + 1
        assert status < 500, body
    for body in _mutations(rng, fb_base):
        status = post_fb(client, body).status_code
        statuses[status] = statuses.get(status, 0) + 1
        assert status < 500, body
    assert statuses.get(200, 0) > 10 and statuses.get(400, 0) > 10     # both paths exercised


# -- a locked or broken database --------------------------------------------------

def _hold_lock(db_url: str, db):
    """Another process's view: a connection holding the write lock on the inbox."""
    if db.is_sqlite:
        import sqlite3

        raw = sqlite3.connect(db_url[len("sqlite:///"):], isolation_level=None)
        raw.execute("BEGIN IMMEDIATE")
        return raw.rollback, raw.close
    engine = create_engine(db.engine.url)
    conn = engine.connect()
    conn.exec_driver_sql("LOCK TABLE inbox_items IN EXCLUSIVE MODE")

    def close():
        conn.close()
        engine.dispose()
    return conn.rollback, close


def test_locked_database_gets_503_with_retry_after_and_a_log_line(served, db_url, capsys,
                                                                  monkeypatch):
    client, db = served
    monkeypatch.setenv("OUTREACH_LOG_FORMAT", "json")
    setup_logging()
    release, close = _hold_lock(db_url, db)
    try:
        started = time.monotonic()
        answer = post_skill(client, json.dumps(skill_body()).encode())
        waited = time.monotonic() - started
        fb = post_fb(client, fb_body())
    finally:
        release()
        close()
    assert answer.status_code == 503 and answer.headers["Retry-After"].isdigit()
    assert fb.status_code == 503 and "Retry-After" in fb.headers
    assert waited < LOCK_WAIT + 1.2            # within Kakao's 5 s, not SQLite's 30 s default
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    busy = [line for line in lines if line["msg"].startswith("database busy")]
    assert len(busy) == 2 and busy[0]["level"] == "warning"
    assert busy[0]["path"] == "/webhooks/kakao/skill"
    assert post_skill(client, json.dumps(skill_body()).encode()).status_code == 200   # recovers
    logging.getLogger("outreach").handlers.clear()


def test_many_concurrent_skill_requests_on_one_database_all_succeed(served):
    client, db = served
    results: list[int] = []

    def one(n: int) -> None:
        body = json.dumps(skill_body(f"민원 {n}번 가로등", user=f"user-{n % 5}")).encode()
        results.append(post_skill(client, body).status_code)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(200) == 40
    assert _count(db) == 40


def test_unexpected_error_is_logged_as_json_with_traceback_and_answered_500(served, capsys,
                                                                            monkeypatch):
    client, db = served
    monkeypatch.setenv("OUTREACH_LOG_FORMAT", "json")
    setup_logging()
    with db.begin() as conn:              # the database refuses every new item (a bug's stand-in)
        if db.is_sqlite:
            conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON inbox_items "
                                 "BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END")
        else:
            conn.exec_driver_sql("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                                 "$$ BEGIN RAISE EXCEPTION 'refused by trigger'; END $$")
            conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON inbox_items "
                                 "FOR EACH ROW EXECUTE FUNCTION refuse()")
    answer = post_skill(client, json.dumps(skill_body()).encode())
    assert answer.status_code == 500 and answer.json() == {"error": "internal error (logged)"}
    assert "refused" not in answer.text
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    assert [r["msg"] for r in records] == ["unhandled error"]
    assert records[0]["level"] == "error" and "refused by trigger" in records[0]["exc"]
    assert records[0]["path"] == "/webhooks/kakao/skill"
    logging.getLogger("outreach").handlers.clear()
