"""The mail of each recipient group (language) of a notification or overdue notice, so a
notice mailed in two languages whose second mail failed is retried for that group only.

Mirrors ``notify_group`` in ``store/desk_tables.py``. Notices sent before the upgrade have
no group rows: a notification already ``sent`` is never looked at again; one still
pending (its earlier groups possibly mailed) is mailed to every group once more, as
before the upgrade.

Revision ID: 0016_notify_groups
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_notify_groups"
down_revision = "0015_inbox_overdue_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_groups",
        sa.Column("notice", sa.String(300), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("recipients", sa.Text, nullable=False),
        sa.Column("lease_until", sa.DateTime),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("error", sa.Text),
        sa.PrimaryKeyConstraint("notice", "language", name="pk_notify_groups"),
        sa.CheckConstraint("state IN ('sending','sent','failed','unknown')",
                           name="ck_notify_groups_state"),
    )


def downgrade() -> None:
    op.drop_table("notify_groups")
