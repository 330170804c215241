"""The webhook server: Facebook page webhooks, the Kakao chatbot skill, /health.

Built by ``create_app(settings, db)`` so tests drive it in-process; ``outreach
serve`` runs it under uvicorn. No input produces a 5xx:
- oversized bodies get 413 (checked against Content-Length and again while
  reading); missing or wrong signatures and keys 401/403;
- bodies go through ``strictjson``: too deep, not UTF-8, lone surrogates
  (also written as ``\\ud800`` escapes), NUL, infinite numbers and
  impossible timestamps get 400;
- a database that is locked or unreachable gets 503 with ``Retry-After``
  within ``LOCK_WAIT`` seconds (Kakao gives a skill 5 s), and is logged;
  the same when this server's own queue of writers is longer than that;
- anything else is a bug: logged with its traceback in the configured log
  format (``OUTREACH_LOG_FORMAT=json`` too) and answered 500 without details.

Database work runs in the thread pool so the event loop never waits on a disk.
Triage runs before the write transaction opens, so a long message never holds
the write lock; on SQLite one in-process gate admits one writer at a time,
because threads contending for SQLite's lock sleep in its busy handler (up to
100 ms a try) and that, not the work, made the slowest answers take seconds;
on PostgreSQL the gate admits as many as the connection pool keeps open.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from typing import Any, Callable, Sequence, TypeVar

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import Settings
from ..errors import OutreachError, StorageError
from ..logs import log
from ..store import inbox as store
from ..store.db import Database
from ..inbox.ingest import Ingestor
from ..model import Reply
from ..inbox.items import Inbox, auto_hide
from ..inbox.settings import ServerConfig, inbox_config, server_config
from ..inbox.triage import Rules, current_rules, load_rules
from . import facebook, kakao, strictjson

logger = logging.getLogger(__name__)
T = TypeVar("T")
# Seconds a webhook request may wait for the database, in the queue of this server's own
# writers and then for locks held by other processes, before it answers 503 (Kakao gives
# a skill 5 s in all).
LOCK_WAIT = 3.5
RETRY_AFTER = 5          # seconds, the Retry-After of a 503


class TooLarge(Exception):
    pass


class Incomplete(Exception):
    """The sender hung up before the body arrived (common on the internet, not a bug)."""


class DatabaseBusy(Exception):
    """The database is locked or unreachable: a 503, never the sender's fault."""


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing more than ``limit`` bytes before reading them all."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise TooLarge()
        except ValueError:
            raise TooLarge() from None
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise TooLarge()
            chunks.append(chunk)
    except ClientDisconnect:
        raise Incomplete() from None
    return b"".join(chunks)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_app(settings: Settings, db: Database, *, now: Callable = store.utcnow) -> Starlette:
    """The ASGI app; secrets are read here, so a missing one fails at start, not per request."""
    cfg = inbox_config(settings)
    server: ServerConfig = server_config(settings)
    ingestor = Ingestor(cfg, load_rules(cfg.rules_file), now=now)
    fb_secret = (settings.secret(server.facebook_secret_env, key="server.facebook.app_secret_env")
                 if server.facebook_secret_env else None)
    fb_verify = (settings.secret(server.facebook_verify_env, key="server.facebook.verify_token_env")
                 if server.facebook_verify_env else None)
    kakao_secret = (settings.secret(server.kakao_secret_env, key="server.kakao.secret_env")
                    if server.kakao_secret_env else None)
    from ..surveys.settings import chat_config

    survey_chat = chat_config(settings)      # the chatbot's survey flow ([surveys.kakao])
    pages = {str(c.settings.get("page_id")): name for name, c in settings.channels.items()
             if c.type == "facebook" and c.settings.get("page_id")}
    fb_channels = [name for name, c in settings.channels.items() if c.type == "facebook"]
    default_fb = fb_channels[0] if len(fb_channels) == 1 else None
    gate = _gate(db)

    async def write(work: Callable[[Any], T]) -> T:
        """``work(conn)`` in one write transaction, in the thread pool, or ``DatabaseBusy``."""
        return await run_in_threadpool(_transaction, db, gate, work)

    async def health(request: Request) -> Response:
        def ping() -> None:
            with db.read() as conn:
                store.get_cursor(conn, "")
        try:
            await run_in_threadpool(ping)
        except Exception as exc:  # report, do not crash: monitoring reads this
            log(logger, logging.WARNING, "health: database unavailable",
                error=_first_line(exc))
            return _error(503, f"database unavailable: {type(exc).__name__}")
        return JSONResponse({"ok": True})

    async def fb_verify_get(request: Request) -> Response:
        if fb_verify is None:
            return _error(404, "Facebook webhooks are not configured")
        q = request.query_params
        token = q.get("hub.verify_token", "")
        if q.get("hub.mode") != "subscribe" or not hmac.compare_digest(token.encode(),
                                                                        fb_verify.encode()):
            return _error(403, "verification failed")
        return PlainTextResponse(q.get("hub.challenge", ""))

    async def fb_post(request: Request) -> Response:
        if fb_secret is None:
            return _error(404, "Facebook webhooks are not configured")
        try:
            body = await read_body(request, server.max_body)
        except TooLarge:
            return _error(413, f"body larger than {server.max_body} bytes")
        except Incomplete:
            return _error(400, "the request body was cut off")
        header = request.headers.get("x-hub-signature-256")
        if not header:
            return _error(401, "missing X-Hub-Signature-256")
        if not facebook.signature_ok(fb_secret, body, header):
            return _error(403, "invalid X-Hub-Signature-256")
        try:
            replies = facebook.comment_replies(strictjson.loads(body), pages, default_fb)
        except (ValueError, facebook.BadPayload) as exc:
            return _error(400, f"malformed payload: {exc}")
        triaged = _pretriaged(ingestor, replies)
        try:
            result = await write(lambda conn: triaged.ingest(conn, replies, source="webhook"))
        except DatabaseBusy as exc:
            return _busy(request, exc)
        log(logger, logging.INFO, "facebook webhook", new=len(result.new),
            updated=len(result.updated), deleted=len(result.deleted))
        task = BackgroundTask(_auto_hide, settings, db, replies, result.auto_hide) \
            if result.auto_hide else None
        return PlainTextResponse("EVENT_RECEIVED", background=task)

    async def kakao_skill(request: Request) -> Response:
        if kakao_secret is None:
            return _error(404, "the Kakao skill is not configured")
        given = request.headers.get(server.kakao_header) or \
            request.query_params.get(server.kakao_query) or ""
        if not given:
            return _error(401, "missing skill key")
        if not hmac.compare_digest(given.encode(), kakao_secret.encode()):
            return _error(403, "wrong skill key")
        try:
            body = await read_body(request, server.max_body)
        except TooLarge:
            return _error(413, f"body larger than {server.max_body} bytes")
        except Incomplete:
            return _error(400, "the request body was cut off")
        try:
            message = kakao.parse(strictjson.loads(body))
        except (ValueError, kakao.BadSkillRequest) as exc:
            return _error(400, f"malformed skill request: {exc}")
        reply = kakao.to_reply(cfg, cfg.kakao, message, now())
        triaged = _pretriaged(ingestor, [reply])
        try:
            answer = await write(lambda conn: kakao.handle(conn, triaged, cfg.kakao, message,
                                                           reply.created_at, reply,
                                                           surveys=survey_chat))
        except DatabaseBusy as exc:
            return _busy(request, exc)
        return JSONResponse(answer)

    routes = [
        Route("/health", health, methods=["GET"]),
        Route("/webhooks/facebook", fb_verify_get, methods=["GET"]),
        Route("/webhooks/facebook", fb_post, methods=["POST"]),
        Route("/webhooks/kakao/skill", kakao_skill, methods=["POST"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(_Guard)])


def _pretriaged(ingestor: Ingestor, replies: Sequence[Reply]) -> Ingestor:
    """An ingestor of its own for this request with ``replies`` triaged now, before the
    write transaction opens (rules may be slow on a long text; the write lock must not
    wait for them). Per request, because ``Ingestor.prepare`` keeps its verdicts on the
    instance and requests run concurrently; the rules are shared, already loaded, and
    read again only when staff saved the file (``current_rules``: its mtime changed)."""
    own = Ingestor(ingestor.cfg, _rules_now(ingestor), now=ingestor.now)
    own.prepare(replies)
    return own


def _rules_now(ingestor: Ingestor) -> Rules:
    """The rules file as saved now; the server's last good rules when it cannot be read
    (a broken hand edit must not make the platforms' deliveries fail), logged."""
    try:
        rules = current_rules(ingestor.cfg.rules_file)
    except OutreachError as exc:
        log(logger, logging.WARNING, "inbox rules unreadable; classifying with the last good "
            "rules", error=str(exc))
        return ingestor.rules
    ingestor.rules = rules
    return rules


def _gate(db: Database) -> threading.Semaphore:
    """How many write transactions may run at once: one on SQLite (it has one write lock),
    the pool's steady size elsewhere (past it the pool opens and closes a connection
    per request, which costs more than the wait)."""
    size = 1 if db.is_sqlite else getattr(db.engine.pool, "size", lambda: 5)()
    return threading.BoundedSemaphore(max(1, size))


def _transaction(db: Database, gate: threading.Semaphore, work: Callable[[Any], T]) -> T:
    """Run ``work`` in a write transaction that waits at most ``LOCK_WAIT`` for locks."""
    from sqlalchemy.exc import DBAPIError, OperationalError, TimeoutError as PoolTimeout

    started = time.monotonic()
    if not gate.acquire(timeout=LOCK_WAIT):
        raise DatabaseBusy(f"more requests than the database can take within {LOCK_WAIT:g} s")
    try:
        left = max(0.2, LOCK_WAIT - (time.monotonic() - started))
        with db.begin(lock_timeout=left) as conn:
            return work(conn)
    except (OperationalError, PoolTimeout, StorageError) as exc:  # locked, full, unreachable
        raise DatabaseBusy(_first_line(exc)) from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise DatabaseBusy(_first_line(exc)) from exc
        raise
    finally:
        gate.release()


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _busy(request: Request, exc: DatabaseBusy) -> Response:
    log(logger, logging.WARNING, "database busy: answered 503", path=request.url.path,
        error=str(exc), retry_after=RETRY_AFTER)
    return JSONResponse({"error": "the database is busy; try again later"}, status_code=503,
                        headers={"Retry-After": str(RETRY_AFTER)})


class _Guard:
    """Outermost middleware: an exception that escapes a route is logged once, in our log
    format with its traceback, and answered with a bare 500 (never the server's default
    page, never uvicorn's own traceback format)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            logger.error("unhandled error", exc_info=True,
                         extra={"fields": {"path": scope.get("path", ""),
                                           "method": scope.get("method", "")}})
            if not started:
                await _error(500, "internal error (logged)")(scope, receive, send)


def _auto_hide(settings: Settings, db: Database, replies: list, item_ids: list[int]) -> None:
    """After answering Facebook: hide what a rule with ``auto_hide: true`` says to hide."""
    from ..channels import open_channel

    by_channel: dict[str, list[int]] = {}
    inbox = Inbox(settings, db, actor="rule")
    for item_id in item_ids:
        by_channel.setdefault(inbox.row(item_id).channel, []).append(item_id)
    for name, ids in by_channel.items():
        try:
            channel = open_channel(settings, name)
        except Exception as exc:
            log(logger, logging.WARNING, "auto-hide skipped", channel=name, error=str(exc))
            continue
        try:
            for note in auto_hide(inbox, channel, ids):
                log(logger, logging.WARNING, "auto-hide", channel=name, note=note)
        finally:
            channel.close()
