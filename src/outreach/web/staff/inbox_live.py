"""Live updates of the queue by Server-Sent Events: new items appear without a reload.

``GET /inbox/live?after=N&<the queue's filters>`` streams an ``items`` event
with the rendered rows of every new item matching the filters, checked every
``[inbox] live_seconds`` (default 2) with one indexed query (ids above the
last one sent). Overdue highlighting runs in the browser from each row's due
time (``static/inbox.js``), so it changes the moment a deadline passes. A
stream ends after ten minutes; the browser's EventSource reconnects by itself
and sends ``Last-Event-ID`` (the newest id it has), so nothing is missed.
"""

from __future__ import annotations

import asyncio
import time
from typing import AsyncIterator

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from ...errors import InboxError
from ...i18n import _, current_language, use_language
from ...users.roles import INBOX_ANSWER, VIEW, can
from .context import current_session, staff
from .guard import requires
from .inbox_common import desk, queue_filter
from .render import render

STREAM_SECONDS = 600
HEARTBEAT_SECONDS = 15


def _interval(request: Request) -> float:
    value = staff(request).settings.section("inbox").get("live_seconds", 2)
    return float(value) if isinstance(value, (int, float)) and 0.2 <= value <= 60 else 2.0


@requires(VIEW)
async def live(request: Request) -> Response:
    f, shown = queue_filter(request)
    try:
        after = int(request.headers.get("last-event-id") or request.query_params["after"])
    except (KeyError, ValueError):
        raise InboxError(_("the live view needs the newest item number it has (after=N)")) \
            from None
    d = desk(request)
    session = current_session(request)
    can_answer = session is not None and can(session.role, INBOX_ANSWER)
    language = current_language()
    interval = _interval(request)

    async def events() -> AsyncIterator[str]:
        nonlocal after
        started = last_beat = time.monotonic()
        yield "retry: 3000\n\n"
        while time.monotonic() - started < STREAM_SECONDS:
            if await request.is_disconnected():
                return
            f.after_id, f.offset, f.sort = after, 0, "oldest"
            page = await run_in_threadpool(d.queue, f)
            if page.items:
                after = max(i.id for i in page.items)
                with use_language(language):
                    html = render(request, "inbox/queue.html",
                                  {"page": page, "f": shown, "can_answer": can_answer}, block="rows").body.decode()
                data = "".join(f"data: {line}\n" for line in html.splitlines() if line.strip())
                yield f"id: {after}\nevent: items\n{data}\n"
            elif time.monotonic() - last_beat > HEARTBEAT_SECONDS:
                last_beat = time.monotonic()
                yield ": keep-alive\n\n"
            await asyncio.sleep(interval)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


routes = [Route("/inbox/live", live, methods=["GET"], name="inbox_live")]
