"""Files under var/ (slides, drafts, hand-off material) for signed-in staff only.

``/files/<area>/<path>`` serves from one of a few known folders under var/
(``posts``, ``handoff``, ``outbox``); the database, salts and everything else in
var/ are not reachable. ``safe_path`` is the one check every file route uses:
no ``..``, no absolute part, no NUL or backslash, and the real path (symlinks
followed) must stay inside the folder; anything else is a plain 404.
Images are shown inline; any other file is sent as a download, so an HTML file
prepared for pasting (``body.html``) never runs as a page of this site.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ...errors import NotFound
from ...i18n import _
from ...users.roles import VIEW
from .context import staff
from .guard import requires

AREAS = {"posts": "posts", "handoff": "handoff", "outbox": "outbox"}
INLINE = {"image/png", "image/jpeg", "image/webp", "image/gif"}


def safe_path(base: Path, *parts: str) -> Path:
    """``base / parts`` when it is a file inside ``base``; ``NotFound`` otherwise."""
    missing = NotFound(_("there is no such file"))
    pieces: list[str] = []
    for part in parts:
        if not part or "\x00" in part or "\\" in part or part.startswith("/"):
            raise missing
        for piece in part.split("/"):
            if piece in ("", ".", "..") or piece.startswith("~"):
                raise missing
            pieces.append(piece)
    try:
        root = base.resolve(strict=True)
        target = root.joinpath(*pieces).resolve(strict=True)
    except (OSError, RuntimeError):
        raise missing from None
    if not target.is_relative_to(root) or not target.is_file():
        raise missing
    return target


def file_response(path: Path, download_name: str | None = None) -> Response:
    """An image inline, anything else as an attachment (never rendered as our page)."""
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    name = download_name or path.name
    disposition = "inline" if kind in INLINE else "attachment"
    headers = {"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
               "Cache-Control": "private, max-age=300"}
    return FileResponse(path, media_type=kind if kind in INLINE else
                        "application/octet-stream", headers=headers)


@requires(VIEW)
def serve(request: Request) -> Response:
    area = AREAS.get(request.path_params["area"])
    if area is None:
        raise NotFound(_("there is no such file"))
    base = staff(request).settings.var_dir / area
    return file_response(safe_path(base, request.path_params["path"]))


routes = [Route("/files/{area}/{path:path}", serve, methods=["GET"], name="file")]
