"""Data files named after the occurrence: ``content/weekend-guide/{date}.yaml``.

Staff prepare one data file per run ahead of time; the schedule names the
pattern and each occurrence fills in its own local date, so the file for
Thursday 26 November is simply ``2026-11-26.yaml``.
"""

from __future__ import annotations

import string
from datetime import datetime
from pathlib import Path

PLACEHOLDERS = {
    "date": "occurrence date in local time, YYYY-MM-DD",
    "year": "four-digit year",
    "month": "two-digit month",
    "day": "two-digit day of the month",
    "time": "local time HHMM",
    "week": "ISO week, YYYY-Www",
}


def placeholders_in(pattern: str) -> list[str]:
    """The ``{names}`` used in ``pattern``; ValueError on a malformed brace."""
    return [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]


def unknown_placeholders(pattern: str) -> list[str]:
    """Placeholders that ``data_path`` could not fill (empty list when all are known)."""
    return [name for name in placeholders_in(pattern) if name not in PLACEHOLDERS]


def data_path(pattern: str, when_local: datetime, root: Path) -> Path:
    """The data file for an occurrence at ``when_local``; relative patterns start at ``root``."""
    iso = when_local.isocalendar()
    filled = pattern.format(date=f"{when_local:%Y-%m-%d}", year=f"{when_local:%Y}",
                            month=f"{when_local:%m}", day=f"{when_local:%d}",
                            time=f"{when_local:%H%M}", week=f"{iso.year}-W{iso.week:02d}")
    path = Path(filled)
    return path if path.is_absolute() else root / path
