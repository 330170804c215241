"""One platform call for one claimed delivery, and what its outcome means for the ledger.

The rules that keep posts from going out twice live here:

* ``Retryable`` (nothing was sent, or "try later"): ``retry_wait`` with
  exponential back-off and jitter, at least the platform's ``retry_after``,
  until ``max_attempts``; then ``failed``.
* ``UnknownOutcome`` (the request left, no usable answer): ask ``find(key)``;
  found means ``sent``, anything else ``unknown`` for a person to check. Never
  sent again blindly.
* ``AuthExpired``, ``Rejected``, limits exceeded, configuration errors:
  ``failed`` with the reason (nothing was sent).
* Any other exception from a channel is treated like ``UnknownOutcome``: a bug
  after the request went out must not lead to a second post.
* A hand-off receipt becomes ``awaiting_handoff``.

Media a channel uploaded before the post (WordPress card images) travel back in
``Receipt.extra["media"]`` or ``ChannelError.uploads`` and are recorded on the
attempt. When the post was certainly not made (a refusal, "try later", or a
reconciliation that finds no post) the channel deletes them
(``Channel.discard_uploads``), so killed and failed publishes leave no orphans.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Sequence

from ..channels.base import Channel
from ..errors import (AuthExpired, ChannelError, OutreachError, Rejected, Retryable,
                      UnknownOutcome)
from ..logs import log, redact
from ..model import Capability, Receipt, RenderedPost
from . import model as m
from ..failures import failure_words
from ..i18n import _, clip

logger = logging.getLogger("outreach.publishing")


@dataclass(frozen=True)
class RetryPolicy:
    """Back-off for ``Retryable`` failures (settings ``[publishing]``)."""

    max_attempts: int = 5
    base_seconds: float = 60.0
    cap_seconds: float = 3600.0

    def delay(self, attempts: int, retry_after: float | None) -> float:
        backoff = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        backoff *= random.uniform(0.8, 1.2)
        return max(backoff, retry_after or 0.0)


@dataclass(frozen=True)
class Result:
    """The ledger update an attempt leads to."""

    state: str
    outcome: str
    remote_id: str | None = None
    url: str | None = None
    location: str | None = None
    error: str | None = None
    error_class: str | None = None
    next_attempt_at: datetime | None = None
    media: tuple[str, ...] = ()          # ids of media the attempt uploaded

    @property
    def detail(self) -> str:
        return self.url or self.location or self.error or ""


def check_limits(channel: Channel, post: RenderedPost) -> None:
    """Refuse, before any platform call, a post the channel cannot take."""
    limits = channel.limits
    caps = channel.capabilities
    if post.slides and not caps & {Capability.IMAGE, Capability.CAROUSEL, Capability.HANDOFF}:
        raise Rejected(_("this channel cannot post images and the post has card images"),
                       channel=channel.name)
    if len(post.slides) > 1 and caps and Capability.CAROUSEL not in caps \
            and Capability.HANDOFF not in caps:
        raise Rejected(_("the post has {n} images and this channel takes one", n=len(post.slides)),
                       channel=channel.name)
    if limits.max_images is not None and len(post.slides) > limits.max_images:
        raise Rejected(_("the post has {n} images; this channel takes at most {max_images}: "
                         "shorten the template's slides", n=len(post.slides),
                         max_images=limits.max_images), channel=channel.name)
    for slide in post.slides:
        if limits.max_image_bytes is not None and slide.bytes > limits.max_image_bytes:
            raise Rejected(_("image {name} is {bytes:,} bytes; this channel takes at most "
                             "{max_image_bytes:,}: render with --format jpeg",
                             name=slide.path.name, bytes=slide.bytes,
                             max_image_bytes=limits.max_image_bytes),
                           channel=channel.name)
        if limits.image_formats and slide.format.lower() not in limits.image_formats:
            raise Rejected(_("image {name} is {format}; this channel takes {image_formats}",
                             name=slide.path.name, format=slide.format,
                             image_formats=', '.join(limits.image_formats)), channel=channel.name)
    text = channel.text_for(post)
    if limits.max_text is not None and len(text) > limits.max_text:
        raise Rejected(_("the text is {n:,} characters; this channel allows {max_text:,}: "
                         "shorten the template's text", n=len(text), max_text=limits.max_text), channel=channel.name)
    if limits.max_hashtags is not None:
        count = sum(1 for word in text.split() if word.startswith("#"))
        if count > limits.max_hashtags:
            raise Rejected(_("the text has {count} hashtags; this channel allows {max_hashtags}",
                             count=count, max_hashtags=limits.max_hashtags), channel=channel.name)


def from_receipt(receipt: Receipt, outcome: str = "sent") -> Result:
    media = tuple(str(i) for i in receipt.extra.get("media") or ()) if outcome == "sent" else ()
    if receipt.handoff:
        return Result(m.D_AWAITING_HANDOFF, "handoff", location=receipt.location,
                      remote_id=receipt.remote_id, url=receipt.url)
    return Result(m.D_SENT, outcome, remote_id=receipt.remote_id, url=receipt.url,
                  location=receipt.location, media=media)


def discard(channel: Channel, key: str, uploads: Sequence[str]) -> str:
    """Delete the images of a post that was not made; a note for the attempt's error text."""
    try:
        deleted = channel.discard_uploads(key, uploads)
    except Exception as exc:  # noqa: BLE001 - cleaning up must not change the outcome
        log(logger, logging.WARNING, "deleting uploaded media failed", channel=channel.name,
            key=key, error=redact(str(exc)))
        return _("; the {n} image(s) it uploaded could not be deleted",
                 n=len(uploads)) if uploads else ""
    if deleted:
        log(logger, logging.INFO, "orphan media deleted", channel=channel.name, key=key,
            media=",".join(deleted))
        return _("; deleted {n} image(s) uploaded for a post that was not made",
                 n=len(deleted))
    return ""


def _failed(result: Result, channel: Channel, key: str, uploads: Sequence[str]) -> Result:
    """A definite failure (nothing was posted): record the uploads and delete them."""
    if not uploads:
        return result
    note = discard(channel, key, uploads)
    return replace(result, media=tuple(uploads), error=(result.error or "") + note)


def _reason(exc: BaseException) -> str:
    text = exc.detail if isinstance(exc, ChannelError) else str(exc)
    if isinstance(exc, Rejected) and exc.reason and exc.reason != exc.detail:
        text = text + " (" + exc.reason + ")"
    return clip(redact(text), 2000) or failure_words(exc)


def publish_once(channel: Channel, post: RenderedPost, key: str, *, attempts: int, now: datetime,
                 policy: RetryPolicy, recorded: Sequence[str] = ()) -> Result:
    """Check limits, call the platform once, and turn the answer into a ``Result``.

    ``recorded``: media ids earlier attempts of this delivery uploaded; deleted
    first when the post they were meant for does not exist."""
    try:
        check_limits(channel, post)
        if recorded and channel.find(key) is None:
            discard(channel, key, recorded)
        return from_receipt(channel.publish(post, key))
    except Retryable as exc:
        if attempts >= policy.max_attempts:
            return _failed(Result(m.D_FAILED, "failed", error=_("gave up after {attempts} "
                                                                "attempts: {reason}",
                                                                attempts=attempts,
                                                                reason=_reason(exc)), error_class="Retryable"), channel, key, exc.uploads)
        wait = policy.delay(attempts, exc.retry_after)
        return _failed(Result(m.D_RETRY_WAIT, "retry", error=_reason(exc), error_class="Retryable",
                              next_attempt_at=now + timedelta(seconds=wait)), channel, key, exc.uploads)
    except (AuthExpired, Rejected) as exc:
        return _failed(Result(m.D_FAILED, "failed", error=_reason(exc),
                              error_class=type(exc).__name__), channel, key, exc.uploads)
    except UnknownOutcome as exc:   # the post may exist: its images stay, recorded
        return replace(after_unknown(channel, key, _reason(exc), "UnknownOutcome"),
                       media=exc.uploads)
    except OutreachError as exc:   # configuration, missing secret: raised before any request
        return Result(m.D_FAILED, "failed", error=_reason(exc), error_class=type(exc).__name__)
    except Exception as exc:  # a bug inside a channel: the request may have gone out
        logger.exception("channel %s raised an unexpected error", channel.name)
        return after_unknown(channel, key, _("unexpected error ({name}): {reason}",
                                             name=type(exc).__name__, reason=_reason(exc)),
                             type(exc).__name__)


def after_unknown(channel: Channel, key: str, reason: str, error_class: str) -> Result:
    """The post may exist: look for it; if it cannot be found now, a person checks."""
    try:
        found = channel.find(key)
    except Exception as exc:  # noqa: BLE001 - any failure here leaves the outcome unknown
        log(logger, logging.WARNING, "find failed", channel=channel.name, key=key,
            error=redact(str(exc)))
        found = None
    if found is not None:
        return from_receipt(found, "found")
    return Result(m.D_UNKNOWN, "unknown", error=_("{reason}; check the platform and record it "
                                                  "with 'outreach handoff done' or 'outreach "
                                                  "retry'", reason=reason), error_class=error_class)


def reconcile(channel: Channel, key: str, recorded: Sequence[str] = ()) -> Result:
    """A delivery left ``attempting`` by a vanished worker (its lease expired).

    Found: ``sent``. Proven absent (the channel declares ``Capability.FIND``
    and ``find`` answered None, long after the call could still land): the
    images uploaded for it (``recorded`` ids, and those the channel finds
    under the key) are deleted and it is sent again by the normal retry path.
    Otherwise ``unknown``.
    """
    try:
        found = channel.find(key)
    except Exception as exc:  # noqa: BLE001
        return Result(m.D_UNKNOWN, "unknown", error=_("interrupted during the platform call, "
                                                      "and looking the post up failed "
                                                      "({error}): check the platform",
                                                      error=redact(str(exc))),
                      error_class=type(exc).__name__)
    if found is not None:
        return from_receipt(found, "found")
    if Capability.FIND in channel.capabilities:
        return Result(m.D_RETRY_WAIT, "absent", error=_("interrupted before the post appeared; "
                                                        "sending again")
                      + discard(channel, key, recorded), next_attempt_at=None)
    return Result(m.D_UNKNOWN, "unknown", error=_("interrupted during the platform call and "
                                                  "this channel cannot look posts up: check the "
                                                  "platform and record it with 'outreach "
                                                  "handoff done' or 'outreach retry'"), error_class="Interrupted")
