"""새 게시물 (new post): a one-off post from a template and a data file, for chosen channels, at
a chosen time; and moving (a new time, or a day dragged on the calendar) or cancelling it."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...errors import OutreachError
from ...i18n import _, format_datetime
from ...publishing import oneoff
from ...users.roles import EDIT
from .context import current_actor, form_data, is_htmx, staff
from .deskkit import back, local_datetime, page, parse_day, service
from .guard import requires

DATA_SUFFIXES = (".yaml", ".yml", ".json")


def data_files(content_dir: Path, limit: int = 500) -> list[str]:
    """Data files under content/ (relative paths), newest first, bounded."""
    if not content_dir.is_dir():
        return []
    found = [p for p in content_dir.rglob("*") if p.suffix in DATA_SUFFIXES and p.is_file()]
    found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return [str(p.relative_to(content_dir)) for p in found[:limit]]


def _data_file(content_dir: Path, value: str) -> Path | None:
    """The chosen data file, only from inside content/ (no ../, no absolute paths)."""
    if not value:
        return None
    path = (content_dir / value).resolve()
    if content_dir.resolve() not in path.parents or path.suffix not in DATA_SUFFIXES:
        raise OutreachError(_("choose a data file from the list"))
    return path


@requires(EDIT)
def new(request: Request) -> Response:
    from ...render.template import template_names

    settings = staff(request).settings
    return page(request, "posts/new.html", {
        "templates": template_names(settings.templates_dir),
        "data_files": data_files(settings.content_dir),
        "channels": [n for n, c in settings.channels.items() if c.enabled],
        "approval": oneoff.approval_default(service(request)), "form": {}})


@requires(EDIT)
def create(request: Request) -> Response:
    settings = staff(request).settings
    form = form_data(request)
    channels = [str(c) for c in form.getlist("channel")] if hasattr(form, "getlist") else []
    if not channels:
        raise OutreachError(_("choose at least one channel"))
    request_ = oneoff.PostRequest(
        template=str(form.get("template", "")),
        at=local_datetime(request, str(form.get("at", "")), field=_("Publish time")),
        channels=channels, data_file=_data_file(settings.content_dir, str(form.get("data", ""))))
    svc = service(request)
    occ_id = oneoff.schedule_post(svc, request_, current_actor(request))
    return back(request, "run", _("Scheduled for {when}. The draft appears here within a minute.",
                                  when=format_datetime(request_.at, settings.timezone)),
                occ_id=occ_id)


@requires(EDIT)
def move(request: Request) -> Response:
    svc = service(request)
    occ_id = int(request.path_params["occ_id"])
    form = form_data(request)
    if form.get("date"):        # dropped on a calendar day: same time of day, that day
        row = svc.occurrence(occ_id)
        tz = svc.settings.timezone
        clock = row["scheduled_for"].astimezone(tz).time().replace(tzinfo=None)
        day = parse_day(str(form.get("date")), row["scheduled_for"].date())
        at = datetime.combine(day, clock if isinstance(clock, time) else time(9), tz)
    else:
        at = local_datetime(request, str(form.get("at", "")), field=_("New time"))
    row = oneoff.move_post(svc, occ_id, at, current_actor(request))
    if is_htmx(request):        # the calendar asked: give it its grid back
        from .calendar import context

        view = "week" if form.get("view") == "week" else "month"
        anchor = parse_day(str(form.get("day") or ""), at.astimezone(svc.settings.timezone).date())
        return page(request, "calendar/calendar.html", context(request, view, anchor),
                    block="calendar_grid")
    return back(request, "run", _("Moved to {when}.", when=format_datetime(
        row["scheduled_for"], svc.settings.timezone)), occ_id=occ_id)


@requires(EDIT)
def cancel(request: Request) -> Response:
    reason = str(form_data(request).get("reason", "")).strip() or None
    row = oneoff.cancel_post(service(request), int(request.path_params["occ_id"]),
                             current_actor(request), reason)
    return back(request, "run", _("Cancelled: none of its channels will get it."),
                occ_id=row["id"])


# English labels of the audit keys one-off posts write (활동 기록 shows them in words)
action_labels = {
    "post.schedule": "One-off post scheduled",
    "post.move": "One-off post moved",
    "post.cancel": "One-off post cancelled",
}


def _labels_for_extraction() -> None:  # pragma: no cover - lets the catalog test see the ids
    _("One-off post scheduled"), _("One-off post moved"), _("One-off post cancelled")


routes = [
    Route("/posts/new", new, methods=["GET"], name="post_new"),
    Route("/posts", create, methods=["POST"], name="post_create"),
    Route("/posts/{occ_id:int}/move", move, methods=["POST"], name="post_move"),
    Route("/posts/{occ_id:int}/cancel", cancel, methods=["POST"], name="post_cancel"),
]
