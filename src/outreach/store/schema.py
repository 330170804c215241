"""The one SQLAlchemy MetaData every table module registers its tables on.

Table definitions live in one module per area (``ledger_tables``, ``inbox_tables``)
so each area owns its tables; migrations under ``migrations/versions`` create them.
"""

from __future__ import annotations

from sqlalchemy import MetaData

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})
