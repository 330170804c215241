"""The Kakao chatbot's survey flow: choose a theme with a quick reply, then write.

Two turns, kept apart by the server (the Open Builder skill is stateless):

1. "질문하기" (``[surveys.kakao] words``) while a survey is open: the bot answers
   with the survey's intro and one quick reply per theme. With ``block_id`` set the
   buttons call that block with ``extra = {survey, theme}`` (Open Builder passes it
   back as ``action.clientExtra``); otherwise they send the theme's label as a
   message, which reaches the skill like any utterance.
2. A theme (its label, or the ``extra``): the choice is remembered in ``survey_chat``
   keyed by the channel and the *pseudonymous* author key (never the Kakao user key),
   for ``answer_minutes``.
3. The next free text from that person becomes an inbox item of kind ``survey`` with
   the survey and theme (``Reply.ref["survey"]``, applied by ingest, masked like every
   other message). If the survey closed meanwhile the bot says so and the message is
   handled as an ordinary message.

``turn`` decides and remembers; ``web/kakao.py`` stores the message and answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any, Mapping

from sqlalchemy import Connection

from ..render.jinja import stamp
from ..store import surveys as store
from ..store.surveys import SurveyRecord
from .settings import SurveyChat
from .spec import MAX_LABEL

MENU, ANSWER, PASS = "menu", "answer", "pass"


@dataclass(frozen=True)
class ChatStep:
    """What the chatbot does with one utterance in the survey flow.

    ``mode``: ``menu`` (stored as an auto-answered tap, like the link menu), ``answer``
    (stored as a survey answer with ``hint``), ``pass`` (``texts`` first, then the
    ordinary handling). ``quick``: the quick replies (None: the usual link menu)."""

    mode: str
    texts: tuple[str, ...]
    quick: list[dict[str, Any]] | None = None
    hint: Mapping[str, Any] | None = field(default=None)


def turn(conn: Connection, cfg: SurveyChat, channel: str, author_key: str, utterance: str,
         extra: Mapping[str, Any], now: datetime, tz: tzinfo, *,
         casual: bool = False) -> ChatStep | None:
    """The survey step for this utterance, or None when it is not part of a survey.
    ``casual``: a greeting or a menu word, which never becomes the answer itself."""
    words = {w.lower() for w in cfg.words}
    text = utterance.strip()
    opened = store.open_at(conn, now)
    chosen = _chosen(conn, extra, text, now, opened)
    if chosen is not None:
        survey, question = chosen
        if not survey.is_open(now):
            store.chat_clear(conn, channel, author_key)
            return ChatStep(MENU, (_fill(cfg.closed, survey, tz),))
        store.chat_choose(conn, channel, author_key, survey.id, question.id, now,
                          now + timedelta(minutes=cfg.answer_minutes))
        return ChatStep(MENU, (_fill(cfg.ask, survey, tz, theme=question.label),), quick=[])
    if text.lower() in words:
        if opened:
            survey = opened[0]
            return ChatStep(MENU, (_fill(cfg.choose, survey, tz),),
                            quick=theme_replies(cfg, survey))
        ended = store.ended(conn, now)
        return ChatStep(MENU, (_fill(cfg.closed, ended[0], tz) if ended else cfg.none,))
    if casual or not text:
        return None
    pending = store.chat_pending(conn, channel, author_key, now)
    if pending is None:
        return None
    store.chat_clear(conn, channel, author_key)
    survey = store.get(conn, pending["survey_id"])
    if survey is None:
        return None
    if not survey.is_open(now):
        return ChatStep(PASS, (_fill(cfg.closed, survey, tz),))
    return ChatStep(ANSWER, (_fill(cfg.thanks, survey, tz),),
                    hint={"survey_id": survey.id, "question_id": pending["question_id"]})


def theme_replies(cfg: SurveyChat, survey: SurveyRecord) -> list[dict[str, Any]]:
    """One quick reply per theme (Kakao: at most 10, labels of at most 14 characters;
    the survey file is checked for both)."""
    if cfg.block_id:
        return [{"label": q.label, "action": "block", "blockId": cfg.block_id,
                 "messageText": q.label, "extra": {"survey": survey.slug, "theme": q.key}}
                for q in survey.questions][:10]
    return [{"label": q.label, "action": "message", "messageText": q.label}
            for q in survey.questions][:10]


def _chosen(conn: Connection, extra: Mapping[str, Any], text: str, now: datetime,
            opened: list[SurveyRecord]) -> tuple[SurveyRecord, store.Question] | None:
    """The (survey, theme) this utterance picks: the block's ``extra``, else a theme
    label of a survey that is open (or ended, so the bot can say it is closed)."""
    if isinstance(extra, Mapping) and extra.get("survey") and extra.get("theme"):
        survey = store.get(conn, str(extra["survey"]))
        question = survey.question(str(extra["theme"])) if survey else None
        if survey is not None and question is not None:
            return survey, question
    if not text or len(text) > MAX_LABEL:     # not a button's label: skip the look-ups
        return None
    for survey in opened:
        for question in survey.questions:
            if question.label == text:
                return survey, question
    for survey in store.ended(conn, now)[:1]:
        for question in survey.questions:
            if question.label == text:
                return survey, question
    return None


def _fill(template: str, survey: SurveyRecord, tz: tzinfo, *, theme: str = "") -> str:
    ends = survey.closes_at
    if survey.state == "closed" and survey.closed_at and survey.closed_at < ends:
        ends = survey.closed_at           # closed early by staff
    return template.format(title=survey.title, intro=survey.intro, theme=theme,
                           closes=stamp(ends.astimezone(tz)))
