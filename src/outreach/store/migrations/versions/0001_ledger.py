"""Publication ledger: occurrences, deliveries, attempts, schedule marks.

Hand-written and frozen: later changes go into new revisions so an upgrade
keeps existing data. Mirrors ``store/ledger_tables.py`` as of this revision.

Revision ID: 0001_ledger
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "occurrence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("schedule", sa.String(100), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("template", sa.String(200), nullable=False),
        sa.Column("data_file", sa.String(1000)),
        sa.Column("data_json", sa.Text),
        sa.Column("context_json", sa.Text, nullable=False),
        sa.Column("scheduled_for", sa.DateTime, nullable=False),
        sa.Column("prepare_at", sa.DateTime),
        sa.Column("grace_seconds", sa.Integer, nullable=False),
        sa.Column("approval_required", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("lease_until", sa.DateTime),
        sa.Column("draft_dir", sa.String(1000)),
        sa.Column("prepared_at", sa.DateTime),
        sa.Column("error", sa.Text),
        sa.Column("decided_by", sa.String(100)),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("decision_reason", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("schedule", "key", name="uq_occurrence_schedule_key"),
    )
    op.create_index("ix_occurrence_scheduled_for", "occurrence", ["scheduled_for"])
    op.create_index("ix_occurrence_state", "occurrence", ["state"])
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("occurrence_id", sa.Integer,
                  sa.ForeignKey("occurrence.id", ondelete="CASCADE",
                                name="fk_delivery_occurrence_id_occurrence"), nullable=False),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime),
        sa.Column("lease_until", sa.DateTime),
        sa.Column("remote_id", sa.String(200)),
        sa.Column("url", sa.String(1000)),
        sa.Column("location", sa.String(1000)),
        sa.Column("error", sa.Text),
        sa.Column("handed_off_by", sa.String(100)),
        sa.Column("handed_off_at", sa.DateTime),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("occurrence_id", "channel", name="uq_delivery_occurrence_channel"),
        sa.UniqueConstraint("key", name="uq_delivery_key"),
    )
    op.create_index("ix_delivery_state", "delivery", ["state"])
    op.create_table(
        "attempt",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("delivery_id", sa.Integer,
                  sa.ForeignKey("delivery.id", ondelete="CASCADE",
                                name="fk_attempt_delivery_id_delivery"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("worker", sa.String(200), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("outcome", sa.String(20)),
        sa.Column("error_class", sa.String(100)),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_attempt_delivery_id", "attempt", ["delivery_id"])
    op.create_table(
        "schedule_mark",
        sa.Column("schedule", sa.String(100), primary_key=True),
        sa.Column("checked_until", sa.DateTime),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("schedule_mark")
    op.drop_table("attempt")
    op.drop_table("delivery")
    op.drop_table("occurrence")
