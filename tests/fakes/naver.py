"""A fake Naver Blog RSS feed (``rss.blog.naver.com/{blogId}.xml``), RSS 2.0 as Naver serves it."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime
from xml.sax.saxutils import escape

from .base import Answer, FakeServer, Request


class NaverRssFake(FakeServer):
    def __init__(self, blog_id: str = "cheonan_city") -> None:
        super().__init__()
        self.blog_id = blog_id
        self.posts: list[dict[str, str]] = []
        self.route("GET", r"/(?P<blog>[^/]+)\.xml", self._rss)

    def add_post(self, title: str, *, log_no: str | None = None, when: datetime | None = None) -> str:
        log_no = log_no or str(223000000000 + len(self.posts))
        link = f"https://blog.naver.com/{self.blog_id}/{log_no}?fromRss=true&trackingCode=rss"
        self.posts.insert(0, {"title": title, "link": link,
                              "date": format_datetime(when or datetime.now(timezone.utc))})
        return link

    def _rss(self, req: Request, m) -> Answer:
        if m["blog"] != self.blog_id:
            # Naver answers an unknown blog with an HTML error page
            return Answer(404, "<html><body>존재하지 않는 블로그입니다.</body></html>",
                          content_type="text/html; charset=UTF-8")
        items = "".join(
            f"<item><author>{self.blog_id}</author><category>시정소식</category>"
            f"<title><![CDATA[{p['title']}]]></title><link>{escape(p['link'])}</link>"
            f"<guid>{escape(p['link'].split('?')[0])}</guid><description><![CDATA[본문 요약]]></description>"
            f"<pubDate>{p['date']}</pubDate><tag><![CDATA[천안,주말]]></tag></item>"
            for p in self.posts)
        xml = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
               f"<title>천안시 공식 블로그</title><link>https://blog.naver.com/{self.blog_id}</link>"
               f"<description>천안시</description><language>ko</language>{items}</channel></rss>")
        return Answer(200, xml, content_type="text/xml;charset=UTF-8")
