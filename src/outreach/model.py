"""Plain data shared by every layer: no I/O, no imports from the rest of outreach.

Data flows one way: a template plus data becomes a ``RenderedPost`` (render/),
a ``RenderedPost`` goes out through a channel and comes back as a ``Receipt``
(channels/), and what citizens write back comes in as ``Reply`` items.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC: the one default clock every layer injects."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Slide:
    """One finished card image on disk."""

    index: int                 # 1-based position in the carousel
    path: Path
    width: int
    height: int
    format: str                # "png" | "jpeg"
    bytes: int
    alt_text: str


@dataclass(frozen=True)
class RenderedPost:
    """Everything a channel needs to publish one post; produced by render, never mutated.

    ``texts`` maps a text name (``blog``, ``facebook``, ``instagram``, ``kakao``,
    ``youtube``, ...) to the finished text; each channel picks the one it posts.
    ``title`` is the post's headline (blog title, hand-off subject).
    """

    template: str
    title: str
    slides: tuple[Slide, ...]
    texts: Mapping[str, str]
    out_dir: Path
    manifest_path: Path
    data: Mapping[str, Any] = field(default_factory=dict)
    links: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    # text shrunk to its smallest size or cut with "…", photos smaller than their layer:
    # {"slide", "field", "label", "kind": "cut"|"min_size"|"small_photo"|"emoji_credit", ...}
    # (render/warnings.py)
    warnings: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Receipt:
    """What a platform answered to a publish or a reply.

    ``handoff`` is True when a person still has to post it (a platform with no
    write API); ``location`` then says where the prepared material lies.
    """

    remote_id: str | None = None
    url: str | None = None
    handoff: bool = False
    location: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """One message a citizen (or staff) wrote on a channel: comment, reply, chat.

    ``remote_id`` is unique per channel. ``post_remote_id`` is the id of our own
    publication it answers (what a ``Receipt.remote_id`` held), when known.
    ``ref`` carries whatever the channel needs later to answer or hide it
    (e.g. a Kakao user key); it is opaque to the rest of outreach.
    """

    channel: str
    remote_id: str
    text: str
    created_at: datetime
    thread_id: str | None = None
    parent_id: str | None = None
    post_remote_id: str | None = None
    author_id: str | None = None
    author_name: str | None = None
    url: str | None = None
    deleted: bool = False
    hidden: bool = False
    edited_at: datetime | None = None
    ref: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReplyBatch:
    """Replies read since a cursor, and the cursor to save for next time."""

    items: list[Reply]
    cursor: str | None
    notes: tuple[str, ...] = ()    # e.g. "stopped early: 9,950 of 10,000 quota units used"


class Capability(str, enum.Enum):
    TEXT = "text"              # text-only posts
    LINK = "link"
    IMAGE = "image"            # one image
    CAROUSEL = "carousel"      # several images in one post
    FIND = "find"              # can look a post up after a crash
    REPLIES = "replies"        # can read comments / messages
    REPLY = "reply"            # can answer them
    HIDE = "hide"              # can hide or moderate them
    HANDOFF = "handoff"        # a person posts it; we prepare and track
    SCHEDULE = "schedule"      # platform-side scheduling


@dataclass(frozen=True)
class Limits:
    """What a channel accepts; render and publishing check posts against it."""

    max_text: int | None = None
    max_hashtags: int | None = None
    max_images: int | None = None
    max_image_bytes: int | None = None
    image_formats: tuple[str, ...] = ("png", "jpeg")


@dataclass(frozen=True)
class CheckResult:
    """One line of ``outreach channels check``."""

    ok: bool
    what: str
    fix: str | None = None
    #: when the credential checked here stops working (None: unknown or never); the
    #: channels page and the token-expiry notification read it
    expires_at: datetime | None = None
