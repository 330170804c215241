"""Instagram business account through the Graph API: single image and carousel.

Meta does not accept uploads for Instagram: it *fetches* each image from a
public URL. So the channel needs ``public_base_url``, the web address where
the workspace's ``var/`` folder is served (e.g. a static site or bucket synced
from var/); a slide ``var/drafts/x/card-01.png`` is published as
``{public_base_url}/drafts/x/card-01.png``. Without it the channel refuses to
publish and ``outreach channels check`` says so.

Flow (docs: instagram-platform/content-publishing): read the publishing quota,
create one container per image (``is_carousel_item`` for a carousel), a
CAROUSEL container, wait for ``status_code`` FINISHED, then ``media_publish``.
Captions end with the same ``게시번호`` line as Facebook so ``find`` works.

The account's own comments (staff typing in the app, our answers) are marked
``ref["own"]``: an IG Comment's ``from`` holds the author's Instagram-scoped id
and username, so a comment is ours when ``from.id`` is the IG user id or its
username is the account's ``username`` (read once per channel instance). An
answer is looked for among the comment's ``replies`` before it is sent, so a
retried answer whose response was lost does not go out twice.

Settings: ``ig_user_id``, ``token_env``, ``public_base_url``, ``api_version``,
``api_base``, ``poll_interval`` (s, default 2), ``poll_timeout`` (s, default 120).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import ChannelError, Rejected, Retryable
from ..model import Capability, CheckResult, Limits, Receipt, RenderedPost, Reply, ReplyBatch, Slide
from .base import Channel, ChannelContext
from .facebook import graph_checks
from .graph import (GraphApi, MediaContainers, find_marked, marker_line, parse_time,
                    public_media_url)
from ..i18n import _

REQUIRED_SCOPES = ("instagram_basic", "instagram_content_publish", "instagram_manage_comments")
COMMENT_FIELDS = "id,text,timestamp,username,from,hidden,parent_id"
MAX_ITEMS = 10


class InstagramChannel(Channel):
    type = "instagram"
    display_name = "Instagram"
    description = "Instagram business account (Graph API): image and carousel posts; comments"
    capabilities = frozenset({Capability.IMAGE, Capability.CAROUSEL, Capability.FIND,
                              Capability.REPLIES, Capability.REPLY, Capability.HIDE})
    limits = Limits(max_text=2200, max_hashtags=30, max_images=MAX_ITEMS, max_image_bytes=8_000_000,
                    image_formats=("jpeg",))  # Meta's content publishing takes JPEG only
    text_name = "instagram"
    daily_posts = 50     # content_publishing_limit's quota_total (docs: content-publishing)

    def __init__(self, ctx: ChannelContext) -> None:
        super().__init__(ctx)
        self.ig_user_id = str(ctx.setting("ig_user_id", required=True, type_=(str, int)))
        self.public_base_url = str(ctx.setting("public_base_url", "", type_=str)).rstrip("/")
        self.api = GraphApi(ctx, token_key="token_env", platform="Instagram")
        self.media = MediaContainers(self.api, f"{self.ig_user_id}/media",
                                     status_field="status_code", poll_timeout=120)
        self._username: str | None = None

    # -- publishing ---------------------------------------------------------
    def publish(self, post: RenderedPost, key: str) -> Receipt:
        if not post.slides:
            raise Rejected(_("Instagram needs at least one image; this post has none"), channel=self.name)
        if len(post.slides) > MAX_ITEMS:
            raise Rejected(_("{n} images: an Instagram carousel takes at most {max_items}",
                             n=len(post.slides), max_items=MAX_ITEMS),
                           channel=self.name)
        urls = [self.media_url(s) for s in post.slides]
        caption = self.text_for(post)
        if self.ctx.setting("mark_posts", True, type_=bool):
            caption = f"{caption}\n\n{marker_line(key)}"
        self._check_quota()
        if len(urls) == 1:
            container = self.media.create({"image_url": urls[0], "caption": caption})
        else:
            container = self.media.carousel([{"image_url": u} for u in urls],
                                            {"media_type": "CAROUSEL", "caption": caption})
        return self.media.published(container, images=len(urls))

    def media_url(self, slide: Slide) -> str:
        """The public address Meta will fetch ``slide`` from."""
        return public_media_url(self.ctx, self.public_base_url, slide.path, "Instagram")

    def _check_quota(self) -> None:
        """Refuse (retry later) when the rolling 24-hour publishing quota is used up."""
        body = self.api.get(f"{self.ig_user_id}/content_publishing_limit",
                            {"fields": "quota_usage,config"})
        row = (body.get("data") or [{}])[0]
        used = int(row.get("quota_usage") or 0)
        total = int((row.get("config") or {}).get("quota_total") or 50)
        if used >= total:
            raise Retryable(_("Instagram publishing quota used up ({used} of {total} posts in "
                              "24 hours)", used=used, total=total),
                            channel=self.name, retry_after=3600)

    def find(self, key: str) -> Receipt | None:
        item = find_marked(self.api, f"{self.ig_user_id}/media", "caption", "permalink,timestamp",
                           key, int(self.ctx.setting("find_pages", 4, type_=int)))
        return Receipt(remote_id=item["id"], url=item.get("permalink")) if item else None

    # -- conversation -------------------------------------------------------
    def replies(self, cursor: str | None) -> ReplyBatch:
        now = datetime.now(timezone.utc)
        since = datetime.fromisoformat(cursor) if cursor else \
            now - timedelta(days=int(self.ctx.setting("replies_lookback_days", 7, type_=int)))
        media = list(self.api.pages(f"{self.ig_user_id}/media", {"fields": "id,timestamp", "limit": 25},
                                    max_pages=1))
        fields = f"{COMMENT_FIELDS},replies{{{COMMENT_FIELDS}}}"
        found, notes = self.api.lists([m["id"] for m in media], "comments",
                                      {"fields": fields, "limit": 50})
        items: list[Reply] = []
        for media_id, rows in found.items():
            for row in rows:
                items.append(self._reply_of(media_id, row, None))
                for sub in (row.get("replies") or {}).get("data", []):
                    items.append(self._reply_of(media_id, sub, row["id"]))
        items = [r for r in items if r.created_at > since]
        newest = max((r.created_at for r in items), default=since)
        return ReplyBatch(items=items, cursor=newest.isoformat(), notes=tuple(notes))

    def username(self) -> str:
        """The account's own username (``GET /{ig-user-id}?fields=username``), asked once."""
        if self._username is None:
            self._username = str(self.api.get(self.ig_user_id, {"fields": "username"})
                                 .get("username") or "").lower()
        return self._username

    def _own(self, row: dict[str, Any]) -> bool:
        """Written by the account itself: ``from.id`` is the IG user, or the username is ours."""
        author = row.get("from") or {}
        if str(author.get("id") or "") == self.ig_user_id:
            return True
        name = str(author.get("username") or row.get("username") or "").lower()
        return bool(name) and name == self.username()

    def _reply_of(self, media_id: str, row: dict[str, Any], parent: str | None) -> Reply:
        author = row.get("from") or {}
        return Reply(channel=self.name, remote_id=row["id"], text=row.get("text") or "",
                     created_at=parse_time(row.get("timestamp")), thread_id=parent or row["id"],
                     parent_id=parent, post_remote_id=media_id,
                     author_id=author.get("id"), author_name=row.get("username") or author.get("username"),
                     hidden=bool(row.get("hidden")),
                     ref={"own": self._own(row)})

    def reply(self, to: Reply, text: str, key: str) -> Receipt:
        # Instagram threads are one level deep: answer the top-level comment.
        target = to.parent_id or to.remote_id
        # Look first: a retried answer after a lost response must not go out twice.
        wanted = text.strip()
        for row in self.api.pages(f"{target}/replies", {"fields": "id,text,from,username",
                                                        "limit": 100}, max_pages=3):
            if self._own(row) and (row.get("text") or "").strip() == wanted:
                return Receipt(remote_id=row["id"], extra={"existing": True})
        answer = self.api.post(f"{target}/replies", {"message": text})
        return Receipt(remote_id=answer["id"])

    def hide(self, to: Reply) -> None:
        answer = self.api.post(to.remote_id, {"hide": "true"}, create=False)
        if not answer.get("success"):
            raise Rejected(_("Instagram did not hide comment {remote_id}", remote_id=to.remote_id), channel=self.name)

    # -- health -------------------------------------------------------------
    # -- analytics: developers.facebook.com/documentation/instagram-platform/reference/instagram-media/insights
    def metrics(self, target: Any, now: datetime) -> list[Any]:
        """views, reach, likes, comments, saved, shares; provisional for 48 hours after posting."""
        from .insights import is_provisional, read_insights

        if not target.remote_id:
            return []
        wanted = {n: n for n in ("views", "reach", "likes", "comments", "saved", "shares")}
        wanted.update(dict(self.ctx.setting("insight_metrics", {}, type_=dict)))
        return read_insights(self.api, target.remote_id, wanted, period=None,
                             provisional=is_provisional(target.sent_at, now))

    def followers(self) -> Any:
        from .insights import count_field

        return count_field(self.api, self.ig_user_id, (("followers", "followers_count"),))[0]

    def check(self) -> list[CheckResult]:
        results = graph_checks(self.api, _("Instagram token"), REQUIRED_SCOPES,
                               node=self.ig_user_id, node_what=_("Instagram account"))
        if not self.public_base_url:
            results.append(CheckResult(False, _("public_base_url is not set: Instagram cannot "
                                                "fetch images"),
                                       fix=_("serve var/ on the web and set public_base_url in "
                                             "[channels.{name}]", name=self.name)))
        if results and results[0].ok:
            try:
                self._check_quota()
                results.append(CheckResult(True, _("Instagram publishing quota has room")))
            except Retryable as exc:
                results.append(CheckResult(False, exc.detail,
                                           fix=_("wait; the quota is a rolling 24 hours")))
            except ChannelError as exc:
                results.append(CheckResult(False, _("publishing quota not readable: {detail}",
                                                    detail=exc.detail)))
        return results

    def close(self) -> None:
        self.api.close()
