"""설문 (surveys): the list, the YAML edit form, one survey with its answers per channel and
theme, and its publish / close / link buttons. Every handler calls one method of
``outreach.surveys.service.SurveyService`` (the same ones ``outreach survey`` calls)."""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...errors import NotFound, OutreachError, SurveyError
from ...i18n import _, format_datetime
from ...users.roles import INBOX_ANSWER, SURVEY, VIEW
from .context import current_actor, form_data, staff
from .deskkit import back, page
from .guard import requires


def _service(request: Request):
    from ...scheduling.clock import make_clock
    from ...surveys.service import SurveyService

    state = staff(request)
    return SurveyService(state.settings, state.db,
                         clock=make_clock(None, state.settings.timezone))


def _known(svc, slug: str) -> str:
    """``slug`` when it names a survey; else a 404 that points at the list, not the CLI."""
    if not _exists(svc, slug):
        raise NotFound(_("there is no survey {name}: see the list of surveys", name=slug))
    return slug


def _exists(svc, slug: str) -> bool:
    try:
        svc.get(slug)
    except SurveyError:
        return False
    return True


@requires(VIEW)
def index(request: Request) -> Response:
    svc = _service(request)
    rows = [svc.summary(s.id) for s in svc.list()]
    return page(request, "surveys/list.html", {"rows": rows, "now": svc.clock()})


@requires(SURVEY)
def new(request: Request) -> Response:
    svc = _service(request)
    return page(request, "surveys/edit.html", {"slug": "", "text": svc.file_text(None),
                                               "editing": False, "error": None})


@requires(SURVEY)
def edit(request: Request) -> Response:
    svc = _service(request)
    survey = svc.get(_known(svc, request.path_params["slug"]))
    return page(request, "surveys/edit.html", {"slug": survey.slug, "editing": True,
                                               "text": svc.file_text(survey.slug),
                                               "error": None})


@requires(SURVEY)
def save(request: Request) -> Response:
    form = form_data(request)
    slug = str(request.path_params.get("slug") or form.get("slug", "")).strip()
    text = str(form.get("text", ""))
    svc = _service(request)
    try:
        if "slug" not in request.path_params and _exists(svc, slug):
            # "새 설문" never replaces a survey that has the same name (its answers' themes)
            raise SurveyError(_("a survey named {name} already exists: open it from the list "
                                "to edit it, or choose another name", name=slug), key="slug")
        survey_id, created = svc.save_text(slug, text, current_actor(request))
    except OutreachError as exc:      # the form again with the text and the one-line error
        # the page names content/surveys/<name>.yaml from the workspace; so does the error
        return page(request, "surveys/edit.html", {
            "slug": slug, "text": text, "editing": "slug" in request.path_params,
            "error": str(exc).replace(str(svc.settings.root) + os.sep, "")}, status=400)
    return back(request, "survey", _("Survey created.") if created else _("Survey saved."),
                slug=slug)


@requires(VIEW)
def detail(request: Request) -> Response:
    svc = _service(request)
    summary = svc.summary(_known(svc, request.path_params["slug"]))
    return page(request, "surveys/detail.html", {
        "s": summary.survey, "summary": summary, "now": svc.clock(),
        "answers": svc.answers(summary.survey.id, limit=30),
        "channels": summary.survey.channels or [
            n for n, c in svc.settings.channels.items() if c.enabled],
        "approval": _approval(svc)})


def _approval(svc) -> bool:
    from ...publishing.oneoff import approval_default
    from ...publishing.service import PublishingService

    return approval_default(PublishingService(svc.settings, svc.db))


@requires(SURVEY)
def publish(request: Request) -> Response:
    svc = _service(request)
    slug = _known(svc, request.path_params["slug"])
    occ_id = svc.publish(slug, current_actor(request))
    row = svc.summary(slug).occurrence or {}
    return back(request, "survey", _("The call is post #{id} for {when}: the draft appears "
                                     "within a minute{approval}.", id=occ_id,
                                     when=format_datetime(row.get("scheduled_for"),
                                                          svc.settings.timezone),
                                     approval=_(", then waits for approval")
                                     if row.get("approval_required") else ""),
                slug=slug)


@requires(SURVEY)
def close(request: Request) -> Response:
    svc = _service(request)
    survey = svc.close(_known(svc, request.path_params["slug"]), current_actor(request))
    return back(request, "survey", _("Closed: the chatbot says so and new comments are no "
                                     "longer answers."), slug=survey.slug)


@requires(INBOX_ANSWER)
def link(request: Request) -> Response:
    form = form_data(request)
    slug = request.path_params["slug"]
    try:
        item = int(str(form.get("item", "")).strip().lstrip("#"))
    except ValueError:
        raise OutreachError(_("Inbox item: expected a number")) from None
    theme = str(form.get("theme", "")).strip() or None
    _service(request).link(item, slug, current_actor(request), theme=theme)
    return back(request, "survey", _("Inbox item #{id} is now an answer of this survey.",
                                     id=item), slug=slug)


# English labels of the audit keys surveys write (활동 기록 shows them in words)
action_labels = {
    "survey.create": "Survey created",
    "survey.update": "Survey saved",
    "survey.publish": "Survey call scheduled",
    "survey.published": "Survey published",
    "survey.close": "Survey closed",
    "survey.link": "Inbox item linked to a survey",
    "survey.unlink": "Inbox item taken out of a survey",
}


def _labels_for_extraction() -> None:  # pragma: no cover - lets the catalog test see the ids
    _("Survey created"), _("Survey saved"), _("Survey call scheduled"), _("Survey published")
    _("Survey closed"), _("Inbox item linked to a survey"), _("Inbox item taken out of a survey")


routes = [
    Route("/surveys", index, methods=["GET"], name="surveys"),
    Route("/surveys/new", new, methods=["GET"], name="survey_new"),
    Route("/surveys", save, methods=["POST"], name="survey_create"),
    Route("/surveys/{slug:str}", detail, methods=["GET"], name="survey"),
    Route("/surveys/{slug:str}/edit", edit, methods=["GET"], name="survey_edit"),
    Route("/surveys/{slug:str}/edit", save, methods=["POST"], name="survey_save"),
    Route("/surveys/{slug:str}/publish", publish, methods=["POST"], name="survey_publish"),
    Route("/surveys/{slug:str}/close", close, methods=["POST"], name="survey_close"),
    Route("/surveys/{slug:str}/link", link, methods=["POST"], name="survey_link"),
]
