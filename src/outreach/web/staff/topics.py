"""주제 (topics): citizens' questions grouped and ranked for the live broadcast.

Ranking itself takes seconds to a minute, too long for a browser request: the page's
form only records a request (``outreach.topics.requests``), the daemon or cron's
``run-due`` does the ranking, and a small fragment polled every 5 s shows its state
and moves to the new ranking when it is done. This page shows a run and carries
the staff's edits (merge, split, rename, choose, covered/answer), the XLSX and the
printable A4 brief. Every action calls one function of ``outreach.topics.service``.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...errors import OutreachError, TopicError
from ...i18n import _
from ...topics import requests as ranking_requests
from ...topics import service
from ...users.roles import EDIT, VIEW
from .context import current_actor, form_data, staff
from .deskkit import back, int_param, local_datetime, page
from .guard import requires

action_labels = {"topics.rank": "Topics ranked", "topics.merge": "Topic groups merged",
                 "topics.split": "Topic group split", "topics.rename": "Topic group renamed",
                 "topics.choose": "Topic chosen for the broadcast",
                 "topics.unchoose": "Topic no longer chosen",
                 "topics.answer": "Topic answer saved",
                 "topics.request": "Topic ranking requested",
                 "topics.cancel": "Topic ranking request cancelled"}
# the follow-up post is audited by the ledger as any one-off post (post.schedule)


def _labels_for_extraction() -> None:  # pragma: no cover - lets the catalog test see the ids
    _("Topics ranked"), _("Topic groups merged"), _("Topic group split")
    _("Topic group renamed"), _("Topic chosen for the broadcast"), _("Topic no longer chosen")
    _("Topic answer saved"), _("Topic ranking requested")
    _("Topic ranking request cancelled")


def _run_id(request: Request) -> int | None:
    raw = request.path_params.get("run_id") or request.query_params.get("run")
    return int_param(raw, "run") if raw else None


@requires(VIEW)
def index(request: Request) -> Response:
    return page(request, "topics/topics.html", _index_context(request))


def _index_context(request: Request) -> dict:
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
    state = staff(request)
    from ...topics import followup

    tz = state.settings.timezone
    tomorrow = (datetime.now(tz) + timedelta(days=1)).replace(hour=10, minute=0)
    from ...scheduling.clock import make_clock
    from ...topics import schedule

    now = make_clock(None, tz)()       # $OUTREACH_NOW in a rehearsal, as the other pages
    return {"view": view, "groups": groups, "hidden": hidden, "runs": service.runs(db),
            "follow_up": [] if view is None else followup.pending(view),
            "follow_up_at": tomorrow.strftime("%Y-%m-%dT%H:%M"),
            "rq": ranking_requests.status(db), "error": None,
            "auto": schedule.plan(state.settings, db, now=now), "now": now,
            "form": {"quarter": service.today_quarter(state.settings.timezone), "survey": ""}}


def _field(form, name: str) -> str:
    value = str(form.get(name, "") or "").strip()
    if len(value) > 100:
        raise TopicError(_("{field}: at most 100 characters", field=name))
    return value


@requires(EDIT)
def request_rank(request: Request) -> Response:
    """Record a ranking for the daemon (never rank here: it takes up to a minute)."""
    state = staff(request)
    form = form_data(request)
    quarter, survey = str(form.get("quarter", "") or "")[:100], str(form.get("survey", "") or "")[:100]
    try:
        found, new = ranking_requests.request_ranking(
            state.settings, state.db, current_actor(request),
            quarter=_field(form, "quarter"), survey=_field(form, "survey"))
    except TopicError as exc:      # the page again, with the form as sent and the one line
        context = _index_context(request)
        context.update(error=str(exc), form={"quarter": quarter, "survey": survey})
        return page(request, "topics/topics.html", context, status=400)
    message = (_("Ranking of {scope} requested: it usually takes under a minute.",
                 scope=found.label) if new else
               _("A ranking of {scope} is already waiting or running; it was not asked twice.",
                 scope=found.label))
    return back(request, "topics", message)


@requires(EDIT)
def cancel_request(request: Request) -> Response:
    """Withdraw a waiting ranking (the person who asked or an admin; the service checks)."""
    request_id = int(request.path_params["request_id"])
    try:
        done = ranking_requests.cancel_request(staff(request).db, current_actor(request),
                                               request_id)
    except TopicError as exc:      # running or already ended: said on the page
        return back(request, "topics", str(exc), "error")
    return back(request, "topics", _("The ranking of {scope} was cancelled.", scope=done.label))


@requires(VIEW)
def request_state(request: Request) -> Response:
    """The polled fragment. When the request it watches is done, HTMX is told to open the
    new ranking (``HX-Redirect``); otherwise the state again (it keeps polling while open)."""
    db = staff(request).db
    raw = request.query_params.get("watch")
    if raw:
        watched = ranking_requests.get(db, int_param(raw, "watch"))
        if watched.state == ranking_requests.DONE and watched.run_id:
            url = request.scope.get("root_path", "") + str(
                request.app.url_path_for("topics_run", run_id=str(watched.run_id)))
            return Response("", headers={"HX-Redirect": url, "Cache-Control": "no-store"})
    return page(request, "topics/_requests.html", {"rq": ranking_requests.status(db)},
                headers={"Cache-Control": "no-store"})


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
        sources = service.group_names(db, run, keys[1:])   # before they are merged away
        service.merge(db, run, keys[0], keys[1:], actor)
        return _("merged {sources} into {target}", sources=sources,
                 target=service.group_names(db, run, keys[:1]))
    return await _act(request, do)


@requires(EDIT)
async def split(request: Request) -> Response:
    def do(db, run, form, actor):
        items = [int_param(i, "item") for i in form.getlist("item")]
        key = service.split(db, run, str(form.get("key", "")), items, actor,
                            str(form.get("name", "")))
        return _("moved {n} message(s) into new group {key}", n=len(items),
                 key=service.group_names(db, run, [key]))
    return await _act(request, do)


@requires(EDIT)
async def rename(request: Request) -> Response:
    def do(db, run, form, actor):
        key = str(form.get("key", ""))
        service.rename(db, run, key, str(form.get("name", "")), actor)
        return _("renamed {key}", key=service.group_names(db, run, [key]))
    return await _act(request, do)


@requires(EDIT)
async def choose(request: Request) -> Response:
    def do(db, run, form, actor):
        key = str(form.get("key", ""))
        chosen = form.get("chosen") == "1"
        service.choose(db, run, key, chosen, actor)
        name = service.group_names(db, run, [key])
        return (_("chosen for the broadcast: {keys}", keys=name) if chosen
                else _("unmarked {keys}", keys=name))
    return await _act(request, do)


@requires(EDIT)
async def answer(request: Request) -> Response:
    def do(db, run, form, actor):
        key = str(form.get("key", ""))
        service.settle(db, run, key, actor, covered=form.get("covered") == "1",
                       answer=str(form.get("answer", "")))
        return _("saved {key}", key=service.group_names(db, run, [key]))
    return await _act(request, do)


@requires(EDIT)
def follow_up(request: Request) -> Response:
    """Prepare the post answering what the broadcast left unanswered: a one-off post on
    the ledger (drafted by the next pass, approved like any other), then its run page."""
    from ...i18n import format_datetime
    from ...topics import followup

    state = staff(request)
    run = _run_id(request)
    form = form_data(request)
    view = service.run_view(state.db, run)          # no such ranking: 404
    try:
        at = local_datetime(request, str(form.get("at", "") or "")[:40],
                            field=_("Publish time"))
        occ_id = followup.schedule_at(state.settings, state.db, view, at, None,
                                      current_actor(request))
    except OutreachError as exc:   # nothing answered, a bad time, a template problem
        return back(request, "topics_run", str(exc), "error", run_id=run)
    return back(request, "run", _("Follow-up post scheduled for {when}. The draft appears "
                                  "here within a minute; it is approved like any post.",
                                  when=format_datetime(at, state.settings.timezone)),
                occ_id=occ_id)


routes = [
    Route("/topics", index, methods=["GET"], name="topics"),
    Route("/topics/rank", request_rank, methods=["POST"], name="topics_request"),
    Route("/topics/requests/{request_id:int}/cancel", cancel_request, methods=["POST"],
          name="topics_request_cancel"),
    Route("/topics/requests", request_state, methods=["GET"], name="topics_requests"),
    Route("/topics/{run_id:int}", index, methods=["GET"], name="topics_run"),
    Route("/topics/{run_id:int}/groups/{key}", group, methods=["GET"], name="topics_group"),
    Route("/topics/{run_id:int}/brief", brief, methods=["GET"], name="topics_brief"),
    Route("/topics/{run_id:int}/topics.xlsx", export, methods=["GET"], name="topics_xlsx"),
    Route("/topics/{run_id:int}/merge", merge, methods=["POST"], name="topics_merge"),
    Route("/topics/{run_id:int}/split", split, methods=["POST"], name="topics_split"),
    Route("/topics/{run_id:int}/rename", rename, methods=["POST"], name="topics_rename"),
    Route("/topics/{run_id:int}/choose", choose, methods=["POST"], name="topics_choose"),
    Route("/topics/{run_id:int}/answer", answer, methods=["POST"], name="topics_answer"),
    Route("/topics/{run_id:int}/follow-up", follow_up, methods=["POST"],
          name="topics_follow_up"),
]
