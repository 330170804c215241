"""Inbox tables: items, their history, answers, harvest cursors, the search index.

An item is unique per (channel, remote_id) so a message seen by polling and by
a webhook is one row. The publication an item answers is kept as plain columns
(channel + ``post_remote_id``) and resolved through the ledger at read time, so
the inbox never depends on ledger tables. Full-text search lives in
``inbox_search`` (SQLite: an FTS5 virtual table; PostgreSQL: a table of
character pieces as ``text[]`` with a GIN index), created by the migration, not
declared here.
"""

from __future__ import annotations

from sqlalchemy import (Boolean, CheckConstraint, Column, DateTime, ForeignKey, Index, Integer,
                        SmallInteger, String, Table, Text, UniqueConstraint)

from . import survey_tables  # noqa: F401 - registers ``survey`` for the links below
from .ledger_tables import PortableText
from .schema import metadata

STATUSES = ("new", "open", "answered", "resolved", "hidden", "spam")
ANSWER_STATES = ("sending", "sent", "unknown", "failed", "manual")

inbox_items = Table(
    "inbox_items", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(64), nullable=False),
    Column("remote_id", String(255), nullable=False),
    Column("thread_id", String(255)),
    Column("parent_id", String(255)),
    Column("post_remote_id", String(255)),       # our publication's remote id on ``channel``
    Column("author_key", String(32)),            # keyed hash of the platform user id
    Column("author_name", String(255)),          # only where the platform shows it publicly
    Column("text", Text, nullable=False),
    Column("url", Text),
    Column("created_at", DateTime, nullable=False),     # UTC, naive
    Column("received_at", DateTime, nullable=False),
    Column("edited_at", DateTime),
    Column("deleted_at", DateTime),
    Column("platform_hidden", Boolean, nullable=False, default=False),
    Column("status", String(16), nullable=False, default="new"),
    # the item's department (the name is historical; 0012 added the person beside it)
    Column("assignee", String(128)),
    # the staff account answering it, a member of the department (0012); None: unassigned
    Column("assignee_user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("categories", String(255), nullable=False, default=""),   # "도로,가로등"
    Column("flags", String(255), nullable=False, default=""),        # "abusive,personal_data"
    Column("priority", SmallInteger, nullable=False, default=3),     # 1 urgent .. 4 low
    Column("first_due_at", DateTime),
    Column("resolve_due_at", DateTime),
    Column("first_answered_at", DateTime),
    Column("resolved_at", DateTime),
    Column("ref", Text, nullable=False, default="{}"),   # the channel's opaque JSON handle
    Column("source", String(16), nullable=False, default="poll"),
    # complaint, question, opinion, greeting, survey, spam (outreach.inbox.kinds); 0005
    Column("kind", String(16), nullable=False, default="complaint"),
    # the survey an answer belongs to, and its theme (0010_surveys)
    Column("survey_id", Integer, ForeignKey("survey.id", ondelete="SET NULL")),
    Column("survey_question_id", Integer, ForeignKey("survey_question.id", ondelete="SET NULL")),
    UniqueConstraint("channel", "remote_id", name="uq_inbox_items_channel_remote"),
    CheckConstraint("status IN ('new','open','answered','resolved','hidden','spam')",
                    name="status"),
)
Index("ix_inbox_items_thread", inbox_items.c.channel, inbox_items.c.thread_id,
      inbox_items.c.created_at)
Index("ix_inbox_items_post", inbox_items.c.channel, inbox_items.c.post_remote_id,
      inbox_items.c.created_at)
Index("ix_inbox_items_status", inbox_items.c.status, inbox_items.c.id)
Index("ix_inbox_items_author", inbox_items.c.channel, inbox_items.c.author_key)
Index("ix_inbox_items_created", inbox_items.c.created_at)
Index("ix_inbox_items_kind", inbox_items.c.kind, inbox_items.c.id)
Index("ix_inbox_items_survey", inbox_items.c.survey_id, inbox_items.c.id)
Index("ix_inbox_items_person", inbox_items.c.assignee_user_id, inbox_items.c.id)

inbox_events = Table(
    "inbox_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("inbox_items.id", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("kind", String(32), nullable=False),     # created, edited, deleted, status, note ...
    # system-made lines are stored language-independently (i18n.Text): read in the
    # reader's language; a person's words and old rows read as written
    Column("detail", PortableText, nullable=False, default=""),
)
Index("ix_inbox_events_item", inbox_events.c.item_id, inbox_events.c.id)

inbox_answers = Table(
    "inbox_answers", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("inbox_items.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(80), nullable=False, unique=True),
    Column("text", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("remote_id", String(255)),
    Column("url", Text),
    Column("actor", String(128), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    Column("error", Text),
    CheckConstraint("status IN ('sending','sent','unknown','failed','manual')", name="status"),
)
Index("ix_inbox_answers_item", inbox_answers.c.item_id)
Index("ix_inbox_answers_remote", inbox_answers.c.remote_id)

inbox_cursors = Table(
    "inbox_cursors", metadata,
    Column("channel", String(64), primary_key=True),
    Column("cursor", Text),
    Column("updated_at", DateTime),
    Column("last_run_at", DateTime),
    Column("last_error", Text),
)
