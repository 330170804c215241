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
