"""A fake WordPress REST API (wp-json/wp/v2) with Application Password auth.

Answers as WordPress does: JSON error bodies ``{"code", "message", "data":
{"status"}}``, ``X-WP-Total`` / ``X-WP-TotalPages`` paging headers, media
uploads as a raw body with ``Content-Disposition``, ``slug`` + ``status=any``
lookups (auth required for non-public statuses), ``after`` on comments.

A comment's ``author`` is the id of the user object who wrote it, 0 for a
guest. Comments created through the API by the authenticated user carry
``user_id`` (what ``/users/me`` answers) and its display name, as WordPress
sets them; seed one written by that user with ``add_comment(..., user=fake.user_id)``.
WordPress refuses a second identical comment (same post, parent, author and
content) with 409 ``comment_duplicate``.
"""

from __future__ import annotations

import base64
import html
import itertools
import math
from datetime import datetime, timezone
from typing import Any

from .base import Answer, FakeServer, Request

API = r"/wp-json/wp/v2"


def wp_error(status: int, code: str, message: str) -> Answer:
    return Answer(status, {"code": code, "message": message, "data": {"status": status}})


def _gmt(when: datetime | None = None) -> str:
    return (when or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


class WordPressFake(FakeServer):
    def __init__(self, *, user: str = "cityhall", password: str = "abcd efgh ijkl mnop qrst uvwx") -> None:
        super().__init__()
        self.user, self.password = user, password
        self.user_id, self.display_name = 1, "천안시 홍보담당관"
        self.capabilities = {"publish_posts": True, "upload_files": True, "moderate_comments": True}
        self.categories: dict[int, dict[str, Any]] = {}
        self.posts: dict[int, dict[str, Any]] = {}
        self.media: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(100)
        self.add_category("미분류")
        self.route("GET", API + r"/categories", self._list_categories)
        self.route("GET", API + r"/users/me", self._me)
        self.route("POST", API + r"/media", self._upload)
        self.route("GET", API + r"/posts", self._list_posts)
        self.route("POST", API + r"/posts", self._create_post)
        self.route("GET", API + r"/comments", self._list_comments)
        self.route("POST", API + r"/comments", self._create_comment)
        self.route("POST", API + r"/comments/(?P<id>\d+)", self._update_comment)

    # -- seeding ------------------------------------------------------------
    def add_category(self, name: str) -> int:
        cid = next(self._ids)
        # WordPress returns names HTML-escaped (e.g. &amp;)
        self.categories[cid] = {"id": cid, "name": html.escape(name, quote=False), "slug": f"cat-{cid}"}
        return cid

    def add_post(self, title: str, *, slug: str = "", status: str = "publish") -> int:
        pid = next(self._ids)
        self.posts[pid] = {"id": pid, "slug": slug or f"post-{pid}", "status": status,
                           "title": {"rendered": title, "raw": title}, "content": {"rendered": ""},
                           "link": f"https://blog.example.kr/?p={pid}", "categories": [],
                           "featured_media": 0, "date_gmt": _gmt()}
        return pid

    def add_comment(self, post_id: int, text: str, *, created: datetime | None = None, parent: int = 0,
                    author: str | None = None, status: str = "approved", user: int = 0) -> int:
        """A comment by a guest named ``author``, or by the WordPress user ``user`` (an id)."""
        cid = next(self._ids)
        if author is None:
            author = self.display_name if user and user == self.user_id else "박시민"
        self.comments[cid] = {"id": cid, "post": post_id, "parent": parent, "author": user,
                              "author_name": author, "date_gmt": _gmt(created), "status": status,
                              "content": {"rendered": f"<p>{html.escape(text)}</p>\n"},
                              "link": f"https://blog.example.kr/?p={post_id}#comment-{cid}"}
        return cid

    # -- auth ---------------------------------------------------------------
    def _authed(self, req: Request) -> bool | None:
        header = req.headers.get("authorization", "")
        if not header:
            return None
        if not header.startswith("Basic "):
            return False
        user, _, pw = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        return user == self.user and pw == self.password

    def _need_auth(self, req: Request) -> Answer | None:
        ok = self._authed(req)
        if ok is None:
            return wp_error(401, "rest_not_logged_in", "You are not currently logged in.")
        if not ok:
            return wp_error(401, "incorrect_password", "The provided password is an invalid "
                                                       "application password.")
        return None

    def _paged(self, items: list[dict[str, Any]], req: Request) -> Answer:
        per_page = int(req.query.get("per_page", 10))
        if per_page > 100:
            return wp_error(400, "rest_invalid_param", "Invalid parameter(s): per_page")
        page = int(req.query.get("page", 1))
        pages = max(1, math.ceil(len(items) / per_page))
        if page > pages and items:
            return wp_error(400, "rest_post_invalid_page_number",
                            "The page number requested is larger than the number of pages available.")
        chunk = items[(page - 1) * per_page: page * per_page]
        return Answer(200, chunk, {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(pages)})

    # -- routes -------------------------------------------------------------
    def _me(self, req: Request, m: Any) -> Answer:
        denied = self._need_auth(req)
        if denied:
            return denied
        return Answer(200, {"id": self.user_id, "name": self.display_name, "slug": self.user,
                            "capabilities": dict(self.capabilities)})

    def _list_categories(self, req: Request, m: Any) -> Answer:
        return self._paged(sorted(self.categories.values(), key=lambda c: c["id"]), req)

    def _upload(self, req: Request, m: Any) -> Answer:
        denied = self._need_auth(req)
        if denied:
            return denied
        if not self.capabilities["upload_files"]:
            return wp_error(403, "rest_cannot_create", "Sorry, you are not allowed to upload media.")
        disp = req.headers.get("content-disposition", "")
        if "filename=" not in disp or not req.body:
            return wp_error(400, "rest_upload_no_content_disposition", "No Content-Disposition supplied.")
        mid = next(self._ids)
        name = disp.split("filename=", 1)[1].strip('"')
        self.media[mid] = {"id": mid, "source_url": f"https://blog.example.kr/wp-content/uploads/{name}",
                           "alt_text": req.query.get("alt_text", ""), "bytes": len(req.body),
                           "mime_type": req.headers.get("content-type")}
        return Answer(201, self.media[mid])

    def _list_posts(self, req: Request, m: Any) -> Answer:
        status = req.query.get("status", "publish")
        if status != "publish":
            denied = self._need_auth(req)
            if denied:
                return wp_error(400, "rest_invalid_param", "Invalid parameter(s): status") \
                    if self._authed(req) is None else denied
        items = [p for p in self.posts.values()
                 if (status == "any" and p["status"] != "trash") or p["status"] == status]
        if "slug" in req.query:
            items = [p for p in items if p["slug"] == req.query["slug"]]
        return self._paged(items, req)

    def _create_post(self, req: Request, m: Any) -> Answer:
        denied = self._need_auth(req)
        if denied:
            return denied
        if not self.capabilities["publish_posts"]:
            return wp_error(403, "rest_cannot_publish", "Sorry, you are not allowed to publish posts as this user.")
        body = req.json()
        for cat in body.get("categories", []):
            if cat not in self.categories:
                return wp_error(400, "rest_invalid_term_id", "Invalid term ID.")
        slug = body.get("slug") or f"post-{len(self.posts)}"
        while any(p["slug"] == slug for p in self.posts.values()):
            slug += "-2"             # WordPress makes slugs unique by suffixing
        pid = self.add_post(body.get("title", ""), slug=slug, status=body.get("status", "draft"))
        self.posts[pid].update(content={"rendered": body.get("content", ""), "raw": body.get("content", "")},
                               categories=body.get("categories", []),
                               featured_media=body.get("featured_media", 0))
        return Answer(201, self.posts[pid])

    def _list_comments(self, req: Request, m: Any) -> Answer:
        items = [c for c in self.comments.values() if c["status"] == "approved"]
        if "after" in req.query:
            after = req.query["after"].replace("Z", "").split("+")[0]
            items = [c for c in items if c["date_gmt"] > after]
        if "post" in req.query:
            items = [c for c in items if str(c["post"]) == req.query["post"]]
        if "parent" in req.query:
            items = [c for c in items if str(c["parent"]) == req.query["parent"]]
        items.sort(key=lambda c: (c["date_gmt"], c["id"]), reverse=req.query.get("order") != "asc")
        return self._paged(items, req)

    def _create_comment(self, req: Request, m: Any) -> Answer:
        denied = self._need_auth(req)
        if denied:
            return denied
        body = req.json()
        if int(body.get("post", 0)) not in self.posts:
            return wp_error(403, "rest_comment_invalid_post_id", "Sorry, you are not allowed to create this comment without a post.")
        parent = int(body.get("parent", 0))
        for c in self.comments.values():
            if c["post"] == int(body["post"]) and c["parent"] == parent and c["status"] != "trash" \
                    and c["author"] == self.user_id and \
                    c["content"]["rendered"] == f"<p>{html.escape(body.get('content', ''))}</p>\n":
                return wp_error(409, "comment_duplicate", "Duplicate comment detected; it looks as "
                                                          "though you&#8217;ve already said that!")
        cid = self.add_comment(int(body["post"]), body.get("content", ""), parent=parent,
                               author=self.display_name, user=self.user_id)
        return Answer(201, self.comments[cid])

    def _update_comment(self, req: Request, m: Any) -> Answer:
        denied = self._need_auth(req)
        if denied:
            return denied
        cid = int(m["id"])
        if cid not in self.comments:
            return wp_error(404, "rest_comment_invalid_id", "Invalid comment ID.")
        body = req.json()
        if "status" in body:
            self.comments[cid]["status"] = {"hold": "hold", "approve": "approved"}.get(body["status"], body["status"])
        return Answer(200, self.comments[cid])
