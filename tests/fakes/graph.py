"""A fake Meta Graph API (Facebook Page + Instagram business account).

Answers the documented shapes: ``{"id": ...}`` on creates, ``{"data": [...],
"paging": {"cursors": {"before", "after"}, "next"}}`` on lists, error bodies
``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`` with
HTTP 400/403, batch requests at ``POST /`` (at most 50), Instagram containers
whose ``status_code`` goes IN_PROGRESS -> FINISHED, and
``content_publishing_limit``.

Seed with ``add_post``, ``add_comment``, ``add_ig_media``; inspect ``posts``,
``photos``, ``comments``, ``containers``, ``ig_media`` and ``requests``.

Which documented behaviour each answer follows:

- field expansion (developers.facebook.com/docs/graph-api/guides/field-expansion):
  ``GET /{page-id}/posts?fields=id,comments.filter(stream).since(T).limit(n){fields}``
  answers every post with its comments nested as ``{"data", "paging"}``; an edge's
  parameters ride along as ``.name(value)`` modifiers, and a nested edge pages
  on through ``/{post-id}/comments?after=``;
- comments (docs/graph-api/reference/object/comments): ``filter=stream`` returns
  replies too (with ``parent``), ``order=chronological``; ``since`` is a Unix
  time in whole seconds and, as this fake reads it, inclusive (``created_time``
  has whole seconds too, so comments of the cursor's second come back again:
  adapters must drop the ones they already have);
- paging (docs/graph-api/results): cursor-based, ``paging.cursors.after`` and a
  ``next`` URL (which embeds the token) only when more follows;
- batch requests (docs/graph-api/batch-requests) at ``POST /``, at most 50;
- errors (docs/graph-api/guides/error-handling): ``{"error": {"message", "type",
  "code", "error_subcode", "fbtrace_id"}}`` with HTTP 400/403.

Comment authors: a Facebook comment's ``from`` is ``{"id", "name"}`` (the page
itself writes as ``page_id``); an IG Comment's ``from`` is ``{"id", "username"}``
where ``id`` is an Instagram-scoped id (IGSID), not the IG user id, so the
account's own comments carry ``IG_SELF_IGSID`` and the username ``ig_username``
(what ``GET /{ig_user_id}?fields=username`` answers). Seed one with
``add_comment(..., author=fake.ig_self, instagram=True)``.
"""

from __future__ import annotations

import base64
import itertools
import json
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .base import Answer, FakeServer, Request

PAGE_ID = "1000000000001"
IG_USER_ID = "17841400000000001"
IG_SELF_IGSID = "6170000000000001"     # the account's Instagram-scoped id as comments show it
IG_USERNAME = "cheonan_city"


def _ts(when: datetime | None = None) -> str:
    return (when or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _parse_ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")


def graph_error(code: int, message: str, *, type_: str = "OAuthException", subcode: int | None = None,
                status: int = 400, headers: dict[str, str] | None = None) -> Answer:
    err: dict[str, Any] = {"message": message, "type": type_, "code": code, "fbtrace_id": "AbCdEf123"}
    if subcode:
        err["error_subcode"] = subcode
    return Answer(status, {"error": err}, headers or {})


def _split_top(text: str) -> list[str]:
    """Split a ``fields`` value at commas outside braces and parentheses."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    if current:
        parts.append(current)
    return parts


def expansions(fields: str) -> dict[str, tuple[dict[str, str], str]]:
    """``comments.since(5).limit(3){id,message}`` -> {"comments": ({"since": "5", "limit": "3"}, "id,message")}."""
    import re

    out = {}
    for part in _split_top(fields):
        match = re.fullmatch(r"(\w+)((?:\.\w+\([^)]*\))*)(?:\{(.*)\})?", part.strip())
        if match and (match[2] or match[3]):
            params = dict(re.findall(r"\.(\w+)\(([^)]*)\)", match[2] or ""))
            out[match[1]] = (params, match[3] or "")
    return out


class GraphFake(FakeServer):
    def __init__(self, *, token: str = "page-token-valid", page_id: str = PAGE_ID,
                 ig_user_id: str = IG_USER_ID, page_size: int = 25,
                 ig_username: str = IG_USERNAME) -> None:
        super().__init__()
        self.token = token
        self.page_id = page_id
        self.ig_user_id = ig_user_id
        self.ig_username = ig_username
        self.ig_self = (IG_SELF_IGSID, ig_username)   # author= of the account's own IG comments
        self.page_size = page_size
        self.expired = False                       # True: every call answers code 190 / 463
        self.scopes = ["pages_manage_posts", "pages_manage_engagement", "pages_read_engagement",
                       "pages_read_user_engagement", "instagram_basic",
                       "instagram_content_publish", "instagram_manage_comments"]
        self.expires_at = 0                        # 0: never (long-lived page token)
        self.posts: dict[str, dict[str, Any]] = {}
        self.photos: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, dict[str, Any]] = {}
        self.containers: dict[str, dict[str, Any]] = {}
        self.ig_media: dict[str, dict[str, Any]] = {}
        self.container_polls_until_finished = 1
        # a container Meta could not take: IG Container status_code ERROR with its ``status``
        # detail (docs: instagram-platform/reference/ig-container, fields status_code, status)
        self.container_error: str | None = None
        self.quota_usage = 0
        self.quota_total = 50
        self._ids = itertools.count(1)
        self.route("POST", r"/", self._batch)
        self.route("GET", r"/v[\d.]+/debug_token", self._debug_token)
        self.route("GET", r"/v[\d.]+/(?P<id>[^/]+)", self._get_node)
        self.route("POST", r"/v[\d.]+/(?P<id>[^/]+)", self._post_node)
        self.route("GET", r"/v[\d.]+/(?P<id>[^/]+)/(?P<edge>\w+)", self._get_edge)
        self.route("POST", r"/v[\d.]+/(?P<id>[^/]+)/(?P<edge>\w+)", self._post_edge)

    # -- seeding ------------------------------------------------------------
    def new_id(self, prefix: str = "") -> str:
        return f"{prefix}{next(self._ids):06d}"

    def add_post(self, message: str, *, created: datetime | None = None, post_id: str | None = None,
                 **extra: Any) -> str:
        pid = post_id or f"{self.page_id}_{self.new_id('9')}"
        self.posts[pid] = {"id": pid, "message": message, "created_time": _ts(created),
                           "permalink_url": f"https://www.facebook.com/{pid}", **extra}
        return pid

    def add_comment(self, parent_id: str, message: str, *, created: datetime | None = None,
                    author: tuple[str, str] = ("5550001", "김시민"), comment_id: str | None = None,
                    instagram: bool = False) -> str:
        cid = comment_id or self.new_id("c")
        post_id = parent_id if parent_id in self.posts or parent_id in self.ig_media else \
            self.comments.get(parent_id, {}).get("post_id", parent_id)
        self.comments[cid] = {"id": cid, "message": message, "created_time": _ts(created),
                              "from": {"id": author[0], "name": author[1]}, "parent_id": parent_id,
                              "post_id": post_id, "is_hidden": False, "instagram": instagram}
        return cid

    def add_ig_media(self, caption: str, *, created: datetime | None = None) -> str:
        mid = self.new_id("1790")
        self.ig_media[mid] = {"id": mid, "caption": caption, "timestamp": _ts(created),
                              "permalink": f"https://www.instagram.com/p/{mid}/",
                              "media_type": "IMAGE"}
        return mid

    # -- common -------------------------------------------------------------
    def _token_of(self, req: Request) -> str | None:
        auth = req.headers.get("authorization", "")
        if auth.startswith(("Bearer ", "OAuth ")):
            return auth.split(" ", 1)[1]
        return req.params().get("access_token")

    def _auth(self, req: Request) -> Answer | None:
        if self._token_of(req) != self.token:
            return graph_error(190, "Invalid OAuth access token - Cannot parse access token")
        if self.expired:
            return graph_error(190, "Error validating access token: Session has expired on "
                                    "Thursday, 20-Nov-26 01:00:00 PST. The current time is "
                                    "Saturday, 21-Nov-26 10:00:00 PST.", subcode=463)
        return None

    def _page(self, items: list[dict[str, Any]], req: Request, path: str) -> Answer:
        limit = int(req.query.get("limit", self.page_size))
        start = int(base64.b64decode(req.query["after"]).decode()) if req.query.get("after") else 0
        chunk = items[start:start + limit]
        body: dict[str, Any] = {"data": chunk}
        if chunk:
            cursors = {"before": base64.b64encode(str(start).encode()).decode(),
                       "after": base64.b64encode(str(start + len(chunk)).encode()).decode()}
            body["paging"] = {"cursors": cursors}
            if start + limit < len(items):
                q = dict(req.query, after=cursors["after"], access_token=self._token_of(req) or "")
                body["paging"]["next"] = f"{self.url}{path}?" + "&".join(f"{k}={v}" for k, v in q.items())
        return Answer(200, body)

    # -- batch --------------------------------------------------------------
    def _batch(self, req: Request, m: Any) -> Answer:
        form = req.form()
        if form.get("access_token") != self.token and self._token_of(req) != self.token:
            return graph_error(190, "Invalid OAuth access token - Cannot parse access token")
        items = json.loads(form.get("batch", "[]"))
        if len(items) > 50:
            return graph_error(1, "(#1) Batch requests cannot have more than 50 requests", status=400)
        out = []
        for item in items:
            parts = urlsplit("/" + item["relative_url"].lstrip("/"))
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            query.setdefault("access_token", self.token)
            path = parts.path if parts.path.startswith("/v") else "/v25.0" + parts.path
            sub = Request(item.get("method", "GET").upper(), path, query, {}, b"")
            answer = self._dispatch(sub)
            out.append({"code": answer.status, "headers": [],
                        "body": json.dumps(answer.body, ensure_ascii=False)})
        return Answer(200, out)

    # -- nodes --------------------------------------------------------------
    def _debug_token(self, req: Request, m: Any) -> Answer:
        denied = self._auth(req)
        if denied:
            return denied
        return Answer(200, {"data": {"app_id": "123", "type": "PAGE", "is_valid": True,
                                     "expires_at": self.expires_at, "data_access_expires_at": 0,
                                     "profile_id": self.page_id, "scopes": list(self.scopes)}})

    def _get_node(self, req: Request, m: Any) -> Answer:
        denied = self._auth(req)
        if denied:
            return denied
        nid = m["id"]
        if nid in (self.page_id, "me"):
            return Answer(200, {"id": self.page_id, "name": "천안시청"})
        if nid == self.ig_user_id:
            return Answer(200, {"id": nid, "username": self.ig_username})
        if nid in self.containers:
            c = self.containers[nid]
            c["polls"] += 1
            if c["status_code"] == "IN_PROGRESS" and self.container_error:
                c["status_code"] = "ERROR"
                c["status"] = self.container_error
            if c["status_code"] == "IN_PROGRESS" and c["polls"] >= self.container_polls_until_finished:
                c["status_code"] = "FINISHED"
            answer = {"id": nid, "status_code": c["status_code"]}
            if c.get("status"):
                answer["status"] = c["status"]
            return Answer(200, answer)
        for store in (self.posts, self.ig_media, self.comments, self.photos):
            if nid in store:
                return Answer(200, store[nid])
        return self._no_such(nid)

    def _no_such(self, nid: str) -> Answer:
        return graph_error(100, f"Unsupported get request. Object with ID '{nid}' does not exist, "
                                "cannot be loaded due to missing permissions, or does not support "
                                "this operation.", type_="GraphMethodException", subcode=33)

    def _post_node(self, req: Request, m: Any) -> Answer:
        denied = self._auth(req)
        if denied:
            return denied
        nid, params = m["id"], req.params()
        if nid in self.comments:
            key = "hide" if self.comments[nid]["instagram"] else "is_hidden"
            if key in params:
                self.comments[nid]["is_hidden"] = str(params[key]).lower() == "true"
                return Answer(200, {"success": True})
        return self._no_such(nid)

    # -- edges --------------------------------------------------------------
    def _get_edge(self, req: Request, m: Any) -> Answer:
        denied = self._auth(req)
        if denied:
            return denied
        nid, edge = m["id"], m["edge"]
        if nid == self.page_id and edge in ("posts", "feed", "published_posts"):
            items = sorted(self.posts.values(), key=lambda p: p["created_time"], reverse=True)
            answer = self._page([dict(p) for p in items if p.get("published", True)], req, req.path)
            nested = expansions(req.query.get("fields", ""))
            if "comments" in nested and answer.status == 200:
                params, sub_fields = nested["comments"]
                for post in answer.body["data"]:
                    sub = Request("GET", f"/v25.0/{post['id']}/comments",
                                  {**params, "fields": sub_fields}, {}, b"")
                    post["comments"] = self._list_comments(sub, post["id"]).body
            return answer
        if nid == self.ig_user_id and edge == "media":
            items = sorted(self.ig_media.values(), key=lambda p: p["timestamp"], reverse=True)
            return self._page(items, req, req.path)
        if nid == self.ig_user_id and edge == "content_publishing_limit":
            return Answer(200, {"data": [{"quota_usage": self.quota_usage,
                                          "config": {"quota_total": self.quota_total,
                                                     "quota_duration": 86400}}]})
        if edge in ("comments", "replies"):
            return self._list_comments(req, nid)
        return self._no_such(nid)

    def _list_comments(self, req: Request, nid: str) -> Answer:
        if nid not in self.posts and nid not in self.comments and nid not in self.ig_media:
            return self._no_such(nid)
        stream = req.query.get("filter") == "stream"
        since = req.query.get("since")
        items = []
        for c in self.comments.values():
            direct = c["parent_id"] == nid
            if not (direct or (stream and c["post_id"] == nid)):
                continue
            if since and _parse_ts(c["created_time"]).timestamp() < float(since):
                continue
            row = {"id": c["id"], "created_time": c["created_time"], "from": c["from"],
                   "is_hidden": c["is_hidden"]}
            if c["instagram"]:
                row = {"id": c["id"], "text": c["message"], "timestamp": c["created_time"],
                       "username": c["from"]["name"], "from": {"id": c["from"]["id"],
                                                               "username": c["from"]["name"]},
                       "hidden": c["is_hidden"]}
                if c["parent_id"] != c["post_id"]:
                    row["parent_id"] = c["parent_id"]
            else:
                row["message"] = c["message"]
                if c["parent_id"] != c["post_id"]:
                    row["parent"] = {"id": c["parent_id"]}
            items.append(row)
        items.sort(key=lambda r: r.get("timestamp") or r.get("created_time"))
        if "replies{" in req.query.get("fields", ""):   # Instagram field expansion
            for row in items:
                subs = [dict(r) for r in self._list_comments(
                    Request("GET", "", {"limit": "100"}, {}, b""), row["id"]).body["data"]]
                if subs:
                    row["replies"] = {"data": subs}
        return self._page(items, req, req.path)

    def _post_edge(self, req: Request, m: Any) -> Answer:
        denied = self._auth(req)
        if denied:
            return denied
        nid, edge, p = m["id"], m["edge"], req.params()
        if nid == self.page_id and edge == "feed":
            media = [json.loads(v)["media_fbid"] for k, v in sorted(p.items()) if k.startswith("attached_media")]
            for fbid in media:
                if fbid not in self.photos:
                    return graph_error(100, f"(#100) Invalid media_fbid {fbid}")
            pid = self.add_post(p.get("message", ""), link=p.get("link"), attached_media=media)
            return Answer(200, {"id": pid})
        if nid == self.page_id and edge == "photos":
            if "source" not in p and "url" not in p:
                return graph_error(324, "(#324) Requires upload file", type_="OAuthException")
            photo_id = self.new_id("8")
            published = str(p.get("published", "true")).lower() != "false"
            self.photos[photo_id] = {"id": photo_id, "published": published,
                                     "caption": p.get("caption") or p.get("message", ""),
                                     "bytes": len(p.get("source", b""))}
            if not published:
                return Answer(200, {"id": photo_id})
            post_id = self.add_post(p.get("message") or p.get("caption", ""), photo=photo_id)
            return Answer(200, {"id": photo_id, "post_id": post_id})
        if edge == "comments" and (nid in self.posts or nid in self.comments):
            cid = self.add_comment(nid, p.get("message", ""), author=(self.page_id, "천안시청"))
            return Answer(200, {"id": cid})
        if edge == "replies" and nid in self.comments:
            cid = self.add_comment(nid, p.get("message", ""), author=self.ig_self, instagram=True)
            return Answer(200, {"id": cid})
        if nid == self.ig_user_id and edge == "media":
            return self._create_container(p)
        if nid == self.ig_user_id and edge == "media_publish":
            return self._publish_container(p)
        return self._no_such(nid)

    def _create_container(self, p: dict[str, Any]) -> Answer:
        cid = self.new_id("1800")
        if p.get("media_type") == "CAROUSEL":
            children = str(p.get("children", "")).split(",")
            if any(c not in self.containers for c in children) or not (2 <= len(children) <= 10):
                return graph_error(100, "(#100) The carousel children are invalid",
                                   type_="OAuthException", subcode=2207001)
            self.containers[cid] = {"kind": "CAROUSEL", "children": children,
                                    "caption": p.get("caption", ""), "status_code": "IN_PROGRESS",
                                    "polls": 0}
        else:
            if not p.get("image_url"):
                return graph_error(100, "(#100) The parameter image_url is required")
            self.containers[cid] = {"kind": "IMAGE", "image_url": p["image_url"],
                                    "carousel_item": str(p.get("is_carousel_item")).lower() == "true",
                                    "caption": p.get("caption", ""), "status_code": "IN_PROGRESS",
                                    "polls": 0}
        return Answer(200, {"id": cid})

    def _publish_container(self, p: dict[str, Any]) -> Answer:
        cid = p.get("creation_id")
        c = self.containers.get(cid or "")
        if c is None:
            return self._no_such(str(cid))
        if c["status_code"] != "FINISHED":
            return graph_error(9007, "Media ID is not available", subcode=2207027)
        if self.quota_usage >= self.quota_total:
            return graph_error(9, "Application request limit reached", subcode=2207042)
        self.quota_usage += 1
        mid = self.add_ig_media(c["caption"])
        self.ig_media[mid]["media_type"] = "CAROUSEL_ALBUM" if c["kind"] == "CAROUSEL" else "IMAGE"
        self.ig_media[mid]["container"] = cid
        return Answer(200, {"id": mid})
