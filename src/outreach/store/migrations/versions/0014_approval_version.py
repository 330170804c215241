"""The draft revision an approval refers to.

``occurrence.draft_revision`` counts the renders of a run's draft (0: none yet). An
approval names the revision the approver saw and only succeeds while it is still the
current one, so a draft rendered again meanwhile is never approved unseen.

Revision ID: 0014_approval_version
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_approval_version"
down_revision = "0013_topic_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("occurrence") as batch:
        batch.add_column(sa.Column("draft_revision", sa.Integer, nullable=False,
                                   server_default="0"))
    # drafts rendered before this migration count as their first revision
    op.execute("UPDATE occurrence SET draft_revision = 1 WHERE draft_dir IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("occurrence") as batch:
        batch.drop_column("draft_revision")
