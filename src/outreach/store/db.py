"""Open the database: engine, SQLite pragmas, migrations to the newest schema.

SQLite is the embedded default (one file in var/); PostgreSQL is for a team.
Every open brings the schema up to date with Alembic, so an upgrade of
outreach keeps existing data. Alembic is imported only when the schema is
behind, which keeps ordinary commands fast.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text

from ..errors import ConfigError, StorageError
from ..i18n import _

MIGRATIONS = Path(__file__).with_name("migrations")
_SQLITE_BUSY_MS = 30000


class Database:
    """An engine plus the knowledge of which dialect it speaks."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.is_postgres = engine.dialect.name == "postgresql"

    @contextmanager
    def begin(self, *, lock_timeout: float | None = None) -> Iterator[Connection]:
        """A transaction. On SQLite it starts with BEGIN IMMEDIATE (the write lock),
        so read-then-update claims are atomic across processes.

        ``lock_timeout`` (seconds) bounds the wait for a lock held by someone else
        (default: SQLite's 30 s busy timeout, no limit on PostgreSQL); past it the
        driver raises ``OperationalError``. A webhook that must answer within
        seconds sets it; a daemon or a migration keeps the patient default."""
        try:
            with self._begin(lock_timeout) as conn:
                yield conn
        except Exception as exc:
            from ..storage import full_at

            folder = _folder_of(str(self.engine.url))
            if type(exc).__module__.startswith("sqlalchemy") and full_at(exc, folder):
                raise _storage(exc, folder) from exc
            raise

    @contextmanager
    def _begin(self, lock_timeout: float | None) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            if self.is_sqlite:
                if lock_timeout is not None:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
                try:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    try:
                        yield conn
                    except BaseException:
                        conn.rollback()
                        raise
                    conn.commit()
                finally:
                    if lock_timeout is not None:   # the connection goes back to the pool
                        conn.exec_driver_sql(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
            else:
                with conn.begin():
                    if lock_timeout is not None:
                        conn.exec_driver_sql(
                            f"SET LOCAL lock_timeout = {int(lock_timeout * 1000)}")
                    yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only connection (no write lock on SQLite)."""
        with self.engine.connect() as conn:
            yield conn
            conn.rollback()

    def dispose(self) -> None:
        self.engine.dispose()


def _normalise(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs (psycopg2 is not a dependency)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    url = _normalise(url)
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path and path != ":memory:":
            from ..storage import private_dir, private_file

            try:   # citizens' messages live here: owner-only (the -wal/-shm files follow)
                private_dir(Path(path).parent)
                private_file(Path(path))
            except OSError as exc:
                raise _storage(exc, Path(path).parent) from None
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
            cur.close()

        return engine
    if url.startswith("postgresql"):
        return create_engine(url, pool_pre_ping=True)
    raise ConfigError(_("unsupported database URL {scheme}: use sqlite:///PATH or "
                        "postgresql://USER@HOST/DB", scheme=url.split(':', 1)[0]), key="database_url")


def open_database(url: str, *, migrate: bool = True) -> Database:
    """Connect and bring the schema to the newest revision."""
    try:
        db = Database(make_engine(url))
        if migrate:
            upgrade(db)
    except (ConfigError, StorageError):
        raise
    except Exception as exc:  # driver errors: unreachable server, bad file
        from sqlalchemy.exc import SQLAlchemyError

        from ..storage import full_at

        if full_at(exc, _folder_of(url)):    # a full disk is not a configuration mistake
            raise _storage(exc, _folder_of(url)) from None
        if isinstance(exc, SQLAlchemyError):
            raise ConfigError(_("cannot open the database: {error}",
                                error=str(exc).splitlines()[0]),
                              key="database_url") from None
        raise
    return db


def _folder_of(url: str) -> object:
    """Where a database lives, as staff would look for it."""
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):]).parent
    return "the PostgreSQL server's data folder"


def _storage(exc: BaseException, folder: object) -> StorageError:
    from ..storage import storage_error

    return storage_error(exc, folder) or StorageError(str(exc), folder=folder)


def _head() -> str:
    """The newest revision id, read from file names (NNNN_name.py) without importing Alembic."""
    names = sorted(p.stem for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    return names[-1] if names else ""


def current_revision(db: Database) -> str | None:
    with db.read() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(db: Database) -> None:
    """Run pending migrations (a no-op costing one query when up to date)."""
    if current_revision(db) == _head():
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.connect() as conn:
        if db.is_postgres:
            # one migrator at a time across processes
            conn.exec_driver_sql("SELECT pg_advisory_lock(727001)")
        cfg.attributes["connection"] = conn
        try:
            command.upgrade(cfg, "head")
        finally:
            if db.is_postgres:
                conn.exec_driver_sql("SELECT pg_advisory_unlock(727001)")
            conn.commit()
