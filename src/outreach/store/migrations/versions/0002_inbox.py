"""Shared inbox: items, answers, notes, harvest cursors (filled in by the inbox work).

Revision ID: 0002_inbox
"""

revision = "0002_inbox"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
