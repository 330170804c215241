"""넘겨받기 (hand-offs): posts for platforms without a write API (Naver Blog, YouTube community,
Kakao channel 소식), ready to paste: copy buttons for title, body (as rich text) and tags, the
images in order as one download, and a field that records the published address."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...errors import NotFound
from ...i18n import _
from ...publishing import desk
from ...publishing import model as m
from ...users.roles import VIEW
from .deskkit import page, service
from .files import file_response, safe_path
from .guard import requires


@requires(VIEW)
def index(request: Request) -> Response:
    svc = service(request)
    return page(request, "handoffs/handoffs.html", {"h": desk.handoffs(svc.settings, svc.db)})


def _material(request: Request) -> tuple[dict, Path, list[str]]:
    """The delivery, its hand-off folder and the slide files in order (names from the
    folder's own handoff.json, never from the URL)."""
    svc = service(request)
    row = svc.ledger.delivery(int(request.path_params["delivery_id"]))
    if row is None or not row["location"] or row["state"] not in (
            m.D_AWAITING_HANDOFF, m.D_HANDED_OFF, m.D_UNKNOWN):
        raise NotFound(_("there is no hand-off #{id}", id=request.path_params["delivery_id"]))
    folder = Path(row["location"])
    files = [s["file"] for s in desk.handoff_material(str(folder))["slides"]]
    return row, folder, [f for f in files if "/" not in f and (folder / f).is_file()]


@requires(VIEW)
def image(request: Request) -> Response:
    _row, folder, files = _material(request)
    number = int(request.path_params["number"])
    if not 1 <= number <= len(files):
        raise NotFound(_("there is no slide {n}", n=number))
    return file_response(safe_path(folder, files[number - 1]))


@requires(VIEW)
def images_zip(request: Request) -> Response:
    """Every image in posting order (01.png, 02.png ...) as one ZIP file."""
    row, folder, files = _material(request)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PNG/JPEG: compressed already
        for name in files:
            archive.write(safe_path(folder, name), arcname=name)
    filename = f"{row['channel']}-{row['id']}-images.zip"
    return Response(buffer.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store"})


routes = [
    Route("/handoffs", index, methods=["GET"], name="handoffs"),
    Route("/handoffs/{delivery_id:int}/images/{number:int}", image, methods=["GET"],
          name="handoff_image"),
    Route("/handoffs/{delivery_id:int}/images.zip", images_zip, methods=["GET"],
          name="handoff_zip"),
]
