"""Shared fixtures: a database URL for SQLite and (when configured) PostgreSQL.

PostgreSQL tests run when OUTREACH_TEST_PG_URL is set (``.ci/run`` sets it to the
CI machine's server). Each test gets its own schema, dropped afterwards, so
parallel test runs on one server never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

PG_URL = os.environ.get("OUTREACH_TEST_PG_URL", "")
# Tests assert the English message ids; tests of the Korean interface choose Korean
# explicitly (i18n.use_language("ko") or OUTREACH_LANGUAGE=ko for a subprocess).
os.environ["OUTREACH_LANGUAGE"] = "en"
REPO = Path(__file__).resolve().parents[1]


def _backends() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    if PG_URL:
        params.append(pytest.param("postgresql", id="postgresql"))
    return params


@pytest.fixture(params=_backends())
def db_url(request, tmp_path) -> str:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'outreach.db'}"
        return
    import sqlalchemy as sa

    schema = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


# -- staff web app (tests/web_support.py; used by tests/test_web_*.py and tests/browser/) --

# argon2-cffi's profile for tests: sign-ins in milliseconds, not a second each on a busy
# machine (outreach.users.passwords; the default profile is tested on its own)
os.environ.setdefault("OUTREACH_PASSWORD_PROFILE", "cheapest")

@pytest.fixture
def web_ws(tmp_path, db_url):
    """A sample workspace for the web app on each database backend (English interface)."""
    from web_support import web_workspace

    ws = web_workspace(tmp_path, db_url)
    yield ws
    ws.db.dispose()


@pytest.fixture
def staff(web_ws):
    """An in-process client of the staff app (not signed in; see web_support.sign_in)."""
    from web_support import staff_client

    with staff_client(web_ws) as client:
        client.ws = web_ws
        yield client


@pytest.fixture
def live_server(web_ws):
    """The composed app under uvicorn on a free 127.0.0.1 port: ``live_server.url``."""
    from web_support import LiveServer

    with LiveServer(web_ws) as server:
        yield server


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts in the environment's language: an in-process CLI call sets the
    workspace's language for its context, which must not leak into the next test."""
    from outreach.i18n import set_language

    set_language(None)
    yield
    set_language(None)
