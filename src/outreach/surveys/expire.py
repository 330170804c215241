"""Close surveys whose close time passed while their call still waits (for approval,
or to be prepared), so the call never goes out after the survey closed.

Called by every scheduling pass (the daemon's tick and cron's ``run-due``) *before*
the publishing work, so a call approved after the close time is cancelled before a
pass could send it. It takes the same path as an explicit close
(``SurveyService.close``: the survey is closed, the call cancelled, both audited), as
the system actor ``survey-close``; staff learn of it through the notification
``survey_call_withdrawn`` (``outreach.notify.events``) and the survey's page, which
shows the cancelled call. A survey whose call already went out is left as it is: its
close time alone already stops it taking answers.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable

from ..errors import OutreachError
from ..logs import log
from ..model import utc_now
from ..store import surveys as store

logger = logging.getLogger("outreach.surveys")
#: who the audit log and the ledger name as having closed it (notifications look for it)
ACTOR = "survey-close"


def withdraw_late_calls(settings, db, *,
                        clock: Callable[[], datetime] = utc_now) -> list[str]:
    """Close each published survey past its close time whose call has not started; the
    slugs closed. Errors on one survey are logged and never stop the pass."""
    from ..publishing import model as m
    from ..store.ledger import Ledger
    from ..users.audit import Actor
    from .service import SurveyService

    now = clock()
    with db.read() as conn:
        due = store.past_close_with_call(conn, now)
    if not due:
        return []
    ledger = Ledger(db)
    service = SurveyService(settings, db, clock=clock)
    closed: list[str] = []
    for survey in due:
        occ = ledger.occurrence(survey.occurrence_id)
        if occ is None or occ["state"] not in m.NOT_STARTED:
            continue
        try:
            service.close(survey.id, Actor.system(ACTOR))
        except OutreachError as exc:      # closed meanwhile by staff: nothing left to do
            log(logger, logging.INFO, "survey not closed", survey=survey.slug, reason=str(exc))
            continue
        log(logger, logging.WARNING, "survey closed before its call went out; call cancelled",
            survey=survey.slug, occurrence=survey.occurrence_id)
        closed.append(survey.slug)
    return closed


def send_guard(settings, db, *, clock: Callable[[], datetime] = utc_now):
    """The publishing pass's last word on a survey's call (``PublishingService.work``'s
    ``guards``, given by the scheduling pass for the schedule ``survey``): right before a
    delivery of the call is claimed, the survey must still take answers.

    A close time that passed since ``withdraw_late_calls`` ran (an approval landing in the
    same pass), or a person's close whose call was not cancelled yet: the survey is closed
    the usual way (as ``survey-close``, audited, mailed) and the reason returned makes the
    publishing service cancel what has not gone out."""
    from ..i18n import _
    from ..users.audit import Actor
    from .publish import occurrence_key
    from .service import SurveyService

    def guard(row) -> str | None:
        key = str(row.get("occurrence_key") or "")
        slug = key.removeprefix("survey:")
        survey = store.find(db, slug) if key.startswith("survey:") else None
        if survey is None or occurrence_key(survey) != key:
            return None
        now = clock()
        if survey.state != "closed" and survey.closes_at > now:
            return None
        if survey.state != "closed":
            try:
                SurveyService(settings, db, clock=clock).close(survey.id, Actor.system(ACTOR))
            except OutreachError as exc:      # closed meanwhile by staff
                log(logger, logging.INFO, "survey not closed", survey=survey.slug,
                    reason=str(exc))
            log(logger, logging.WARNING, "survey closed as its call was about to go out; "
                "call cancelled", survey=survey.slug, occurrence=row.get("occurrence_id"))
        return _("survey {slug} was closed before its call went out", slug=survey.slug)

    return guard
