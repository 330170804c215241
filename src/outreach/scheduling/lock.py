"""One daemon per database.

Two daemons on one database would each wake up for every run; the ledger would
still publish once, but logs, reloads and retries would be doubled and confusing.
SQLite: an exclusive ``fcntl`` lock on ``<database>.daemon.lock`` beside the
database file (released by the kernel when the process dies, even by SIGKILL).
PostgreSQL: ``pg_try_advisory_lock`` on a dedicated connection held open for
the daemon's life (released by the server when that session ends); the key is
derived from the database and schema, and the holder's pid travels in
``application_name`` so the refusal can name it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path
from typing import Any

from sqlalchemy import text

from ..errors import AlreadyRunning
from ..store.db import Database
from ..i18n import _

_APP_PREFIX = "outreach-daemon pid="


class DaemonLock:
    """Held while the daemon runs; ``acquire`` raises ``AlreadyRunning`` if taken."""

    def __init__(self, db: Database, shown: str) -> None:
        self.db = db
        self.shown = shown                   # the database as staff know it, for messages
        self._file: Any = None
        self._conn: Any = None

    def acquire(self) -> "DaemonLock":
        if self.db.is_sqlite:
            self._acquire_file()
        else:
            self._acquire_advisory()
        return self

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._conn is not None:
            try:
                self._conn.exec_driver_sql("SELECT pg_advisory_unlock_all()")
            finally:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> "DaemonLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    # -- SQLite: a lock file ------------------------------------------------
    def lock_path(self) -> Path:
        database = self.db.engine.url.database or ""
        if not database or database == ":memory:":
            raise AlreadyRunning(_("the daemon needs a database file, not an in-memory "
                                   "database: set database_url in outreach.toml"))
        return Path(database).with_name(Path(database).name + ".daemon.lock")

    def _acquire_file(self) -> None:
        path = self.lock_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise AlreadyRunning(self._refusal(holder)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    # -- PostgreSQL: an advisory lock -------------------------------------
    def _acquire_advisory(self) -> None:
        conn = self.db.engine.connect()
        try:
            schema = conn.execute(
                text("SELECT current_database() || '.' || current_schema()")).scalar()
            key = _key(f"outreach-daemon:{schema}")
            conn.execute(text("SELECT set_config('application_name', :name, false)"),
                         {"name": f"{_APP_PREFIX}{os.getpid()}"})
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            conn.commit()
            if not got:
                holder = conn.execute(text(
                    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                    "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                    "AND l.objid::bigint = (:k & 4294967295) "
                    "AND l.classid::bigint = ((:k >> 32) & 4294967295) "
                    "LIMIT 1"), {"k": key}).scalar() or ""
                conn.rollback()
                raise AlreadyRunning(self._refusal(holder.removeprefix(_APP_PREFIX) or "unknown"))
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def _refusal(self, holder: str) -> str:
        return _("another outreach daemon is already running on {database} (pid {pid}): stop "
                 "it first (systemctl stop outreach) or use that one", database=self.shown, pid=holder)


def _key(name: str) -> int:
    """A stable signed 64-bit advisory lock key."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
