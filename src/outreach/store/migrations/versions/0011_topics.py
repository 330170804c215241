"""Topic ranking: runs, groups (with the staff's edits), members.

Revision ID: 0011_topics
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_topics"
down_revision = "0010_surveys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "topic_run",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scope", sa.String(80), nullable=False),
        sa.Column("survey_id", sa.Integer),
        sa.Column("period_start", sa.DateTime, nullable=False),
        sa.Column("period_end", sa.DateTime, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("messages", sa.Integer, nullable=False),
        sa.Column("params", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("ix_topic_run_scope", "topic_run", ["scope", "id"])
    op.create_table(
        "topic_group",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("topic_run.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("key", sa.String(16), nullable=False),
        sa.Column("label", sa.String(200)),
        sa.Column("keywords", sa.Text, nullable=False, server_default=""),
        sa.Column("citizens", sa.Integer, nullable=False),
        sa.Column("messages", sa.Integer, nullable=False),
        sa.Column("representatives", sa.Text, nullable=False, server_default="[]"),
        sa.Column("departments", sa.Text, nullable=False, server_default="{}"),
        sa.Column("chosen", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("covered", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("answer", sa.Text),
        sa.Column("origin", sa.String(16), nullable=False, server_default="auto"),
        sa.UniqueConstraint("run_id", "key", name="uq_topic_group_run_key"),
    )
    op.create_table(
        "topic_member",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("topic_run.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("group_id", sa.Integer, sa.ForeignKey("topic_group.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("item_id", sa.Integer, nullable=False),
        sa.Column("author", sa.String(64), nullable=False, server_default=""),
        sa.Column("moved", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("run_id", "item_id", name="uq_topic_member_run_item"),
    )
    op.create_index("ix_topic_member_group", "topic_member", ["group_id"])


def downgrade() -> None:
    op.drop_index("ix_topic_member_group", table_name="topic_member")
    op.drop_table("topic_member")
    op.drop_table("topic_group")
    op.drop_index("ix_topic_run_scope", table_name="topic_run")
    op.drop_table("topic_run")
