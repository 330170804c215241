"""The identity tables as declared (store/users_tables.py) match what migration 0003 builds."""

from __future__ import annotations

from schema_support import schema_diff

from outreach.store import users_tables

TABLES = ("departments", "users", "memberships", "sessions", "sign_in_attempts", "audit_log")


def test_declared_tables_match_the_migration(empty_db_url):
    diff = schema_diff(empty_db_url, users_tables.metadata, TABLES)
    assert diff == [], diff
