"""What a channel answers about one post: figures, each with a value or the reason it has none."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

#: our stable figure names (JSON keys); each channel maps its platform's metric names to them
VIEWS, REACH, REACTIONS, LIKES, COMMENTS, SHARES, SAVED, CLICKS, DELIVERED, FAILED = (
    "views", "reach", "reactions", "likes", "comments", "shares", "saved", "clicks",
    "delivered", "failed")
FIGURES = (VIEWS, REACH, REACTIONS, LIKES, COMMENTS, SHARES, SAVED, CLICKS, DELIVERED, FAILED)
#: what "engagement" adds up in the report (people acting on a post)
ENGAGEMENT = (REACTIONS, LIKES, COMMENTS, SHARES, SAVED, CLICKS)


@dataclass(frozen=True)
class MetricTarget:
    """One delivered post as a channel needs to find it on its platform."""

    remote_id: str | None
    url: str | None
    sent_at: datetime
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Figure:
    """One figure of one post: ``value`` None means unavailable, and ``reason`` says why."""

    name: str
    value: int | None
    source: str = ""          # the platform's own metric name (post_media_view, viewCount, ...)
    reason: str = ""
    provisional: bool = False  # the platform may still revise it (Instagram: up to 48 hours)

    @staticmethod
    def missing(name: str, reason: str, source: str = "") -> "Figure":
        return Figure(name, None, source, reason)


@dataclass(frozen=True)
class Reading:
    """Everything a channel read for one post."""

    figures: tuple[Figure, ...] = field(default_factory=tuple)
