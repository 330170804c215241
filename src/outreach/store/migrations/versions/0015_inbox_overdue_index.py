"""PostgreSQL: open items by department and category together, for the queue's
"category X (overdue)" pages of an officer.

An officer's queue filtered by a category that is common overall but rare or absent in
the officer's departments ("주차" in 도로과: 175,000 items hold it, none of 도로과's
open items) fell back to reading every match through the indexes: the category's GIN
index (175,000 entries) against the department's, or all of the department's open items
(41,000 index entries) with the category tested on each. With the overdue filter the
planner also rechecked 35,000 table rows: 44-87 ms on a quiet machine, the one page over
100 ms at a million items. The cost was the department x category part, not the
deadline: in a backlog most open items are overdue.

This index holds one key per (department, category) of each open item, "도로과:주차"
(``string_to_array`` over the categories with the department put before each), so the
queue asks for exactly the keys of its departments and the category and reads only the
items that have them (none: a few index pages). The query repeats the expression and the
open-items predicate verbatim (``store.inbox_queries.DEPT_CATEGORY_SQL``). A department
or category holding ':' may give a key of another pair; the queue's own conditions
still decide, so the index only narrows. SQLite needs none of it (its queue pages
already stop early on the open-items indexes of 0012), so it gets nothing.

Revision ID: 0015_inbox_overdue_index
"""

from alembic import op

revision = "0015_inbox_overdue_index"
down_revision = "0014_approval_version"
branch_labels = None
depends_on = None

DEPT_CATEGORY = ("string_to_array(coalesce(assignee, '') || ':' || replace(categories, ',', "
                 "',' || coalesce(assignee, '') || ':'), ',')")
OPEN = "status IN ('new', 'open', 'answered') AND deleted_at IS NULL"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX ix_inbox_items_open_dept_category ON inbox_items "
               f"USING gin ({DEPT_CATEGORY}) WHERE {OPEN}")
    # the planner's statistics of the indexed expression (how common each key is)
    op.execute("ANALYZE inbox_items")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_inbox_items_open_dept_category")
