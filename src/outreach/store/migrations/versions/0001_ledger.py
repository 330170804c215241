"""Publication ledger: occurrences, deliveries, attempts (filled in by the ledger work).

Revision ID: 0001_ledger
"""

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
