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


def _time(value: Any) -> datetime:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, timezone.utc)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("+0000", "+00:00"))
        except ValueError:
            raise BadPayload(f"created_time {value!r} is not a time") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
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


def _reply(channel: str, page: str, value: dict[str, Any]) -> Reply | None:
    comment_id = value.get("comment_id")
    if not isinstance(comment_id, str) or not comment_id:
        raise BadPayload("a comment change without comment_id")
    verb = value.get("verb")
    post_id = value.get("post_id") if isinstance(value.get("post_id"), str) else None
    parent = value.get("parent_id") if isinstance(value.get("parent_id"), str) else None
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
                 author_id=str(author["id"]) if author.get("id") else None,
                 author_name=author.get("name") if isinstance(author.get("name"), str) else None,
                 url=f"https://www.facebook.com/{comment_id}", deleted=verb == "remove",
                 hidden=verb == "hide",
                 edited_at=datetime.now(timezone.utc) if verb == "edited" else None,
                 ref={"own": bool(author.get("id")) and str(author.get("id")) == page,
                      # remove / hide / unhide carry no text: only update a stored item
                      "partial": verb in ("remove", "hide", "unhide"),
                      # only hide / unhide say whether the comment is hidden on Facebook
                      "hidden_known": verb in ("hide", "unhide")})
