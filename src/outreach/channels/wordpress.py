"""WordPress blog through the REST API (wp-json/wp/v2) with an Application Password.

Publishing uploads every card to the media library (titled "<post title> (n/N)",
with its alt text, under the slug ``<post slug>-NN``), creates one post with
the title, the cards and the ``blog`` HTML text, the categories named in the
settings and the first card as featured image, then attaches each image to the
post. The first card is left out of the body when it is the featured image
(themes show the featured image above the post; the cover would appear twice);
``cover_in_body = true`` puts it back for themes that do not.

The slug is derived from the delivery key, so ``find`` is one query and
``publish`` asks it first. Should WordPress answer with ``<slug>-2`` anyway (a
second copy made by a racing worker), the copy is deleted and the original
returned. Why not a readable Korean slug: ``find`` only has the key, WordPress
only looks posts up by exact slug, and post meta is writable through the API
only when a plugin registers it; a percent-encoded Korean slug would also make
the links shared in KakaoTalk unreadable (%EC%B2%9C...).

Images uploaded by a publish that never made its post are orphans: their ids
travel in the failure (``ChannelError.uploads``) for the publisher to record,
and ``discard_uploads`` deletes them (recorded ids, plus any image found under
the key's slugs, for publishes killed mid-way) when the ledger settles that
the post does not exist.

Comments are read with ``status=all`` and ``context=edit`` (an editor's
rights): comments held for moderation (WordPress's default for a first-time
commenter) reach the inbox as hidden, and what the citizen typed
(``content.raw``) is stored, not the HTML WordPress renders (wptexturize turns
quotes into curly ones, ``...`` into ``…``, ``--`` into ``–``; wpautop adds
``<p>`` and ``<br />``). The ids of held comments ride in the cursor and are
asked again next time, so a later approval updates the stored item instead of
being skipped by the cursor. Answering a held comment approves it first, as
WordPress's own "Approve and Reply" does. WordPress compares ``after`` with the site-local
``comment_date``: the site's time zone is read from the REST index once, and
``after`` is sent as site-local time. Without moderation rights the channel
falls back to approved comments and re-reads ``moderation_lookback_hours``
(72) so comments approved late are still found.

Settings: ``site_url`` (``api_base`` overrides it), ``username``,
``app_password_env``, ``categories`` (names as shown in the blog),
``status`` (publish | draft | pending, default publish), ``cover_in_body``.
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
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests

from ..errors import AuthExpired, ChannelError, Rejected, Retryable, UnknownOutcome
from ..logs import log
from ..model import Capability, CheckResult, Limits, Receipt, RenderedPost, Reply, ReplyBatch
from .base import Channel, ChannelContext
from .http import client_from, error_json
from ..i18n import _, ngettext

logger = logging.getLogger("outreach.channels.wordpress")

API = "/wp-json/wp/v2"
MAX_PAGES = 20
MAX_HELD = 500          # held comment ids carried in the cursor
DUPLICATE_SUFFIXES = (2, 3, 4)
# what a comment is read for; context=edit would also bring the commenter's e-mail and IP
COMMENT_FIELDS = "id,post,parent,author,author_name,date,date_gmt,status,content,link"


def slug_for(key: str) -> str:
    """A stable slug for a delivery key (WordPress slugs are lowercase a-z0-9-)."""
    return "outreach-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def media_slug(key: str, index: int) -> str:
    """The slug of card ``index`` (1-based) uploaded for ``key``."""
    return f"{slug_for(key)}-{index:02d}"


# -- comment text -------------------------------------------------------------
_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                             "\u2032": "'", "\u2033": '"', "\u2026": "...", "\u2014": "-",
                             "\u2013": "-", "\u00d7": "x", "\u00a0": " "})


def plain_text(rendered: str) -> str:
    """Comment HTML as WordPress renders it -> text with its paragraphs and line breaks."""
    text = re.sub(r"\s*<br\s*/?>\s*", "\n", rendered)
    text = re.sub(r"\s*</p>\s*<p[^>]*>\s*", "\n\n", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def typed_text(raw: str) -> str:
    """What a person typed, with line endings made uniform (WordPress keeps \\r\\n from forms)."""
    return raw.replace("\r\n", "\n").replace("\r", "\n").strip()


def comparable(text: str) -> str:
    """Text with wptexturize's typography undone and whitespace collapsed, for comparing
    our own answer with what WordPress shows when the raw text cannot be read."""
    text = text.translate(_TYPOGRAPHY)
    text = re.sub(r"-{2,}", "-", text)
    return " ".join(text.split())


def comment_text(c: dict[str, Any]) -> str:
    """The comment as typed (``content.raw``, context=edit), else its rendered HTML as text."""
    content = c.get("content") or {}
    raw = content.get("raw")
    return typed_text(raw) if isinstance(raw, str) else plain_text(content.get("rendered", ""))


# -- cursor ----------------------------------------------------------------------
@dataclass
class Cursor:
    """Where the last harvest stopped: the newest comment time (UTC) and the held ids."""

    after: datetime | None = None
    held: list[int] = field(default_factory=list)
    edge: list[int] = field(default_factory=list)    # ids read in the second of ``after``

    @classmethod
    def parse(cls, text: str | None) -> "Cursor":
        if not text:
            return cls()
        if text.lstrip().startswith("{"):
            data = json.loads(text)
            after = datetime.fromisoformat(data["after"]) if data.get("after") else None
            return cls(after, [int(i) for i in data.get("held", [])],
                       [int(i) for i in data.get("edge", [])])
        return cls(datetime.fromisoformat(text))    # the plain timestamp of earlier versions

    def dump(self) -> str:
        return json.dumps({"after": self.after.isoformat() if self.after else None,
                           "held": self.held[-MAX_HELD:], "edge": self.edge})


def site_after(since: datetime, zone: tzinfo, now: datetime) -> str:
    """``after`` as WordPress compares it: the site-local wall clock of ``since``.

    WordPress stores ``comment_date`` as local wall time; after a daylight-saving
    fall-back the wall clock repeats an hour, so the smaller of the two offsets
    (at ``since`` and now) is used: nothing is lost, at most that hour re-read.
    """
    offsets = [since.astimezone(zone).utcoffset(), now.astimezone(zone).utcoffset()]
    offset = min((o for o in offsets if o is not None), default=timedelta(0))
    local = since.astimezone(timezone.utc).replace(tzinfo=None) + offset - timedelta(seconds=1)
    return local.strftime("%Y-%m-%dT%H:%M:%S")


class WordPressChannel(Channel):
    type = "wordpress"
    display_name = "WordPress"
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
        self._zone: tzinfo | None = None
        self._zone_known = True
        self._moderator: bool | None = None   # may read held comments and content.raw

    def metrics(self, target: Any, now: datetime) -> list[Any]:
        """Approved comments (``X-WP-Total`` of /wp/v2/comments, developer.wordpress.org/
        rest-api/reference/comments/); views: WordPress core keeps none (Jetpack Stats or a
        plugin would), so they are "not available" rather than guessed."""
        from ..metrics.model import Figure

        if not target.remote_id:
            return []
        resp = self.http.get(f"{API}/comments", params={"post": target.remote_id, "per_page": 1})
        total = resp.headers.get("X-WP-Total")
        comments = (Figure("comments", int(total), "X-WP-Total") if total and total.isdigit()
                    else Figure.missing("comments", _("the site did not say how many comments")))
        return [comments, Figure.missing("views", _("WordPress core does not count views "
                                                    "(Jetpack Stats or a plugin would)"))]

    def _classify(self, resp: requests.Response, create: bool) -> ChannelError | None:
        body = error_json(resp)
        if body is None or "code" not in body:
            return None
        what = f"WordPress {body['code']}: {plain_text(str(body.get('message') or ''))}"
        if resp.status_code == 401:
            return AuthExpired(_("{what}. Create a new application password for {username} "
                                 "(Users → Profile → Application Passwords) and set "
                                 "{password_env}", what=what, username=self.username,
                                 password_env=self.password_env),
                               channel=self.name)
        if resp.status_code == 403:
            return Rejected(_("{what}. Give the user {username} the Editor role (or the missing "
                              "capability) in WordPress", what=what, username=self.username), channel=self.name, reason=str(body["code"]))
        if 400 <= resp.status_code < 500 and resp.status_code not in (408, 429):
            return Rejected(what, channel=self.name, reason=str(body["code"]))
        return None

    def _delete(self, path: str) -> None:
        self.http.request("DELETE", path, params={"force": "true"}, create=False)

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
            raise Rejected(ngettext("unknown WordPress category {names} in [channels.{name}] "
                                    "categories; the blog has: {known}",
                                    "unknown WordPress categories {names} in [channels.{name}] "
                                    "categories; the blog has: {known}", len(unknown),
                                    names=', '.join(map(repr, unknown)), name=self.name,
                                    known=', '.join(sorted(known)) or '-'),
                           channel=self.name, reason="unknown category")
        return [known[n] for n in wanted]

    def publish(self, post: RenderedPost, key: str) -> Receipt:
        body_html = self.text_for(post)
        categories = self.category_ids()
        existing = self.find(key)
        if existing:
            return existing
        uploads: list[int] = []
        try:
            media = []
            for slide in post.slides:
                media.append(self._upload(slide, key, post.title, len(post.slides)))
                uploads.append(int(media[-1]["id"]))
            created = self._create_post(post, key, body_html, categories, media)
        except ChannelError as exc:
            exc.uploads = tuple(str(i) for i in uploads)
            raise
        if created.get("slug") != slug_for(key):
            try:
                original = self._settle_duplicate(key, created, uploads)
            except ChannelError as exc:   # the post exists: never report "nothing was sent"
                log(logger, logging.WARNING, "a suffixed slug could not be settled", channel=self.name,
                    key=key, post=created["id"], error=exc.detail)
                original = None
            if original is not None:
                return original
        unattached = self._attach(int(created["id"]), uploads)
        return Receipt(remote_id=str(created["id"]), url=created.get("link"),
                       extra={"slug": created.get("slug"), "media": [str(i) for i in uploads],
                              **({"unattached": unattached} if unattached else {})})

    def _create_post(self, post: RenderedPost, key: str, body_html: str, categories: list[int],
                     media: list[dict[str, Any]]) -> dict[str, Any]:
        cover_in_body = bool(self.ctx.setting("cover_in_body", False, type_=bool))
        shown = list(zip(post.slides, media))[0 if cover_in_body else 1:]
        figures = "".join(
            f'<figure class="wp-block-image"><img src="{html.escape(m["source_url"])}" '
            f'alt="{html.escape(s.alt_text)}" class="wp-image-{m["id"]}"/></figure>\n'
            for s, m in shown)
        data: dict[str, Any] = {"title": post.title, "content": figures + body_html, "slug": slug_for(key),
                                "status": self.ctx.setting("status", "publish", type_=str),
                                "categories": categories}
        if media:
            data["featured_media"] = media[0]["id"]
        created = self.http.json(self.http.post(f"{API}/posts", json_body=data))
        if not isinstance(created, dict) or "id" not in created:
            raise UnknownOutcome(_("WordPress answered the new post without an id; the post may "
                                   "exist: reconcile before retrying"), channel=self.name)
        return created

    def _upload(self, slide: Any, key: str, title: str, count: int) -> dict[str, Any]:
        mime = "image/jpeg" if slide.format == "jpeg" else "image/png"
        ext = "jpg" if slide.format == "jpeg" else "png"
        slug = media_slug(key, slide.index)
        # A lost upload answer leaves at most an orphan in the media library, not a post;
        # discard_uploads finds it again under its slug.
        resp = self.http.post(f"{API}/media", data=slide.path.read_bytes(), create=False,
                              params={"alt_text": slide.alt_text, "slug": slug,
                                      "title": f"{title} ({slide.index}/{count})"},
                              headers={"Content-Type": mime,
                                       "Content-Disposition": f'attachment; filename="{slug}.{ext}"'})
        media = self.http.json(resp, create=False)
        if not isinstance(media, dict) or "id" not in media:
            raise UnknownOutcome(_("WordPress answered the upload of {name} without an id",
                                   name=slide.path.name),
                                 channel=self.name)
        return media

    def _attach(self, post_id: int, uploads: Sequence[int]) -> list[str]:
        """Attach each image to its post (the upload came first: the post did not exist)."""
        failed = []
        for media_id in uploads:
            try:
                self.http.post(f"{API}/media/{media_id}", json_body={"post": post_id}, create=False)
            except ChannelError as exc:   # the post is made: a missing attachment is no failure
                log(logger, logging.WARNING, "attaching an image failed", channel=self.name,
                    media=media_id, post=post_id, error=exc.detail)
                failed.append(str(media_id))
        return failed

    def _settle_duplicate(self, key: str, created: dict[str, Any], uploads: Sequence[int]
                          ) -> Receipt | None:
        """WordPress answered ``<slug>-2``: another worker made the post first. Keep the original."""
        original = self.find(key)
        if original is None or original.remote_id == str(created["id"]):
            return None
        for path in [f"{API}/posts/{created['id']}", *(f"{API}/media/{i}" for i in uploads)]:
            try:
                self._delete(path)
            except ChannelError as exc:
                log(logger, logging.WARNING, "deleting a duplicate failed", channel=self.name,
                    path=path, error=exc.detail)
        log(logger, logging.WARNING, "duplicate post removed", channel=self.name, key=key,
            duplicate=created["id"], original=original.remote_id)
        return Receipt(remote_id=original.remote_id, url=original.url,
                       extra={**original.extra, "duplicate_removed": str(created["id"])})

    def find(self, key: str) -> Receipt | None:
        """The post for ``key``: its slug, or a ``-2`` copy's, the oldest first."""
        base = slug_for(key)
        slugs = [base, *(f"{base}-{n}" for n in DUPLICATE_SUFFIXES)]
        resp = self.http.get(f"{API}/posts", params={"slug": ",".join(slugs), "status": "any",
                                                     "orderby": "id", "order": "asc",
                                                     "_fields": "id,link,slug,status"})
        rows = self.http.json(resp)
        if not isinstance(rows, list):
            raise UnknownOutcome(_("WordPress answered a post lookup without a list"), channel=self.name)
        if not rows:
            return None
        first = min(rows, key=lambda r: int(r["id"]))
        self._adopt_uploads(key, int(first["id"]))
        return Receipt(remote_id=str(first["id"]), url=first.get("link"),
                       extra={"status": first.get("status"), "slug": first.get("slug")})

    def _adopt_uploads(self, key: str, post_id: int) -> None:
        """Attach the key's images still unattached to its post: the answer to the create was
        lost, or the worker died before attaching them. Best effort: a lookup must not fail."""
        try:
            rows = self.http.json(self.http.get(f"{API}/media", params={
                "slug": self._media_slugs(key), "parent": 0, "per_page": 100, "_fields": "id,post"}))
            self._attach(post_id, [int(r["id"]) for r in rows if isinstance(r, dict) and not r.get("post")])
        except ChannelError as exc:
            log(logger, logging.WARNING, "attaching left-over images failed", channel=self.name,
                key=key, error=exc.detail)

    def _media_slugs(self, key: str) -> str:
        return ",".join(media_slug(key, i) for i in range(1, (self.limits.max_images or 50) + 1))

    def discard_uploads(self, key: str, uploads: Iterable[str]) -> list[str]:
        """Delete images uploaded for ``key`` that belong to no post: the ``uploads`` recorded
        by the ledger and those found under the key's media slugs (a publish killed mid-way
        returned nothing). Returns the ids deleted."""
        rows = self.http.json(self.http.get(f"{API}/media", params={
            "slug": self._media_slugs(key), "per_page": 100, "_fields": "id,post,slug"}))
        candidates = {int(r["id"]): r.get("post") for r in rows if isinstance(r, dict)}
        recorded = [int(i) for i in uploads if str(i).isdigit() and int(i) not in candidates]
        if recorded:
            for r in self.http.json(self.http.get(f"{API}/media", params={
                    "include": ",".join(map(str, recorded)), "per_page": 100, "_fields": "id,post"})):
                candidates[int(r["id"])] = r.get("post")
        deleted = []
        for media_id, parent in sorted(candidates.items()):
            if parent:          # attached to a post: in use
                continue
            self._delete(f"{API}/media/{media_id}")
            deleted.append(str(media_id))
        return deleted

    # -- conversation -------------------------------------------------------
    def user_id(self) -> int:
        """The id of the user the application password belongs to (``/users/me``), asked once."""
        if self._user_id is None:
            me = self.http.json(self.http.get(f"{API}/users/me", params={"_fields": "id,name"}))
            if not isinstance(me, dict) or not isinstance(me.get("id"), int):
                raise Retryable(_("WordPress answered /users/me without a user id"), channel=self.name)
            self._user_id = me["id"]
        return self._user_id

    def site_zone(self) -> tzinfo:
        """The site's time zone (Settings → General), from the REST index, asked once."""
        if self._zone is None:
            try:
                info = self.http.json(self.http.get("/wp-json/", params={
                    "_fields": "gmt_offset,timezone_string"}))
            except Rejected as exc:     # the index closed by a security plugin
                log(logger, logging.WARNING, "the REST index is closed; the site's time zone is "
                    "unknown", channel=self.name, error=exc.detail)
                self._zone = timezone.utc
                self._zone_known = False
                return self._zone
            info = info if isinstance(info, dict) else {}
            zone: tzinfo = timezone.utc
            try:
                if info.get("timezone_string"):
                    zone = ZoneInfo(str(info["timezone_string"]))
                elif info.get("gmt_offset") not in (None, ""):
                    zone = timezone(timedelta(hours=float(info["gmt_offset"])))
            except (ZoneInfoNotFoundError, ValueError):
                log(logger, logging.WARNING, "unknown site time zone; using its offset",
                    channel=self.name, zone=info.get("timezone_string"))
                zone = timezone(timedelta(hours=float(info.get("gmt_offset") or 0)))
            self._zone = zone
        return self._zone

    def _own(self, c: dict[str, Any]) -> bool:
        """Written by our own WordPress user (guests have author 0, so no lookup for them)."""
        author = c.get("author")
        return isinstance(author, int) and author > 0 and author == self.user_id()

    def _comments(self, params: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
        """All pages of a comment query, held ones and raw text included when our rights allow.

        Returns the rows and whether the page limit cut the list short."""
        rows: list[dict[str, Any]] = []
        page, pages = 1, 1
        while page <= min(pages, MAX_PAGES):
            query = {**params, "per_page": 100, "page": page, "_fields": COMMENT_FIELDS}
            if self._moderator is not False:
                query.update(status="all", context="edit")
            try:
                resp = self.http.get(f"{API}/comments", params=query)
            except Rejected as exc:
                if self._moderator is not None or exc.reason not in (
                        "rest_forbidden_context", "rest_forbidden_param"):
                    raise
                self._moderator = False     # an author or contributor: approved comments only
                continue
            if self._moderator is None:
                self._moderator = "status" in query
            rows += self.http.json(resp)
            pages = int(resp.headers.get("X-WP-TotalPages") or 1)
            page += 1
        return rows, pages > MAX_PAGES

    def replies(self, cursor: str | None) -> ReplyBatch:
        state = Cursor.parse(cursor)
        now = datetime.now(timezone.utc)
        since = state.after or now - timedelta(days=int(self.ctx.setting("replies_lookback_days", 7,
                                                                         type_=int)))
        known = self._moderator is not None
        rows, cut = self._new_comments(since, now)
        if not known and self._moderator is False:
            rows, cut = self._new_comments(since, now)   # learned just now: ask with the look-back
        notes: list[str] = []
        if cut:
            notes.append(f"stopped after {MAX_PAGES} pages of comments")
        if self._moderator is False:
            notes.append(f"WordPress user {self.username} cannot read comments held for moderation: "
                         "give it the Editor role")
        # ``date_gmt`` decides (the local ``date`` of comments made before a time zone change
        # lies); those of the cursor's own second that were read last time are left out
        floor = since - self._look_back()
        items = [r for r in map(self._reply_of, rows) if r.created_at >= floor
                 and not (r.created_at == since and int(r.remote_id) in state.edge)]
        newest = max([since, *(r.created_at for r in items)])
        edge = [int(r.remote_id) for r in items if r.created_at == newest]
        if newest == since:
            edge += state.edge
        # held comments keep their date when approved, after the cursor passed them: ask again
        seen = {int(r.remote_id) for r in items}
        recheck = [i for i in state.held if i not in seen]
        if recheck and self._moderator:
            again, _ = self._comments({"include": ",".join(map(str, recheck[:100])),
                                       "orderby": "id", "order": "asc"})
            items += [self._reply_of(c) for c in again]   # approved since: shown in the inbox
            recheck = recheck[100:]                        # gone (spam, trash): dropped
        held = recheck + [int(r.remote_id) for r in items if r.ref.get("status") == "hold"]
        return ReplyBatch(items=items, notes=tuple(notes), cursor=Cursor(
            newest, list(dict.fromkeys(held)), sorted(set(edge))).dump())

    def _look_back(self) -> timedelta:
        """Without moderation rights held comments stay invisible until approved: look back."""
        if self._moderator is False:
            return timedelta(hours=int(self.ctx.setting("moderation_lookback_hours", 72, type_=int)))
        return timedelta(0)

    def _new_comments(self, since: datetime, now: datetime) -> tuple[list[dict[str, Any]], bool]:
        zone = self.site_zone()
        if self._zone_known:
            after = site_after(since - self._look_back(), zone, now)
        else:   # WordPress 5.3+ converts a time with an offset to site-local itself
            after = (since - self._look_back() - timedelta(seconds=1)).astimezone(
                timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        return self._comments({"after": after, "orderby": "date_gmt", "order": "asc"})
        return self._comments({"after": after, "orderby": "date_gmt", "order": "asc"})

    def _created(self, c: dict[str, Any]) -> datetime:
        """``date_gmt``; comments imported from old blogs may lack it (WordPress then answers
        false or null): their site-local ``date`` in the site's zone."""
        if isinstance(c.get("date_gmt"), str):
            return datetime.fromisoformat(c["date_gmt"]).replace(tzinfo=timezone.utc)
        if isinstance(c.get("date"), str):
            return datetime.fromisoformat(c["date"]).replace(tzinfo=self.site_zone()) \
                .astimezone(timezone.utc)
        return datetime.now(timezone.utc)

    def _reply_of(self, c: dict[str, Any]) -> Reply:
        created = self._created(c)
        parent = str(c["parent"]) if c.get("parent") else None
        status = c.get("status") or "approved"
        return Reply(channel=self.name, remote_id=str(c["id"]), text=comment_text(c),
                     created_at=created, thread_id=parent or str(c["id"]), parent_id=parent,
                     post_remote_id=str(c["post"]), author_id=str(c.get("author") or "") or None,
                     author_name=c.get("author_name"), url=c.get("link"),
                     hidden=status != "approved",
                     ref={"post": c["post"], "own": self._own(c), "status": status})

    def reply(self, to: Reply, text: str, key: str) -> Receipt:
        post_id = to.post_remote_id or (to.ref or {}).get("post")
        if not post_id:
            raise Rejected(_("comment {remote_id} does not say which post it belongs to",
                             remote_id=to.remote_id),
                           channel=self.name)
        if (to.ref or {}).get("status") == "hold":
            # as WordPress's own "Approve and Reply": an answer under a question nobody sees
            # would make no sense to readers
            self.http.post(f"{API}/comments/{to.remote_id}", json_body={"status": "approved"},
                           create=False)
        try:
            created = self.http.json(self.http.post(f"{API}/comments", json_body={
                "post": int(post_id), "parent": int(to.remote_id), "content": text}))
        except Rejected as exc:
            if exc.reason != "comment_duplicate":
                raise
            # WordPress refuses the same answer twice: the earlier one went out.
            earlier = self._own_answer(to, int(post_id), text)
            if earlier is None:
                raise
            return Receipt(remote_id=str(earlier["id"]), url=earlier.get("link"), extra={"existing": True})
        return Receipt(remote_id=str(created["id"]), url=created.get("link"))

    def _own_answer(self, to: Reply, post_id: int, text: str) -> dict[str, Any] | None:
        """Our own answer to ``to`` with ``text``: compared as typed (``content.raw``), or,
        without the rights to read it, with WordPress's typography undone."""
        rows, _ = self._comments({"parent": to.remote_id, "post": post_id, "author": self.user_id(),
                                  "orderby": "id", "order": "asc"})
        want_raw, want = typed_text(text), comparable(text)
        for row in rows:
            if not self._own(row):
                continue
            raw = (row.get("content") or {}).get("raw")
            if isinstance(raw, str) and typed_text(raw) == want_raw:
                return row
            if comparable(comment_text(row)) == want:
                return row
        return None

    def hide(self, to: Reply) -> None:
        self.http.post(f"{API}/comments/{to.remote_id}", json_body={"status": "hold"}, create=False)

    # -- health -------------------------------------------------------------
    def check(self) -> list[CheckResult]:
        results: list[CheckResult] = []
        try:
            me = self.http.json(self.http.get(f"{API}/users/me", params={"context": "edit"}))
        except AuthExpired as exc:
            return [CheckResult(False, _("WordPress refused the application password for {user}",
                                         user=self.username), fix=exc.detail.split(". ", 1)[-1])]
        except ChannelError as exc:
            return [CheckResult(False, _("WordPress could not be reached: {detail}",
                                         detail=exc.detail),
                                fix=_("check site_url / api_base and the network"))]
        caps = me.get("capabilities") or {}
        missing = [c for c in ("publish_posts", "upload_files", "moderate_comments", "delete_posts")
                   if not caps.get(c)]
        if missing:
            results.append(CheckResult(False, _("WordPress user {user} lacks {caps}",
                                                user=self.username, caps=', '.join(missing)),
                                       fix=_("give the user the Editor role")))
        else:
            results.append(CheckResult(True, _("WordPress user {user} can publish, upload and "
                                               "moderate", user=self.username)))
        try:
            ids = self.category_ids()
            results.append(CheckResult(True, _("categories found ({n})", n=len(ids))))
        except Rejected as exc:
            results.append(CheckResult(False, exc.detail, fix=_("fix categories in outreach.toml")))
        return results

    def close(self) -> None:
        self.http.close()
