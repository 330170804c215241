"""The database layer opens and migrates on every backend."""

from outreach.store.db import _head, current_revision, open_database


def test_open_migrates_to_head_and_is_idempotent(empty_db_url):
    db = open_database(empty_db_url)
    assert current_revision(db) == _head()
    db.dispose()
    db = open_database(empty_db_url)  # second open: nothing to do, same revision
    assert current_revision(db) == _head()
    db.dispose()


def _plain(value) -> str:
    """A comparable text of what the inspector says (its partial-index clauses are
    objects that compare by identity)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_plain(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_plain, value)) + "]"
    return repr(value) if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def _schema_and_rows(db) -> dict:
    """Everything the migrations leave behind that a test could notice: each table's
    columns, keys, indexes and constraints, its rows, and SQLite's own table list."""
    import warnings

    from sqlalchemy import inspect, text

    with db.read() as conn, warnings.catch_warnings():
        # SQLite's inspector skips expression indexes, saying so; sqlite_master has them
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
        seen = inspect(conn)
        tables = sorted(seen.get_table_names())
        found: dict = {"tables": tables}
        virtual = set()        # SQLite's full-text index: its shadow tables hold its rows
        if db.is_sqlite:
            virtual = {r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")}
        for name in tables:
            found[name] = {
                "columns": [(c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                            for c in seen.get_columns(name)],
                "pk": _plain(seen.get_pk_constraint(name)),
                "fks": sorted(map(_plain, seen.get_foreign_keys(name))),
                "indexes": sorted(map(_plain, seen.get_indexes(name))),
                "unique": sorted(map(_plain, seen.get_unique_constraints(name))),
                "checks": sorted(map(_plain, seen.get_check_constraints(name))),
                "rows": [] if name in virtual else
                sorted(map(repr, conn.execute(text(f'SELECT * FROM "{name}"')))),
            }
        if db.is_sqlite:
            found["sqlite_master"] = sorted(conn.exec_driver_sql(
                "SELECT type, name, tbl_name, sql FROM sqlite_master "
                "WHERE name NOT LIKE 'sqlite_%'").all())
        else:
            found["pg_indexes"] = sorted(conn.exec_driver_sql(   # each test has its schema
                "SELECT tablename, indexname, replace(indexdef, current_schema() || '.', '') "
                "FROM pg_indexes WHERE schemaname = current_schema()").all())
            found["sequences"] = sorted(seen.get_sequence_names())
    return found


def test_each_tests_database_equals_one_the_migrations_build(db_url, fresh_db_url_beside):
    """``db_url`` hands tests a copy (SQLite) or a replay (PostgreSQL) of a database the
    migrations built once per test process: it must equal one they build now."""
    copied = open_database(db_url, migrate=False)
    migrated = open_database(fresh_db_url_beside)
    try:
        assert current_revision(copied) == _head()
        theirs, ours = _schema_and_rows(migrated), _schema_and_rows(copied)
        assert len(ours["tables"]) > 20 and ours == theirs
    finally:
        copied.dispose()
        migrated.dispose()
