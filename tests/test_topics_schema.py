"""The topic tables as declared (store/topics_tables.py) match what migration 0011 builds."""

from __future__ import annotations

from schema_support import schema_diff

from outreach.store import topics_tables

TABLES = ("topic_run", "topic_group", "topic_member")


def test_declared_tables_match_the_migration(empty_db_url):
    diff = schema_diff(empty_db_url, topics_tables.metadata, TABLES)
    assert diff == [], diff
