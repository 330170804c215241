"""Tables of surveys: the call, its themes, the chatbot's half-finished answers.

The migration ``0010_surveys`` creates exactly these (and the two nullable links
``inbox_items.survey_id`` / ``inbox_items.survey_question_id``); change both together.
Times are aware UTC through ``UTCDateTime``, like the ledger.
"""

from __future__ import annotations

from sqlalchemy import (CheckConstraint, Column, ForeignKey, Integer, String, Table, Text,
                        UniqueConstraint)

from .ledger_tables import UTCDateTime
from .schema import metadata

STATES = ("draft", "published", "closed")

survey = Table(
    "survey", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(100), nullable=False),        # "2026-q4-live", the YAML file's name
    Column("title", String(255), nullable=False),
    Column("template", String(200), nullable=False),    # card template of the call
    Column("intro", Text, nullable=False, default=""),  # the call's text
    Column("channels", Text, nullable=False, default="[]"),   # JSON list; [] = every enabled
    Column("card", Text, nullable=False, default="{}"),       # JSON: extra card data (photo)
    Column("opens_at", UTCDateTime, nullable=False),
    Column("closes_at", UTCDateTime, nullable=False),
    Column("state", String(16), nullable=False, default="draft"),
    Column("occurrence_id", Integer, ForeignKey("occurrence.id", ondelete="SET NULL")),
    Column("source_file", String(1000)),
    Column("created_by", String(128)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    UniqueConstraint("slug", name="uq_survey_slug"),
    CheckConstraint("state IN ('draft','published','closed')", name="state"),
)

survey_question = Table(
    "survey_question", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("survey_id", Integer, ForeignKey("survey.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("key", String(64), nullable=False),          # stable theme key: "traffic"
    Column("label", String(64), nullable=False),        # quick-reply label (Kakao: 14 chars)
    Column("text", Text, nullable=False, default=""),   # the question as asked
    UniqueConstraint("survey_id", "key", name="uq_survey_question_survey_id"),
)

survey_post = Table(
    "survey_post", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("survey_id", Integer, ForeignKey("survey.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("remote_id", String(255), nullable=False),   # a post not made through the ledger
    UniqueConstraint("channel", "remote_id", name="uq_survey_post_channel"),
)

survey_chat = Table(
    "survey_chat", metadata,
    Column("channel", String(64), primary_key=True),
    Column("author_key", String(32), primary_key=True),   # keyed hash, as in inbox_items
    Column("survey_id", Integer, ForeignKey("survey.id", ondelete="CASCADE"), nullable=False),
    Column("question_id", Integer, ForeignKey("survey_question.id", ondelete="CASCADE"),
           nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
