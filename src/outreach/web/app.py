"""The webhook server: Facebook page webhooks, the Kakao chatbot skill, /health.

Built by ``create_app(settings, db)`` so tests drive it in-process; ``outreach
serve`` runs it under uvicorn. Bad input never reaches the database and never
produces a 500: oversized bodies get 413 (checked against Content-Length and
again while reading), missing or wrong signatures and keys 401/403, malformed
JSON or payloads 400. Database work runs in the thread pool so a slow disk
never stalls the event loop.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any, Callable

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..config import Settings
from ..logs import log
from ..store import inbox as store
from ..store.db import Database
from ..inbox.ingest import Ingestor
from ..inbox.items import Inbox, auto_hide
from ..inbox.settings import ServerConfig, inbox_config, server_config
from ..inbox.triage import load_rules
from . import facebook, kakao

logger = logging.getLogger(__name__)


class TooLarge(Exception):
    pass


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
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge()
        chunks.append(chunk)
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
    pages = {str(c.settings.get("page_id")): name for name, c in settings.channels.items()
             if c.type == "facebook" and c.settings.get("page_id")}
    fb_channels = [name for name, c in settings.channels.items() if c.type == "facebook"]
    default_fb = fb_channels[0] if len(fb_channels) == 1 else None

    async def health(request: Request) -> Response:
        def ping() -> None:
            with db.read() as conn:
                store.get_cursor(conn, "")
        try:
            await run_in_threadpool(ping)
        except Exception as exc:  # report, do not crash: monitoring reads this
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
        header = request.headers.get("x-hub-signature-256")
        if not header:
            return _error(401, "missing X-Hub-Signature-256")
        if not facebook.signature_ok(fb_secret, body, header):
            return _error(403, "invalid X-Hub-Signature-256")
        try:
            replies = facebook.comment_replies(json.loads(body), pages, default_fb)
        except (ValueError, facebook.BadPayload) as exc:
            return _error(400, f"malformed payload: {exc}")

        def store_them():
            with db.begin() as conn:
                return ingestor.ingest(conn, replies, source="webhook")
        result = await run_in_threadpool(store_them)
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
        try:
            message = kakao.parse(json.loads(body))
        except (ValueError, kakao.BadSkillRequest) as exc:
            return _error(400, f"malformed skill request: {exc}")

        def answer() -> dict[str, Any]:
            with db.begin() as conn:
                return kakao.handle(conn, ingestor, cfg.kakao, message, now())
        return JSONResponse(await run_in_threadpool(answer))

    routes = [
        Route("/health", health, methods=["GET"]),
        Route("/webhooks/facebook", fb_verify_get, methods=["GET"]),
        Route("/webhooks/facebook", fb_post, methods=["POST"]),
        Route("/webhooks/kakao/skill", kakao_skill, methods=["POST"]),
    ]
    return Starlette(routes=routes)


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
