"""A parsed file kept in memory and read again only when it changed on disk.

A long-running process (the web app, the webhook server, the daemon) reads a few
staff-edited files on every request or cycle: the inbox rules, the saved replies.
Parsing them each time is wasted work; keeping them forever would hide an edit.
``ParsedFiles`` keeps each file's parsed value with the file's stamp
(modification time in nanoseconds, size, inode) and parses again when the stamp
changed: a save from the web editor (written to a new file renamed into place,
so the inode changes too) or an edit by hand on the server is seen on the next
call, without a restart.

The stamp is taken before the file is read, so a change made while it is being
parsed leaves an older stamp with the newer value: the next call sees a stamp
that differs and reads it once more, never the other way round.

Errors are not kept: a file that cannot be read or parsed raises on every call,
as the parser does (its message names the file), and forgets the value kept
for it, so a removed file is reported as removed.

The value returned is shared by every caller until the file changes: callers
must not modify it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")

Stamp = tuple[int, int, int]


def _key(path: Path) -> str:
    return os.path.abspath(path)          # one entry per file however its path is spelled


def _stamp(path: Path) -> Stamp:
    """What ``ParsedFiles`` compares to notice a change; OSError when there is no file."""
    st = path.stat()
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class ParsedFiles(Generic[T]):
    """``parse(path)`` of each file asked for, parsed again only when the file changed.

    Thread-safe: concurrent requests may call ``get``; two that find the same file
    changed may both parse it (the parse runs outside the lock, so a slow file
    never blocks another), and either result is kept.
    """

    def __init__(self, parse: Callable[[Path], T]) -> None:
        self._parse = parse
        self._kept: dict[str, tuple[Stamp, T]] = {}
        self._lock = threading.Lock()

    def get(self, path: Path) -> T:
        key = _key(path)
        try:
            stamp = _stamp(path)
        except OSError:
            self.forget(path)
            return self._parse(path)          # raises as the parser does (names the file)
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        try:
            value = self._parse(path)
        except BaseException:
            self.forget(path)
            raise
        with self._lock:
            self._kept[key] = (stamp, value)
        return value

    def forget(self, path: Path) -> None:
        """Drop what is kept for ``path`` (the next ``get`` parses it)."""
        with self._lock:
            self._kept.pop(_key(path), None)
