"""Tables beside the inbox items: transfers between departments, the time each item spent
in each department, and the overdue notices already sent (so each goes out once).

Kept apart from ``inbox_tables`` so the inbox's core schema and this desk-side
bookkeeping evolve separately; migration ``0007_inbox_transfers`` creates them.
"""

from __future__ import annotations

from sqlalchemy import (CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, String,
                        Table, Text)

from .schema import metadata

TRANSFER_STATES = ("pending", "accepted", "returned", "cancelled")

inbox_transfers = Table(
    "inbox_transfers", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("inbox_items.id", ondelete="CASCADE"), nullable=False),
    Column("from_department", String(128)),
    Column("to_department", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False, default="pending"),
    Column("requested_by", String(128), nullable=False),
    Column("requested_at", DateTime, nullable=False),          # UTC, naive
    Column("decided_by", String(128)),
    Column("decided_at", DateTime),
    Column("decision_note", Text),
    CheckConstraint("status IN ('pending','accepted','returned','cancelled')", name="status"),
)
Index("ix_inbox_transfers_item", inbox_transfers.c.item_id, inbox_transfers.c.id)
Index("ix_inbox_transfers_to", inbox_transfers.c.to_department, inbox_transfers.c.status)

# One row per stay of an item in a department; ``left_at`` is empty while it is there.
inbox_department_time = Table(
    "inbox_department_time", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("inbox_items.id", ondelete="CASCADE"), nullable=False),
    Column("department", String(128), nullable=False),
    Column("entered_at", DateTime, nullable=False),
    Column("left_at", DateTime),
)
Index("ix_inbox_department_time_item", inbox_department_time.c.item_id,
      inbox_department_time.c.id)

# An overdue notice per (item, deadline): the primary key makes "once" a database fact.
inbox_overdue_notices = Table(
    "inbox_overdue_notices", metadata,
    Column("item_id", Integer, ForeignKey("inbox_items.id", ondelete="CASCADE"),
           primary_key=True),
    Column("deadline", String(16), primary_key=True),           # first | resolve
    Column("due_at", DateTime, nullable=False),
    Column("notified_at", DateTime, nullable=False),
    Column("recipients", Text, nullable=False, default=""),
    CheckConstraint("deadline IN ('first','resolve')", name="deadline"),
)
