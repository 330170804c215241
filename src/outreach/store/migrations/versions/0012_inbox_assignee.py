"""Inbox items get a person: ``assignee_user_id`` (a staff account) beside the department,
and the indexes that keep the queue's filters fast at a million items.

Until now ``inbox_items.assignee`` was a free string that in practice named the
item's department (triage rules route by department; transfers move it). It
keeps that meaning (the column name stays, so nothing that reads it breaks) and
the person comes in a new column. Existing strings are migrated like this:

- a string that names a department, or names no account: stays the department,
  no person;
- a string that is an account's sign-in name (and no department's name): that
  account becomes the person; the department becomes the account's only
  department, or stays empty when the account belongs to none or to several
  (a supervisor then routes it).

Revision ID: 0012_inbox_assignee
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_inbox_assignee"
down_revision = "0011_topics"
branch_labels = None
depends_on = None

NEXT_DUE = "(CASE WHEN first_answered_at IS NULL THEN first_due_at ELSE resolve_due_at END)"
OPEN = "status IN ('new', 'open', 'answered') AND deleted_at IS NULL"
FILTERS = "channel, kind, categories, flags, assignee_user_id"


def upgrade() -> None:
    bind = op.get_bind()
    # same statement on both databases (SQLite allows REFERENCES on an added NULL column)
    op.execute("ALTER TABLE inbox_items ADD COLUMN assignee_user_id INTEGER "
               "REFERENCES users (id) ON DELETE SET NULL")
    _migrate_strings(bind)
    # the person's queue: newest first and by next deadline
    op.execute(f"CREATE INDEX ix_inbox_items_person_due ON inbox_items "
               f"(assignee_user_id, {NEXT_DUE}, id) WHERE {OPEN}")
    op.create_index("ix_inbox_items_person", "inbox_items", ["assignee_user_id", "id"])
    # open items newest first, and by department: the default queue pages read these
    # backwards and stop at the page. The filter columns ride along, so a filter that no
    # index serves (a category or flag rare among open items) is checked on the index
    # entries alone: SQLite defers the table lookup until a row matches
    for name, lead in (("ix_inbox_items_open_id", ""), ("ix_inbox_items_open_dept",
                                                        "assignee, ")):
        op.execute(f"CREATE INDEX {name} ON inbox_items ({lead}id, {FILTERS}) WHERE {OPEN}")
    # flagged items are few: "flag X" walks them, not every open item
    op.execute("CREATE INDEX ix_inbox_items_flagged ON inbox_items (id, status, flags, "
               "deleted_at) WHERE flags <> ''")
    if bind.dialect.name == "postgresql":
        op.execute("ANALYZE inbox_items")
    else:
        op.execute("ANALYZE")


def _migrate_strings(bind) -> None:
    names = {r[0] for r in bind.execute(sa.text("SELECT name FROM departments"))}
    users = {r[0]: r[1] for r in bind.execute(sa.text("SELECT name, id FROM users"))}
    found = [r[0] for r in bind.execute(sa.text(
        "SELECT DISTINCT assignee FROM inbox_items WHERE assignee IS NOT NULL"))]
    for value in found:
        login = (value or "").strip().lower()
        if value in names or login not in users:
            continue
        user_id = users[login]
        depts = [r[0] for r in bind.execute(sa.text(
            "SELECT d.name FROM departments d JOIN memberships m ON m.department_id = d.id "
            "WHERE m.user_id = :u"), {"u": user_id})]
        bind.execute(sa.text("UPDATE inbox_items SET assignee_user_id = :u, assignee = :d "
                             "WHERE assignee = :v"),
                     {"u": user_id, "d": depts[0] if len(depts) == 1 else None, "v": value})


def downgrade() -> None:
    op.execute("DROP INDEX ix_inbox_items_flagged")
    op.execute("DROP INDEX ix_inbox_items_open_dept")
    op.execute("DROP INDEX ix_inbox_items_open_id")
    op.drop_index("ix_inbox_items_person", "inbox_items")
    op.execute("DROP INDEX ix_inbox_items_person_due")
    with op.batch_alter_table("inbox_items") as batch:
        batch.drop_column("assignee_user_id")
