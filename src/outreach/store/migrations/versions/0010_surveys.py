"""Surveys: a call for questions with its themes, open and close times; answers link to it.

``survey`` holds the call (card template, text, channels, dates, state and the
ledger occurrence that published it); ``survey_question`` its themes in order; ``survey_post``
other publications whose comments are answers (a YouTube video announcing the live);
``survey_chat`` the chatbot's half-finished answers (a theme chosen, the text
still to come), keyed by channel and the pseudonymous author. ``inbox_items``
gains ``survey_id`` and ``survey_question_id`` (both nullable, SET NULL on delete).

Revision ID: 0010_surveys
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_surveys"
down_revision = "0009_metrics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("template", sa.String(200), nullable=False),
        sa.Column("intro", sa.Text, nullable=False, server_default=""),
        sa.Column("channels", sa.Text, nullable=False, server_default="[]"),
        sa.Column("card", sa.Text, nullable=False, server_default="{}"),
        sa.Column("opens_at", sa.DateTime, nullable=False),
        sa.Column("closes_at", sa.DateTime, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, server_default="draft"),
        sa.Column("occurrence_id", sa.Integer,
                  sa.ForeignKey("occurrence.id", ondelete="SET NULL")),
        sa.Column("source_file", sa.String(1000)),
        sa.Column("created_by", sa.String(128)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("published_at", sa.DateTime),
        sa.Column("closed_at", sa.DateTime),
        sa.UniqueConstraint("slug", name="uq_survey_slug"),
        sa.CheckConstraint("state IN ('draft','published','closed')", name="ck_survey_state"),
    )
    op.create_table(
        "survey_question",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("survey_id", sa.Integer, sa.ForeignKey("survey.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("survey_id", "key", name="uq_survey_question_survey_id"),
    )
    op.create_table(
        "survey_post",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("survey_id", sa.Integer, sa.ForeignKey("survey.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("remote_id", sa.String(255), nullable=False),
        sa.UniqueConstraint("channel", "remote_id", name="uq_survey_post_channel"),
    )
    op.create_table(
        "survey_chat",
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("author_key", sa.String(32), primary_key=True),
        sa.Column("survey_id", sa.Integer, sa.ForeignKey("survey.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("question_id", sa.Integer,
                  sa.ForeignKey("survey_question.id", ondelete="CASCADE"), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    _add_link("survey_id", "survey")
    _add_link("survey_question_id", "survey_question")
    op.create_index("ix_inbox_items_survey", "inbox_items", ["survey_id", "id"])


def _add_link(name: str, target: str) -> None:
    """A nullable column referencing ``target``. On SQLite a plain ALTER TABLE ADD COLUMN
    (a batch rebuild would drop inbox_items, and with foreign keys on, SQLite's implicit
    DELETE would cascade to the items' events and answers)."""
    bind = op.get_bind()
    if name in {c["name"] for c in sa.inspect(bind).get_columns("inbox_items")}:
        return      # left behind by a SQLite downgrade
    if bind.dialect.name == "sqlite":
        op.execute(f"ALTER TABLE inbox_items ADD COLUMN {name} INTEGER "
                   f"REFERENCES {target}(id) ON DELETE SET NULL")
        return
    op.add_column("inbox_items", sa.Column(name, sa.Integer, nullable=True))
    op.create_foreign_key(f"fk_inbox_items_{name}_{target}", "inbox_items", target,
                          [name], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    op.drop_index("ix_inbox_items_survey", table_name="inbox_items")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot drop a column holding a foreign key without rebuilding the table
        # (see _add_link): the two nullable columns stay, unused
        pass
    else:
        op.drop_constraint("fk_inbox_items_survey_question_id_survey_question", "inbox_items",
                           type_="foreignkey")
        op.drop_constraint("fk_inbox_items_survey_id_survey", "inbox_items", type_="foreignkey")
        op.drop_column("inbox_items", "survey_question_id")
        op.drop_column("inbox_items", "survey_id")
    op.drop_table("survey_chat")
    op.drop_table("survey_post")
    op.drop_table("survey_question")
    op.drop_table("survey")
