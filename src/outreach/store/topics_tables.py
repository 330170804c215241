"""Topic ranking tables: a ranking run, its groups, and which message sits in which group.

The migration ``0011_topics`` creates exactly these; change both together. A run is
kept whole (its groups and members) so the page, the XLSX and the brief read the
same numbers, and so the next run of the same scope can carry the staff's edits
over (``outreach.topics.carry``). ``topic_member.moved`` marks a message a person
moved (split) so it follows that decision in later runs.
"""

from __future__ import annotations

from sqlalchemy import (Boolean, Column, ForeignKey, Index, Integer, String, Table, Text,
                        UniqueConstraint)

from .ledger_tables import UTCDateTime
from .schema import metadata

topic_run = Table(
    "topic_run", metadata,
    Column("id", Integer, primary_key=True),
    Column("scope", String(80), nullable=False),        # "quarter:2026Q4", "survey:<slug>"
    Column("survey_id", Integer),                        # set for a survey's run
    Column("period_start", UTCDateTime, nullable=False),
    Column("period_end", UTCDateTime, nullable=False),   # exclusive
    Column("created_at", UTCDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("messages", Integer, nullable=False),
    Column("params", Text, nullable=False, default="{}"),  # JSON: threshold, carried edits
)
Index("ix_topic_run_scope", topic_run.c.scope, topic_run.c.id)

topic_group = Table(
    "topic_group", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("topic_run.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(16), nullable=False),           # g1, g2 ... (g1 = top when ranked)
    Column("label", String(200)),                        # a name staff gave; NULL: key words
    Column("keywords", Text, nullable=False, default=""),  # "주차 · 불법 · 단속"
    Column("citizens", Integer, nullable=False),
    Column("messages", Integer, nullable=False),
    Column("representatives", Text, nullable=False, default="[]"),  # JSON item ids
    Column("departments", Text, nullable=False, default="{}"),     # JSON {dept: messages}
    Column("chosen", Boolean, nullable=False, default=False),     # for the broadcast
    Column("covered", Boolean, nullable=False, default=False),    # answered on air
    Column("answer", Text),                                        # written answer (follow-up)
    Column("origin", String(16), nullable=False, default="auto"),  # auto, split, carried
    UniqueConstraint("run_id", "key", name="uq_topic_group_run_key"),
)

topic_member = Table(
    "topic_member", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("topic_run.id", ondelete="CASCADE"), nullable=False),
    Column("group_id", Integer, ForeignKey("topic_group.id", ondelete="CASCADE"),
           nullable=False),
    Column("item_id", Integer, nullable=False),          # inbox_items.id
    Column("author", String(64), nullable=False, default=""),
    Column("moved", Boolean, nullable=False, default=False),   # a person put it here
    UniqueConstraint("run_id", "item_id", name="uq_topic_member_run_item"),
)
Index("ix_topic_member_group", topic_member.c.group_id)
