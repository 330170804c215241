"""The workspace's own files: private folders, disk-full errors, temp folders left behind.

- ``private_dir``: var/ and the database hold tokens' side effects, citizens'
  messages and pseudonym salts, so outreach creates them owner-only (0700 /
  0600), whatever the umask.
- ``storage_error``: an ``OSError`` that means the disk is full (or read-only,
  or not ours to write) becomes one ``StorageError`` line naming the folder,
  instead of a traceback or a misleading configuration error.
- ``sweep_temp``: writers build ``.NAME.*.tmp`` files and folders beside
  their target and rename them when complete; a run killed mid-write leaves
  them behind. The next run-due or daemon start removes those older than
  ``STALE`` (a live writer's are seconds old).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import time
from pathlib import Path

from .errors import StorageError

STALE = 3600.0                    # seconds: older temp files belong to a dead run
_TEMP = re.compile(r"^\..+\.(tmp|tmp-[0-9a-f]{6,})$|^\..+\.tmp$")
_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by the owner only; an existing
    folder keeps its mode (an administrator may have chosen a group)."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(folder, 0o700)           # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> None:
    """Create an empty ``path`` readable by the owner only, unless it exists."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in _FULL:
        return True
    text = str(getattr(exc, "orig", None) or exc).lower()
    return ("database or disk is full" in text or "no space left on device" in text
            or "disk quota exceeded" in text)


def full_at(exc: BaseException, folder: object) -> bool:
    """``is_disk_full``, or an I/O error (SQLite says "disk I/O error" when it cannot grow
    its WAL index) while ``folder``'s disk has less than a megabyte left."""
    if is_disk_full(exc):
        return True
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "i/o error" not in text or not isinstance(folder, Path):
        return False
    try:
        info = os.statvfs(folder)
    except OSError:
        return False
    return info.f_bavail * info.f_frsize < 1024 * 1024


def storage_error(exc: BaseException, folder: object | None = None) -> StorageError | None:
    """The one-line error for a full, read-only or forbidden disk, or None for other errors."""
    from .i18n import _

    if folder is None and isinstance(exc, OSError) and exc.filename:
        folder = Path(os.fsdecode(exc.filename)).parent
    where = str(folder) if folder is not None else _("the workspace folder")
    if full_at(exc, folder):
        return StorageError(_("no space left on the disk holding {folder}: free some space "
                              "(old files in var/posts, var/outbox, out/), then run again",
                              folder=where), folder=folder)
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return StorageError(_("{folder} is on a read-only disk: point var_dir in outreach.toml "
                              "at a writable folder", folder=where), folder=folder)
    if isinstance(exc, OSError) and exc.errno == errno.EACCES:
        return StorageError(_("no permission to write in {folder}: run outreach as the "
                              "workspace's owner or fix the folder's permissions",
                              folder=where), folder=folder)
    return None


def sweep_temp(root: Path, *, older_than: float = STALE) -> list[Path]:
    """Remove ``.NAME.*.tmp`` files and folders under ``root`` older than ``older_than``
    seconds (left by a killed run); the removed paths."""
    if not root.is_dir():
        return []
    limit = time.time() - older_than
    removed = []
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            if not _TEMP.match(name):
                continue
            path = Path(folder) / name
            try:
                if path.lstat().st_mtime > limit:
                    continue
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                    dirs.remove(name)
                else:
                    path.unlink()
            except OSError:
                continue          # gone already, or not ours: leave it
            removed.append(path)
    return removed
