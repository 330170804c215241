"""Inbox transfers between departments, time per department, once-only overdue notices,
and the index behind the queue's "next deadline" order.

The queue sorts open items by their next deadline: the first-answer deadline
until a first answer is given, then the resolution deadline (``NEXT_DUE_SQL``
in ``outreach.store.inbox_queries``). A partial expression index over open
items serves that order on SQLite and PostgreSQL alike, so the queue and the
"most overdue first" view read only the page they show.

Revision ID: 0007_inbox_transfers
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_inbox_transfers"
down_revision = "0006_attempt_media"
branch_labels = None
depends_on = None

NEXT_DUE = "(CASE WHEN first_answered_at IS NULL THEN first_due_at ELSE resolve_due_at END)"
OPEN = "status IN ('new', 'open', 'answered') AND deleted_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "inbox_transfers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("inbox_items.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("from_department", sa.String(128)),
        sa.Column("to_department", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("requested_by", sa.String(128), nullable=False),
        sa.Column("requested_at", sa.DateTime, nullable=False),
        sa.Column("decided_by", sa.String(128)),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("decision_note", sa.Text),
        sa.CheckConstraint("status IN ('pending','accepted','returned','cancelled')",
                           name="ck_inbox_transfers_status"),
    )
    op.create_index("ix_inbox_transfers_item", "inbox_transfers", ["item_id", "id"])
    op.create_index("ix_inbox_transfers_to", "inbox_transfers", ["to_department", "status"])
    # at most one pending transfer per item, whoever asks at the same moment
    op.execute("CREATE UNIQUE INDEX uq_inbox_transfers_pending ON inbox_transfers (item_id) "
               "WHERE status = 'pending'")

    op.create_table(
        "inbox_department_time",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("inbox_items.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("department", sa.String(128), nullable=False),
        sa.Column("entered_at", sa.DateTime, nullable=False),
        sa.Column("left_at", sa.DateTime),
    )
    op.create_index("ix_inbox_department_time_item", "inbox_department_time", ["item_id", "id"])

    op.create_table(
        "inbox_overdue_notices",
        sa.Column("item_id", sa.Integer, sa.ForeignKey("inbox_items.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("deadline", sa.String(16), nullable=False),
        sa.Column("due_at", sa.DateTime, nullable=False),
        sa.Column("notified_at", sa.DateTime, nullable=False),
        sa.Column("recipients", sa.Text, nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("item_id", "deadline", name="pk_inbox_overdue_notices"),
        sa.CheckConstraint("deadline IN ('first','resolve')",
                           name="ck_inbox_overdue_notices_deadline"),
    )

    # PostgreSQL: the columns of the deadline expression ride along (INCLUDE), so the
    # per-department counts are index-only scans; SQLite has no INCLUDE and reads the
    # expression from the index itself
    extra = (" INCLUDE (first_answered_at, first_due_at, resolve_due_at)"
             if op.get_bind().dialect.name == "postgresql" else "")
    op.execute(f"CREATE INDEX ix_inbox_items_next_due ON inbox_items ({NEXT_DUE}, id){extra} "
               f"WHERE {OPEN}")
    op.execute(f"CREATE INDEX ix_inbox_items_dept_due ON inbox_items (assignee, {NEXT_DUE}, id)"
               f"{extra} WHERE {OPEN}")
    op.create_index("ix_inbox_items_assignee", "inbox_items", ["assignee", "id"])


def downgrade() -> None:
    op.drop_index("ix_inbox_items_assignee", "inbox_items")
    op.execute("DROP INDEX ix_inbox_items_dept_due")
    op.execute("DROP INDEX ix_inbox_items_next_due")
    op.drop_table("inbox_overdue_notices")
    op.drop_table("inbox_department_time")
    op.execute("DROP INDEX uq_inbox_transfers_pending")
    op.drop_table("inbox_transfers")
