"""Threads (Meta) through the Threads API: text, image and carousel posts; replies.

Threads is Graph infrastructure at graph.threads.net (version ``v1.0``): the
same error body, codes and paging as Facebook and Instagram, so the calls go
through ``graph.GraphApi`` with another host. Like Instagram, Threads takes no
uploads: it fetches each image from a public address, so the channel needs
``public_base_url`` (where var/ is served on the web).

Publishing (docs: developers.facebook.com/docs/threads/posts): a media container
``POST /{user-id}/threads`` (``media_type`` TEXT, IMAGE or CAROUSEL; carousel
items with ``is_carousel_item``), wait until its ``status`` is FINISHED
(docs/threads/troubleshooting), then ``POST /{user-id}/threads_publish``
``creation_id``: the one call that makes the post public. Before that the
profile's rolling 24-hour quota is read from ``GET /{user-id}/threads_publishing_limit``
(250 posts; 1,000 replies; docs/threads/overview#rate-limiting). The text limit
is 500 characters, our ``게시번호`` line included, so ``find`` can spot the post
in ``GET /{user-id}/threads`` after a crash.

Replies (docs/threads/reply-management): ``GET /{media-id}/conversation`` gives every
reply under a post, at any depth; a reply is our own when ``is_reply_owned_by_me``
is true or its ``username`` is the profile's. Answers are reply containers
(``reply_to_id``) published the same way, after looking among the target's
``/replies`` for our own identical answer (a retried answer whose response was
lost is not posted twice). Hiding: ``POST /{reply-id}/manage_reply`` ``hide=true``
(only replies under the profile's own posts).

Settings: ``threads_user_id``, ``token_env``, ``public_base_url``, ``api_version``
(``v1.0``), ``api_base``, ``poll_interval`` (s, 2), ``poll_timeout`` (s, 300),
``replies_posts`` (recent posts whose replies are read, 25), ``daily_posts`` (250).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import ChannelError, Rejected, Retryable
from ..i18n import _
from ..model import Capability, CheckResult, Limits, Receipt, RenderedPost, Reply, ReplyBatch
from .base import Channel, ChannelContext
from .graph import (GraphApi, MediaContainers, find_marked, marker_line, parse_time,
                    public_media_url)

THREADS_HOST = "https://graph.threads.net"
THREADS_VERSION = "v1.0"
MAX_TEXT = 500
MAX_ITEMS = 20
REPLY_FIELDS = "id,text,username,timestamp,hide_status,is_reply_owned_by_me,replied_to,root_post"


class ThreadsChannel(Channel):
    type = "threads"
    display_name = "Threads"
    description = "Threads (Meta) profile: text, image and carousel posts; replies"
    capabilities = frozenset({Capability.TEXT, Capability.LINK, Capability.IMAGE, Capability.CAROUSEL,
                              Capability.FIND, Capability.REPLIES, Capability.REPLY, Capability.HIDE})
    limits = Limits(max_text=MAX_TEXT, max_images=MAX_ITEMS, max_image_bytes=8_000_000,
                    image_formats=("jpeg", "png"))
    text_name = "threads"
    daily_posts = 250

    def __init__(self, ctx: ChannelContext) -> None:
        super().__init__(ctx)
        self.user_id = str(ctx.setting("threads_user_id", required=True, type_=(str, int)))
        self.public_base_url = str(ctx.setting("public_base_url", "", type_=str)).rstrip("/")
        self.api = GraphApi(ctx, token_key="token_env", platform="Threads", host=THREADS_HOST,
                            default_version=THREADS_VERSION)
        self.media = MediaContainers(self.api, f"{self.user_id}/threads", status_field="status",
                                     poll_timeout=300)
        self._username: str | None = None

    # -- publishing ---------------------------------------------------------
    def caption(self, post: RenderedPost, key: str) -> str:
        """The post's text with the ``게시번호`` line; refused when over 500 characters."""
        text = self.text_for(post)
        if self.ctx.setting("mark_posts", True, type_=bool):
            text = f"{text}\n\n{marker_line(key)}"
        if len(text) > MAX_TEXT:
            raise Rejected(_("the Threads text has {n} characters (with the 게시번호 line); Threads "
                             "takes at most {max}: shorten the template's {name!r} text", n=len(text),
                             max=MAX_TEXT, name=self.ctx.setting("text", self.text_name)),
                           channel=self.name, reason="text too long")
        return text

    def publish(self, post: RenderedPost, key: str) -> Receipt:
        if len(post.slides) > MAX_ITEMS:
            raise Rejected(_("{n} images: a Threads carousel takes at most {max}", n=len(post.slides),
                             max=MAX_ITEMS), channel=self.name)
        text = self.caption(post, key)
        urls = [public_media_url(self.ctx, self.public_base_url, s.path, "Threads") for s in post.slides]
        self.quota()
        if not urls:
            container = self.media.create({"media_type": "TEXT", "text": text})
        elif len(urls) == 1:
            container = self.media.create({"media_type": "IMAGE", "image_url": urls[0], "text": text})
        else:
            container = self.media.carousel([{"media_type": "IMAGE", "image_url": u} for u in urls],
                                            {"media_type": "CAROUSEL", "text": text})
        return self.media.published(container, images=len(urls))

    def quota(self, *, replies: bool = False) -> tuple[int, int]:
        """(used, total) of the rolling 24-hour quota; Retryable when it is used up."""
        body = self.api.get(f"{self.user_id}/threads_publishing_limit",
                            {"fields": "quota_usage,config,reply_quota_usage,reply_config"})
        row = (body.get("data") or [{}])[0]
        used_key, config_key, default = ("reply_quota_usage", "reply_config", 1000) if replies \
            else ("quota_usage", "config", 250)
        used = int(row.get(used_key) or 0)
        total = int((row.get(config_key) or {}).get("quota_total") or default)
        if used >= total:
            message = _("Threads publishing quota used up ({used} of {total} replies in 24 hours)",
                        used=used, total=total) if replies else \
                _("Threads publishing quota used up ({used} of {total} posts in 24 hours)",
                  used=used, total=total)
            raise Retryable(message, channel=self.name, retry_after=3600)
        return used, total

    def find(self, key: str) -> Receipt | None:
        item = find_marked(self.api, f"{self.user_id}/threads", "text", "permalink,timestamp",
                           key, int(self.ctx.setting("find_pages", 4, type_=int)))
        return Receipt(remote_id=item["id"], url=item.get("permalink")) if item else None

    # -- conversation -------------------------------------------------------
    def replies(self, cursor: str | None) -> ReplyBatch:
        now = datetime.now(timezone.utc)
        since = datetime.fromisoformat(cursor) if cursor else \
            now - timedelta(days=int(self.ctx.setting("replies_lookback_days", 7, type_=int)))
        posts = list(self.api.pages(f"{self.user_id}/threads", {"fields": "id,timestamp", "limit": 25},
                                    max_pages=1))[:int(self.ctx.setting("replies_posts", 25, type_=int))]
        items: list[Reply] = []
        notes: list[str] = []
        for post in posts:
            try:
                rows = list(self.api.pages(f"{post['id']}/conversation",
                                           {"fields": REPLY_FIELDS, "reverse": "false", "limit": 100},
                                           max_pages=20))
            except (Rejected, Retryable) as exc:
                notes.append(_("replies of {post} not read: {detail}", post=post["id"],
                               detail=exc.detail))
                continue
            items += [self._reply_of(post["id"], row) for row in rows]
        items = [r for r in items if r.created_at > since]
        newest = max((r.created_at for r in items), default=since)
        return ReplyBatch(items=items, cursor=newest.isoformat(), notes=tuple(notes))

    def username(self) -> str:
        """The profile's own username (``GET /{user-id}?fields=username``), asked once."""
        if self._username is None:
            self._username = str(self.api.get(self.user_id, {"fields": "id,username"})
                                 .get("username") or "").lower()
        return self._username

    def _own(self, row: dict[str, Any]) -> bool:
        if row.get("is_reply_owned_by_me") is True:
            return True
        name = str(row.get("username") or "").lower()
        return bool(name) and name == self.username()

    def _reply_of(self, post_id: str, row: dict[str, Any]) -> Reply:
        parent = (row.get("replied_to") or {}).get("id")
        return Reply(channel=self.name, remote_id=row["id"], text=row.get("text") or "",
                     created_at=parse_time(row.get("timestamp")), thread_id=post_id,
                     parent_id=None if parent in (None, post_id) else parent,
                     post_remote_id=post_id, author_name=row.get("username"),
                     hidden=row.get("hide_status") in ("HIDDEN", "COVERED"),
                     ref={"own": self._own(row)})

    def find_reply(self, to: Reply, text: str, key: str) -> Receipt | None:
        wanted = text.strip()
        for row in self.api.pages(f"{to.remote_id}/replies",
                                  {"fields": "id,text,username,is_reply_owned_by_me", "limit": 100},
                                  max_pages=3):
            if self._own(row) and (row.get("text") or "").strip() == wanted:
                return Receipt(remote_id=row["id"], extra={"existing": True})
        return None

    def reply(self, to: Reply, text: str, key: str) -> Receipt:
        if len(text) > MAX_TEXT:
            raise Rejected(_("the answer has {n} characters; Threads takes at most {max}",
                             n=len(text), max=MAX_TEXT), channel=self.name, reason="text too long")
        found = self.find_reply(to, text, key)   # look first: a lost answer must not go out twice
        if found:
            return found
        self.quota(replies=True)
        container = self.media.create({"media_type": "TEXT", "text": text,
                                       "reply_to_id": to.remote_id})
        return Receipt(remote_id=self.media.publish(container))

    def hide(self, to: Reply) -> None:
        answer = self.api.post(f"{to.remote_id}/manage_reply", {"hide": "true"}, create=False)
        if not answer.get("success"):
            raise Rejected(_("Threads did not hide reply {id} (only replies under the profile's own "
                             "posts can be hidden)", id=to.remote_id), channel=self.name)

    # -- health -------------------------------------------------------------
    def check(self) -> list[CheckResult]:
        from ..errors import AuthExpired

        env = self.api.token_env
        try:
            self.username()
        except AuthExpired as exc:
            return [CheckResult(False, _("Threads token is not valid ({detail})", detail=exc.detail),
                                fix=_("create a new long-lived token and set {env}", env=env))]
        except ChannelError as exc:
            return [CheckResult(False, _("Threads profile {id} not readable: {detail}", id=self.user_id,
                                         detail=exc.detail),
                                fix=_("check threads_user_id, the token's threads_basic permission "
                                      "and api_base"))]
        results = [CheckResult(True, _("Threads token works for @{name} ({id})", name=self._username,
                                       id=self.user_id))]
        try:
            used, total = self.quota()
            results.append(CheckResult(True, _("Threads publishing quota has room ({used} of {total} "
                                               "posts in 24 hours)", used=used, total=total)))
        except Retryable as exc:
            results.append(CheckResult(False, exc.detail, fix=_("wait; the quota is a rolling 24 hours")))
        except ChannelError as exc:
            results.append(CheckResult(False, _("publishing quota not readable: {detail}",
                                                detail=exc.detail),
                                       fix=_("grant threads_content_publish and create a new token")))
        if not self.public_base_url:
            results.append(CheckResult(False, _("public_base_url is not set: Threads cannot fetch images"),
                                       fix=_("serve var/ on the web and set public_base_url in "
                                             "[channels.{name}]", name=self.name)))
        return results

    def close(self) -> None:
        self.api.close()
