"""Test support for the staff web app (no tests here); other page families reuse it.

* ``web_workspace(tmp_path, db_url, toml="", language="en")``: a copy of the sample
  workspace (templates, schedules, content, inbox) on the given database.
* ``add_user(db, name, role)``: an account with ``PASSWORD`` (or the one given).
* ``staff_client(ws)``: an in-process ``TestClient`` for the staff app;
  ``sign_in(client, name)`` signs it in (CSRF handled), ``csrf(client)`` reads the
  token a page carries, ``post(client, path, data)`` sends a form with it.
* ``LiveServer``: the composed app under uvicorn on a free 127.0.0.1 port in a
  thread, for the browser tests (``tests/browser/``).

The pytest fixtures ``web_ws``, ``staff`` and ``live_server`` (tests/conftest.py)
wrap these.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from outreach.config import Settings, load_settings
from outreach.store.db import Database, open_database
from outreach.users import accounts
from outreach.users.audit import Actor

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"
SAMPLE_FOLDERS = ("templates", "schedules", "content", "inbox")
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


@dataclass
class WebWorkspace:
    root: Path
    settings: Settings
    db: Database


def web_workspace(tmp_path: Path, db_url: str, toml: str = "", language: str = "en",
                  env: dict[str, str] | None = None) -> WebWorkspace:
    root = tmp_path / "ws"
    root.mkdir(exist_ok=True)
    for folder in SAMPLE_FOLDERS:
        shutil.copytree(REPO / folder, root / folder, dirs_exist_ok=True)
    (root / "outreach.toml").write_text(
        f'timezone = "Asia/Seoul"\nlanguage = "{language}"\ndatabase_url = "{db_url}"\n'
        f'[channels.outbox]\ntype = "outbox"\n{toml}', encoding="utf-8")
    (root / ".env").write_text("".join(f"{k}={v}\n" for k, v in (env or {}).items()))
    settings = load_settings(root)
    return WebWorkspace(root=root, settings=settings, db=open_database(settings.database_url))


def add_user(db: Database, name: str, role: str, password: str = PASSWORD, **kw: Any):
    return accounts.add_user(db, Actor.system("test"), name, role, password, **kw)


def staff_client(ws: WebWorkspace, **kw: Any):
    from starlette.testclient import TestClient

    from outreach.web import create_app

    return TestClient(create_app(ws.settings, ws.db, only="staff"), follow_redirects=False,
                      **kw)


def csrf(client, path: str = "/sign-in") -> str:
    """The CSRF token the page at ``path`` carries (and sets up the cookie it needs)."""
    page = client.get(path)
    found = _CSRF.search(page.text)
    assert found, f"no csrf-token meta tag on {path} ({page.status_code})"
    return found.group(1)


def sign_in(client, name: str, password: str = PASSWORD):
    token = csrf(client, "/sign-in")
    response = client.post("/sign-in", data={"name": name, "password": password,
                                             "csrf_token": token, "next": "/"})
    assert response.status_code == 303, response.text
    return response


def post(client, path: str, data: dict | None = None, *, page: str = "/account", **kw):
    """POST a form with the session's CSRF token (read from ``page``)."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf(client, page)}, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The composed app (staff + webhooks) under uvicorn in a thread on 127.0.0.1."""

    def __init__(self, ws: WebWorkspace) -> None:
        import uvicorn

        from outreach.web import create_app

        self.ws = ws
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(create_app(ws.settings, ws.db), log_level="warning",
                                access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run,
                                       kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
