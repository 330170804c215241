"""Failure kinds in words: real failures from real sockets, never "(ConnectionError)"."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from outreach.channels.http import HttpClient
from outreach.errors import Retryable
from outreach.failures import failure_words
from outreach.i18n import use_language


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_server():
    """Accepts connections and never answers (a read timeout, whatever the load)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def plain_http():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_a_refused_connection_reads_as_korean_in_a_channel_problem():
    client = HttpClient("facebook", f"http://127.0.0.1:{closed_port()}", platform="Facebook",
                        retries=0)
    with use_language("ko"), pytest.raises(Retryable) as caught:
        client.get("/me")
    text = str(caught.value)
    assert "연결이 거부되었습니다" in text
    assert "Error" not in text and "(" + "NewConnection" not in text


def test_timeouts_tls_and_unknown_kinds(silent_server, plain_http):
    with pytest.raises(requests.RequestException) as slow:
        requests.get(f"http://127.0.0.1:{silent_server}/", timeout=(5, 0.3))
    with pytest.raises(requests.RequestException) as tls:
        requests.get(f"https://127.0.0.1:{plain_http}/", timeout=5)
    with use_language("ko"):
        assert failure_words(slow.value) == "응답을 기다리다 시간이 초과되었습니다"
        assert failure_words(tls.value).startswith("TLS/인증서 오류")
        assert failure_words(FileNotFoundError(2, "x")) == "파일이 없습니다"

        class Strange(Exception):
            pass

        assert failure_words(Strange()) == "예상하지 못한 오류 (Strange)"
    with use_language("en"):
        assert failure_words(slow.value) == "timed out waiting for the answer"
