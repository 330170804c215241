"""One-off posts, notifications and stored channel checks.

* ``occurrence.created_by``: who made a one-off post (schedule ``post``) or
  published by hand; scheduled runs leave it empty.
* ``notification``: one row per event (draft ready, data missing, delivery
  failed or unknown, run missed, token expiring). The unique ``key`` is what
  makes each event go out once, however many passes see it.
* ``channel_check``: the latest result of each channel's check, written by the
  daemon's job or ``outreach channels check``, read by the channels page (a
  browser request never calls a platform).

Mirrors ``store/ledger_tables.py`` and ``store/desk_tables.py`` as of this revision.

Revision ID: 0004_oneoff_notify
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_oneoff_notify"
down_revision = "0003_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("occurrence") as batch:
        batch.add_column(sa.Column("created_by", sa.String(100)))
    op.create_index("ix_occurrence_schedule_scheduled_for", "occurrence",
                    ["schedule", "scheduled_for"])
    op.create_index("ix_delivery_state_updated_at", "delivery", ["state", "updated_at"])
    op.create_index("ix_delivery_channel_sent_at", "delivery", ["channel", "sent_at"])
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("link", sa.String(1000)),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("recipients", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime),
        sa.Column("error", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime),
        sa.UniqueConstraint("key", name="uq_notification_key"),
    )
    op.create_index("ix_notification_state", "notification", ["state"])
    op.create_table(
        "channel_check",
        sa.Column("channel", sa.String(100), primary_key=True),
        sa.Column("checked_at", sa.DateTime, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("results_json", sa.Text, nullable=False),
        sa.Column("expires_at", sa.DateTime),
    )


def downgrade() -> None:
    op.drop_table("channel_check")
    op.drop_index("ix_notification_state", "notification")
    op.drop_table("notification")
    op.drop_index("ix_delivery_channel_sent_at", "delivery")
    op.drop_index("ix_delivery_state_updated_at", "delivery")
    op.drop_index("ix_occurrence_schedule_scheduled_for", "occurrence")
    with op.batch_alter_table("occurrence") as batch:
        batch.drop_column("created_by")
