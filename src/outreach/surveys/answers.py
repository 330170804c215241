"""Survey answers: link inbox items to a survey by hand, and at ingest.

An answer is an inbox item of kind ``survey`` with ``survey_id`` (and the theme's
``survey_question_id`` when the citizen chose one). Comments under a survey call's
posts are linked when they are harvested; the chatbot's answers carry their survey;
staff link anything else by hand.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..errors import SurveyError
from ..i18n import _
from ..logs import log
from ..store import surveys as store
from ..store.surveys import SurveyRecord
from ..users.audit import Actor, record

if TYPE_CHECKING:
    from .service import SurveyService

logger = logging.getLogger("outreach.surveys")


def link_item(service: "SurveyService", item_id: int, survey: SurveyRecord | None,
              theme: str | None, by: Actor) -> dict[str, Any]:
    """Link (or, with ``survey`` None, unlink) one inbox item; its new link."""
    question_id = None
    if survey is not None and theme:
        question = survey.question(int(theme) if theme.isdigit() else theme)
        if question is None:
            keys = ", ".join(q.key for q in survey.questions)
            raise SurveyError(_("survey {slug} has no theme {theme}: the themes are {keys}",
                                slug=survey.slug, theme=theme, keys=keys), key="theme")
        question_id = question.id
    with service.db.begin() as conn:
        before = store.item_link(conn, item_id)
        if before is None:
            raise SurveyError(_("no inbox item #{id}: see outreach inbox list", id=item_id),
                              key="item")
        if survey is None:
            store.link_items(conn, [item_id], None, None, kind=None)
            record(conn, by, "survey.unlink", "inbox_item", item_id,
                   {"survey": before["survey_id"]})
        else:
            store.link_items(conn, [item_id], survey.id, question_id)
            record(conn, by, "survey.link", "inbox_item", item_id,
                   {"survey": survey.slug, "theme": theme or "", "kind_was": before["kind"]})
        after = store.item_link(conn, item_id)
    log(logger, logging.INFO, "survey link", item=item_id,
        survey=survey.slug if survey else "-", by=by.label())
    return after or {}
