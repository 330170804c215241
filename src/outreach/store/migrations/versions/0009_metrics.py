"""Post analytics: metric snapshots per delivery and age, follower counts per day.

Revision ID: 0009_metrics
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_metrics"
down_revision = "0007_inbox_transfers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_snapshot",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.Integer, sa.ForeignKey("delivery.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("age", sa.String(16), nullable=False),
        sa.Column("taken_at", sa.DateTime, nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("value", sa.BigInteger),
        sa.Column("source", sa.String(100)),
        sa.Column("reason", sa.Text),
        sa.Column("provisional", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("delivery_id", "age", "metric",
                            name="uq_metric_snapshot_delivery_age_metric"),
    )
    op.create_index("ix_metric_snapshot_taken_at", "metric_snapshot", ["taken_at"])
    op.create_table(
        "follower_count",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("value", sa.BigInteger),
        sa.Column("reason", sa.Text),
        sa.Column("taken_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("channel", "day", name="uq_follower_count_channel_day"),
    )


def downgrade() -> None:
    op.drop_table("follower_count")
    op.drop_index("ix_metric_snapshot_taken_at", table_name="metric_snapshot")
    op.drop_table("metric_snapshot")
