"""Data sources: dated data files, and RSS/Atom feeds from a file or a local HTTP server."""

from __future__ import annotations

import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from outreach.errors import SourceError
from outreach.sources.feed import map_fields, plain_text, read_feed
from outreach.sources.files import data_path, unknown_placeholders

REPO = Path(__file__).resolve().parents[1]
SEOUL = ZoneInfo("Asia/Seoul")
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>천안시 보도자료</title><id>urn:cheonan:press</id><updated>2026-11-24T01:00:00Z</updated>
  <entry>
    <title>독립기념관 가는 길 임시 우회 안내</title><id>urn:cheonan:press:2</id>
    <link href="https://example.go.kr/press/2"/>
    <updated>2026-11-24T01:00:00Z</updated>
    <summary type="html">&lt;p&gt;11월 30일까지 &lt;b&gt;공사&lt;/b&gt;로 우회합니다.&lt;/p&gt;</summary>
    <link rel="enclosure" type="image/jpeg" href="https://example.go.kr/press/2.jpg"/>
    <category term="교통"/>
  </entry>
  <entry>
    <title>천안 호두과자 축제 참가자 모집</title><id>urn:cheonan:press:1</id>
    <link href="https://example.go.kr/press/1"/>
    <updated>2026-11-23T01:00:00Z</updated>
    <summary>누구나 참가할 수 있습니다.</summary>
  </entry>
</feed>"""


class _Feed(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        if self.path == "/press.atom":
            body = ATOM.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
        else:
            body = b"not here"
            self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_data_path_fills_the_local_date():
    when = datetime(2026, 11, 26, 16, tzinfo=SEOUL)
    root = Path("/ws")
    assert data_path("content/weekend-guide/{date}.yaml", when, root) == \
        root / "content/weekend-guide/2026-11-26.yaml"
    assert data_path("/abs/{year}/{month}/{week}-{time}.json", when, root) == \
        Path("/abs/2026/11/2026-W48-1600.json")
    assert unknown_placeholders("x/{date}/{datum}.yaml") == ["datum"]


def test_sample_feed_reads_offline_oldest_first():
    items = read_feed("content/feeds/now-in-city.xml", root=REPO, tz=SEOUL)
    assert len(items) >= 4
    assert len({item.id for item in items}) == len(items)
    assert [item.published for item in items] == sorted(item.published for item in items)
    first = items[0]
    assert first.id == "cheonan-news-2026-1118-04" and first.published_date == "2026-11-18"
    assert "예방접종" in first.title and first.link.startswith("https://")


def test_atom_over_http_maps_to_template_fields(server):
    items = read_feed(f"{server}/press.atom", root=Path("/"), tz=SEOUL)
    assert [item.id for item in items] == ["urn:cheonan:press:1", "urn:cheonan:press:2"]
    detour = items[1]
    assert detour.summary == "11월 30일까지 공사로 우회합니다."
    assert detour.image == "https://example.go.kr/press/2.jpg" and detour.tags == ("교통",)
    assert detour.published == "2026-11-24T10:00:00+09:00"
    data = map_fields(detour, {"headline": "title", "body": "summary", "date": "published_date"})
    assert data == {"headline": "독립기념관 가는 길 임시 우회 안내",
                    "body": "11월 30일까지 공사로 우회합니다.", "date": "2026-11-24"}


def test_feed_failures_are_one_clear_source_error(server, tmp_path):
    with pytest.raises(SourceError, match=r"HTTP 404.*next run tries again"):
        read_feed(f"{server}/gone.xml", root=tmp_path, tz=SEOUL)
    with pytest.raises(SourceError, match=r"cannot fetch"):
        read_feed("http://127.0.0.1:9/feed.xml", root=tmp_path, tz=SEOUL, timeout=2)
    with pytest.raises(SourceError, match=r"missing.xml: cannot read"):
        read_feed("missing.xml", root=tmp_path, tz=SEOUL)
    (tmp_path / "junk.xml").write_text("<html><body>점검 중</body", encoding="utf-8")
    with pytest.raises(SourceError, match=r"not a valid RSS/Atom document"):
        read_feed("junk.xml", root=tmp_path, tz=SEOUL)


def test_plain_text_strips_markup():
    assert plain_text("<p>첫 줄<br>둘째 &amp; 셋째</p>") == "첫 줄\n둘째 & 셋째"
