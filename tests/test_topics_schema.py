"""The topic tables as declared (store/topics_tables.py) match what migration 0011 builds."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from outreach.store import topics_tables
from outreach.store.db import open_database

TABLES = ("topic_run", "topic_group", "topic_member")


def test_declared_tables_match_the_migration(db_url):
    db = open_database(db_url)
    try:
        ours = MetaData()
        for name in TABLES:
            topics_tables.metadata.tables[name].to_metadata(ours)

        def ours_only(name, type_, parents) -> bool:
            if type_ == "schema":
                return True
            table = name if type_ == "table" else parents.get("table_name")
            return table in TABLES

        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": ours_only})
            diff = compare_metadata(context, ours)
        assert diff == [], diff
    finally:
        db.dispose()
