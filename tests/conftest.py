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


def _pg_schema(admin) -> tuple[str, str]:
    """A new, empty schema on the test server and the URL that makes it the search path."""
    schema = "t_" + uuid.uuid4().hex[:12]
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    return schema, f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def _pg_admin():
    import sqlalchemy as sa

    admin = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    yield admin
    admin.dispose()


@pytest.fixture(scope="session")
def _migrated_templates(tmp_path_factory, request):
    """The newest schema, built once per test process by the real migrations (Alembic).

    SQLite: a migrated database file, copied for each test. PostgreSQL: every statement
    the migrations sent to the server, recorded while they built a schema, replayed for
    each test in its own new schema (same statements, same order, on an empty schema:
    the same tables, indexes, constraints and rows). On a busy machine a migration costs
    0.4-1.2 s on SQLite and 0.9-1.9 s on PostgreSQL (plus waiting for its server-wide
    lock); a copy costs milliseconds, a replay 0.1-0.5 s (the server's own catalog work).
    tests/test_store_db.py checks that a copy and a replay equal a migrated database."""
    from sqlalchemy import event

    from outreach.store.db import Database, make_engine, upgrade

    path = tmp_path_factory.mktemp("template") / "outreach.db"
    db = Database(make_engine(f"sqlite:///{path}"))
    upgrade(db)
    db.dispose()                       # the last connection checkpoints the WAL into the file
    statements: list[tuple[str, object, str]] = []
    if PG_URL:
        admin = request.getfixturevalue("_pg_admin")
        schema, url = _pg_schema(admin)
        db = Database(make_engine(url))

        def record(conn, cursor, statement, parameters, context, executemany) -> None:
            if "pg_advisory_" in statement:   # upgrade()'s lock against a twin migrator:
                return     # server-wide, it would queue every test behind other test runs
            # as SQLAlchemy hands it to psycopg: many rows, no parameters at all, or one row
            how = ("many" if executemany else
                   "bare" if context is not None and context.no_parameters else "one")
            statements.append((statement, parameters, how))

        event.listen(db.engine, "before_cursor_execute", record)
        upgrade(db)
        db.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    return path, statements


def _replay(admin, schema: str, statements) -> None:
    with admin.begin() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute(f'SET LOCAL search_path TO "{schema}"')
        for statement, parameters, how in statements:
            if how == "many":
                cursor.executemany(statement, parameters)
            elif how == "bare":
                cursor.execute(statement)
            else:
                cursor.execute(statement, parameters)
        cursor.close()


@pytest.fixture(params=_backends())
def db_url(request, tmp_path, _migrated_templates) -> str:
    """A fresh database at the newest schema on each backend (a copy of one the real
    migrations built; tests of the migrations themselves use ``empty_db_url``)."""
    import shutil

    sqlite_template, statements = _migrated_templates
    if request.param == "sqlite":
        shutil.copyfile(sqlite_template, tmp_path / "outreach.db")
        yield f"sqlite:///{tmp_path / 'outreach.db'}"
        return
    admin = request.getfixturevalue("_pg_admin")
    schema, url = _pg_schema(admin)
    _replay(admin, schema, statements)
    yield url
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=_backends())
def empty_db_url(request, tmp_path) -> str:
    """A fresh, empty database URL on each backend (no tables: the migrations' own tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'outreach.db'}"
        return
    admin = request.getfixturevalue("_pg_admin")
    schema, url = _pg_schema(admin)
    yield url
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def fresh_db_url_beside(db_url, tmp_path, request) -> str:
    """Another empty database on ``db_url``'s backend (to compare the two)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    admin = request.getfixturevalue("_pg_admin")
    schema, url = _pg_schema(admin)
    yield url
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


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
