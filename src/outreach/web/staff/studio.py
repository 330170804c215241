"""스튜디오: fill a card template's data for a scheduled date, see each slide as you type.

Routes parse, call one studio service function, present. The preview answers
JSON (the slides that changed, as JPEG data URLs; warnings; channel texts) to
``static/studio.js``; everything else is a server-rendered page.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any, Mapping

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ...channels import text_label
from ...config import Settings
from ...errors import DataError, NotFound, OutreachError
from ...i18n import _, format_date
from ...publishing.desk import occurrence_words
from ...render.warnings import describe, where
from ...studio import forms
from ...studio.service import EditConflict, StudioService
from ...users import sessions
from ...users.roles import EDIT, VIEW
from .context import current_actor, current_session, form_data, staff
from .guard import requires
from .render import render

MAX_SHEET_BYTES = 10_000_000

# the activity log's words for the studio's actions (merged by create_staff_app)
action_labels = {
    "data.save": "Card data saved",
    "data.restore": "Card data restored",
    "data.submit": "Submitted for approval",
}


def _labels_for_extraction() -> None:  # pragma: no cover - lets the catalog test see the ids
    _("Card data saved"), _("Card data restored"), _("Submitted for approval")


#: the card texts the preview shows, one tab each (keys of the preview's ``texts``)
TEXT_TABS = ("instagram", "facebook", "kakao", "blog", "youtube")


def _channel_labels(settings: Settings) -> dict[str, str]:
    """Each text tab's platform name, as every staff page names channels (outreach.channels)."""
    return {key: text_label(key, settings) for key in TEXT_TABS}


def _service(request: Request) -> StudioService:
    state = staff(request)
    return StudioService(state.settings, state.db)


def _day(request: Request) -> date:
    text = request.path_params["day"]
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DataError(_("not a date: {text} (write 2026-12-03)", text=text)) from None


def _name(request: Request) -> str:
    return request.path_params["name"]


@requires(VIEW)
def index(request: Request) -> Response:
    svc = _service(request)
    return render(request, "studio/index.html", {"templates": svc.overview()})


def _page(request: Request, raw: Mapping[str, Any] | None = None, *, notice: str = "",
          error: str = "", status: int = 200, based_on: int | None = None) -> Response:
    svc = _service(request)
    name, day = _name(request), _day(request)
    tpl = svc.template(name)
    loaded, target, exists = svc.load(name, day)
    data = dict(raw) if raw is not None else loaded
    widgets = forms.form_for(tpl)
    history = svc.history(name, day)
    current = history[0].number if history else 0
    planned = svc.planned_run(name, day)
    error = _from_workspace(svc, error)
    return render(request, "studio/edit.html", {
        "based_on": current if based_on is None else based_on,
        "tpl": tpl, "name": name, "day": day, "day_label": format_date(day),
        "file": _shown(svc, target), "exists": exists, "data": data, "widgets": widgets,
        "value": forms.form_value, "history": history,
        "notice": notice, "error": error, "unsaved": raw is not None,
        "channels": _channel_labels(svc.settings), "run": svc.run_time(name, day),
        "problems": svc.draft_problems(name, day), "planned": planned, "planned_words": occurrence_words(planned["state"]) if planned
        else "",
        "can_edit": _can_edit(request)}, status=status)


def _from_workspace(svc: StudioService, message: str) -> str:
    """The page names the data file from the workspace folder; so do its errors."""
    return message.replace(str(svc.settings.root) + os.sep, "")


def _can_edit(request: Request) -> bool:
    from ...users.roles import can

    session = current_session(request)
    return session is not None and can(session.role, EDIT)


def _shown(svc: StudioService, path: Path) -> str:
    try:
        return str(path.relative_to(svc.settings.root))
    except ValueError:
        return str(path)


@requires(VIEW)
def edit(request: Request) -> Response:
    return _page(request)


@requires(EDIT)
def preview(request: Request) -> Response:
    form = form_data(request)
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    known = {}
    for key, value in form.items():
        if key.startswith("known_") and isinstance(value, str):
            try:
                known[int(key[6:])] = value
            except ValueError:
                continue
    svc = _service(request)
    name, day = _name(request), _day(request)
    started, cpu = time.perf_counter(), time.thread_time()
    result = svc.preview(name, day, forms.raw_from_form(svc.template(name), fields), known)
    payload = result.as_json()
    if payload.get("error"):
        payload["error"] = _from_workspace(svc, payload["error"])
    for warning in payload["warnings"]:
        warning["message"] = describe(warning)
        warning["where"] = where(warning, field=False)   # the page marks the input itself
    # the service's wall and CPU time, for the browser's developer tools and bench/studio.py
    timing = (f"service;dur={(time.perf_counter() - started) * 1000:.1f}, "
              f"cpu;dur={(time.thread_time() - cpu) * 1000:.1f}")
    return JSONResponse(payload, headers={"Cache-Control": "no-store", "Server-Timing": timing})


@requires(EDIT)
def save(request: Request) -> Response:
    svc, name, day = _service(request), _name(request), _day(request)
    raw = forms.raw_from_form(svc.template(name), _fields(request))
    try:
        version = svc.save(name, day, raw, actor=current_actor(request),
                           based_on=_based_on(request))
    except EditConflict as exc:
        # keep the editor's data; the next save deliberately replaces the newer version
        return _page(request, raw, error=str(exc), status=409, based_on=exc.newer.number)
    except OutreachError as exc:
        return _page(request, raw, error=str(exc), status=400)
    message = _("Saved as version {n}.", n=version.number) if version else _("Nothing changed.")
    sessions.flash(staff(request).db, current_session(request).id, message, "ok")
    return RedirectResponse(request.app.url_path_for("studio_edit", name=name, day=str(day)),
                            status_code=303)


def _based_on(request: Request) -> int | None:
    try:
        return int(str(form_data(request).get("based_on", "")))
    except ValueError:
        return None


def _fields(request: Request) -> dict[str, str]:
    return {k: v for k, v in form_data(request).items() if isinstance(v, str)}


@requires(EDIT)
def import_sheet(request: Request) -> Response:
    svc, name, day = _service(request), _name(request), _day(request)
    upload = form_data(request).get("sheet")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise DataError(_("choose an .xlsx or .csv file to import"))
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise DataError(_("{file}: import an .xlsx or .csv file", file=upload.filename))
    data = upload.file.read(MAX_SHEET_BYTES + 1)
    if len(data) > MAX_SHEET_BYTES:
        raise DataError(_("{file} is larger than 10 MB", file=upload.filename))
    with tempfile.TemporaryDirectory() as tmp:
        sheet = Path(tmp) / Path(upload.filename).name
        sheet.write_bytes(data)
        try:
            raw, spec, count = svc.import_rows(name, day, sheet)
        except OutreachError as exc:      # name the person's file, not our temporary copy
            return _page(request, error=str(exc).replace(str(sheet), upload.filename),
                         status=400)
    return _page(request, raw, notice=_("Imported {n} rows into {field} from {file}: check the "
                                        "slides, then save.", n=count, field=spec.title,
                                        file=upload.filename))


@requires(VIEW)
def export_sheet(request: Request) -> Response:
    svc, name, day = _service(request), _name(request), _day(request)
    with tempfile.TemporaryDirectory() as tmp:
        path = svc.export_sheet(name, day, Path(tmp) / f"{name}-{day}.xlsx")
        data = path.read_bytes()
    return Response(data, media_type="application/vnd.openxmlformats-officedocument."
                                      "spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{day}.xlsx"'})


@requires(EDIT)
def upload_photo(request: Request) -> Response:
    svc, name, day = _service(request), _name(request), _day(request)
    form = form_data(request)
    upload = form.get("photo")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise DataError(_("choose a photo to upload"))
    field = form.get("field")
    path = svc.add_photo(name, day, upload.filename, upload.file.read(),
                         field=field if isinstance(field, str) else None)
    return JSONResponse({"path": path, "thumb": _thumb_url(request, path)})


def _thumb_url(request: Request, path: str) -> str:
    from urllib.parse import quote

    base = request.scope.get("root_path", "") + str(request.app.url_path_for(
        "studio_photo", name=_name(request), day=request.path_params["day"]))
    return f"{base}?path={quote(path)}"


@requires(VIEW)
def photo(request: Request) -> Response:
    """A JPEG view of a photo the data names (HEIC included, which browsers cannot show)."""
    svc, name, day = _service(request), _name(request), _day(request)
    data = svc.photo_preview(name, day, request.query_params.get("path", ""))
    if data is None:
        raise NotFound(_("no such photo"))
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


@requires(EDIT)
def restore(request: Request) -> Response:
    svc, name, day = _service(request), _name(request), _day(request)
    try:
        number = int(str(form_data(request).get("version", "")))
    except ValueError:
        raise DataError(_("choose a version to restore")) from None
    version = svc.restore(name, day, number, actor=current_actor(request))
    sessions.flash(staff(request).db, current_session(request).id,
                   _("Version {old} restored as version {new}.", old=number, new=version.number),
                   "ok")
    return RedirectResponse(request.app.url_path_for("studio_edit", name=name, day=str(day)),
                            status_code=303)


@requires(EDIT)
def submit(request: Request) -> Response:
    svc, name, day = _service(request), _name(request), _day(request)
    raw = forms.raw_from_form(svc.template(name), _fields(request))
    actor = current_actor(request)
    try:
        svc.save(name, day, raw, actor=actor, based_on=_based_on(request))
        row = svc.submit(name, day, actor=actor)
    except EditConflict as exc:
        return _page(request, raw, error=str(exc), status=409, based_on=exc.newer.number)
    except OutreachError as exc:   # its staff wording: what to do, not a CLI command
        return _page(request, raw, error=exc.web_text(), status=400)
    state = row["state"]
    message = (_("Submitted: draft {id} is waiting for approval.", id=row["id"])
               if state == "awaiting_approval" else
               _("Draft {id} is ready ({state}).", id=row["id"], state=state))
    sessions.flash(staff(request).db, current_session(request).id, message, "ok")
    return RedirectResponse(request.app.url_path_for("studio_edit", name=name, day=str(day)),
                            status_code=303)


routes = [
    Route("/studio", index, methods=["GET"], name="studio"),
    Route("/studio/{name}/{day}", edit, methods=["GET"], name="studio_edit"),
    Route("/studio/{name}/{day}/preview", preview, methods=["POST"], name="studio_preview"),
    Route("/studio/{name}/{day}/save", save, methods=["POST"], name="studio_save"),
    Route("/studio/{name}/{day}/import", import_sheet, methods=["POST"], name="studio_import"),
    Route("/studio/{name}/{day}/export", export_sheet, methods=["GET"], name="studio_export"),
    Route("/studio/{name}/{day}/photo", upload_photo, methods=["POST"], name="studio_upload"),
    Route("/studio/{name}/{day}/photo", photo, methods=["GET"], name="studio_photo"),
    Route("/studio/{name}/{day}/restore", restore, methods=["POST"], name="studio_restore"),
    Route("/studio/{name}/{day}/submit", submit, methods=["POST"], name="studio_submit"),
]
