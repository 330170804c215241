"""WordPress blog through the REST API (wp-json/wp/v2) with an Application Password.

Publishing uploads every card to the media library, then creates one post
with the title, the ``blog`` HTML text below the cards, the categories named
in the settings, the first card as featured image and a slug derived from the
delivery key. Because the slug is deterministic, ``find`` is one query, and
``publish`` asks it first: WordPress would otherwise quietly publish a second
copy under ``slug-2``.

Settings: ``site_url`` (the blog's address; ``api_base`` overrides it),
``username``, ``app_password_env``, ``categories`` (names as shown in the blog,
e.g. ["더큰천안"]), ``status`` (publish | draft | pending, default publish).
Tags are not sent: WordPress wants tag ids, and creating tags needs rights
city editors rarely give a bot; the post's hashtags stay in its text.

Comments whose ``author`` (the id of the user object, 0 for a guest) is the
user the application password belongs to (``GET /wp/v2/users/me``, asked once
per channel instance) are the city's own: they are marked ``ref["own"]`` and
not filed as citizens' messages.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import requests

from ..errors import AuthExpired, ChannelError, Rejected, Retryable, UnknownOutcome
from ..model import Capability, CheckResult, Limits, Receipt, RenderedPost, Reply, ReplyBatch
from .base import Channel, ChannelContext
from .http import client_from, error_json

API = "/wp-json/wp/v2"
MAX_PAGES = 20


def slug_for(key: str) -> str:
    """A stable slug for a delivery key (WordPress slugs are lowercase a-z0-9-)."""
    return "outreach-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def plain_text(rendered: str) -> str:
    """Comment HTML as WordPress renders it -> plain text."""
    text = re.sub(r"<br\s*/?>|</p>\s*<p>", "\n", rendered)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


class WordPressChannel(Channel):
    type = "wordpress"
    description = "WordPress blog (REST API): posts with card images, categories, comments"
    capabilities = frozenset({Capability.TEXT, Capability.IMAGE, Capability.CAROUSEL, Capability.LINK,
                              Capability.FIND, Capability.REPLIES, Capability.REPLY, Capability.HIDE,
                              Capability.SCHEDULE})
    limits = Limits(max_images=50, max_image_bytes=8_000_000, image_formats=("png", "jpeg"))
    text_name = "blog"

    def __init__(self, ctx: ChannelContext) -> None:
        super().__init__(ctx)
        site = str(ctx.setting("site_url", required=True, type_=str)).rstrip("/")
        self.username = str(ctx.setting("username", required=True, type_=str))
        self.password_env = str(ctx.settings.get("app_password_env") or "app_password_env")
        password = ctx.secret("app_password_env")
        self.http = client_from(ctx, default_base=site, platform="WordPress", secrets=[password],
                                auth=(self.username, password), classify=self._classify)
        self._category_ids: dict[str, int] | None = None
        self._user_id: int | None = None

    def _classify(self, resp: requests.Response, create: bool) -> ChannelError | None:
        body = error_json(resp)
        if body is None or "code" not in body:
            return None
        what = f"WordPress {body['code']}: {plain_text(str(body.get('message') or ''))}"
        if resp.status_code == 401:
            return AuthExpired(f"{what}. Create a new application password for {self.username} "
                               f"(Users → Profile → Application Passwords) and set {self.password_env}",
                               channel=self.name)
        if resp.status_code == 403:
            return Rejected(f"{what}. Give the user {self.username} the Editor role (or the missing "
                            "capability) in WordPress", channel=self.name, reason=what)
        if 400 <= resp.status_code < 500 and resp.status_code not in (408, 429):
            return Rejected(what, channel=self.name, reason=str(body["code"]))
        return None

    # -- publishing ---------------------------------------------------------
    def categories(self) -> dict[str, int]:
        """The blog's category names -> ids (all pages, fetched once)."""
        if self._category_ids is None:
            found: dict[str, int] = {}
            page, pages = 1, 1
            while page <= min(pages, MAX_PAGES):
                resp = self.http.get(f"{API}/categories", params={"per_page": 100, "page": page})
                for cat in self.http.json(resp):
                    found[html.unescape(cat["name"])] = int(cat["id"])
                pages = int(resp.headers.get("X-WP-TotalPages") or 1)
                page += 1
            self._category_ids = found
        return self._category_ids

    def category_ids(self) -> list[int]:
        wanted = self.ctx.setting("categories", [], type_=list)
        known = self.categories()
        unknown = [n for n in wanted if n not in known]
        if unknown:
            raise Rejected(f"unknown WordPress categor{'y' if len(unknown) == 1 else 'ies'} "
                           f"{', '.join(map(repr, unknown))} in [channels.{self.name}] categories; "
                           f"the blog has: {', '.join(sorted(known)) or 'none'}",
                           channel=self.name, reason="unknown category")
        return [known[n] for n in wanted]

    def publish(self, post: RenderedPost, key: str) -> Receipt:
        body_html = self.text_for(post)
        categories = self.category_ids()
        existing = self.find(key)
        if existing:
            return existing
        media = [self._upload(s, key) for s in post.slides]
        figures = "".join(
            f'<figure class="wp-block-image"><img src="{html.escape(m["source_url"])}" '
            f'alt="{html.escape(s.alt_text)}" class="wp-image-{m["id"]}"/></figure>\n'
            for s, m in zip(post.slides, media))
        data: dict[str, Any] = {"title": post.title, "content": figures + body_html, "slug": slug_for(key),
                                "status": self.ctx.setting("status", "publish", type_=str),
                                "categories": categories}
        if media:
            data["featured_media"] = media[0]["id"]
        created = self.http.json(self.http.post(f"{API}/posts", json_body=data))
        if not isinstance(created, dict) or "id" not in created:
            raise UnknownOutcome("WordPress answered the new post without an id; the post may exist: "
                                 "reconcile before retrying", channel=self.name)
        return Receipt(remote_id=str(created["id"]), url=created.get("link"),
                       extra={"slug": created.get("slug"), "media": [m["id"] for m in media]})

    def _upload(self, slide: Any, key: str) -> dict[str, Any]:
        mime = "image/jpeg" if slide.format == "jpeg" else "image/png"
        ext = "jpg" if slide.format == "jpeg" else "png"
        name = f"{slug_for(key)}-{slide.index:02d}.{ext}"
        # A lost upload answer leaves at most an orphan in the media library: not a post.
        resp = self.http.post(f"{API}/media", data=slide.path.read_bytes(), create=False,
                              params={"alt_text": slide.alt_text},
                              headers={"Content-Type": mime,
                                       "Content-Disposition": f'attachment; filename="{name}"'})
        media = self.http.json(resp, create=False)
        if not isinstance(media, dict) or "id" not in media:
            raise UnknownOutcome(f"WordPress answered the upload of {slide.path.name} without an id",
                                 channel=self.name)
        return media

    def find(self, key: str) -> Receipt | None:
        resp = self.http.get(f"{API}/posts", params={"slug": slug_for(key), "status": "any",
                                                     "_fields": "id,link,slug,status"})
        rows = self.http.json(resp)
        if not isinstance(rows, list):
            raise UnknownOutcome("WordPress answered a post lookup without a list", channel=self.name)
        if not rows:
            return None
        return Receipt(remote_id=str(rows[0]["id"]), url=rows[0].get("link"),
                       extra={"status": rows[0].get("status")})

    # -- conversation -------------------------------------------------------
    def user_id(self) -> int:
        """The id of the user the application password belongs to (``/users/me``), asked once."""
        if self._user_id is None:
            me = self.http.json(self.http.get(f"{API}/users/me", params={"_fields": "id,name"}))
            if not isinstance(me, dict) or not isinstance(me.get("id"), int):
                raise Retryable("WordPress answered /users/me without a user id", channel=self.name)
            self._user_id = me["id"]
        return self._user_id

    def _own(self, c: dict[str, Any]) -> bool:
        """Written by our own WordPress user (guests have author 0, so no lookup for them)."""
        author = c.get("author")
        return isinstance(author, int) and author > 0 and author == self.user_id()

    def replies(self, cursor: str | None) -> ReplyBatch:
        since = datetime.fromisoformat(cursor) if cursor else datetime.now(timezone.utc) - \
            timedelta(days=int(self.ctx.setting("replies_lookback_days", 7, type_=int)))
        after = since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        items: list[Reply] = []
        page, pages = 1, 1
        while page <= min(pages, MAX_PAGES):
            resp = self.http.get(f"{API}/comments", params={
                "after": after, "per_page": 100, "page": page, "orderby": "date_gmt", "order": "asc"})
            items += [self._reply_of(c) for c in self.http.json(resp)]
            pages = int(resp.headers.get("X-WP-TotalPages") or 1)
            page += 1
        notes = (f"stopped after {MAX_PAGES} pages of comments",) if pages > MAX_PAGES else ()
        newest = max((r.created_at for r in items), default=since)
        return ReplyBatch(items=items, cursor=newest.isoformat(), notes=notes)

    def _reply_of(self, c: dict[str, Any]) -> Reply:
        created = datetime.fromisoformat(c["date_gmt"]).replace(tzinfo=timezone.utc)
        parent = str(c["parent"]) if c.get("parent") else None
        return Reply(channel=self.name, remote_id=str(c["id"]),
                     text=plain_text((c.get("content") or {}).get("rendered", "")),
                     created_at=created, thread_id=parent or str(c["id"]), parent_id=parent,
                     post_remote_id=str(c["post"]), author_id=str(c.get("author") or "") or None,
                     author_name=c.get("author_name"), url=c.get("link"),
                     ref={"post": c["post"], "own": self._own(c)})

    def reply(self, to: Reply, text: str, key: str) -> Receipt:
        post_id = to.post_remote_id or (to.ref or {}).get("post")
        if not post_id:
            raise Rejected(f"comment {to.remote_id} does not say which post it belongs to",
                           channel=self.name)
        try:
            created = self.http.json(self.http.post(f"{API}/comments", json_body={
                "post": int(post_id), "parent": int(to.remote_id), "content": text}))
        except Rejected as exc:
            if "comment_duplicate" not in exc.detail:
                raise
            # WordPress refuses the same answer twice: the earlier one went out.
            for row in self.http.json(self.http.get(f"{API}/comments", params={
                    "parent": to.remote_id, "per_page": 100})):
                if self._own(row) and plain_text(row["content"]["rendered"]) == text.strip():
                    return Receipt(remote_id=str(row["id"]), url=row.get("link"), extra={"existing": True})
            raise
        return Receipt(remote_id=str(created["id"]), url=created.get("link"))

    def hide(self, to: Reply) -> None:
        self.http.post(f"{API}/comments/{to.remote_id}", json_body={"status": "hold"}, create=False)

    # -- health -------------------------------------------------------------
    def check(self) -> list[CheckResult]:
        results: list[CheckResult] = []
        try:
            me = self.http.json(self.http.get(f"{API}/users/me", params={"context": "edit"}))
        except AuthExpired as exc:
            return [CheckResult(False, f"WordPress refused the application password for "
                                       f"{self.username}", fix=exc.detail.split(". ", 1)[-1])]
        except ChannelError as exc:
            return [CheckResult(False, f"WordPress could not be reached: {exc.detail}",
                                fix="check site_url / api_base and the network")]
        caps = me.get("capabilities") or {}
        missing = [c for c in ("publish_posts", "upload_files", "moderate_comments") if not caps.get(c)]
        if missing:
            results.append(CheckResult(False, f"WordPress user {self.username} lacks {', '.join(missing)}",
                                       fix="give the user the Editor role"))
        else:
            results.append(CheckResult(True, f"WordPress user {self.username} can publish, upload "
                                             "and moderate"))
        try:
            ids = self.category_ids()
            results.append(CheckResult(True, f"categories found ({len(ids)})"))
        except Rejected as exc:
            results.append(CheckResult(False, exc.detail, fix="fix categories in outreach.toml"))
        return results

    def close(self) -> None:
        self.http.close()
