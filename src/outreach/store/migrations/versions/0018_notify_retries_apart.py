"""A failed recipient group's own retry time, and the refused address no longer wanted.

``notify_groups.next_attempt_at``: when a failed group of a notification is tried again.
Until now a notification's next pass tried its failed groups whenever it came, also when it
came only to mail an address the server had refused for now, and each such pass counted as
one of the notification's tries (which decide when a failed group is given up). A group now
waits for its own time; the refused addresses keep their tries and times in their own rows.
Rows from before the upgrade have none: a failed group is tried on the next pass, as before.

``notify_refusals.state`` may be ``dropped``: an address refused for now (4xx) that, by its
retry time, is no longer a recipient of the notice (account disabled or deleted, role or
permission gone, fixed address removed from ``[notifications.to]``); it is never mailed.

Mirrors ``notify_group`` and ``notify_refusal`` in ``store/desk_tables.py``.

Revision ID: 0018_notify_retries_apart
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_notify_retries_apart"
down_revision = "0017_notify_refusals"
branch_labels = None
depends_on = None

_OLD = "state IN ('deferred','sending','sent','refused','failed','unknown')"
_NEW = "state IN ('deferred','sending','sent','refused','failed','unknown','dropped')"


def _refusal_states(check: str) -> None:
    # SQLite cannot alter a constraint: batch mode rebuilds the table (the named CHECK is
    # reflected, dropped and created anew); PostgreSQL alters it in place
    with op.batch_alter_table("notify_refusals") as batch:
        batch.drop_constraint("ck_notify_refusals_state", type_="check")
        batch.create_check_constraint("ck_notify_refusals_state", sa.text(check))


def upgrade() -> None:
    with op.batch_alter_table("notify_groups") as batch:
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime))
    _refusal_states(_NEW)


def downgrade() -> None:
    # a dropped address was never mailed and will not be: the old schema's nearest is failed
    op.execute("UPDATE notify_refusals SET state = 'failed' WHERE state = 'dropped'")
    _refusal_states(_OLD)
    with op.batch_alter_table("notify_groups") as batch:
        batch.drop_column("next_attempt_at")
