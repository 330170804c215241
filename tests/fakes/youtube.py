"""A fake YouTube Data API v3 (comments) plus the Google OAuth token endpoint.

Serves what google-api-python-client asks for when its ``api_endpoint`` is
pointed here: ``/youtube/v3/commentThreads``, ``/youtube/v3/comments``
(list, insert), ``/youtube/v3/comments/setModerationStatus`` (204),
``/youtube/v3/channels``; and ``POST /token`` for the refresh-token grant.
Errors use Google's shape ``{"error": {"code", "message", "errors": [{"reason",
"domain", "message"}]}}``; lists page with ``nextPageToken``.

Which documented behaviour each answer follows:

- resources and parameters: developers.google.com/youtube/v3/docs/comments,
  /docs/commentThreads (at most 5 replies ride along with a thread; the rest
  through ``comments.list(parentId=...)``);
- quota: developers.google.com/youtube/v3/determine_quota_cost. Every call
  costs its units (list 1, insert 50, setModerationStatus 50, channels.list 1),
  invalid requests included ("all API requests, including invalid requests,
  incur a quota cost of at least one point"); ``units_used`` counts them and,
  with ``quota_limit`` set, a call that would pass it answers 403
  ``quotaExceeded`` (domain ``youtube.quota``) without acting. ``quota_exceeded
  = True`` refuses every call that way;
- ``snippet.textOriginal`` is "the original, raw text of the comment as it was
  initially posted"; ``textDisplay`` is HTML unless ``textFormat=plainText``.
  What YouTube stores for a reply is not byte-identical to what was sent (its
  normalisation is not documented): this fake turns ``\r\n`` into ``\n``
  and trims surrounding white space, and renders ``textDisplay`` with
  ``<br>`` and HTML entities, so adapters must compare loosely.

Every comment's ``snippet.authorChannelId.value`` is its author's channel id:
``UC<author>`` for seeded citizens, ``channel_id`` for comments written as the
city's channel (answers through ``comments.insert``, or seeded with
``own=True``).
"""

from __future__ import annotations

import html
import itertools
from datetime import datetime, timezone
from typing import Any

from .base import Answer, FakeServer, Request

API = r"/youtube/v3"
COST = {("GET", "commentThreads"): 1, ("GET", "comments"): 1, ("POST", "comments"): 50,
        ("POST", "comments/setModerationStatus"): 50, ("GET", "channels"): 1}


def google_error(status: int, reason: str, message: str, domain: str = "youtube.api") -> Answer:
    return Answer(status, {"error": {"code": status, "message": message,
                                     "errors": [{"message": message, "domain": domain, "reason": reason}]}})


def _ts(when: datetime | None = None) -> str:
    return (when or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")


class YouTubeFake(FakeServer):
    def __init__(self, *, channel_id: str = "UCcheonan000000000000001",
                 refresh_token: str = "1//refresh-token-yt", client_id: str = "client-1.apps",
                 client_secret: str = "yt-client-secret") -> None:
        super().__init__()
        self.channel_id = channel_id
        self.refresh_token, self.client_id, self.client_secret = refresh_token, client_id, client_secret
        self.revoked = False
        self.quota_exceeded = False
        self.quota_limit: int | None = None     # units a day; None: unlimited
        self.units_used = 0
        self.access_tokens: set[str] = set()
        self.threads: dict[str, dict[str, Any]] = {}       # thread id -> {video, top comment id}
        self.comments: dict[str, dict[str, Any]] = {}      # comment id -> snippet
        self.moderation: dict[str, str] = {}
        self._ids = itertools.count(1)
        self.route("POST", r"/token", self._token)
        self.route("GET", API + r"/commentThreads", self._threads)
        self.route("GET", API + r"/comments", self._comments)
        self.route("POST", API + r"/comments", self._insert)
        self.route("POST", API + r"/comments/setModerationStatus", self._moderate)
        self.route("GET", API + r"/channels", self._channels)

    # -- seeding ------------------------------------------------------------
    def _snippet(self, text: str, when: datetime | None, author: str, video: str,
                 parent: str | None, own: bool = False) -> dict[str, Any]:
        channel = self.channel_id if own else f"UC{author}"
        snippet = {"videoId": video, "textDisplay": text, "textOriginal": text,
                   "authorDisplayName": author, "authorChannelId": {"value": channel},
                   "authorChannelUrl": f"http://www.youtube.com/channel/{channel}",
                   "canRate": True, "likeCount": 0, "publishedAt": _ts(when), "updatedAt": _ts(when),
                   "channelId": self.channel_id}
        if parent:
            snippet["parentId"] = parent
        return snippet

    def add_thread(self, video_id: str, text: str, *, when: datetime | None = None,
                   author: str = "시민1", own: bool = False) -> str:
        """A top-level comment; ``own``: written as the city's channel."""
        tid = f"Ug{next(self._ids):06d}"
        self.comments[tid] = self._snippet(text, when, author, video_id, None, own)
        self.threads[tid] = {"video": video_id}
        return tid

    def add_reply(self, thread_id: str, text: str, *, when: datetime | None = None,
                  author: str = "시민2", own: bool = False) -> str:
        """A reply in ``thread_id``; ``own``: written as the city's channel."""
        cid = f"{thread_id}.r{next(self._ids):04d}"
        self.comments[cid] = self._snippet(text, when, author, self.threads[thread_id]["video"],
                                           thread_id, own)
        return cid

    def replies_of(self, thread_id: str) -> list[str]:
        return sorted((c for c, s in self.comments.items() if s.get("parentId") == thread_id),
                      key=lambda c: self.comments[c]["publishedAt"])

    # -- auth ---------------------------------------------------------------
    def _token(self, req: Request, m: Any) -> Answer:
        form = req.form()
        if form.get("grant_type") != "refresh_token" or form.get("client_id") != self.client_id \
                or form.get("client_secret") != self.client_secret:
            return Answer(401, {"error": "invalid_client", "error_description": "Unauthorized"})
        if self.revoked or form.get("refresh_token") != self.refresh_token:
            return Answer(400, {"error": "invalid_grant",
                                "error_description": "Token has been expired or revoked."})
        token = f"ya29.access-{next(self._ids)}"
        self.access_tokens.add(token)
        return Answer(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer",
                            "scope": "https://www.googleapis.com/auth/youtube.force-ssl"})

    def _denied(self, req: Request) -> Answer | None:
        auth = req.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.access_tokens:
            return google_error(401, "authError", "Request had invalid authentication credentials.",
                                domain="global")
        cost = COST.get((req.method, req.path.split("/youtube/v3/", 1)[-1]), 1)
        if self.quota_exceeded or (self.quota_limit is not None
                                   and self.units_used + cost > self.quota_limit):
            return google_error(403, "quotaExceeded", "The request cannot be completed because you "
                                "have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.",
                                domain="youtube.quota")
        self.units_used += cost
        return None

    # -- API ----------------------------------------------------------------
    def _comment(self, cid: str, req: Request | None = None) -> dict[str, Any]:
        snippet = dict(self.comments[cid])
        if req is not None and req.query.get("textFormat") != "plainText":
            snippet["textDisplay"] = html.escape(snippet["textOriginal"]).replace("\n", "<br>")
        return {"kind": "youtube#comment", "id": cid, "snippet": snippet}

    def _page(self, items: list[Any], req: Request, kind: str) -> Answer:
        size = int(req.query.get("maxResults", 20))
        start = int(req.query.get("pageToken") or 0)
        body: dict[str, Any] = {"kind": kind, "pageInfo": {"totalResults": len(items),
                                                           "resultsPerPage": size},
                                "items": items[start:start + size]}
        if start + size < len(items):
            body["nextPageToken"] = str(start + size)
        return Answer(200, body)

    def _threads(self, req: Request, m: Any) -> Answer:
        denied = self._denied(req)
        if denied:
            return denied
        if req.query.get("allThreadsRelatedToChannelId") not in (None, self.channel_id):
            return google_error(404, "channelNotFound", "The channel could not be found.")
        def activity(tid: str) -> str:
            return max([self.comments[tid]["updatedAt"]] +
                       [self.comments[r]["updatedAt"] for r in self.replies_of(tid)])
        items = []
        for tid in sorted(self.threads, key=activity, reverse=True):
            replies = self.replies_of(tid)
            thread = {"kind": "youtube#commentThread", "id": tid,
                      "snippet": {"channelId": self.channel_id, "videoId": self.threads[tid]["video"],
                                  "topLevelComment": self._comment(tid, req), "canReply": True,
                                  "totalReplyCount": len(replies), "isPublic": True}}
            if replies and "replies" in req.query.get("part", ""):
                # like YouTube: at most 5 replies ride along; the rest via comments.list
                thread["replies"] = {"comments": [self._comment(r, req) for r in replies[-5:]]}
            items.append(thread)
        return self._page(items, req, "youtube#commentThreadListResponse")

    def _comments(self, req: Request, m: Any) -> Answer:
        denied = self._denied(req)
        if denied:
            return denied
        parent = req.query.get("parentId", "")
        if parent not in self.threads:
            return google_error(404, "commentNotFound", "The comment could not be found.")
        return self._page([self._comment(c, req) for c in self.replies_of(parent)], req,
                          "youtube#commentListResponse")

    def _insert(self, req: Request, m: Any) -> Answer:
        denied = self._denied(req)
        if denied:
            return denied
        snippet = req.json().get("snippet", {})
        parent = snippet.get("parentId")
        if parent not in self.threads:
            return google_error(400, "invalidCommentMetadata" if parent else "parentIdMissing",
                                "The request metadata is invalid.")
        stored = snippet.get("textOriginal", "").replace("\r\n", "\n").strip()
        cid = self.add_reply(parent, stored, author="천안시", own=True)
        return Answer(200, self._comment(cid, req))

    def _moderate(self, req: Request, m: Any) -> Answer:
        denied = self._denied(req)
        if denied:
            return denied
        ids = req.query.get("id", "").split(",")
        status = req.query.get("moderationStatus")
        if status not in ("heldForReview", "published", "rejected") or not all(i in self.comments for i in ids):
            return google_error(400, "invalidModerationStatus", "Invalid moderation request.")
        for cid in ids:
            self.moderation[cid] = status
        return Answer(204, b"")

    def _channels(self, req: Request, m: Any) -> Answer:
        denied = self._denied(req)
        if denied:
            return denied
        return Answer(200, {"kind": "youtube#channelListResponse",
                            "items": [{"id": self.channel_id, "snippet": {"title": "천안시"}}]})
