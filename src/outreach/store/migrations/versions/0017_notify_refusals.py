"""The addresses an SMTP server refused while accepting a notice's mail for the others
of its recipient group, so a temporary refusal (4xx) is tried again for that address
alone and a permanent one (5xx) is shown to the administrator.

Mirrors ``notify_refusal`` in ``store/desk_tables.py``. Notices mailed before the upgrade
have no rows: their refused addresses were not recorded and stay unknown.

Revision ID: 0017_notify_refusals
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_notify_refusals"
down_revision = "0016_notify_groups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_refusals",
        sa.Column("notice", sa.String(300), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("code", sa.Integer),
        sa.Column("reply", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime),
        sa.Column("refused_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime),
        sa.PrimaryKeyConstraint("notice", "address", name="pk_notify_refusals"),
        sa.CheckConstraint(
            "state IN ('deferred','sending','sent','refused','failed','unknown')",
            name="ck_notify_refusals_state"),
    )


def downgrade() -> None:
    op.drop_table("notify_refusals")
