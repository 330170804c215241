"""Collect metric snapshots of delivered posts at their set ages, and follower counts daily.

Called by the daemon's job and ``outreach metrics collect`` (cron). What is due comes
from the ledger: a delivery out (sent or handed off) whose age has come and that has no
snapshot for it. A snapshot whose moment passed long ago (more than the age again, e.g.
the 1-hour one of a post now three hours old) is stored as missed, never filled in with
a later figure. Quota: each channel is asked about at most ``per_channel`` posts a run;
a rate limit or an expired token stops that channel until the next run (what was not
asked stays due), and any other failure of one post is stored as its reason.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from ..config import Settings
from ..errors import AuthExpired, ChannelError, Retryable
from ..i18n import _
from ..store import metrics as q
from ..store.db import Database
from .model import Figure, MetricTarget
from .settings import metrics_settings

log = logging.getLogger(__name__)


@dataclass
class CollectResult:
    snapshots: int = 0
    missed: int = 0
    followers: int = 0
    stopped: dict[str, str] = field(default_factory=dict)   # channel -> why it stopped early

    def as_json(self) -> dict[str, Any]:
        return {"snapshots": self.snapshots, "missed": self.missed, "followers": self.followers,
                "stopped": self.stopped}


def _links(context_json: str | None) -> tuple[str, ...]:
    try:
        ctx = json.loads(context_json or "{}")
    except ValueError:
        return ()
    links = ctx.get("links") if isinstance(ctx, dict) else None
    return tuple(str(x) for x in links) if isinstance(links, list) else ()


def collect(settings: Settings, db: Database, now: datetime, *,
            opener: Callable[[Settings, str], Any] | None = None,
            channels: list[str] | None = None) -> CollectResult:
    """One pass over every enabled channel (or ``channels``)."""
    from ..channels import open_channel

    opener = opener or open_channel
    cfg = metrics_settings(settings)
    ages = cfg.deltas()
    names = [n for n, c in settings.channels.items() if c.enabled and (not channels or n in channels)]
    horizon = now - 2 * ages[-1][1]
    due: dict[str, list[tuple[dict[str, Any], str, bool]]] = {}
    for row in q.out_since(db, horizon, names):
        for label, delta in ages:
            if label in row["ages"] or row["sent"] + delta > now:
                continue
            late = now - row["sent"] > 2 * delta + timedelta(minutes=30)
            due.setdefault(row["channel"], []).append((row, label, late))
    result = CollectResult()
    today = now.astimezone(settings.timezone).date()
    have_followers = q.followers_taken(db, today)
    for name in names:
        work = due.get(name, [])
        for row, label, late in work:
            if late:
                reason = _("missed: collected too late for the {age} snapshot", age=label)
                result.missed += q.save_snapshot(db, row["id"], label, now,
                                                 [Figure.missing("views", reason)]) and 1
        work = [w for w in work if not w[2]][:cfg.per_channel]
        if not work and name in have_followers:
            continue
        try:
            channel = opener(settings, name)
        except ChannelError as exc:
            result.stopped[name] = str(exc)
            continue
        try:
            _collect_channel(db, channel, work, now, result)
            if name not in have_followers and name not in result.stopped:
                _followers(db, channel, today, now, result)
        finally:
            channel.close()
    return result


def _collect_channel(db: Database, channel: Any, work: list[Any], now: datetime,
                     result: CollectResult) -> None:
    for row, label, _late in work:
        target = MetricTarget(row["remote_id"], row["url"], row["sent"], _links(row["context_json"]))
        try:
            figures = list(channel.metrics(target, now))
        except (AuthExpired, Retryable) as exc:     # quota or token: stop; the rest stays due
            result.stopped[channel.name] = str(exc)
            return
        except ChannelError as exc:
            figures = [Figure.missing("views", str(exc))]
        if not figures:
            figures = [Figure.missing("views", _("{channel} has no insights API: figures are "
                                                 "not available", channel=channel.name))]
        q.save_snapshot(db, row["id"], label, now, figures)
        result.snapshots += 1


def _followers(db: Database, channel: Any, today: Any, now: datetime, result: CollectResult) -> None:
    try:
        figure = channel.followers()
    except (AuthExpired, Retryable) as exc:
        result.stopped[channel.name] = str(exc)
        return
    except ChannelError as exc:
        figure = Figure.missing("followers", str(exc))
    if figure is None:
        return
    q.save_followers(db, channel.name, today, figure.value, figure.reason or None, now)
    result.followers += 1
