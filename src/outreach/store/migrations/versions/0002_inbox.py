"""Shared inbox: items, events, answers, harvest cursors and the search index.

The search index holds each item's text as overlapping two-character pieces, so
Korean words are found inside longer words, two-syllable words included ("주차"
in "불법주차"), which a trigram index cannot do. SQLite keeps them in a
contentless FTS5 table (phrase queries); PostgreSQL in a ``text[]`` column with
a GIN index (exact containment) plus the normalised words for the final
substring check (see ``outreach.store.inbox``).

Revision ID: 0002_inbox
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_inbox"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("remote_id", sa.String(255), nullable=False),
        sa.Column("thread_id", sa.String(255)),
        sa.Column("parent_id", sa.String(255)),
        sa.Column("post_remote_id", sa.String(255)),
        sa.Column("author_key", sa.String(32)),
        sa.Column("author_name", sa.String(255)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("edited_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime),
        sa.Column("platform_hidden", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("status", sa.String(16), nullable=False, server_default="new"),
        sa.Column("assignee", sa.String(128)),
        sa.Column("categories", sa.String(255), nullable=False, server_default=""),
        sa.Column("flags", sa.String(255), nullable=False, server_default=""),
        sa.Column("priority", sa.SmallInteger, nullable=False, server_default="3"),
        sa.Column("first_due_at", sa.DateTime),
        sa.Column("resolve_due_at", sa.DateTime),
        sa.Column("first_answered_at", sa.DateTime),
        sa.Column("resolved_at", sa.DateTime),
        sa.Column("ref", sa.Text, nullable=False, server_default="{}"),
        sa.Column("source", sa.String(16), nullable=False, server_default="poll"),
        sa.UniqueConstraint("channel", "remote_id", name="uq_inbox_items_channel_remote"),
        sa.CheckConstraint("status IN ('new','open','answered','resolved','hidden','spam')",
                           name="ck_inbox_items_status"),
    )
    op.create_index("ix_inbox_items_thread", "inbox_items", ["channel", "thread_id", "created_at"])
    op.create_index("ix_inbox_items_post", "inbox_items",
                    ["channel", "post_remote_id", "created_at"])
    op.create_index("ix_inbox_items_status", "inbox_items", ["status", "id"])
    op.create_index("ix_inbox_items_author", "inbox_items", ["channel", "author_key"])
    op.create_index("ix_inbox_items_created", "inbox_items", ["created_at"])
    if op.get_bind().dialect.name == "postgresql":
        # the category and flag filters (``string_to_array(col, ',') @> ARRAY[name]``); the
        # indexes' statistics also tell the planner how common a name is, so a common one is
        # read newest first through the primary key (SQLite: LIKE while walking the newest)
        op.execute("CREATE INDEX ix_inbox_items_categories ON inbox_items "
                   "USING gin (string_to_array(categories, ','))")
        op.execute("CREATE INDEX ix_inbox_items_flags ON inbox_items "
                   "USING gin (string_to_array(flags, ','))")

    op.create_table(
        "inbox_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("inbox_items.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_inbox_events_item", "inbox_events", ["item_id", "id"])

    op.create_table(
        "inbox_answers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("inbox_items.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("remote_id", sa.String(255)),
        sa.Column("url", sa.Text),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("error", sa.Text),
        sa.UniqueConstraint("key", name="uq_inbox_answers_key"),
        sa.CheckConstraint("status IN ('sending','sent','unknown','failed','manual')",
                           name="ck_inbox_answers_status"),
    )
    op.create_index("ix_inbox_answers_item", "inbox_answers", ["item_id"])
    op.create_index("ix_inbox_answers_remote", "inbox_answers", ["remote_id"])

    op.create_table(
        "inbox_cursors",
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("cursor", sa.Text),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("last_run_at", sa.DateTime),
        sa.Column("last_error", sa.Text),
    )

    if op.get_bind().dialect.name == "sqlite":
        # contentless (the text lives in inbox_items) and without column sizes (no ranking):
        # half the writes of a plain FTS5 table
        op.execute("CREATE VIRTUAL TABLE inbox_search USING fts5("
                   "tokens, content = '', columnsize = 0, "
                   "tokenize = 'unicode61 remove_diacritics 0')")
    else:
        op.create_table(
            "inbox_search",
            sa.Column("item_id", sa.Integer, sa.ForeignKey("inbox_items.id", ondelete="CASCADE"),
                      primary_key=True),
            sa.Column("grams", postgresql.ARRAY(sa.Text), nullable=False),
            sa.Column("body", sa.Text, nullable=False),
        )
        op.execute("CREATE INDEX ix_inbox_search_grams ON inbox_search USING gin (grams)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS inbox_search")
    else:
        op.drop_table("inbox_search")
    op.drop_table("inbox_cursors")
    op.drop_table("inbox_answers")
    op.drop_table("inbox_events")
    op.drop_table("inbox_items")
