"""Publish a survey's call through the ledger, exactly once, like a one-off post.

The call is an occurrence of schedule ``survey`` with key ``survey:<slug>``: the
ledger's unique (schedule, key) means a second ``publish`` (a double click, a re-run
after a crash between the two steps below) finds the same occurrence and plans no
second delivery. The card's data is built from the survey and stored inline on the
occurrence, so the call shows the survey as it was when published.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import SurveyError
from ..i18n import _, format_datetime, recorded
from ..logs import log
from ..publishing.model import SURVEY
from ..store import surveys as store
from ..store.surveys import SurveyRecord
from ..users.audit import Actor, record

if TYPE_CHECKING:
    from .service import SurveyService

logger = logging.getLogger("outreach.surveys")

#: the ledger's schedule name for survey calls (like ``post`` for one-off posts); one
#: constant with the reserved names schedules/*.yaml may not take
SCHEDULE = SURVEY


def occurrence_key(survey: SurveyRecord) -> str:
    return f"survey:{survey.slug}"


def card_data(service: "SurveyService", survey: SurveyRecord) -> dict[str, Any]:
    """The card template's data: the survey's words plus its ``card`` extras (photo)."""
    tz = service.settings.timezone
    return {
        "title": survey.title,
        "intro": survey.intro,
        "themes": [q.label for q in survey.questions],
        "questions": [{"label": q.label, "text": q.text} for q in survey.questions],
        "opens": survey.opens_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "closes": survey.closes_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        **survey.card,
    }


def publish_call(service: "SurveyService", survey: SurveyRecord, by: Actor, *,
                 at: datetime | None = None, approval: bool | None = None,
                 prepare: bool = False) -> int:
    """Plan the call (once) and mark the survey published; the occurrence id. ``prepare``
    renders the draft now (the CLI; a web request leaves it to the daemon)."""
    from ..publishing import model as m
    from ..publishing.audit import audit
    from ..publishing.manual import choose_channels
    from ..publishing.oneoff import approval_default, grace
    from ..publishing.service import PublishingService

    if survey.state == "closed":
        raise SurveyError(_("survey {slug} is closed: its call can no longer be published",
                            slug=survey.slug), key="survey")
    now = service.clock()
    if survey.closes_at <= now:
        raise SurveyError(_("survey {slug} closed on {when}: change closes first",
                            slug=survey.slug,
                            when=format_datetime(survey.closes_at, service.settings.timezone)),
                          key="closes")
    publishing = PublishingService(service.settings, service.db, clock=service.clock)
    try:
        names = choose_channels(service.settings, survey.channels or None)
        when = at or max(now, survey.opens_at)
        if when.tzinfo is None:
            raise SurveyError(_("the time must carry a time zone"), key="at")
        data = card_data(service, survey)
        existing = publishing.ledger.occurrence_by_key(SCHEDULE, occurrence_key(survey))
        if existing is None:
            _check_data(publishing, survey, data)
        needs_approval = approval_default(publishing) if approval is None else approval
        spec = m.OccurrenceSpec(
            schedule=SCHEDULE, key=occurrence_key(survey), scheduled_for=when,
            template=survey.template, channels=tuple(names), data=data,
            context={"survey": survey.slug}, approval_required=needs_approval,
            prepare_at=now, grace=grace(publishing), created_by=by.name)
        occ_id = publishing.plan(spec, audit=audit(by, "survey.publish", "occurrence", None, {
            "survey": survey.slug, "channels": names, "at": when.isoformat()}))
        if prepare:
            publishing.prepare_one(occ_id)
    finally:
        publishing.close()
    with service.db.begin() as conn:
        if store.set_state(conn, survey.id, "published", ["draft"], now, occurrence_id=occ_id,
                           published_at=now):
            record(conn, by, "survey.published", "survey", survey.id,
                   {"slug": survey.slug, "occurrence": occ_id})
    log(logger, logging.INFO, "survey call planned", survey=survey.slug, occurrence=occ_id,
        by=by.label())
    return occ_id


def _check_data(publishing: Any, survey: SurveyRecord, data: dict[str, Any]) -> None:
    """The card template exists and accepts the survey's data (cheap: nothing painted),
    so a bad survey leaves no ledger row."""
    from ..render.post import post_data
    from ..render.template import load_template

    settings = publishing.settings
    tpl = load_template(settings.templates_dir, survey.template)
    post_data(tpl, data, None, workspace=settings.root, media_dirs=settings.media_dirs)



@recorded
def withdraw_call(service: "SurveyService", survey: SurveyRecord, by: Actor) -> bool:
    """A survey closed before its call went out: cancel the call (a call inviting questions
    to a closed survey must not appear). True if it was withdrawn."""
    if survey.occurrence_id is None:
        return False
    from ..publishing import model as m
    from ..publishing.audit import audit
    from ..store.ledger import Ledger

    reason = _("survey {slug} was closed before its call went out", slug=survey.slug)
    return Ledger(service.db).close_occurrence(
        survey.occurrence_id, m.CANCELLED, reason, service.clock(),
        from_states=m.NOT_STARTED, by=by.name,
        audit=audit(by, "post.cancel", "occurrence", survey.occurrence_id,
                    {"reason": reason, "survey": survey.slug}))
