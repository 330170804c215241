"""Inbox kinds: every item is a complaint, question, opinion, greeting, survey answer or spam.

Existing items get a kind from what is already known about them: spam status
-> ``spam``; items the chatbot answered itself (a menu tap or a greeting,
event ``auto_answer``) -> ``greeting``; everything else stays ``complaint``,
which is what the inbox counted them as before. Staff can correct any of them
(``outreach inbox kind ID KIND``).

The search index now holds the masked text (a search for digits must never
find a hidden number): items whose text has personal data are indexed again.

Revision ID: 0005_inbox_kinds
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_inbox_kinds"
down_revision = "0004_oneoff_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_items") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False,
                                   server_default="complaint"))
    op.execute("UPDATE inbox_items SET kind = 'spam' WHERE status = 'spam'")
    op.execute("UPDATE inbox_items SET kind = 'greeting' WHERE id IN "
               "(SELECT item_id FROM inbox_events WHERE kind = 'auto_answer')")
    # items that are not complaints or questions have no deadlines
    op.execute("UPDATE inbox_items SET first_due_at = NULL, resolve_due_at = NULL "
               "WHERE kind NOT IN ('complaint', 'question')")
    op.create_index("ix_inbox_items_kind", "inbox_items", ["kind", "id"])
    _index_masked_texts()


def _index_masked_texts() -> None:
    """Replace the index entries of texts holding personal data by their masked form.
    A one-off data step, so it borrows the masking function (pure text, no I/O)."""
    from outreach.inbox.masking import mask
    from outreach.store.inbox import index_text, unindex_text

    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(sa.text("SELECT id, text FROM inbox_items WHERE id > :last "
                                    "ORDER BY id LIMIT 2000"), {"last": last}).all()
        if not rows:
            return
        last = rows[-1][0]
        changed = [(item_id, text, mask(text)) for item_id, text in rows]
        changed = [c for c in changed if c[2] != c[1]]
        unindex_text(conn, [(item_id, old) for item_id, old, _new in changed])
        index_text(conn, [(item_id, new) for item_id, _old, new in changed])


def downgrade() -> None:
    op.drop_index("ix_inbox_items_kind", table_name="inbox_items")
    with op.batch_alter_table("inbox_items") as batch:
        batch.drop_column("kind")
