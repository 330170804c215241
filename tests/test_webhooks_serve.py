"""``outreach serve`` for real (uvicorn, loopback): every log line in the configured format.

With OUTREACH_LOG_FORMAT=json an operator's log shipper must never meet a line it
cannot parse: not uvicorn's own warnings about broken HTTP, not a traceback.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from test_inbox_support import opened

SKILL_KEY = "kakao-skill-key-abcdef"
TOML = """
[server.kakao]
secret_env = "KAKAO_SKILL_KEY"
"""


def _serve(root) -> tuple[subprocess.Popen, int]:
    env = {**os.environ, "OUTREACH_LOG_FORMAT": "json"}
    env.pop("OUTREACH_HOME", None)
    proc = subprocess.Popen([sys.executable, "-m", "outreach", "--root", str(root), "serve",
                             "--host", "127.0.0.1", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    port = int(re.search(r":(\d+)\s*$", proc.stdout.readline()).group(1))
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start")


def _post(port: int, body: bytes) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/kakao/skill", data=body,
                                     headers={"Content-Type": "application/json",
                                              "X-Outreach-Skill-Key": SKILL_KEY})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_every_log_line_of_the_server_is_json(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url, TOML, {"KAKAO_SKILL_KEY": SKILL_KEY})
    proc, port = _serve(settings.root)
    try:
        skill = {"userRequest": {"utterance": "가로등이 꺼졌어요", "user": {"id": "u1"}}}
        assert _post(port, json.dumps(skill).encode()) == 200
        assert _post(port, b'{"userRequest": "\\ud800"}') == 400
        with socket.create_connection(("127.0.0.1", port)) as raw:   # not HTTP at all
            raw.sendall(b"\x16\x03\x01 this is not http\r\n\r\n")
            raw.recv(1000)
        with db.begin() as conn:       # the database refuses new items: a bug's stand-in
            if db.is_sqlite:
                conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON inbox_items "
                                     "BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END")
            else:
                conn.exec_driver_sql("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql "
                                     "AS $$ BEGIN RAISE EXCEPTION 'refused by trigger'; END $$")
                conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON inbox_items "
                                     "FOR EACH ROW EXECUTE FUNCTION refuse()")
        assert _post(port, json.dumps(skill).encode()) == 500
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
        db.dispose()
    lines = [line for line in err.splitlines() if line.strip()]
    records = []
    for line in lines:
        records.append(json.loads(line))          # every line parses
    loggers = {r["logger"] for r in records}
    assert any(r["logger"].startswith("uvicorn") and "Invalid HTTP" in r["msg"]
               for r in records), lines
    errors = [r for r in records if r["msg"] == "unhandled error"]
    assert len(errors) == 1 and "refused by trigger" in errors[0]["exc"], loggers
