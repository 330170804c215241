"""Read new replies from every channel since its saved cursor and store them once.

Generic over any ``Channel`` that declares ``Capability.REPLIES``. Each page of
replies and the cursor after it are committed in one transaction, so a crash
never loses or skips replies and the cursor survives restarts. One channel
failing does not stop the others; its error is kept beside its cursor and
reported. The daemon calls ``harvest_all`` every few minutes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..config import Settings
from ..errors import ConfigError, OutreachError
from ..logs import log, redact
from ..model import Capability
from ..store import inbox as store
from ..store.db import Database
from .ingest import Ingestor
from .items import Inbox, auto_hide
from .settings import inbox_config
from .triage import current_rules
from ..i18n import _

logger = logging.getLogger(__name__)
MAX_PAGES = 20


@dataclass
class ChannelHarvest:
    channel: str
    new: int = 0
    updated: int = 0
    deleted: int = 0
    pages: int = 0
    error: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class HarvestReport:
    channels: list[ChannelHarvest] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.error is None for c in self.channels)

    @property
    def new(self) -> int:
        return sum(c.new for c in self.channels)

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "new": self.new,
                "channels": [vars(c) for c in self.channels]}


def harvest_channels(settings: Settings) -> list[str]:
    """Configured, enabled channels whose type can read replies."""
    from ..channels import channel_class

    names = []
    for name, cfg in settings.channels.items():
        if not cfg.enabled:
            continue
        try:
            cls = channel_class(cfg.type)
        except (ImportError, AttributeError):
            continue  # adapter not installed yet
        if Capability.REPLIES in cls.capabilities:
            names.append(name)
    return names


def harvest_all(settings: Settings, db: Database, *, channels: Sequence[str] | None = None,
                max_pages: int = MAX_PAGES, actor: str = "outreach") -> HarvestReport:
    """Harvest ``channels`` (default: every channel that can read replies)."""
    cfg = inbox_config(settings)
    ingestor = Ingestor(cfg, current_rules(cfg.rules_file))   # re-read once staff saved it
    inbox = Inbox(settings, db, actor=actor)
    names = list(channels) if channels else harvest_channels(settings)
    if channels:
        possible = set(harvest_channels(settings))
        for name in names:
            if name not in settings.channels:
                raise ConfigError(_("no channel named {name!r} is configured (configured: "
                                    "{channels})", name=name,
                                    channels=', '.join(settings.channels) or 'none'),
                                  file=settings.file or "outreach.toml", key="channels")
            if name not in possible:
                raise ConfigError(_("channel {name} cannot read replies through an API "
                                    "(channels that can: {possible})", name=name,
                                    possible=', '.join(sorted(possible)) or 'none'),
                                  file=settings.file or "outreach.toml", key=f"channels.{name}")
    report = HarvestReport()
    for name in names:
        report.channels.append(_harvest_one(settings, db, name, ingestor, inbox, max_pages))
    return report


def _harvest_one(settings: Settings, db: Database, name: str, ingestor: Ingestor, inbox: Inbox,
                 max_pages: int) -> ChannelHarvest:
    from ..channels import open_channel

    result = ChannelHarvest(channel=name)
    channel = None
    try:
        channel = open_channel(settings, name)
        with db.read() as conn:
            cursor = store.get_cursor(conn, name)
        for _ in range(max_pages):
            batch = channel.replies(cursor)
            result.pages += 1
            result.notes.extend(batch.notes)
            ingestor.prepare(batch.items)          # triage outside the write transaction
            with db.begin() as conn:
                done = ingestor.ingest(conn, batch.items, source="poll")
                store.save_cursor(conn, name, batch.cursor)
            result.new += len(done.new)
            result.updated += len(done.updated)
            result.deleted += len(done.deleted)
            result.notes.extend(auto_hide(inbox, channel, done.auto_hide))
            if not batch.items or batch.cursor == cursor:
                break
            cursor = batch.cursor
    except OutreachError as exc:
        result.error = redact(str(exc))
    except Exception as exc:  # a bug in one adapter must not stop the others
        logger.exception("harvest of %s failed", name)
        result.error = redact(f"unexpected {type(exc).__name__}: {exc}")
    finally:
        if channel is not None:
            channel.close()
    if result.error:
        with db.begin() as conn:
            store.save_cursor(conn, name, None, error=result.error, keep_cursor=True)
    log(logger, logging.INFO, "harvested", channel=name, new=result.new, updated=result.updated,
        deleted=result.deleted, pages=result.pages, error=result.error or "")
    return result
