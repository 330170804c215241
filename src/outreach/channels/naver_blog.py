"""Naver Blog: a hand-off channel, confirmed automatically through the blog's RSS.

Naver ended its write API (XML-RPC and writePost.json) on 2020-05-06, so
outreach cannot post to a Naver blog. ``publish`` prepares a ready-to-paste
post in ``var/handoff/<channel>/<key>/`` (title, category, HTML body, cards in
order, tags) for a person. ``confirmations`` reads the blog's public RSS feed
(``rss.blog.naver.com/{blog_id}.xml``) and confirms a waiting hand-off when a
post with the same title has appeared; staff can always confirm by hand with
the URL. Naver has no comment API, so replies cannot be read.

Settings: ``blog_id``, ``category`` (the blog category to pick), ``api_base``
(default https://rss.blog.naver.com).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from typing import Mapping

from ..errors import ChannelError
from ..model import Capability, CheckResult, Limits, Receipt, RenderedPost
from .base import Channel, ChannelContext
from .handoff import find_handoff, prepare_handoff
from .http import client_from
from ..i18n import _
from ..failures import failure_words

RSS_HOST = "https://rss.blog.naver.com"


def same_title(a: str, b: str) -> bool:
    """Titles match ignoring Unicode form, case and runs of spaces."""
    def norm(s: str) -> str:
        return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s)).strip().casefold()
    return norm(a) == norm(b)


class NaverBlogChannel(Channel):
    type = "naver_blog"
    display_name = "Naver Blog"
    description = "네이버 블로그 (쓰기 API 없음): 붙여 넣을 글을 준비하고 RSS로 게시를 확인합니다"
    capabilities = frozenset({Capability.HANDOFF, Capability.TEXT, Capability.IMAGE,
                              Capability.CAROUSEL, Capability.FIND})
    limits = Limits(max_images=50, max_image_bytes=10_000_000)
    text_name = "blog"

    def __init__(self, ctx: ChannelContext) -> None:
        if "platform" not in ctx.settings:   # the name staff read in the hand-off instructions
            ctx = dataclasses.replace(ctx, settings={**ctx.settings, "platform": "네이버 블로그"})
        super().__init__(ctx)
        self.blog_id = str(ctx.setting("blog_id", required=True, type_=str))
        self.http = client_from(ctx, default_base=RSS_HOST, platform="Naver Blog RSS")

    def publish(self, post: RenderedPost, key: str) -> Receipt:
        fields = {"category": self.ctx.setting("category", "", type_=str),
                  "tags": list(post.tags), "blog": f"https://blog.naver.com/{self.blog_id}"}
        return prepare_handoff(self.ctx, post, key, text=self.text_for(post), title=post.title,
                               fields=fields)

    def find(self, key: str) -> Receipt | None:
        return find_handoff(self.ctx, key)

    def feed(self) -> list[dict[str, str]]:
        """The blog's recent posts from RSS: title, link, published."""
        import feedparser  # only needed here

        resp = self.http.get(f"/{self.blog_id}.xml")
        parsed = feedparser.parse(resp.content)
        if parsed.bozo and not parsed.entries:
            from ..errors import Retryable
            raise Retryable(_("the RSS feed of Naver blog {blog_id} could not be read ({error})",
                              blog_id=self.blog_id, error=failure_words(parsed.bozo_exception)),
                            channel=self.name)
        return [{"title": e.get("title", ""), "link": e.get("link", "").split("?")[0],
                 "published": e.get("published", "")} for e in parsed.entries]

    def confirmations(self, pending: Mapping[str, str]) -> dict[str, Receipt]:
        if not pending:
            return {}
        found: dict[str, Receipt] = {}
        entries = self.feed()
        for key, title in pending.items():
            for entry in entries:
                if same_title(entry["title"], title):
                    found[key] = Receipt(remote_id=entry["link"].rsplit("/", 1)[-1], url=entry["link"],
                                         extra={"confirmed_by": "rss", "published": entry["published"]})
                    entries.remove(entry)   # one blog post confirms one hand-off
                    break
        return found

    def check(self) -> list[CheckResult]:
        try:
            entries = self.feed()
        except ChannelError as exc:
            return [CheckResult(False, _("Naver blog {blog}: RSS feed not readable ({detail})",
                                         blog=self.blog_id, detail=exc.detail),
                                fix=_("check blog_id in outreach.toml (the part after "
                                      "blog.naver.com/)"))]
        return [CheckResult(True, _("Naver blog {blog}: RSS feed readable ({n} recent posts); "
                                    "posting is by hand (no write API since 2020)",
                                    blog=self.blog_id, n=len(entries)))]

    def close(self) -> None:
        self.http.close()
