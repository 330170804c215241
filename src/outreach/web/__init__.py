"""The web side: the staff app (``web/staff/``) and the platform webhooks (``web/app.py``).

``create_app(settings, db, only=None)`` is the one ASGI app factory:
``only="staff"`` or ``only="webhooks"`` gives one part, ``None`` both on one
address (webhook paths ``/webhooks/...`` and ``/health`` go to the webhook app,
everything else to the staff app). ``outreach serve`` runs it under uvicorn;
docs/web.md shows both parts behind a reverse proxy and on separate addresses.
"""

from __future__ import annotations

from typing import Any, Literal

Part = Literal["staff", "webhooks"]


def create_app(settings: Any, db: Any, *, only: Part | None = None, **webhook_options: Any):
    """The staff app, the webhook app, or both composed (imports are lazy: fast CLI)."""
    from .compose import compose

    return compose(settings, db, only=only, **webhook_options)
