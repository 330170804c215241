"""Survey answers: link inbox items to a survey by hand, and at ingest.

An answer is an inbox item of kind ``survey`` with ``survey_id`` (and the theme's
``survey_question_id`` when the citizen chose one). Comments under a survey call's
posts are linked when they are harvested; the chatbot's answers carry their survey;
staff link anything else by hand.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from sqlalchemy import Connection

from ..errors import SurveyError
from ..i18n import _
from ..logs import log
from ..store import surveys as store
from ..store.inbox import to_db
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
            # a survey answer taken out of its survey is a question again (staff can
            # change the kind with outreach inbox kind)
            store.link_items(conn, [item_id], None, None,
                             kind="question" if before["kind"] == "survey" else None)
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


def survey_answer(row: dict[str, Any], hint: Mapping[str, Any]) -> dict[str, Any]:
    """Make an inbox row a survey answer: kind ``survey``, its survey and theme, and no
    deadlines (an answer to a call for questions is not a complaint with a due date)."""
    row.update(kind="survey", survey_id=int(hint["survey_id"]),
               survey_question_id=hint.get("question_id"), first_due_at=None,
               resolve_due_at=None)
    return row


def link_call_comments(conn: Connection, channel: str, rows: Sequence[dict[str, Any]]) -> int:
    """At ingest: rows commenting on a survey call's post (its delivery's remote id on this
    channel), written before the survey ended, become answers of that survey. Spam stays
    spam. No query at all when no row comments on a post (chat messages, DMs)."""
    candidates = [r for r in rows if r.get("post_remote_id") and not r.get("survey_id")
                  and r.get("kind") != "spam"]
    if not candidates:
        return 0
    calls = store.calls_on(conn, channel, [r["post_remote_id"] for r in candidates])
    linked = 0
    for row in candidates:
        call = calls.get(row["post_remote_id"])
        if call is None or row["created_at"] >= to_db(call["ends_at"]):
            continue
        survey_answer(row, {"survey_id": call["survey_id"]})
        linked += 1
    return linked
