"""A run's page: slides, each channel's text against its limit, deliveries in words; and the
decisions taken there (approve, reject with a reason, publish now, retry, record a hand-off).

Every decision calls the same service function as the CLI, with the signed-in user as actor,
then redirects back to the page with a message (post/redirect/get; no JavaScript needed).
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...channels import channel_label
from ...errors import NotFound, OutreachError, StaleDraft
from ...i18n import _
from ...publishing import desk, oneoff
from ...users.roles import APPROVE, HANDOFF, PUBLISH, VIEW
from .context import current_actor, form_data, staff
from .deskkit import back, int_param, page, service
from .files import file_response, safe_path
from .guard import requires


def _occ_id(request: Request) -> int:
    return int(request.path_params["occ_id"])


@requires(VIEW)
def show(request: Request) -> Response:
    svc = service(request)
    view = desk.run_view(svc.settings, svc.db, _occ_id(request), svc.clock())
    if view is None:
        raise NotFound(_("there is no run #{id}", id=_occ_id(request)))
    occ = view.occurrence
    studio_day = _studio_day(svc, occ)
    return page(request, "runs/run.html", {
        "v": view, "o": occ, "studio_day": studio_day, "survey": _survey_slug(occ),
        "problems": _draft_problems(svc, occ["template"], studio_day)})


def _draft_problems(svc, template: str, day: str | None) -> list[str]:
    """What the autopilot could not fill in the run's file, while nobody has edited it:
    the approver sees it before saying yes."""
    from datetime import date

    from ...studio.service import StudioService

    if day is None:
        return []
    return StudioService(svc.settings, svc.db).draft_problems(template, date.fromisoformat(day))


def _survey_slug(occ) -> str | None:
    """The survey whose call this run is (schedule ``survey``, key ``survey:<slug>``)."""
    from ...surveys.publish import SCHEDULE

    key = str(occ["key"] or "")
    if occ["schedule"] != SCHEDULE or not key.startswith("survey:"):
        return None
    return key.removeprefix("survey:")


def _studio_day(svc, occ) -> str | None:
    """The local day whose data the studio edits, when this run publishes a schedule's data
    file (not a one-off post or a survey call, whose data lives elsewhere) and an edit can
    still change what goes out: until it starts publishing, within its grace window (an
    approved draft submitted again waits for approval again; a rejected one is corrected
    and submitted again)."""
    from datetime import timedelta

    from ...publishing import model as m
    from ...studio.service import StudioService

    if occ["state"] not in m.RESUBMITTABLE or svc.clock() - occ["scheduled_for"] > \
            timedelta(seconds=occ["grace_seconds"]):
        return None
    schedule = StudioService(svc.settings, svc.db).schedule(occ["template"])
    if schedule is None or schedule.name != occ["schedule"]:
        return None
    return occ["scheduled_for"].astimezone(svc.settings.timezone).date().isoformat()


@requires(VIEW)
def slide(request: Request) -> Response:
    """One slide image of the run's draft, only to signed-in users, only from its folder."""
    svc = service(request)
    row = svc.ledger.occurrence(_occ_id(request))
    number = int(request.path_params["number"])
    if row is None or not row["draft_dir"]:
        raise NotFound(_("this run has no draft yet"))
    from ...publishing.drafts import load_draft

    files = {s.index: s.path.name for s in load_draft(row["draft_dir"]).slides}
    if number not in files:
        raise NotFound(_("there is no slide {n}", n=number))
    # a name from the manifest, not the URL; still checked (no way out of the folder)
    return file_response(safe_path(Path(row["draft_dir"]), files[number]))


@requires(APPROVE)
def approve(request: Request) -> Response:
    """Approve the draft revision the approver saw (the form carries it); when the draft
    was rendered again meanwhile, back to the page, which shows the new draft."""
    form = form_data(request)
    revision = int_param(form.get("revision", ""), "revision") if form.get("revision") else None
    try:
        row = service(request).approve(_occ_id(request), current_actor(request),
                                       revision=revision)
    except StaleDraft as exc:
        return back(request, "run", str(exc), "error", occ_id=_occ_id(request))
    return back(request, "run", _("Approved: it goes out at its time."), occ_id=row["id"])


@requires(APPROVE)
def reject(request: Request) -> Response:
    reason = str(form_data(request).get("reason", "")).strip()
    if not reason:
        raise OutreachError(_("give a reason for the rejection; the editor reads it"))
    row = service(request).reject(_occ_id(request), current_actor(request), reason)
    return back(request, "run", _("Rejected: it will not be published."), occ_id=row["id"])


@requires(PUBLISH)
def publish_now(request: Request) -> Response:
    row = oneoff.publish_now(service(request), _occ_id(request), current_actor(request))
    return back(request, "run", _("It goes out with the next pass, within a minute."),
                occ_id=row["id"])


def _label(request: Request, code: str) -> str:
    """A delivery's channel as the pages name it (outreach.channels.channel_label)."""
    return channel_label(code, staff(request).settings)


@requires(PUBLISH)
def retry(request: Request) -> Response:
    row = service(request).retry(int(request.path_params["delivery_id"]), current_actor(request))
    return back(request, "run", _("{channel} will be sent again with the next pass.",
                                  channel=_label(request, row["channel"])),
                occ_id=row["occurrence_id"])


@requires(HANDOFF)
def done(request: Request) -> Response:
    form = form_data(request)
    url = str(form.get("url", "")).strip() or None
    row = service(request).handoff_done(int(request.path_params["delivery_id"]),
                                        current_actor(request), url=url)
    target = str(form.get("back", ""))
    message = _("{channel} recorded as posted.", channel=_label(request, row["channel"]))
    if target == "handoffs":
        return back(request, "handoffs", message)
    return back(request, "run", message, occ_id=row["occurrence_id"])


# English labels of the audit keys these decisions write (활동 기록 shows them in words)
action_labels = {
    "post.approve": "Draft approved",
    "post.reject": "Draft rejected",
    "post.resubmit": "Rejected draft submitted again",
    "post.redraft": "Draft rendered again",
    "post.publish_now": "Published now",
    "delivery.retry": "Delivery sent again",
    "delivery.cancel": "Delivery cancelled: its post may no longer go out",
    "handoff.done": "Hand-off recorded as posted",
}


def _labels_for_extraction() -> None:  # pragma: no cover - lets the catalog test see the ids
    _("Draft approved"), _("Draft rejected"), _("Published now"), _("Delivery sent again")
    _("Hand-off recorded as posted"), _("Rejected draft submitted again")
    _("Draft rendered again"), _("Delivery cancelled: its post may no longer go out")


routes = [
    Route("/runs/{occ_id:int}", show, methods=["GET"], name="run"),
    Route("/runs/{occ_id:int}/slides/{number:int}", slide, methods=["GET"], name="run_slide"),
    Route("/runs/{occ_id:int}/approve", approve, methods=["POST"], name="run_approve"),
    Route("/runs/{occ_id:int}/reject", reject, methods=["POST"], name="run_reject"),
    Route("/runs/{occ_id:int}/publish-now", publish_now, methods=["POST"], name="run_publish_now"),
    Route("/deliveries/{delivery_id:int}/retry", retry, methods=["POST"], name="delivery_retry"),
    Route("/deliveries/{delivery_id:int}/done", done, methods=["POST"], name="delivery_done"),
]
