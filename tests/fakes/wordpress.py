"""A fake WordPress REST API (wp-json/wp/v2) with Application Password auth.

Each answer follows a documented behaviour (and what Debian's WordPress 6.1
really did when tests/real/ ran against it):

- errors are ``{"code", "message", "data": {"status"}}``; paging headers
  ``X-WP-Total`` / ``X-WP-TotalPages``; ``per_page`` at most 100:
  https://developer.wordpress.org/rest-api/using-the-rest-api/pagination/
- ``context=edit`` adds ``content.raw`` and needs ``moderate_comments`` on
  comments (``rest_forbidden_context``); ``_fields`` trims any answer, the
  index at ``/wp-json/`` included:
  https://developer.wordpress.org/rest-api/using-the-rest-api/global-parameters/
- the index at ``/wp-json/`` says ``gmt_offset`` and ``timezone_string``
  (Settings → General; since 4.7.4): https://core.trac.wordpress.org/ticket/39854
- comments: default ``status=approve``; ``status=all`` (approved and held) and
  other statuses need ``edit_posts`` (``rest_forbidden_param``); ``after``,
  ``include``, ``parent``, ``post``, ``author``, ``orderby``:
  https://developer.wordpress.org/rest-api/reference/comments/
- ``after`` is compared with the site-local ``comment_date``: a time without
  an offset is taken as site-local, one with an offset is converted to
  site-local first (WP_Date_Query::build_mysql_datetime):
  https://developer.wordpress.org/reference/classes/wp_date_query/build_mysql_datetime/
- rendered comment text goes through wptexturize (curly quotes, ``…``, ``–``,
  ``—``) and wpautop (``<p>``, ``<br />``):
  https://developer.wordpress.org/reference/functions/wptexturize/ and
  https://developer.wordpress.org/reference/functions/wpautop/
- a guest's first comment is held for moderation ("Comment author must have a
  previously approved comment"): ``add_comment(..., status="hold")``,
  ``approve(cid)``: https://wordpress.org/documentation/article/settings-discussion-screen/
- a second identical comment (same post, parent, author and raw content) is
  refused with 409 ``comment_duplicate`` (wp_allow_comment):
  https://developer.wordpress.org/reference/functions/wp_allow_comment/
- unique slugs: a taken slug gets ``-2``, ``-3`` ... (drafts keep theirs):
  https://developer.wordpress.org/reference/functions/wp_unique_post_slug/
- media: ``post`` is null while unattached (seen on 6.1); raw body upload with
  ``Content-Disposition``; ``title``, ``alt_text``,
  ``slug``, ``post`` as parameters; ``POST /media/<id>`` updates; ``DELETE``
  needs ``force=true`` (501 ``rest_trash_not_supported``):
  https://developer.wordpress.org/rest-api/reference/media/
- posts: ``slug`` takes a comma-separated list; ``status=any`` needs auth;
  ``DELETE ?force=true``: https://developer.wordpress.org/rest-api/reference/posts/

A comment's ``author`` is the id of the user object who wrote it, 0 for a
guest. Comments created through the API by the authenticated user carry
``user_id`` (what ``/users/me`` answers) and its display name, as WordPress
sets them; seed one written by that user with ``add_comment(..., user=fake.user_id)``.
"""

from __future__ import annotations

import base64
import html
import itertools
import math
import re
from datetime import datetime, timezone, tzinfo
from typing import Any

from .base import Answer, FakeServer, Request

API = r"/wp-json/wp/v2"


def wp_error(status: int, code: str, message: str) -> Answer:
    return Answer(status, {"code": code, "message": message, "data": {"status": status}})


def _fmt(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def texturize(text: str) -> str:
    """The parts of wptexturize that change typed text (on already escaped HTML)."""
    text = text.replace("---", "&#8212;").replace("--", "&#8211;").replace(" - ", " &#8211; ")
    text = text.replace("...", "&#8230;")
    text = re.sub(r"(^|[\s(\[])&quot;", r"\1&#8220;", text)
    text = text.replace("&quot;", "&#8221;")
    text = re.sub(r"(^|[\s(\[])&#x27;", r"\1&#8216;", text)
    return text.replace("&#x27;", "&#8217;")


def autop(text: str) -> str:
    """wpautop: paragraphs for blank lines, ``<br />`` for single line breaks."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]
    return "".join("<p>" + p.replace("\n", "<br />\n") + "</p>\n" for p in paragraphs)


def render_comment(raw: str) -> str:
    return autop(texturize(html.escape(raw)))


class WordPressFake(FakeServer):
    def __init__(self, *, user: str = "cityhall", password: str = "abcd efgh ijkl mnop qrst uvwx",
                 zone: tzinfo = timezone.utc) -> None:
        super().__init__()
        self.user, self.password = user, password
        self.zone = zone                 # the site's time zone (Settings → General)
        self.user_id, self.display_name = 1, "천안시 홍보담당관"
        self.capabilities = {"publish_posts": True, "upload_files": True, "moderate_comments": True,
                             "edit_posts": True, "delete_posts": True}
        self.categories: dict[int, dict[str, Any]] = {}
        self.posts: dict[int, dict[str, Any]] = {}
        self.media: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(100)
        self.add_category("미분류")
        self.route("GET", r"/wp-json/?", self._index)
        self.route("GET", API + r"/categories", self._list_categories)
        self.route("GET", API + r"/users/me", self._me)
        self.route("GET", API + r"/media", self._list_media)
        self.route("POST", API + r"/media", self._upload)
        self.route("POST", API + r"/media/(?P<id>\d+)", self._update_media)
        self.route("DELETE", API + r"/media/(?P<id>\d+)", self._delete_media)
        self.route("GET", API + r"/posts", self._list_posts)
        self.route("POST", API + r"/posts", self._create_post)
        self.route("DELETE", API + r"/posts/(?P<id>\d+)", self._delete_post)
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
                           "featured_media": 0, "date_gmt": _fmt(datetime.now(timezone.utc))}
        return pid

    def add_comment(self, post_id: int, text: str, *, created: datetime | None = None, parent: int = 0,
                    author: str | None = None, status: str = "approved", user: int = 0) -> int:
        """A comment by a guest named ``author``, or by the WordPress user ``user`` (an id).

        ``status="hold"``: waiting for moderation, as a first-time guest's comment is."""
        cid = next(self._ids)
        if author is None:
            author = self.display_name if user and user == self.user_id else "박시민"
        when = (created or datetime.now(timezone.utc)).astimezone(timezone.utc)
        self.comments[cid] = {"id": cid, "post": post_id, "parent": parent, "author": user,
                              "author_name": author, "date_gmt": _fmt(when),
                              "date": _fmt(when.astimezone(self.zone)), "status": status,
                              "content": {"rendered": render_comment(text), "raw": text},
                              "link": f"https://blog.example.kr/?p={post_id}#comment-{cid}"}
        return cid

    def approve(self, cid: int) -> None:
        """Approve a held comment: its date stays what it was."""
        self.comments[cid]["status"] = "approved"

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
        chunk = [_fields(i, req) for i in items[(page - 1) * per_page: page * per_page]]
        return Answer(200, chunk, {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(pages)})

    # -- routes -------------------------------------------------------------
    def _index(self, req: Request, m: Any) -> Answer:
        offset = datetime.now(timezone.utc).astimezone(self.zone).utcoffset()
        name = getattr(self.zone, "key", "")
        return Answer(200, _fields({"name": "천안시 블로그", "url": "https://blog.example.kr",
                                    "gmt_offset": (offset.total_seconds() / 3600) if offset else 0,
                                    "timezone_string": name, "namespaces": ["wp/v2"]}, req))

    def _me(self, req: Request, m: Any) -> Answer:
        denied = self._need_auth(req)
        if denied:
            return denied
        return Answer(200, _fields({"id": self.user_id, "name": self.display_name, "slug": self.user,
                                    "capabilities": dict(self.capabilities)}, req))

    def _list_categories(self, req: Request, m: Any) -> Answer:
        return self._paged(sorted(self.categories.values(), key=lambda c: c["id"]), req)

    def _unique_slug(self, slug: str, *, skip: int = 0) -> str:
        taken = {p["slug"] for p in [*self.posts.values(), *self.media.values()] if p["id"] != skip}
        if slug not in taken:
            return slug
        n = 2
        while f"{slug}-{n}" in taken:
            n += 1
        return f"{slug}-{n}"

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
        title = req.query.get("title") or name.rsplit(".", 1)[0]
        self.media[mid] = {"id": mid, "source_url": f"https://blog.example.kr/wp-content/uploads/{name}",
                           "slug": self._unique_slug(req.query.get("slug") or f"media-{mid}"),
                           "title": {"raw": title, "rendered": html.escape(title)},
                           "alt_text": req.query.get("alt_text", ""), "bytes": len(req.body),
                           "post": int(req.query.get("post", 0) or 0) or None,   # null: unattached
                           "mime_type": req.headers.get("content-type")}
        return Answer(201, self.media[mid])

    def _list_media(self, req: Request, m: Any) -> Answer:
        items = sorted(self.media.values(), key=lambda i: i["id"])
        if "slug" in req.query:
            slugs = set(req.query["slug"].split(","))
            items = [i for i in items if i["slug"] in slugs]
        if "include" in req.query:
            ids = {int(i) for i in req.query["include"].split(",")}
            items = [i for i in items if i["id"] in ids]
        if "parent" in req.query:
            items = [i for i in items if (i["post"] or 0) == int(req.query["parent"])]
        return self._paged(items, req)

    def _update_media(self, req: Request, m: Any) -> Answer:
        denied = self._need_auth(req)
        if denied:
            return denied
        mid = int(m["id"])
        if mid not in self.media:
            return wp_error(404, "rest_post_invalid_id", "Invalid post ID.")
        body = req.json()
        if "post" in body:
            self.media[mid]["post"] = int(body["post"])
        if "alt_text" in body:
            self.media[mid]["alt_text"] = body["alt_text"]
        return Answer(200, self.media[mid])

    def _delete_media(self, req: Request, m: Any) -> Answer:
        denied = self._need_auth(req)
        if denied:
            return denied
        mid = int(m["id"])
        if mid not in self.media:
            return wp_error(404, "rest_post_invalid_id", "Invalid post ID.")
        if req.query.get("force") not in ("true", "1"):
            return wp_error(501, "rest_trash_not_supported",
                            "The post does not support trashing. Set 'force=true' to delete.")
        return Answer(200, {"deleted": True, "previous": self.media.pop(mid)})

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
            slugs = set(req.query["slug"].split(","))
            items = [p for p in items if p["slug"] in slugs]
        items.sort(key=lambda p: p["id"], reverse=req.query.get("order", "desc") != "asc")
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
        status = body.get("status", "draft")
        slug = body.get("slug") or f"post-{len(self.posts)}"
        if status not in ("draft", "pending"):
            slug = self._unique_slug(slug)
        pid = self.add_post(body.get("title", ""), slug=slug, status=status)
        self.posts[pid].update(content={"rendered": body.get("content", ""), "raw": body.get("content", "")},
                               categories=body.get("categories", []),
                               featured_media=body.get("featured_media", 0))
        return Answer(201, self.posts[pid])

    def _delete_post(self, req: Request, m: Any) -> Answer:
        denied = self._need_auth(req)
        if denied:
            return denied
        pid = int(m["id"])
        if pid not in self.posts:
            return wp_error(404, "rest_post_invalid_id", "Invalid post ID.")
        if req.query.get("force") in ("true", "1"):
            return Answer(200, {"deleted": True, "previous": self.posts.pop(pid)})
        self.posts[pid]["status"] = "trash"
        return Answer(200, self.posts[pid])

    def _list_comments(self, req: Request, m: Any) -> Answer:
        status = req.query.get("status", "approve")
        edit = req.query.get("context") == "edit"
        if edit or status != "approve":
            denied = self._need_auth(req)
            if denied:
                return denied
        if edit and not self.capabilities["moderate_comments"]:
            return wp_error(403, "rest_forbidden_context", "Sorry, you are not allowed to edit comments.")
        if status != "approve" and not self.capabilities["edit_posts"]:
            return wp_error(403, "rest_forbidden_param", "Query parameter not permitted: status")
        wanted = {"approve": {"approved"}, "all": {"approved", "hold"}}.get(status, {status})
        items = [c for c in self.comments.values() if c["status"] in wanted]
        if "after" in req.query:
            after = self._site_local(req.query["after"])
            items = [c for c in items if c["date"] > after]
        for key in ("post", "parent", "author"):
            if key in req.query:
                values = set(req.query[key].split(","))
                items = [c for c in items if str(c[key]) in values]
        if "include" in req.query:
            ids = {int(i) for i in req.query["include"].split(",")}
            items = [c for c in items if c["id"] in ids]
        order = req.query.get("orderby", "date_gmt")
        items.sort(key=lambda c: (c["id"],) if order == "id" else (c["date_gmt"], c["id"]),
                   reverse=req.query.get("order", "desc") != "asc")
        if not edit:
            items = [{**c, "content": {"rendered": c["content"]["rendered"]}} for c in items]
        return self._paged(items, req)

    def _site_local(self, value: str) -> str:
        """``after`` as WP_Date_Query reads it: no offset means site-local; an offset is
        converted to the site's zone. Either way compared with the local ``date``."""
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if when.tzinfo is not None:
            when = when.astimezone(self.zone)
        return _fmt(when)

    def _create_comment(self, req: Request, m: Any) -> Answer:
        denied = self._need_auth(req)
        if denied:
            return denied
        body = req.json()
        if int(body.get("post", 0)) not in self.posts:
            return wp_error(403, "rest_comment_invalid_post_id", "Sorry, you are not allowed to create this comment without a post.")
        parent = int(body.get("parent", 0))
        text = body.get("content", "")
        for c in self.comments.values():
            if c["post"] == int(body["post"]) and c["parent"] == parent and c["status"] != "trash" \
                    and c["author"] == self.user_id and c["content"]["raw"] == text:
                return wp_error(409, "comment_duplicate", "Duplicate comment detected; it looks as "
                                                          "though you&#8217;ve already said that!")
        cid = self.add_comment(int(body["post"]), text, parent=parent,
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


def _fields(item: dict[str, Any], req: Request) -> dict[str, Any]:
    """``_fields=a,b``: only those top-level fields, as WordPress trims any answer."""
    wanted = req.query.get("_fields")
    if not wanted:
        return item
    keep = {f.split(".")[0] for f in wanted.split(",")}
    return {k: v for k, v in item.items() if k in keep}
