"""A tiny HTTP server for tests: routes, a request log and injectable faults.

Each platform fake subclasses ``FakeServer`` and registers routes that answer
as the platform documents. Tests read ``server.requests`` to see what the
adapter sent and call ``server.fail(...)`` to make the next matching request
misbehave (hang past the client's read timeout, drop the connection, answer
with a given status/body, or answer 200 with a body that is not JSON).
"""

from __future__ import annotations

import json
import re
import socket
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        """url-encoded or multipart form fields (file parts as bytes under their name)."""
        ctype = self.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            return multipart(ctype, self.body)
        if ctype.startswith("application/x-www-form-urlencoded") or not ctype:
            return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8"),
                                                  keep_blank_values=True).items()}
        return {}

    def params(self) -> dict[str, Any]:
        """Query, form and JSON object fields merged (what most platforms accept)."""
        merged: dict[str, Any] = dict(self.query)
        if self.headers.get("content-type", "").startswith("application/json"):
            body = self.json()
            if isinstance(body, dict):
                merged.update(body)
        else:
            merged.update(self.form())
        return merged


def multipart(ctype: str, body: bytes) -> dict[str, Any]:
    msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
    out: dict[str, Any] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        out[name] = payload if part.get_filename() else payload.decode("utf-8")
    return out


@dataclass
class Answer:
    status: int = 200
    body: Any = None                    # dict/list -> JSON; str/bytes as they are
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


@dataclass
class Fault:
    kind: str                           # "hang" | "reset" | "lose" | "answer" | "malformed"
    method: str | None
    path: str | None
    times: int
    answer: Answer | None = None


Handler = Callable[[Request, "re.Match[str]"], Answer | tuple]


class FakeServer:
    """``ThreadingHTTPServer`` on 127.0.0.1, port 0, served from a daemon thread."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self._release = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None

    # -- lifecycle ----------------------------------------------------------
    def start(self) -> "FakeServer":
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _serve(self) -> None:
                fake._handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "FakeServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd, "start() the fake first"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # -- configuration ------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method.upper(), re.compile(pattern + r"\Z"), handler))

    def fail(self, kind: str, *, method: str | None = None, path: str | None = None,
             times: int = 1, status: int = 500, body: Any = None,
             headers: dict[str, str] | None = None) -> None:
        """Make the next ``times`` requests matching method / path regex misbehave."""
        answer = Answer(status, body, headers or {}) if kind == "answer" else None
        with self.lock:
            self.faults.append(Fault(kind, method and method.upper(), path, times, answer))

    def seen(self, method: str | None = None, path: str | None = None) -> list[Request]:
        """Requests received, filtered by method and a path regex (search)."""
        return [r for r in self.requests
                if (method is None or r.method == method.upper())
                and (path is None or re.search(path, r.path))]

    # -- serving ------------------------------------------------------------
    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if (fault.method in (None, method)) and (fault.path is None or re.search(fault.path, path)):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        parts = urlsplit(h.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        req = Request(h.command, parts.path, query, {k.lower(): v for k, v in h.headers.items()}, body)
        with self.lock:
            self.requests.append(req)
        fault = self._take_fault(req.method, req.path)
        if fault and fault.kind == "hang":
            self._release.wait(10)
            h.close_connection = True
            return
        if fault and fault.kind == "lose":   # the platform acts, then the answer is lost
            self._dispatch(req)
            fault = Fault("reset", None, None, 0)
        if fault and fault.kind == "reset":
            h.close_connection = True
            try:
                h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            except OSError:
                pass
            h.connection.close()
            return
        if fault and fault.kind == "malformed":
            answer = Answer(200, "<html>upstream proxy error", content_type="text/html")
        elif fault and fault.answer:
            answer = fault.answer
        else:
            answer = self._dispatch(req)
        self._send(h, answer)

    def _dispatch(self, req: Request) -> Answer:
        for method, pattern, handler in self.routes:
            if method != req.method:
                continue
            match = pattern.match(req.path)
            if match:
                with self.lock:
                    result = handler(req, match)
                if isinstance(result, Answer):
                    return result
                return Answer(*result)
        return self.not_found(req)

    def not_found(self, req: Request) -> Answer:
        return Answer(404, {"error": f"no route for {req.method} {req.path}"})

    def _send(self, h: BaseHTTPRequestHandler, answer: Answer) -> None:
        if isinstance(answer.body, (dict, list)):
            data = json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
            ctype = answer.content_type
        elif isinstance(answer.body, str):
            data = answer.body.encode("utf-8")
            ctype = answer.content_type if not answer.content_type.startswith("application/json") \
                or answer.body.lstrip().startswith(("{", "[")) else "text/plain; charset=utf-8"
        else:
            data = answer.body or b""
            ctype = answer.content_type
        h.send_response(answer.status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        for k, v in answer.headers.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)


def refused_url() -> str:
    """A local URL where nothing listens (bound, then closed), for 'connection refused'."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
