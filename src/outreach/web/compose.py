"""Compose the staff app and the webhook app into one ASGI app, by path or by listener.

The webhook app (``web/app.py``) is mounted as it is: it keeps its own limits
and answers; the staff app never sees a webhook request and vice versa.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any, Mapping

from starlette.types import ASGIApp, Receive, Scope, Send

from ..config import Settings
from ..store.db import Database

WEBHOOK_PREFIXES = ("/webhooks/",)
WEBHOOK_PATHS = ("/health",)


def is_webhook_path(path: str) -> bool:
    return path in WEBHOOK_PATHS or path.startswith(WEBHOOK_PREFIXES)


def compose(settings: Settings, db: Database, *, only: str | None = None,
            **webhook_options: Any) -> ASGIApp:
    from .staff import create_staff_app

    if only == "staff":
        return create_staff_app(settings, db)
    from .app import create_app as create_webhook_app

    hooks = create_webhook_app(settings, db, **webhook_options)
    if only == "webhooks":
        return hooks
    if only is not None:
        raise ValueError(f"unknown part {only!r}")
    return ByPath(create_staff_app(settings, db), hooks)


async def _lifespan(apps: list[ASGIApp], scope: Scope, receive: Receive, send: Send) -> None:
    """Start and stop every inner app's lifespan (Starlette apps expose ``router``)."""
    stack = AsyncExitStack()
    await receive()  # lifespan.startup
    try:
        for app in apps:
            router = getattr(app, "router", None)
            if router is not None:
                await stack.enter_async_context(router.lifespan_context(app))
    except Exception as exc:  # report start-up failures the ASGI way
        await send({"type": "lifespan.startup.failed", "message": str(exc)})
        return
    await send({"type": "lifespan.startup.complete"})
    await receive()  # lifespan.shutdown
    await stack.aclose()
    await send({"type": "lifespan.shutdown.complete"})


class ByPath:
    """Webhook paths to the webhook app, the rest to the staff app (one address)."""

    def __init__(self, staff: ASGIApp, hooks: ASGIApp) -> None:
        self.staff, self.hooks = staff, hooks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan([self.staff, self.hooks], scope, receive, send)
            return
        app = self.hooks if is_webhook_path(scope.get("path", "")) else self.staff
        await app(scope, receive, send)


class ByListener:
    """One process, two addresses: each local port serves its own app."""

    def __init__(self, apps: Mapping[int, ASGIApp]) -> None:
        self.apps = dict(apps)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(list(self.apps.values()), scope, receive, send)
            return
        server = scope.get("server") or (None, None)
        app = self.apps.get(server[1]) if server else None
        if app is None:  # unknown listener: refuse rather than guess
            await send({"type": "http.response.start", "status": 421,
                        "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"misdirected request"})
            return
        await app(scope, receive, send)
