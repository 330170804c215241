"""Render an occurrence once into ``var/posts/<id>/`` and load that very render to publish.

The draft folder is what staff look at before approving, and exactly what goes
out: publishing never renders again. Image format and size budget follow the
strictest target channel.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..channels.base import Channel
from ..config import Settings
from ..errors import LedgerError, OutreachError
from ..model import RenderedPost
from ..i18n import _


def draft_dir(settings: Settings, occurrence_id: int) -> Path:
    return settings.var_dir / "posts" / str(occurrence_id)


def image_options(channels: Iterable[Channel]) -> tuple[str, int | None]:
    """(format, byte budget): PNG unless a channel refuses it; the smallest size limit."""
    channels = list(channels)
    fmt = "png" if all("png" in ch.limits.image_formats for ch in channels) else "jpeg"
    budgets = [ch.limits.max_image_bytes for ch in channels if ch.limits.max_image_bytes]
    return fmt, (min(budgets) if budgets else None)


def render_draft(settings: Settings, row: Mapping[str, Any], channels: Iterable[Channel],
                 out_dir: Path | None = None) -> RenderedPost:
    """Render the occurrence ``row`` (a ledger row) into its draft folder."""
    from ..render import render_post

    fmt, budget = image_options(channels)
    data = json.loads(row["data_json"]) if row.get("data_json") else None
    data_file = Path(row["data_file"]) if row.get("data_file") else None
    return render_post(settings.templates_dir, row["template"],
                       out_dir=out_dir or draft_dir(settings, row["id"]), data=data,
                       data_file=data_file, image_format=fmt, image_budget=budget,
                       context=json.loads(row.get("context_json") or "{}"),
                       workspace=settings.root, media_dirs=settings.media_dirs)


def load_draft(folder: str | Path) -> RenderedPost:
    """The rendered post in ``folder``; a clear error when it was removed or damaged."""
    from ..render import load_rendered

    path = Path(folder)
    try:
        return load_rendered(path)
    except OutreachError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise LedgerError(_("{path}: the draft cannot be read ({exc}); it was changed or "
                            "removed after rendering", path=path, exc=exc)) from None
