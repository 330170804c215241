"""주제 (topics): citizens' questions grouped and ranked for the live broadcast.

Ranking itself runs from the CLI or the daemon (``outreach topics rank``): it takes
seconds to minutes, too long for a browser request. This page shows a run and carries
the staff's edits (merge, split, rename, choose, covered/answer), the XLSX and the
printable A4 brief. Every action calls one function of ``outreach.topics.service``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...errors import OutreachError
from ...i18n import _
from ...topics import service
from ...users.roles import EDIT, VIEW
from .context import current_actor, staff
from .deskkit import back, int_param, page
from .guard import requires

action_labels = {"topics.rank": "Topics ranked", "topics.merge": "Topic groups merged",
                 "topics.split": "Topic group split", "topics.rename": "Topic group renamed",
                 "topics.choose": "Topic chosen for the broadcast",
                 "topics.unchoose": "Topic no longer chosen",
                 "topics.answer": "Topic answer saved"}


def _labels_for_extraction() -> None:  # pragma: no cover - lets the catalog test see the ids
    _("Topics ranked"), _("Topic groups merged"), _("Topic group split")
    _("Topic group renamed"), _("Topic chosen for the broadcast"), _("Topic no longer chosen")
    _("Topic answer saved")


def _run_id(request: Request) -> int | None:
    raw = request.path_params.get("run_id") or request.query_params.get("run")
    return int_param(raw, "run") if raw else None


@requires(VIEW)
def index(request: Request) -> Response:
    db = staff(request).db
    run = _run_id(request)
    if run is None:
        try:
            view = service.run_view(db)
        except OutreachError:       # nothing ranked yet: the page says how to rank
            view = None
    else:
        view = service.run_view(db, run)
    # single-person groups are many and rarely a broadcast topic: folded unless asked for
    show_all = request.query_params.get("all") == "1"
    groups = [] if view is None else [g for g in view.groups
                                      if show_all or g.citizens >= 2 or g.chosen]
    hidden = 0 if view is None else len(view.groups) - len(groups)
    return page(request, "topics/topics.html", {"view": view, "groups": groups,
                                                "hidden": hidden, "runs": service.runs(db)})


@requires(VIEW)
def group(request: Request) -> Response:
    db = staff(request).db
    run = _run_id(request)
    view = service.run_view(db, run)
    key = request.path_params["key"]
    g = next((g for g in view.groups if g.key == key), None)
    if g is None:
        from ...errors import NotFound

        raise NotFound(_("no group {key!r} in ranking {run}", key=key, run=run))
    return page(request, "topics/group.html",
                {"view": view, "g": g, "items": service.group_items(db, run, key)})


@requires(VIEW)
def brief(request: Request) -> Response:
    view = service.run_view(staff(request).db, _run_id(request))
    chosen = [g for g in view.groups if g.chosen] or view.groups[:10]
    return page(request, "topics/brief.html", {"view": view, "groups": chosen})


@requires(VIEW)
def export(request: Request) -> Response:
    from ...topics.export import write_xlsx

    state = staff(request)
    view = service.run_view(state.db, _run_id(request))
    with tempfile.TemporaryDirectory() as tmp:
        path = write_xlsx(view, Path(tmp) / "topics.xlsx", state.settings.timezone)
        data = path.read_bytes()
    name = f"topics-{view.label}-{view.id}.xlsx"
    return Response(data, media_type="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "private, no-store"})


async def _act(request: Request, do) -> Response:
    run = _run_id(request)
    form = await request.form()
    try:
        message = do(staff(request).db, run, form, current_actor(request))
    except OutreachError as exc:
        return back(request, "topics_run", str(exc), "error", run_id=run)
    return back(request, "topics_run", message, run_id=run)


@requires(EDIT)
async def merge(request: Request) -> Response:
    def do(db, run, form, actor):
        keys = [k for k in form.getlist("group") if k]
        if len(keys) < 2:
            raise OutreachError(_("tick at least two groups to merge"))
        service.merge(db, run, keys[0], keys[1:], actor)
        return _("merged {sources} into {target}", sources=", ".join(keys[1:]), target=keys[0])
    return await _act(request, do)


@requires(EDIT)
async def split(request: Request) -> Response:
    def do(db, run, form, actor):
        items = [int_param(i, "item") for i in form.getlist("item")]
        key = service.split(db, run, str(form.get("key", "")), items, actor,
                            str(form.get("name", "")))
        return _("moved {n} message(s) into new group {key}", n=len(items), key=key)
    return await _act(request, do)


@requires(EDIT)
async def rename(request: Request) -> Response:
    def do(db, run, form, actor):
        key = str(form.get("key", ""))
        service.rename(db, run, key, str(form.get("name", "")), actor)
        return _("renamed {key}", key=key)
    return await _act(request, do)


@requires(EDIT)
async def choose(request: Request) -> Response:
    def do(db, run, form, actor):
        key = str(form.get("key", ""))
        chosen = form.get("chosen") == "1"
        service.choose(db, run, key, chosen, actor)
        return (_("chosen for the broadcast: {keys}", keys=key) if chosen
                else _("unmarked {keys}", keys=key))
    return await _act(request, do)


@requires(EDIT)
async def answer(request: Request) -> Response:
    def do(db, run, form, actor):
        key = str(form.get("key", ""))
        service.settle(db, run, key, actor, covered=form.get("covered") == "1",
                       answer=str(form.get("answer", "")))
        return _("saved {key}", key=key)
    return await _act(request, do)


routes = [
    Route("/topics", index, methods=["GET"], name="topics"),
    Route("/topics/{run_id:int}", index, methods=["GET"], name="topics_run"),
    Route("/topics/{run_id:int}/groups/{key}", group, methods=["GET"], name="topics_group"),
    Route("/topics/{run_id:int}/brief", brief, methods=["GET"], name="topics_brief"),
    Route("/topics/{run_id:int}/topics.xlsx", export, methods=["GET"], name="topics_xlsx"),
    Route("/topics/{run_id:int}/merge", merge, methods=["POST"], name="topics_merge"),
    Route("/topics/{run_id:int}/split", split, methods=["POST"], name="topics_split"),
    Route("/topics/{run_id:int}/rename", rename, methods=["POST"], name="topics_rename"),
    Route("/topics/{run_id:int}/choose", choose, methods=["POST"], name="topics_choose"),
    Route("/topics/{run_id:int}/answer", answer, methods=["POST"], name="topics_answer"),
]
