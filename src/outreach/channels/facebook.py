"""Facebook Page through the Graph API: text/link posts, photos, multi-photo card news.

Settings in ``[channels.NAME]``: ``page_id``, ``page_token_env`` (the env var
holding a Page access token), ``api_version`` (default v25.0), ``api_base``.

Finding a post after a crash: the Graph API keeps no custom metadata on a
post, so every post ends with a short line ``게시번호 ab12cd34`` (the first 8
hex digits of sha256(delivery key)); ``find`` scans the page's recent posts
for it. Set ``mark_posts = false`` to leave it off (``find`` then cannot work
and a lost answer stays "unknown" for staff).
"""

from __future__ import annotations

import mimetypes
from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import AuthExpired, ChannelError, Rejected
from ..model import Capability, CheckResult, Limits, Receipt, RenderedPost, Reply, ReplyBatch
from .base import Channel, ChannelContext
from .graph import GraphApi, expired_on, find_marked, marker_line, parse_time
from .textmatch import same_text
from ..i18n import _

REQUIRED_SCOPES = ("pages_manage_posts", "pages_manage_engagement", "pages_read_engagement",
                   "pages_read_user_engagement")
COMMENT_FIELDS = "id,message,created_time,from,parent{id},is_hidden,permalink_url"
#: figure -> current Page post insights metric (page-post/insights; post_impressions* retired
#: 2025-11-15 in favour of post_media_view / post_total_media_view_unique)
FB_INSIGHTS = {"views": "post_media_view", "reach": "post_total_media_view_unique",
               "reactions": "post_reactions_by_type_total", "clicks": "post_clicks_by_type"}
SMALL_PAGE = 25           # posts (and comments per post) per page when Meta finds 100 too much


class FacebookChannel(Channel):
    type = "facebook"
    display_name = "Facebook"
    description = "Facebook Page (Graph API): text, link, photo and multi-photo posts; comments"
    capabilities = frozenset({Capability.TEXT, Capability.LINK, Capability.IMAGE, Capability.CAROUSEL,
                              Capability.FIND, Capability.REPLIES, Capability.REPLY, Capability.HIDE})
    limits = Limits(max_text=63206, max_images=10, max_image_bytes=4_000_000,
                    image_formats=("png", "jpeg"))
    text_name = "facebook"

    def __init__(self, ctx: ChannelContext) -> None:
        super().__init__(ctx)
        self.page_id = str(ctx.setting("page_id", required=True, type_=(str, int)))
        self.api = GraphApi(ctx, token_key="page_token_env", platform="Facebook")

    # -- publishing ---------------------------------------------------------
    def publish(self, post: RenderedPost, key: str) -> Receipt:
        message = self.text_for(post)
        if self.ctx.setting("mark_posts", True, type_=bool):
            message = f"{message}\n\n{marker_line(key)}"
        slides = post.slides
        if len(slides) > (self.limits.max_images or 10):
            raise Rejected(_("{n} images: a Facebook multi-photo post takes at most {max_images}",
                             n=len(slides), max_images=self.limits.max_images), channel=self.name)
        if not slides:
            data: dict[str, Any] = {"message": message}
            if post.links:
                data["link"] = post.links[0]
            post_id = self.api.post(f"{self.page_id}/feed", data)["id"]
        elif len(slides) == 1:
            answer = self._upload(slides[0], message=message, published=True)
            post_id = answer.get("post_id") or answer["id"]
        else:
            # Unpublished photos first; a crash here leaves only invisible uploads behind.
            media = [self._upload(s, published=False)["id"] for s in slides]
            data = {"message": message}
            for i, fbid in enumerate(media):
                data[f"attached_media[{i}]"] = f'{{"media_fbid":"{fbid}"}}'
            post_id = self.api.post(f"{self.page_id}/feed", data)["id"]
        return Receipt(remote_id=post_id, url=f"https://www.facebook.com/{post_id}",
                       extra={"images": len(slides)})

    def _upload(self, slide: Any, *, published: bool, message: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"published": "true" if published else "false"}
        if message is not None:
            data["message"] = message
        if slide.alt_text:
            data["alt_text_custom"] = slide.alt_text
        mime = mimetypes.guess_type(slide.path.name)[0] or "image/png"
        with open(slide.path, "rb") as fh:
            return self.api.post(f"{self.page_id}/photos", data,
                                 files={"source": (slide.path.name, fh, mime)})

    def find(self, key: str) -> Receipt | None:
        item = find_marked(self.api, f"{self.page_id}/posts", "message",
                           "created_time,permalink_url", key,
                           int(self.ctx.setting("find_pages", 4, type_=int)))
        if item is None:
            return None
        return Receipt(remote_id=item["id"],
                       url=item.get("permalink_url") or f"https://www.facebook.com/{item['id']}")

    # -- conversation -------------------------------------------------------
    def replies(self, cursor: str | None) -> ReplyBatch:
        """New comments on the page's recent posts, in as few Graph requests as possible.

        One ``GET /{page-id}/posts`` asks for the recent posts *and* their new
        comments through field expansion (``comments.filter(stream).since(T)
        .limit(100){...}``), so a harvest with nothing new costs one request
        (two when more than ``replies_posts_per_page`` posts are recent); only a
        post with more than a page of new comments costs more, through its
        own ``/comments`` paging. The cursor has microseconds (see
        ``next_cursor``) so the comments of its last second are not read again.
        """
        now = datetime.now(timezone.utc)
        since = datetime.fromisoformat(cursor) if cursor else \
            now - timedelta(days=int(self.ctx.setting("replies_lookback_days", 7, type_=int)))
        oldest_post = now - timedelta(days=int(self.ctx.setting("replies_post_days", 30, type_=int)))
        per_page = int(self.ctx.setting("replies_posts_per_page", 100, type_=int))
        try:
            items = self._recent_comments(since, oldest_post, per_page, 100)
        except ChannelError as exc:
            # Meta refuses a nested read it finds too big ("Please reduce the amount of
            # data you're asking for", code 1): ask again in smaller pages.
            if "reduce the amount of data" not in exc.detail or per_page <= SMALL_PAGE:
                raise
            items = self._recent_comments(since, oldest_post, SMALL_PAGE, SMALL_PAGE)
        return ReplyBatch(items=items, cursor=next_cursor(since, items, now))

    def _recent_comments(self, since: datetime, oldest_post: datetime, per_page: int,
                         per_post: int) -> list[Reply]:
        """Comments since ``since`` on posts newer than ``oldest_post``, nested in the posts read."""
        edge = {"filter": "stream", "order": "chronological", "since": int(since.timestamp()),
                "limit": per_post}
        expansion = "".join(f".{k}({v})" for k, v in edge.items())
        params = {"fields": f"id,created_time,comments{expansion}{{{COMMENT_FIELDS}}}",
                  "limit": per_page}
        items: list[Reply] = []
        pages = int(self.ctx.setting("replies_post_pages", 2, type_=int)) * max(1, 100 // per_page)
        for post in self.api.pages(f"{self.page_id}/posts", params, max_pages=pages):
            if parse_time(post.get("created_time")) < oldest_post:
                break
            block = post.get("comments") or {}
            rows = list(block.get("data", []))
            paging = block.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if paging.get("next") and after:
                rows += list(self.api.pages(f"{post['id']}/comments",
                                            {**edge, "fields": COMMENT_FIELDS, "after": after}))
            found = [self._reply_of(post["id"], row) for row in rows]
            items += [r for r in found if r.created_at >= since]   # Graph's since: whole seconds
        return items

    def _reply_of(self, post_id: str, row: dict[str, Any]) -> Reply:
        parent = (row.get("parent") or {}).get("id")
        author = row.get("from") or {}
        return Reply(channel=self.name, remote_id=row["id"], text=row.get("message") or "",
                     created_at=parse_time(row.get("created_time")), thread_id=parent or row["id"],
                     parent_id=parent, post_remote_id=post_id, author_id=author.get("id"),
                     author_name=author.get("name"), url=row.get("permalink_url"),
                     hidden=bool(row.get("is_hidden")),
                     ref={"own": author.get("id") == self.page_id})

    def reply(self, to: Reply, text: str, key: str) -> Receipt:
        # Look first: a retried answer after a lost response must not go out twice.
        for row in self.api.pages(f"{to.remote_id}/comments",
                                  {"fields": "id,message,from", "limit": 100}, max_pages=3):
            if (row.get("from") or {}).get("id") == self.page_id and \
                    same_text(text, row.get("message") or ""):
                return Receipt(remote_id=row["id"], extra={"existing": True})
        answer = self.api.post(f"{to.remote_id}/comments", {"message": text})
        return Receipt(remote_id=answer["id"])

    def hide(self, to: Reply) -> None:
        answer = self.api.post(to.remote_id, {"is_hidden": "true"}, create=False)
        if not answer.get("success"):
            raise Rejected(_("Facebook did not hide comment {remote_id}", remote_id=to.remote_id), channel=self.name)

    # -- health -------------------------------------------------------------
    # -- analytics: developers.facebook.com/docs/graph-api/reference/page-post/insights/ --
    def metrics(self, target: Any, now: datetime) -> list[Any]:
        """Views, reach, reactions, link clicks (insights, one batch) and comments and shares
        (the post's own fields). Needs ``read_insights`` / ``pages_read_engagement``."""
        from .insights import count_field, read_insights

        if not target.remote_id:
            return []
        wanted = dict(FB_INSIGHTS, **dict(self.ctx.setting("insight_metrics", {}, type_=dict)))
        figures = read_insights(self.api, target.remote_id, wanted, period="lifetime",
                                pick={"clicks": "link clicks"})
        return figures + count_field(self.api, target.remote_id, (
            ("comments", "comments.limit(0).summary(true)"), ("shares", "shares")))

    def followers(self) -> Any:
        from .insights import count_field

        return count_field(self.api, self.page_id, (("followers", "followers_count"),))[0]

    def check(self) -> list[CheckResult]:
        return graph_checks(self.api, _("Facebook page token"), REQUIRED_SCOPES,
                            node=self.page_id, node_what=_("Facebook page"))

    def close(self) -> None:
        self.api.close()


SETTLE = timedelta(seconds=60)   # a second this recent may still receive comments


def next_cursor(since: datetime, items: list[Reply], now: datetime) -> str:
    """Just after the newest comment read, to the microsecond.

    Graph's ``created_time`` and ``since`` have whole seconds and ``since`` is
    inclusive, so a whole-second cursor reads the comments of its last second
    again on every harvest. One microsecond past the newest comment excludes
    them. A comment written in that same second but not yet visible would be
    missed, so while the newest comment is younger than ``SETTLE`` the cursor
    stays on its second (read again once, and the inbox files nothing twice).
    """
    if not items:
        return since.isoformat()
    newest = max(r.created_at for r in items)
    if now - newest < SETTLE:
        return newest.replace(microsecond=0).isoformat()
    return (newest.replace(microsecond=0) + timedelta(microseconds=1)).isoformat()


def graph_checks(api: GraphApi, what: str, scopes: tuple[str, ...], *, node: str,
                 node_what: str) -> list[CheckResult]:
    """Token validity and expiry, granted permissions, and access to the page/account."""
    env = api.token_env
    results: list[CheckResult] = []
    try:
        expires, granted, _profile = api.token_expiry()
    except AuthExpired as exc:
        day = expired_on(exc.detail)
        head = (_("{what} expired on {day}", what=what, day=day) if day else
                _("{what} is not valid ({detail})", what=what, detail=exc.detail))
        when = datetime.fromisoformat(day).replace(tzinfo=timezone.utc) if day else None
        return [CheckResult(False, head, fix=_("create a new one and set {env}", env=env),
                            expires_at=when)]
    except ChannelError as exc:
        return [CheckResult(False, _("{what} could not be checked: {detail}", what=what,
                                     detail=exc.detail),
                            fix=_("try again later; check api_base and the network"))]
    if expires is None:
        results.append(CheckResult(True, _("{what} is valid and does not expire", what=what)))
    else:
        days = (expires - datetime.now(timezone.utc)).days
        ok = days >= 7
        results.append(CheckResult(ok, _("{what} expires on {day} (in {days} days)", what=what,
                                         day=expires.date().isoformat(), days=days),
                                   fix=None if ok else _("create a new one soon and set {env}",
                                                         env=env),
                                   expires_at=expires))
    missing = [s for s in scopes if s not in granted]
    if missing:
        results.append(CheckResult(False, _("{what} lacks {scopes}", what=what,
                                            scopes=', '.join(missing)),
                                   fix=_("grant {scopes} to the app, then create a new token and "
                                         "set {env}", scopes=', '.join(missing), env=env)))
    else:
        results.append(CheckResult(True, _("{what} has {scopes}", what=what,
                                           scopes=', '.join(scopes))))
    try:
        info = api.get(node, {"fields": "id,name,username"})
        label = info.get("name") or info.get("username") or node
        results.append(CheckResult(True, _("{what} {label} ({node}) is reachable", what=node_what,
                                           label=label, node=node)))
    except ChannelError as exc:
        results.append(CheckResult(False, _("{what} {node} cannot be read: {detail}",
                                            what=node_what, node=node, detail=exc.detail),
                                   fix=_("check the id in outreach.toml and that the token "
                                         "belongs to it")))
    return results
