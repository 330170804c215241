"""RSS/Atom feeds (feedparser) -> items -> template data.

A feed schedule turns each new feed item into one post. Items are identified
by the feed's own id (Atom ``id``, RSS ``guid``), falling back to the link, so
the ledger can publish each item exactly once however often the feed is read.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from ..errors import SourceError
from ..i18n import _
from ..failures import failure_words

# what a schedule's feed.fields may map template fields to
ITEM_FIELDS = ("id", "title", "link", "summary", "content", "published", "published_date",
               "author", "image", "tags")
MAX_ID = 180


@dataclass(frozen=True)
class FeedItem:
    id: str
    title: str
    link: str
    summary: str                 # plain text (HTML tags removed)
    content: str                 # plain text of the full content, or the summary
    published: str               # ISO-8601 in local time, "" when the feed gives none
    published_date: str          # YYYY-MM-DD in local time, "" when unknown
    author: str
    image: str                   # first image enclosure / media URL, "" when none
    tags: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tags"] = list(self.tags)
        return data


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("br", "p", "div", "li"):
            self.parts.append("\n")


def plain_text(html: str) -> str:
    """Feed summaries are HTML; templates want text."""
    if "<" not in html and "&" not in html:
        return html.strip()
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def fetch(url: str, *, root: Path, timeout: float = 20.0) -> bytes:
    """The raw feed: an http(s) URL, or a file path (relative to the workspace)."""
    if url.startswith(("http://", "https://")):
        import requests

        try:
            response = requests.get(url, timeout=timeout,
                                    headers={"User-Agent": "outreach feed reader",
                                             "Accept": "application/rss+xml, application/atom+xml, "
                                                       "application/xml;q=0.9, */*;q=0.5"})
        except requests.RequestException as exc:
            raise SourceError(_("feed {url}: cannot fetch ({error}): check the address and the "
                                "network; the next run tries again", url=url,
                                error=failure_words(exc))) from None
        if response.status_code != 200:
            raise SourceError(_("feed {url}: the server answered HTTP {status_code}: check the "
                                "address; the next run tries again", url=url,
                                status_code=response.status_code))
        return response.content
    path = Path(url.removeprefix("file://"))
    path = path if path.is_absolute() else root / path
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(_("feed {path}: cannot read ({strerror}): check the path in the "
                            "schedule's feed.url", path=path, strerror=exc.strerror)) from None


def parse(raw: bytes, *, source: str, tz: ZoneInfo) -> list[FeedItem]:
    """Items oldest first. SourceError when the document is not a usable feed."""
    import feedparser

    doc = feedparser.parse(raw)
    if doc.bozo and not doc.entries:
        reason = str(getattr(doc, "bozo_exception", "")).splitlines()[0:1]
        raise SourceError(_("feed {source}: not a valid RSS/Atom document{detail}: check the "
                            "address", source=source,
                            detail=' (' + reason[0] + ')' if reason else ''))
    items = [_item(entry, tz) for entry in doc.entries]
    # feeds list newest first; publish in the order things happened
    items.reverse()
    if all(item.published for item in items):
        items.sort(key=lambda item: item.published)
    return items


def read_feed(url: str, *, root: Path, tz: ZoneInfo, timeout: float = 20.0) -> list[FeedItem]:
    """Fetch and parse; every failure is a ``SourceError`` naming the feed."""
    return parse(fetch(url, root=root, timeout=timeout), source=url, tz=tz)


def map_fields(item: FeedItem, fields: Mapping[str, str]) -> dict[str, Any]:
    """Template data for ``item``: {template field: item field}, e.g. {"headline": "title"}."""
    values = item.as_dict()
    return {target: values[source] for target, source in fields.items()}


def _item(entry: Any, tz: ZoneInfo) -> FeedItem:
    title = plain_text(entry.get("title", ""))
    link = entry.get("link", "") or ""
    summary = plain_text(entry.get("summary", "") or "")
    contents = entry.get("content") or []
    content = plain_text(contents[0].get("value", "")) if contents else summary
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = published_date = ""
    if stamp:
        when = datetime(*stamp[:6], tzinfo=timezone.utc).astimezone(tz)
        published, published_date = when.isoformat(), f"{when:%Y-%m-%d}"
    raw_id = entry.get("id") or link or ""
    if not raw_id or len(raw_id) > MAX_ID:
        digest = hashlib.sha256((raw_id or f"{title}\n{published}").encode()).hexdigest()[:32]
        raw_id = f"sha256:{digest}"
    return FeedItem(id=raw_id, title=title, link=link, summary=summary, content=content,
                    published=published, published_date=published_date,
                    author=entry.get("author", "") or "", image=_image(entry),
                    tags=tuple(t.get("term", "") for t in entry.get("tags", []) if t.get("term")))


def _image(entry: Any) -> str:
    for link in entry.get("links", []):
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            return link.get("href", "")
    for key in ("media_content", "media_thumbnail"):
        for media in entry.get(key, []) or []:
            if media.get("url"):
                return media["url"]
    return ""
