"""Compare tables as declared in ``store/*_tables.py`` with what the migrations build."""

from __future__ import annotations

from typing import Sequence

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from outreach.store.db import open_database


def schema_diff(db_url: str, metadata: MetaData, tables: Sequence[str]) -> list:
    """Alembic's differences between ``tables`` of ``metadata`` and the migrated database,
    looking at those tables only (an empty list: they match)."""
    db = open_database(db_url)
    try:
        ours = MetaData()
        for name in tables:
            metadata.tables[name].to_metadata(ours)

        def ours_only(name, type_, parents) -> bool:
            if type_ == "schema":
                return True
            return (name if type_ == "table" else parents.get("table_name")) in tables

        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": ours_only})
            return compare_metadata(context, ours)
    finally:
        db.dispose()


def downgrade(db, revision: str) -> None:
    """Run the migrations down to ``revision`` on ``db`` (opening it again brings it back
    up to the newest)."""
    from alembic import command
    from alembic.config import Config

    from outreach.store.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()
