"""``outreach publish``: render now and publish through the same ledger, or only show (dry run).

The post is rendered before anything is recorded, so a bad template or data
file leaves no ledger row and no half-written folder behind.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Sequence

from ..channels.base import Channel
from ..config import Settings
from ..errors import ConfigError, LedgerError, OutreachError
from ..model import RenderedPost
from . import budget
from . import model as m
from .deliver import check_limits
from .drafts import render_draft
from .service import PublishingService
from ..i18n import _


@dataclass(frozen=True)
class PlanLine:
    """What a dry run would send to one channel."""

    channel: str
    type: str
    text_name: str
    text_chars: int
    max_text: int | None
    images: int
    max_images: int | None
    problem: str | None


def choose_channels(settings: Settings, names: Sequence[str] | None) -> list[str]:
    """The channels named (each must be configured), or all enabled ones."""
    if names:
        for name in names:
            if name not in settings.channels:
                known = ", ".join(settings.channels) or "none"
                raise ConfigError(_("no channel named {name!r} is configured (configured: "
                                    "{known})", name=name, known=known),
                                  file=settings.file or "outreach.toml", key="channels")
            if not settings.channels[name].enabled:
                raise ConfigError(_("this channel is disabled: set enabled = true to publish to "
                                    "it"),
                                  file=settings.file or "outreach.toml", key=f"channels.{name}")
        return list(dict.fromkeys(names))
    enabled = [n for n, c in settings.channels.items() if c.enabled]
    if not enabled:
        raise ConfigError(_("no enabled channel: add a [channels.NAME] table"),
                          file=settings.file or "outreach.toml", key="channels")
    return enabled


def _render(service: PublishingService, template: str, data_file: Path | None,
            channels: list[Channel], out_dir: Path) -> RenderedPost:
    row = {"id": 0, "template": template, "data_file": str(data_file) if data_file else None,
           "data_json": None, "context_json": "{}"}
    return render_draft(service.settings, row, channels, out_dir=out_dir)


def dry_run(service: PublishingService, template: str, *, data_file: Path | None,
            channel_names: Sequence[str] | None) -> tuple[RenderedPost, list[PlanLine]]:
    """Render into ``var/dry-run/<template>/`` and check each channel; send and record nothing."""
    post, lines, _cost = dry_run_costed(service, template, data_file=data_file,
                                        channel_names=channel_names)
    return post, lines


def dry_run_costed(service: PublishingService, template: str, *, data_file: Path | None,
                   channel_names: Sequence[str] | None
                   ) -> tuple[RenderedPost, list[PlanLine], budget.RunCost]:
    """``dry_run`` plus what the run would cost and whether the budget and the channels'
    daily quotas allow it (``RunCost.refusal``)."""
    names = choose_channels(service.settings, channel_names)
    channels = [service.channel(n) for n in names]
    try:
        cost = budget.estimate(service, names)
        post = _render(service, template, data_file, channels,
                       service.settings.var_dir / "dry-run" / template)
        lines = []
        for ch in channels:
            try:
                text = ch.text_for(post)
                check_limits(ch, post)
                problem = None
            except OutreachError as exc:
                text, problem = "", getattr(exc, "detail", str(exc))
            lines.append(PlanLine(ch.name, ch.type, ch.ctx.setting("text", ch.text_name),
                                  len(text), ch.limits.max_text, len(post.slides),
                                  ch.limits.max_images, problem))
        return post, lines, cost
    finally:
        service.close()


AGAIN_WINDOW = timedelta(days=1)


def fingerprint(service: PublishingService, template: str, data_file: Path | None) -> str:
    """Template + data content (the sample's when no file is given), so the same post is
    recognised whatever the file is called or wherever it was copied."""
    source = data_file or service.settings.templates_dir / template / "sample.yaml"
    try:
        data = Path(source).read_bytes()
    except OSError:
        data = b""          # rendering reports the missing file
    return hashlib.sha256(template.encode() + b"\0" + data).hexdigest()[:16]


def already_published(service: PublishingService, print_: str,
                      names: Sequence[str]) -> tuple[int, str] | None:
    """(occurrence id, channel) of the same post published by hand to one of ``names``
    within ``AGAIN_WINDOW`` and not failed or cancelled, or None."""
    now = service.clock()
    rows = [r for r in service.ledger.recent(since=now - AGAIN_WINDOW, until=now,
                                             schedule="manual", limit=1000)
            if str(r["key"]).endswith(f":{print_}")]
    for d in service.ledger.deliveries(r["id"] for r in rows):
        if d["channel"] in names and d["state"] not in (m.D_FAILED, m.D_CANCELLED):
            return d["occurrence_id"], d["channel"]
    return None


def publish_now(service: PublishingService, template: str, *, data_file: Path | None,
                channel_names: Sequence[str] | None, again: bool = False
                ) -> tuple[int, m.WorkReport]:
    """Render, record as schedule ``manual`` and publish at once; (occurrence id, report).
    The same template and data sent to the same channel within a day is refused unless
    ``again``: a second ``outreach publish`` is far more often a slip than a wish."""
    names = choose_channels(service.settings, channel_names)
    print_ = fingerprint(service, template, data_file)
    if not again:
        earlier = already_published(service, print_, names)
        if earlier:
            service.close()
            from ..i18n import _

            raise LedgerError(_("this template and data already went to {channel} within the "
                                "last day (occurrence #{occ}, see outreach status): add --again "
                                "to publish it once more", channel=earlier[1], occ=earlier[0]))
    try:
        budget.guard(service, names)     # refused before anything is rendered or sent
    except OutreachError:
        service.close()
        raise
    channels = [service.channel(n) for n in names]
    key = f"manual:{uuid.uuid4().hex[:12]}:{print_}"
    folder = service.settings.var_dir / "posts" / f"manual-{key.split(':')[1]}"
    try:
        _render(service, template, data_file, channels, folder)
        spec = m.OccurrenceSpec(schedule="manual", key=key, scheduled_for=service.clock(),
                                template=template, channels=tuple(names),
                                data_file=data_file.resolve() if data_file else None)
        occ_id = service.plan_prepared(spec, str(folder))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        service.close()
        raise
    report = service.work(schedule="manual")
    return occ_id, report
