"""File modes: var/ and the database are the service account's alone; hand-off folders
can be shared read-only with one staff group.

Every ``outreach`` command runs with umask 077 (``outreach.cli.main``), so the
database, drafts, outbox and hand-off folders are created 0700/0600. A hand-off
channel with ``share_group = "pr-staff"`` in its ``[channels.NAME]`` table gives
that group read access to each hand-off folder it prepares (folders 0750, files
0640) and lets it pass through the folders above (``var/`` and
``var/handoff/`` get group ``pr-staff`` and g+x, not g+r: the group cannot list
or read anything else in var/). The service account must be a member of the
group (``usermod -aG pr-staff outreach``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

OWNER_ONLY_UMASK = 0o077


def owner_only() -> None:
    """Make files this process creates readable by their owner only."""
    os.umask(OWNER_ONLY_UMASK)


def group_id(name: str) -> int:
    """The id of group ``name``; KeyError when the system has no such group."""
    import grp

    return grp.getgrnam(name).gr_gid


def share_with_group(folder: Path, group: str, up_to: Path) -> None:
    """Give ``group`` read access to ``folder`` (recursively) and passage through every
    folder between ``up_to`` (included) and it."""
    gid = group_id(group)
    for path in [folder, *sorted(folder.rglob("*"))]:
        os.chown(path, -1, gid, follow_symlinks=False)
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        add = stat.S_IRGRP | (stat.S_IXGRP if path.is_dir() else 0)
        os.chmod(path, mode | add)
    here = folder.parent
    top = up_to.resolve()
    while True:
        resolved = here.resolve()
        if not resolved.is_relative_to(top):
            break
        os.chown(here, -1, gid)
        os.chmod(here, stat.S_IMODE(here.stat().st_mode) | stat.S_IXGRP)
        if resolved == top:
            break
        here = here.parent
