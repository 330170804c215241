"""Facebook page webhooks: the signature check and payload -> ``Reply`` (no HTTP, no database).

Meta signs each POST with ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret,
raw body)>``; the check runs on the raw bytes before any parsing, with a
constant-time compare. Comment changes (``field: feed``, ``item: comment``)
become replies: ``add`` and ``edited`` carry the text, ``remove`` marks the
comment deleted, ``hide`` / ``unhide`` follow moderation done on Facebook.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone
from typing import Any, Mapping

from ..model import Reply


class BadPayload(ValueError):
    """The body is not a page webhook payload; the request gets a 400."""


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256="):].strip().lower())


# A comment's time outside these bounds is not a real Facebook time (the epoch, a year
# 10000, seconds given as milliseconds): refused, never stored as a wrong deadline.
EARLIEST = datetime(2004, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)


def _time(value: Any) -> datetime:
    """``created_time``: Unix seconds or ISO 8601; absent means now."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not EARLIEST.timestamp() <= value < LATEST.timestamp():
            raise BadPayload(f"created_time {value!r} is out of range (seconds since 1970)")
        return datetime.fromtimestamp(value, timezone.utc)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("+0000", "+00:00"))
            parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
            ok = EARLIEST <= parsed < LATEST      # may overflow near year 1 or 9999
        except (ValueError, OverflowError):
            ok = False
        if not ok:
            raise BadPayload(f"created_time {value[:40]!r} is not a time between "
                             f"{EARLIEST.year} and {LATEST.year}")
        return parsed
    if value not in (None, ""):
        raise BadPayload("created_time must be seconds or an ISO 8601 time")
    return datetime.now(timezone.utc)


def comment_replies(payload: Any, channel_for_page: Mapping[str, str],
                    default_channel: str | None) -> list[Reply]:
    """Replies from a page webhook payload; entries for pages we do not serve are skipped."""
    if not isinstance(payload, dict) or payload.get("object") != "page":
        raise BadPayload('expected {"object": "page", "entry": [...]}')
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise BadPayload("entry must be a list")
    replies = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("changes", []), list):
            raise BadPayload("each entry must be an object with a changes list")
        page = str(entry.get("id", ""))
        channel = channel_for_page.get(page, default_channel)
        if channel is None:
            continue
        for change in entry.get("changes", []):
            if not isinstance(change, dict) or change.get("field") != "feed":
                continue
            value = change.get("value")
            if not isinstance(value, dict) or value.get("item") != "comment":
                continue
            reply = _reply(channel, page, value)
            if reply is not None:
                replies.append(reply)
    return replies


MAX_ID = 200       # Graph ids are "<page>_<post>_<comment>": tens of characters


def _id(value: Any, name: str) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    if len(value) > MAX_ID:
        raise BadPayload(f"{name} longer than {MAX_ID} characters")
    return value


def _reply(channel: str, page: str, value: dict[str, Any]) -> Reply | None:
    comment_id = _id(value.get("comment_id"), "comment_id")
    if comment_id is None:
        raise BadPayload("a comment change without comment_id")
    verb = value.get("verb")
    post_id = _id(value.get("post_id"), "post_id")
    parent = _id(value.get("parent_id"), "parent_id")
    if parent == post_id:
        parent = None          # a top-level comment names the post as its parent
    author = value.get("from") if isinstance(value.get("from"), dict) else {}
    message = value.get("message")
    if verb in ("add", "edited") and not isinstance(message, str):
        message = ""          # a photo or sticker comment
    if verb not in ("add", "edited", "remove", "hide", "unhide"):
        return None
    return Reply(channel=channel, remote_id=comment_id, text=message if isinstance(message, str)
                 else "", created_at=_time(value.get("created_time")),
                 thread_id=parent or comment_id, parent_id=parent, post_remote_id=post_id,
                 author_id=str(author["id"])[:MAX_ID] if author.get("id") else None,
                 author_name=author["name"][:255] if isinstance(author.get("name"), str)
                 else None,
                 url=f"https://www.facebook.com/{comment_id}", deleted=verb == "remove",
                 hidden=verb == "hide",
                 edited_at=datetime.now(timezone.utc) if verb == "edited" else None,
                 ref={"own": bool(author.get("id")) and str(author.get("id")) == page,
                      # remove / hide / unhide carry no text: only update a stored item
                      "partial": verb in ("remove", "hide", "unhide"),
                      # only hide / unhide say whether the comment is hidden on Facebook
                      "hidden_known": verb in ("hide", "unhide")})
