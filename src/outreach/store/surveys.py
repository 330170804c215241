"""Every survey query: the survey and its themes, the chatbot's pending choice, answers.

Writers take the caller's connection (``Database.begin()``), so a change and its audit
row commit together; readers take a ``Database``. Survey times are aware UTC
(``UTCDateTime``); the inbox columns are naive UTC (``inbox.to_db``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import Connection, delete, func, insert, select, update

from .db import Database
from .inbox_tables import inbox_items
from .ledger_tables import delivery
from .survey_tables import survey, survey_chat, survey_question

Row = dict[str, Any]


@dataclass(frozen=True)
class Question:
    """One theme of a survey, in the order it is offered."""

    key: str
    label: str
    text: str = ""
    id: int | None = None


@dataclass
class SurveyRecord:
    """A survey as stored, with its themes."""

    id: int
    slug: str
    title: str
    template: str
    intro: str
    channels: list[str]
    card: dict[str, Any]
    opens_at: datetime
    closes_at: datetime
    state: str
    occurrence_id: int | None
    source_file: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    closed_at: datetime | None
    questions: list[Question] = field(default_factory=list)

    def question(self, ident: int | str) -> Question | None:
        for q in self.questions:
            if q.id == ident or q.key == ident:
                return q
        return None

    def is_open(self, now: datetime) -> bool:
        """Answers are taken while published and between the open and close times."""
        return self.state == "published" and self.opens_at <= now < self.closes_at


def _record(row: Any, questions: Sequence[Question]) -> SurveyRecord:
    data = dict(row._mapping)
    data["channels"] = json.loads(data["channels"] or "[]")
    data["card"] = json.loads(data["card"] or "{}")
    return SurveyRecord(**data, questions=list(questions))


def _questions(conn: Connection, survey_ids: Sequence[int]) -> dict[int, list[Question]]:
    out: dict[int, list[Question]] = {i: [] for i in survey_ids}
    if not survey_ids:
        return out
    for r in conn.execute(select(survey_question).where(
            survey_question.c.survey_id.in_(list(survey_ids)))
            .order_by(survey_question.c.survey_id, survey_question.c.position)):
        out[r.survey_id].append(Question(key=r.key, label=r.label, text=r.text, id=r.id))
    return out


def _fetch(conn: Connection, where: Any) -> list[SurveyRecord]:
    rows = conn.execute(select(survey).where(where).order_by(survey.c.opens_at.desc(),
                                                            survey.c.id.desc())).all()
    qs = _questions(conn, [r.id for r in rows])
    return [_record(r, qs[r.id]) for r in rows]


# -- reads ----------------------------------------------------------------------------

def get(conn: Connection, ident: int | str) -> SurveyRecord | None:
    """A survey by id or slug."""
    where = survey.c.id == ident if isinstance(ident, int) else survey.c.slug == ident
    found = _fetch(conn, where)
    return found[0] if found else None


def find(db: Database, ident: int | str) -> SurveyRecord | None:
    with db.read() as conn:
        return get(conn, ident)


def all_surveys(db: Database) -> list[SurveyRecord]:
    """Every survey, newest opening first."""
    with db.read() as conn:
        return _fetch(conn, survey.c.id.is_not(None))


def open_at(conn: Connection, now: datetime) -> list[SurveyRecord]:
    """Surveys taking answers at ``now`` (published, opened, not yet closed)."""
    return _fetch(conn, (survey.c.state == "published") & (survey.c.opens_at <= now)
                  & (survey.c.closes_at > now))


def calls_on(conn: Connection, channel: str, post_remote_ids: Sequence[str]
             ) -> dict[str, Row]:
    """Which of these publications (remote ids on ``channel``) carry a survey's call:
    ``{post_remote_id: {survey_id, ends_at}}``; ``ends_at``: when it stopped (or stops)
    taking answers."""
    ids = [p for p in set(post_remote_ids) if p]
    if not ids:
        return {}
    rows = conn.execute(
        select(delivery.c.remote_id, survey.c.id, survey.c.state, survey.c.closes_at,
               survey.c.closed_at)
        .join(survey, survey.c.occurrence_id == delivery.c.occurrence_id)
        .where(delivery.c.channel == channel, delivery.c.remote_id.in_(ids),
               survey.c.state != "draft"))
    out: dict[str, Row] = {}
    for remote_id, survey_id, state, closes_at, closed_at in rows:
        ends = min(closes_at, closed_at) if state == "closed" and closed_at else closes_at
        out[remote_id] = {"survey_id": survey_id, "ends_at": ends}
    return out


def ended(conn: Connection, now: datetime) -> list[SurveyRecord]:
    """Surveys that took answers and no longer do, the most recently ended first."""
    found = [s for s in _fetch(conn, survey.c.state != "draft") if not s.is_open(now)
             and s.opens_at <= now]
    return sorted(found, key=lambda s: s.closed_at or s.closes_at, reverse=True)


def answer_counts(db: Database, survey_id: int) -> dict[str, Any]:
    """Answers linked to a survey: total, distinct people, per channel, per theme id."""
    with db.read() as conn:
        linked = inbox_items.c.survey_id == survey_id
        total, people = conn.execute(select(
            func.count(), func.count(func.distinct(inbox_items.c.author_key)))
            .where(linked)).one()
        per_channel = dict(conn.execute(
            select(inbox_items.c.channel, func.count()).where(linked)
            .group_by(inbox_items.c.channel).order_by(inbox_items.c.channel)).all())
        per_question = dict(conn.execute(
            select(inbox_items.c.survey_question_id, func.count()).where(linked)
            .group_by(inbox_items.c.survey_question_id)).all())
    return {"total": total, "people": people, "channels": per_channel,
            "questions": per_question}


# -- writes ---------------------------------------------------------------------------

def add(conn: Connection, values: Row, questions: Sequence[Question]) -> int:
    """A new survey with its themes; its id."""
    values = dict(values)
    values["channels"] = json.dumps(list(values.get("channels") or []), ensure_ascii=False)
    values["card"] = json.dumps(dict(values.get("card") or {}), ensure_ascii=False, default=str)
    new_id = conn.execute(insert(survey).values(**values)).inserted_primary_key[0]
    _put_questions(conn, new_id, questions)
    return int(new_id)


def change(conn: Connection, survey_id: int, values: Row,
           questions: Sequence[Question] | None = None) -> None:
    """Update a survey's fields and, if given, its themes (matched by key: a kept key keeps
    its id and the answers linked to it; a dropped key's answers lose their theme)."""
    values = dict(values)
    if "channels" in values:
        values["channels"] = json.dumps(list(values["channels"] or []), ensure_ascii=False)
    if "card" in values:
        values["card"] = json.dumps(dict(values["card"] or {}), ensure_ascii=False, default=str)
    if values:
        conn.execute(update(survey).where(survey.c.id == survey_id).values(**values))
    if questions is not None:
        _put_questions(conn, survey_id, questions)


def _put_questions(conn: Connection, survey_id: int, questions: Sequence[Question]) -> None:
    have = {r.key: r.id for r in conn.execute(
        select(survey_question.c.key, survey_question.c.id)
        .where(survey_question.c.survey_id == survey_id))}
    keep = {q.key for q in questions}
    gone = [i for k, i in have.items() if k not in keep]
    if gone:
        conn.execute(update(inbox_items).where(inbox_items.c.survey_question_id.in_(gone))
                     .values(survey_question_id=None))
        conn.execute(delete(survey_chat).where(survey_chat.c.question_id.in_(gone)))
        conn.execute(delete(survey_question).where(survey_question.c.id.in_(gone)))
    for position, q in enumerate(questions, 1):
        values = dict(position=position, label=q.label, text=q.text)
        if q.key in have:
            conn.execute(update(survey_question)
                         .where(survey_question.c.id == have[q.key]).values(**values))
        else:
            conn.execute(insert(survey_question).values(survey_id=survey_id, key=q.key,
                                                        **values))


def set_state(conn: Connection, survey_id: int, state: str, from_states: Sequence[str],
              now: datetime, **values: Any) -> bool:
    """Move a survey to ``state`` if it is in one of ``from_states``; False if it was not
    (someone else changed it meanwhile)."""
    done = conn.execute(update(survey).where(survey.c.id == survey_id,
                                             survey.c.state.in_(list(from_states)))
                        .values(state=state, updated_at=now, **values))
    return bool(done.rowcount)


def link_items(conn: Connection, item_ids: Sequence[int], survey_id: int | None,
               question_id: int | None, *, kind: str | None = "survey") -> int:
    """Link inbox items to a survey (and theme); ``survey_id`` None unlinks. Sets the kind
    too unless ``kind`` is None. How many items changed."""
    values: Row = {"survey_id": survey_id, "survey_question_id": question_id}
    if kind is not None:
        values["kind"] = kind
    done = conn.execute(update(inbox_items).where(inbox_items.c.id.in_(list(item_ids)))
                        .values(**values))
    return done.rowcount or 0


def item_link(conn: Connection, item_id: int) -> Row | None:
    row = conn.execute(select(inbox_items.c.id, inbox_items.c.kind, inbox_items.c.survey_id,
                              inbox_items.c.survey_question_id)
                       .where(inbox_items.c.id == item_id)).first()
    return dict(row._mapping) if row else None


# -- the chatbot's pending choice -------------------------------------------------------

def chat_pending(conn: Connection, channel: str, author_key: str, now: datetime) -> Row | None:
    """The theme a chatbot user chose and has not answered yet (None once expired)."""
    row = conn.execute(select(survey_chat).where(
        survey_chat.c.channel == channel, survey_chat.c.author_key == author_key,
        survey_chat.c.expires_at > now)).first()
    return dict(row._mapping) if row else None


def chat_choose(conn: Connection, channel: str, author_key: str, survey_id: int,
                question_id: int, now: datetime, expires_at: datetime) -> None:
    """Remember a user's theme choice (a later choice replaces it)."""
    conn.execute(delete(survey_chat).where(survey_chat.c.channel == channel,
                                           survey_chat.c.author_key == author_key))
    conn.execute(insert(survey_chat).values(channel=channel, author_key=author_key,
                                            survey_id=survey_id, question_id=question_id,
                                            started_at=now, expires_at=expires_at))


def chat_clear(conn: Connection, channel: str, author_key: str) -> None:
    conn.execute(delete(survey_chat).where(survey_chat.c.channel == channel,
                                           survey_chat.c.author_key == author_key))

