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
from .survey_tables import survey, survey_chat, survey_post, survey_question

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
    posts: dict[str, list[str]] = field(default_factory=dict)   # channel -> remote ids

    def question(self, ident: int | str) -> Question | None:
        for q in self.questions:
            if q.id == ident or q.key == ident:
                return q
        return None

    def is_open(self, now: datetime) -> bool:
        """Answers are taken while published and between the open and close times."""
        return self.state == "published" and self.opens_at <= now < self.closes_at


def _record(row: Any, questions: Sequence[Question],
            posts: dict[str, list[str]] | None = None) -> SurveyRecord:
    data = dict(row._mapping)
    data["channels"] = json.loads(data["channels"] or "[]")
    data["card"] = json.loads(data["card"] or "{}")
    return SurveyRecord(**data, questions=list(questions), posts=posts or {})


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
    ids = [r.id for r in rows]
    qs = _questions(conn, ids)
    posts: dict[int, dict[str, list[str]]] = {}
    if ids:
        for r in conn.execute(select(survey_post).where(survey_post.c.survey_id.in_(ids))
                              .order_by(survey_post.c.id)):
            posts.setdefault(r.survey_id, {}).setdefault(r.channel, []).append(r.remote_id)
    return [_record(r, qs[r.id], posts.get(r.id)) for r in rows]


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
    """Which of these publications (remote ids on ``channel``) carry a survey's call, or
    are listed by a survey (``posts:``, e.g. a YouTube video):
    ``{post_remote_id: {survey_id, ends_at}}``; ``ends_at``: when it stopped (or stops)
    taking answers.

    Driven from the few surveys (their calls' deliveries on this channel by the
    (occurrence, channel) unique index, and their listed posts), then matched here: the
    page's post ids against the whole ledger made PostgreSQL scan every delivery, 180 ms
    a page at 100,000 deliveries (bench/survey_ingest.py), and so did a join before the
    tables had statistics."""
    wanted = {p for p in post_remote_ids if p}
    if not wanted:
        return {}
    taking = {r.occurrence_id: r for r in conn.execute(
        select(survey.c.id, survey.c.state, survey.c.closes_at, survey.c.closed_at,
               survey.c.occurrence_id)
        .where(survey.c.state != "draft", survey.c.occurrence_id.is_not(None)))}
    called = [(remote_id, taking[occ].id, taking[occ].state, taking[occ].closes_at,
               taking[occ].closed_at) for remote_id, occ in conn.execute(
        select(delivery.c.remote_id, delivery.c.occurrence_id)
        .where(delivery.c.occurrence_id.in_(list(taking)), delivery.c.channel == channel,
               delivery.c.remote_id.is_not(None)))] if taking else []
    listed = conn.execute(
        select(survey_post.c.remote_id, survey.c.id, survey.c.state, survey.c.closes_at,
               survey.c.closed_at)
        .join(survey, survey.c.id == survey_post.c.survey_id)
        .where(survey_post.c.channel == channel, survey.c.state != "draft"))
    out: dict[str, Row] = {}
    for remote_id, survey_id, state, closes_at, closed_at in [*called, *listed]:
        if remote_id not in wanted:
            continue
        ends = min(closes_at, closed_at) if state == "closed" and closed_at else closes_at
        out[remote_id] = {"survey_id": survey_id, "ends_at": ends}
    return out


def past_close_with_call(conn: Connection, now: datetime) -> list[SurveyRecord]:
    """Published surveys whose close time has passed and that have a call on the ledger
    (whether the call still waits is the ledger's to say)."""
    return _fetch(conn, (survey.c.state == "published") & (survey.c.closes_at <= now)
                  & survey.c.occurrence_id.is_not(None))


def ended(conn: Connection, now: datetime) -> list[SurveyRecord]:
    """Surveys that took answers and no longer do, the most recently ended first."""
    found = [s for s in _fetch(conn, survey.c.state != "draft") if not s.is_open(now)
             and s.opens_at <= now]
    return sorted(found, key=lambda s: s.closed_at or s.closes_at, reverse=True)


def answer_counts(db: Database, survey_id: int) -> dict[str, Any]:
    """Answers linked to a survey: total, distinct people, per channel, per theme id."""
    with db.read() as conn:
        linked = inbox_items.c.survey_id == survey_id
        # people: distinct pseudonymous authors; an answer without one (a blog guest)
        # counts as one person, since nothing says two of them are the same
        total, authors, anonymous = conn.execute(select(
            func.count(), func.count(func.distinct(inbox_items.c.author_key)),
            func.count().filter(inbox_items.c.author_key.is_(None)))
            .where(linked)).one()
        people = authors + anonymous
        per_channel = dict(conn.execute(
            select(inbox_items.c.channel, func.count()).where(linked)
            .group_by(inbox_items.c.channel).order_by(inbox_items.c.channel)).all())
        per_question = dict(conn.execute(
            select(inbox_items.c.survey_question_id, func.count()).where(linked)
            .group_by(inbox_items.c.survey_question_id)).all())
    return {"total": total, "people": people, "channels": per_channel,
            "questions": per_question}


def answers(db: Database, survey_id: int, limit: int = 50) -> list[Row]:
    """The newest answers of a survey (raw text: the caller masks it before showing)."""
    with db.read() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(inbox_items.c.id, inbox_items.c.channel, inbox_items.c.text,
                   inbox_items.c.created_at, inbox_items.c.survey_question_id,
                   inbox_items.c.status)
            .where(inbox_items.c.survey_id == survey_id)
            .order_by(inbox_items.c.created_at.desc(), inbox_items.c.id.desc()).limit(limit))]


# -- writes ---------------------------------------------------------------------------

def add(conn: Connection, values: Row, questions: Sequence[Question],
        posts: dict[str, Sequence[str]] | None = None) -> int:
    """A new survey with its themes (and other posts whose comments are answers); its id."""
    values = dict(values)
    values["channels"] = json.dumps(list(values.get("channels") or []), ensure_ascii=False)
    values["card"] = json.dumps(dict(values.get("card") or {}), ensure_ascii=False, default=str)
    new_id = conn.execute(insert(survey).values(**values)).inserted_primary_key[0]
    _put_questions(conn, new_id, questions)
    _put_posts(conn, new_id, posts or {})
    return int(new_id)


def change(conn: Connection, survey_id: int, values: Row,
           questions: Sequence[Question] | None = None,
           posts: dict[str, Sequence[str]] | None = None) -> None:
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
    if posts is not None:
        _put_posts(conn, survey_id, posts)


def _put_posts(conn: Connection, survey_id: int, posts: dict[str, Sequence[str]]) -> None:
    conn.execute(delete(survey_post).where(survey_post.c.survey_id == survey_id))
    rows = [{"survey_id": survey_id, "channel": channel, "remote_id": str(remote_id)}
            for channel, ids in posts.items() for remote_id in dict.fromkeys(ids)]
    if rows:
        conn.execute(insert(survey_post), rows)


def post_owner(conn: Connection, channel: str, remote_id: str) -> int | None:
    """The survey that already lists this post (a post belongs to one survey)."""
    return conn.execute(select(survey_post.c.survey_id).where(
        survey_post.c.channel == channel, survey_post.c.remote_id == remote_id)).scalar()


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
    """Remember a user's theme choice (a later choice replaces it; choices nobody
    followed up are dropped once expired, so the table stays the size of a conversation)."""
    conn.execute(delete(survey_chat).where(
        (survey_chat.c.channel == channel) & (survey_chat.c.author_key == author_key)
        | (survey_chat.c.expires_at <= now)))
    conn.execute(insert(survey_chat).values(channel=channel, author_key=author_key,
                                            survey_id=survey_id, question_id=question_id,
                                            started_at=now, expires_at=expires_at))


def chat_clear(conn: Connection, channel: str, author_key: str) -> None:
    conn.execute(delete(survey_chat).where(survey_chat.c.channel == channel,
                                           survey_chat.c.author_key == author_key))

