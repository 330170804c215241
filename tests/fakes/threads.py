"""A fake Threads API (graph.threads.net, version v1.0).

Which documented behaviour each answer follows:

- posts (developers.facebook.com/docs/threads/posts): ``POST /{user-id}/threads``
  with ``media_type`` TEXT | IMAGE | CAROUSEL (``image_url``, ``text``,
  ``is_carousel_item``, ``children``, ``reply_to_id``) answers ``{"id": container}``;
  ``POST /{user-id}/threads_publish`` ``creation_id`` answers ``{"id": media}``;
  a carousel takes 2 to 20 items; ``text`` is at most 500 characters (longer is
  refused with code 100, as a parameter error);
- container status (docs/threads/troubleshooting): ``GET /{container-id}?fields=status,error_message``
  answers IN_PROGRESS, then FINISHED (ERROR with ``error_message`` when seeded);
- publishing limit (docs/threads/overview, "Rate limiting"): ``GET /{user-id}/threads_publishing_limit``
  answers ``{"data": [{"quota_usage", "config": {"quota_total": 250, "quota_duration": 86400},
  "reply_quota_usage", "reply_config": {"quota_total": 1000, ...}}]}``; publishing past
  the quota is refused (code 4, "Application request limit reached", as Graph throttles);
- media lists (docs/threads/threads-media): ``GET /{user-id}/threads`` newest first,
  cursor paging ``paging.cursors.after`` and ``next`` only when more follows;
- replies (docs/threads/reply-management): ``GET /{media-id}/replies`` (direct replies)
  and ``/conversation`` (every reply at any depth), fields ``id, text, username,
  timestamp, hide_status, is_reply_owned_by_me, replied_to, root_post``;
  ``POST /{reply-id}/manage_reply`` ``hide`` answers ``{"success": true}``;
- errors: the Graph body ``{"error": {"message", "type", "code", "error_subcode",
  "fbtrace_id"}}``; an expired token is code 190 (subcode 463).

The token is read from ``Authorization: OAuth|Bearer`` or ``access_token`` (the
documentation's examples use the query parameter).

Seed with ``add_post(text)``, ``add_reply(parent_id, text, own=False)``; inspect
``posts``, ``replies``, ``containers``, ``quota_usage``; ``expired``.
"""

from __future__ import annotations

import base64
import itertools
from datetime import datetime, timezone
from typing import Any

from .base import Answer, FakeServer, Request
from .graph import graph_error

USER_ID = "25000000000000001"
USERNAME = "cheonan_city"


def _ts(when: datetime | None = None) -> str:
    return (when or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S+0000")


class ThreadsFake(FakeServer):
    def __init__(self, *, token: str = "THQWthreads-token", user_id: str = USER_ID,
                 page_size: int = 25) -> None:
        super().__init__()
        self.token, self.user_id, self.page_size = token, user_id, page_size
        self.username = USERNAME
        self.expired = False
        self.posts: dict[str, dict[str, Any]] = {}
        self.replies: dict[str, dict[str, Any]] = {}
        self.containers: dict[str, dict[str, Any]] = {}
        self.quota_usage, self.quota_total = 0, 250
        self.reply_quota_usage, self.reply_quota_total = 0, 1000
        self.container_error: str | None = None      # e.g. "UNKNOWN": containers end in ERROR
        self._ids = itertools.count(1)
        self.route("GET", r"/v1\.0/(?P<id>[^/]+)", self._get_node)
        self.route("GET", r"/v1\.0/(?P<id>[^/]+)/(?P<edge>\w+)", self._get_edge)
        self.route("POST", r"/v1\.0/(?P<id>[^/]+)/(?P<edge>\w+)", self._post_edge)

    # -- seeding ------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def add_post(self, text: str, *, created: datetime | None = None) -> str:
        pid = self.new_id("18")
        self.posts[pid] = {"id": pid, "text": text, "timestamp": _ts(created),
                           "permalink": f"https://www.threads.net/@{self.username}/post/{pid}",
                           "media_type": "TEXT_POST"}
        return pid

    def add_reply(self, parent_id: str, text: str, *, own: bool = False, username: str = "citizen_kim",
                  created: datetime | None = None) -> str:
        rid = self.new_id("17")
        root = parent_id if parent_id in self.posts else self.replies[parent_id]["root"]
        self.replies[rid] = {"id": rid, "text": text, "timestamp": _ts(created),
                             "username": self.username if own else username, "own": own,
                             "parent": parent_id, "root": root, "hide_status": "NOT_HUSHED"}
        return rid

    # -- common -------------------------------------------------------------
    def _auth(self, req: Request) -> Answer | None:
        auth = req.headers.get("authorization", "")
        token = auth.split(" ", 1)[1] if auth.startswith(("Bearer ", "OAuth ")) \
            else req.params().get("access_token")
        if token != self.token:
            return graph_error(190, "Invalid OAuth access token - Cannot parse access token")
        if self.expired:
            return graph_error(190, "Error validating access token: Session has expired on "
                                    "Thursday, 20-Nov-26 01:00:00 PST.", subcode=463)
        return None

    def _page(self, items: list[dict[str, Any]], req: Request) -> Answer:
        limit = int(req.query.get("limit", self.page_size))
        start = int(base64.b64decode(req.query["after"]).decode()) if req.query.get("after") else 0
        chunk = items[start:start + limit]
        body: dict[str, Any] = {"data": chunk}
        if chunk:
            after = base64.b64encode(str(start + len(chunk)).encode()).decode()
            body["paging"] = {"cursors": {"before": "MA==", "after": after}}
            if start + limit < len(items):
                body["paging"]["next"] = f"{self.url}{req.path}?after={after}&access_token={self.token}"
        return Answer(200, body)

    def _reply_row(self, r: dict[str, Any]) -> dict[str, Any]:
        return {"id": r["id"], "text": r["text"], "username": r["username"], "timestamp": r["timestamp"],
                "hide_status": r["hide_status"], "is_reply_owned_by_me": r["own"],
                "replied_to": {"id": r["parent"]}, "root_post": {"id": r["root"]}}

    def _no_such(self, nid: str) -> Answer:
        return graph_error(100, f"Unsupported get request. Object with ID '{nid}' does not exist",
                           type_="GraphMethodException", subcode=33)

    # -- routes -------------------------------------------------------------
    def _get_node(self, req: Request, m: Any) -> Answer:
        denied = self._auth(req)
        if denied:
            return denied
        nid = m["id"]
        if nid in (self.user_id, "me"):
            return Answer(200, {"id": self.user_id, "username": self.username})
        if nid in self.containers:
            c = self.containers[nid]
            c["polls"] += 1
            if c["status"] == "IN_PROGRESS":
                c["status"] = "ERROR" if self.container_error else "FINISHED"
            body = {"id": nid, "status": c["status"]}
            if c["status"] == "ERROR":
                body["error_message"] = self.container_error
            return Answer(200, body)
        if nid in self.posts:
            return Answer(200, self.posts[nid])
        if nid in self.replies:
            return Answer(200, self._reply_row(self.replies[nid]))
        return self._no_such(nid)

    def _get_edge(self, req: Request, m: Any) -> Answer:
        denied = self._auth(req)
        if denied:
            return denied
        nid, edge = m["id"], m["edge"]
        if nid == self.user_id and edge == "threads":
            return self._page(sorted(self.posts.values(), key=lambda p: p["timestamp"], reverse=True), req)
        if nid == self.user_id and edge == "threads_publishing_limit":
            return Answer(200, {"data": [{
                "quota_usage": self.quota_usage,
                "config": {"quota_total": self.quota_total, "quota_duration": 86400},
                "reply_quota_usage": self.reply_quota_usage,
                "reply_config": {"quota_total": self.reply_quota_total, "quota_duration": 86400}}]})
        if edge in ("replies", "conversation") and (nid in self.posts or nid in self.replies):
            key = "parent" if edge == "replies" else "root"
            rows = [self._reply_row(r) for r in self.replies.values() if r[key] == nid]
            rows.sort(key=lambda r: (r["timestamp"], r["id"]))
            return self._page(rows, req)
        return self._no_such(nid)

    def _post_edge(self, req: Request, m: Any) -> Answer:
        denied = self._auth(req)
        if denied:
            return denied
        nid, edge, p = m["id"], m["edge"], req.params()
        if nid == self.user_id and edge == "threads":
            return self._create_container(p)
        if nid == self.user_id and edge == "threads_publish":
            return self._publish(p.get("creation_id", ""))
        if edge == "manage_reply" and nid in self.replies:
            self.replies[nid]["hide_status"] = "HIDDEN" if str(p.get("hide")).lower() == "true" \
                else "UNHUSHED"
            return Answer(200, {"success": True})
        return self._no_such(nid)

    def _create_container(self, p: dict[str, Any]) -> Answer:
        kind = p.get("media_type", "")
        if kind not in ("TEXT", "IMAGE", "VIDEO", "CAROUSEL"):
            return graph_error(100, "(#100) The parameter media_type is required")
        if len(p.get("text", "")) > 500:
            return graph_error(100, "(#100) Param text must be at most 500 characters long.")
        if kind == "IMAGE" and not p.get("image_url"):
            return graph_error(100, "(#100) The parameter image_url is required")
        children = [c for c in str(p.get("children", "")).split(",") if c]
        if kind == "CAROUSEL" and not 2 <= len(children) <= 20:
            return graph_error(100, "(#100) A carousel takes between 2 and 20 children")
        if p.get("reply_to_id") and p["reply_to_id"] not in self.posts | self.replies:
            return self._no_such(p["reply_to_id"])
        cid = self.new_id("9")
        self.containers[cid] = {"id": cid, "params": dict(p), "status": "IN_PROGRESS", "polls": 0}
        return Answer(200, {"id": cid})

    def _publish(self, creation_id: str) -> Answer:
        c = self.containers.get(creation_id)
        if c is None:
            return self._no_such(creation_id)
        if c["status"] == "PUBLISHED":
            return graph_error(100, "(#100) The media has already been published")
        p = c["params"]
        if p.get("reply_to_id"):
            if self.reply_quota_usage >= self.reply_quota_total:
                return graph_error(4, "Application request limit reached")
            self.reply_quota_usage += 1
            rid = self.add_reply(p["reply_to_id"], p.get("text", ""), own=True)
            c["status"] = "PUBLISHED"
            return Answer(200, {"id": rid})
        if self.quota_usage >= self.quota_total:
            return graph_error(4, "Application request limit reached")
        self.quota_usage += 1
        pid = self.add_post(p.get("text", ""))
        self.posts[pid]["children"] = [x for x in str(p.get("children", "")).split(",") if x]
        self.posts[pid]["image_url"] = p.get("image_url")
        c["status"] = "PUBLISHED"
        return Answer(200, {"id": pid})
