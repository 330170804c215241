"""Topic ranking requests from the web, and the background workers' heartbeat.

Tables as declared in ``store/topic_request_tables.py``: ``topic_request`` (one
row per ranking a person asked for; at most one open per scope through a partial
unique index) and ``worker_beat`` (when a daemon or ``run-due`` pass last looked).

Revision ID: 0013_topic_requests
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_topic_requests"
down_revision = "0012_inbox_assignee"
branch_labels = None
depends_on = None

OPEN = sa.text("state IN ('pending', 'running')")


def upgrade() -> None:
    op.create_table(
        "topic_request",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("quarter", sa.String(8)),
        sa.Column("survey", sa.String(100)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(128), nullable=False),
        sa.Column("requested_by_user_id", sa.Integer),
        sa.Column("requested_at", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("worker", sa.String(64)),
        sa.Column("run_id", sa.Integer),
        sa.Column("message", sa.Text),
    )
    op.create_index("ix_topic_request_state", "topic_request", ["state", "id"])
    op.create_index("uq_topic_request_open", "topic_request", ["scope"], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_table(
        "worker_beat",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("beat_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("worker_beat")
    op.drop_index("uq_topic_request_open", "topic_request")
    op.drop_index("ix_topic_request_state", "topic_request")
    op.drop_table("topic_request")
