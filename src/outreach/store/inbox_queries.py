"""Inbox queries for the officer's desk: the report's rows, the department queue, transfers,
time per department and once-only overdue notices.

Beside ``store.inbox`` (ingest, search, the CLI list) so each module keeps one
job. Callers hold the transaction and pass the connection; times are naive UTC
(``to_db`` / ``from_db`` in ``store.inbox``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator, Sequence

from sqlalchemy import Connection, and_, func, insert, literal_column, or_, select, \
    update
from sqlalchemy.engine import Row

from .inbox import OPEN_STATUSES, _fts5_query, _has, _like_escape, _pg_search, \
    RECENT_WINDOW, to_db, utcnow
from .inbox_tables import inbox_items
from .inbox_transfer_tables import (inbox_department_time, inbox_overdue_notices,
                                    inbox_transfers)

# The next deadline of an open item: the first-answer deadline until a first answer is
# given, then the resolution deadline. Written exactly as in migration 0007's partial
# index, so both databases read the queue in this order straight from the index.
NEXT_DUE_SQL = "(CASE WHEN first_answered_at IS NULL THEN first_due_at ELSE resolve_due_at END)"
_OPEN_SQL = "inbox_items.status IN ('new', 'open', 'answered') AND inbox_items.deleted_at IS NULL"
# PostgreSQL: one key per (department, category) of an item, "도로과:주차". Written exactly
# as in migration 0015's partial GIN index over open items, so the planner uses it.
DEPT_CATEGORY_SQL = ("string_to_array(coalesce(assignee, '') || ':' || replace(categories, "
                     "',', ',' || coalesce(assignee, '') || ':'), ',')")


def has_kind() -> bool:
    """Whether items carry a message kind (complaint, question, greeting ...)."""
    return "kind" in inbox_items.c


# -- the report -----------------------------------------------------------------------

_REPORT_COLUMNS = ("id", "channel", "categories", "status", "flags", "assignee", "created_at",
                   "first_answered_at", "resolved_at", "first_due_at", "resolve_due_at",
                   "deleted_at", "platform_hidden")


def report_rows(conn: Connection, start: datetime, end: datetime, *, with_text: bool = False
                ) -> Iterator[Row]:
    """Every item received in ``[start, end)``, oldest first, streamed (a month's export
    holds tens of thousands of rows)."""
    c = inbox_items.c
    cols = [c[name] for name in _REPORT_COLUMNS]
    if has_kind():
        cols.append(c["kind"])
    if with_text:
        cols += [c.text, c.author_key, c.author_name]
    stmt = (select(*cols).where(c.created_at >= to_db(start), c.created_at < to_db(end))
            .order_by(c.created_at, c.id))
    result = conn.execution_options(yield_per=2000).execute(stmt)
    yield from result


def first_received(conn: Connection) -> datetime | None:
    return conn.execute(select(func.min(inbox_items.c.created_at))).scalar()


# -- the queue --------------------------------------------------------------------------

SORTS = ("newest", "oldest", "due", "late")


@dataclass
class QueueFilter:
    """What an officer's queue shows; empty fields do not filter.

    ``departments`` limits the queue to the officer's departments (None: every
    department, for supervisors). ``sort``: newest, oldest, due (next deadline
    first) or late (overdue items only, most overdue first)."""

    statuses: tuple[str, ...] = OPEN_STATUSES
    departments: tuple[str, ...] | None = None
    department: str | None = None
    person_id: int | None = None         # assigned to this staff account
    unassigned: bool = False             # assigned to nobody yet
    channel: str | None = None
    category: str | None = None
    kind: str | None = None
    flag: str | None = None
    overdue: bool = False
    search: str | None = None
    sort: str = "newest"
    after_id: int | None = None          # only items newer than this (live updates)
    cursor: int | None = None            # keyset paging: the page after this item, in order
    limit: int = 50
    offset: int = 0                      # kept for callers that page by number (slow: avoid)
    now: datetime = field(default_factory=utcnow)


def _open_only(statuses: Sequence[str]) -> bool:
    return bool(statuses) and set(statuses) <= set(OPEN_STATUSES)


def queue(conn: Connection, f: QueueFilter) -> list[Row]:
    """One page of the queue (``queue_page`` without where a search stopped)."""
    return queue_page(conn, f)[0]


def queue_page(conn: Connection, f: QueueFilter) -> tuple[list[Row], int | None]:
    """One page of the queue. Sorting by deadline uses the open-items index of migration 0007
    (so it applies to open statuses; other statuses fall back to newest first); the open
    queue newest first reads the partial indexes of 0012 backwards (their predicate is
    written into the query so SQLite may use them). Pages follow each other by keyset
    (``cursor``: the last item shown), so page 100 costs what page 1 costs."""
    c = inbox_items.c
    conds: list[Any] = [c.deleted_at.is_(None)]
    open_index = bool(f.statuses) and set(f.statuses) == set(OPEN_STATUSES)
    if f.statuses:
        conds.append(c.status.in_(f.statuses))
    if open_index:
        conds.append(literal_column(_OPEN_SQL))
    if f.departments is not None:
        if not f.departments:
            return [], None
        conds.append(c.assignee.in_(f.departments))
    if f.department:
        conds.append(c.assignee == f.department)
    if f.person_id is not None:
        conds.append(c.assignee_user_id == f.person_id)
    elif f.unassigned:
        conds.append(c.assignee_user_id.is_(None))
    if f.channel:
        conds.append(c.channel == f.channel)
    category = _has(conn, "categories", f.category) if f.category else None
    if category is not None:
        conds.append(category)
    if f.kind and has_kind():
        conds.append(c["kind"] == f.kind)
    if f.flag:
        # flagged items are few: the flagged-items index of 0012 serves this term
        conds.append(literal_column("inbox_items.flags <> ''"))
    if f.flag and f.flag != "any":
        conds.append(_has(conn, "flags", f.flag))
    if f.after_id:
        conds.append(c.id > f.after_id)
    sort = f.sort if f.sort in SORTS else "newest"
    by_due = sort in ("due", "late") and _open_only(f.statuses) and not f.search
    moment = to_db(f.now)
    next_due = literal_column(NEXT_DUE_SQL)
    late = f.overdue or sort == "late"
    if late and not by_due:
        conds.append(overdue_now(moment))
    stmt = select(inbox_items)
    if f.search:
        return _search_page(conn, stmt, f, conds)
    if by_due:
        # the partial index's own predicate, so SQLite and PostgreSQL both pick it; an open
        # item is overdue exactly when its next deadline has passed: a range on the index
        if not open_index:
            conds.append(literal_column(_OPEN_SQL))
        conds.append(next_due < moment if late else next_due.isnot(None))
        if f.cursor:
            due = conn.execute(select(next_due).where(c.id == f.cursor)).scalar()
            if due is not None:    # (next due, id) after the cursor's: a range on the index
                conds += [next_due >= due, or_(next_due > due, c.id > f.cursor)]
        order = [next_due.asc(), c.id.asc()]
    elif sort == "oldest":
        if f.cursor:
            conds.append(c.id > f.cursor)
        order = [c.id.asc()]
    else:
        if f.cursor:
            conds.append(c.id < f.cursor)
        order = [c.id.desc()]
        narrow = f.category or f.flag or f.kind or f.channel
        if conn.dialect.name == "postgresql" and narrow and f.offset == 0:
            return _pg_newest(conn, stmt, conds, f.limit, f.cursor, _dept_category(f),
                              category), None
    stmt = stmt.where(*conds).order_by(*order).limit(f.limit).offset(f.offset)
    return list(conn.execute(stmt)), None


def _pg_newest(conn: Connection, stmt, conds: list, limit: int, cursor: int | None = None,
               keys: tuple[Any, Any] | None = None, category: Any = None) -> list[Row]:
    """Newest first under narrowing filters on PostgreSQL. The planner multiplies the
    filters' selectivities as if independent, so for "category 주차 in 도로과" (which
    never meet) it walks the newest items through the primary key and reads the whole
    table. So: the newest ``RECENT_WINDOW`` items first (a common match fills the page at
    once); otherwise all matches through the indexes, materialised, then the newest of
    them. ``keys`` (a category in known departments among open items, ``_dept_category``)
    reads exactly the items of those departments with the category from migration 0015's
    index, its LIKE test replacing ``category`` (the ``_has`` condition in ``conds``);
    without it, a bitmap of the category's GIN index and the department's."""
    c = inbox_items.c
    newest = cursor or conn.execute(select(c.id).order_by(c.id.desc()).limit(1)).scalar() or 0
    recent = list(conn.execute(stmt.where(*conds, c.id > newest - RECENT_WINDOW)
                               .order_by(c.id.desc()).limit(limit)))
    if len(recent) >= limit:
        return recent
    where = list(conds) if keys is None else \
        [*(cond for cond in conds if cond is not category), literal_column(_OPEN_SQL), *keys]
    matches = select(c.id).where(*where).cte("matches").prefix_with("MATERIALIZED")
    ids = select(matches.c.id).order_by(matches.c.id.desc()).limit(limit).scalar_subquery()
    return list(conn.execute(select(inbox_items).where(c.id.in_(ids))
                             .order_by(c.id.desc())))


def _dept_category(f: QueueFilter) -> tuple[Any, Any] | None:
    """For "category X" among the open items of known departments (an officer's, or the
    one picked): the condition on migration 0015's index and the category's own test
    without an index, which replaces ``_has``'s (or None: no such filter). The index
    condition is implied by the queue's own conditions (department, category, open
    statuses), so the rows are the same; it only lets PostgreSQL read just the items
    holding a key "department:X" (a category absent from the officer's departments:
    none) instead of every item with the category or every open item of the
    departments. The category itself is tested by ``LIKE '%,X,%'`` (for a name without
    a comma the same test as ``_has``'s array containment) so that PostgreSQL does not
    also build a bitmap of every item with the category (175,000 for "주차") to AND
    with the index's few."""
    from sqlalchemy import text

    if not f.category or "," in f.category or not _open_only(f.statuses):
        return None
    departments = set(f.departments) if f.departments is not None else None
    if f.department:
        departments = {f.department} & departments if departments is not None \
            else {f.department}
    if not departments:
        return None
    keys = sorted(f"{d}:{f.category}" for d in departments)
    return (text(f"{DEPT_CATEGORY_SQL} && CAST(:dept_category_keys AS text[])"
                 ).bindparams(dept_category_keys=keys),
            literal_column("',' || inbox_items.categories || ','").like(
                f"%,{_like_escape(f.category)},%", escape="\\"))


# A search page looks through at most this many item numbers below its cursor, so a word
# that is common overall but rare in an officer's departments costs a bounded time; when
# the span runs out before the page fills, the page offers to search older items.
# SQLite: the FTS5 matches in that rowid range (its walk is in rowid order and cheap).
# PostgreSQL: a word with few matches is read through the GIN index over every item (exact,
# no span); a common one walks the newest items of the span in order (``PG_FEW``).
SEARCH_SPAN = {"sqlite": 200_000, "postgresql": 25_000}
PG_FEW = 5_000                      # "few matches": read them all through the GIN index


def _search_page(conn: Connection, stmt, f: QueueFilter, conds: list
                 ) -> tuple[list[Row], int | None]:
    """A search page, newest first, and where it stopped looking (None: nothing older is
    left unsearched)."""
    c = inbox_items.c
    top = f.cursor or (newest_id(conn) + 1)
    low = max(top - SEARCH_SPAN.get(conn.dialect.name, 25_000), 0)
    if conn.dialect.name == "sqlite":
        query = _fts5_query(f.search or "")
        if query is None:
            return [], None
        from sqlalchemy import column, table, text

        fts = table("inbox_search", column("rowid"))
        rowid = literal_column("inbox_search.rowid")
        stmt = (stmt.join(fts, c.id == rowid)
                .where(text("inbox_search MATCH :q").bindparams(q=query), *conds,
                       rowid < top, rowid > low)
                .order_by(rowid.desc()).limit(f.limit).offset(f.offset))
    else:
        from .inbox import search_pieces

        few = _pg_matches(conn, search_pieces(f.search or "")) <= PG_FEW
        stmt = _pg_search(stmt, f.search or "", walk=not few)
        if stmt is None:
            return [], None
        if few:
            low = 0
        item_id = literal_column("inbox_search.item_id")
        span = [c.id < top, c.id > low, item_id < top, item_id > low]
        if not few and (f.departments is not None or f.department):
            # a common word in an officer's departments: walking the span's search rows
            # tests every item's words (25,000); the department's items of the span are a
            # few hundred through their own index, so read those first, then their words
            # (same conditions, same rows: only the order PostgreSQL reads them in)
            mine = select(c.id).where(*conds, c.id < top, c.id > low) \
                .cte("mine").prefix_with("MATERIALIZED")
            span.append(c.id.in_(select(mine.c.id)))
        stmt = stmt.where(*conds, *span).limit(f.limit).offset(f.offset)
    rows = list(conn.execute(stmt))
    return rows, (low + 1 if len(rows) < f.limit and low > 0 else None)


_PG_STATS: dict[str, tuple[float, dict[str, float], float, float]] = {}


def _pg_matches(conn: Connection, pieces: Sequence[str]) -> float:
    """At most how many items hold every piece, from PostgreSQL's own statistics of
    ``inbox_search.grams`` (ANALYZE's most common elements and their frequencies): the
    rarest piece bounds the matches (a piece left out of a full list counts as frequent
    as the list's rarest one). The planner multiplies the pieces' frequencies as
    if independent (so "악취 심하게" looked rare and read 83,000 matches through the GIN
    index); the minimum is an honest upper bound. Read once a minute per database."""
    import time

    from sqlalchemy import text

    key = str(conn.engine.url)
    found = _PG_STATS.get(key)
    if found is None or time.monotonic() - found[0] > 60:
        row = conn.execute(text(
            "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples, "
            "current_setting('default_statistics_target')::int "
            "FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename "
            "AND c.relnamespace = to_regnamespace(s.schemaname) "
            "WHERE s.schemaname = current_schema() AND s.tablename = 'inbox_search' "
            "AND s.attname = 'grams'")).first()
        if row is None or not row[0]:
            freqs, floor, total = {}, 0.0, 0.0
        else:
            freqs = dict(zip(row[0], row[1][:len(row[0])]))
            # a full list (10 x the statistics target) leaves out pieces up to its rarest
            # one's frequency; a shorter list left out only pieces ANALYZE found rare
            full = len(row[0]) >= 10 * int(row[3] or 100)
            floor = (row[1][len(row[0])] if len(row[1]) > len(row[0])
                     else min(freqs.values())) if full else 0.0
            total = float(row[2] or 0)
        found = _PG_STATS[key] = (time.monotonic(), freqs, floor, total)
    _at, freqs, floor, total = found
    if not pieces or total <= 0:
        return 0.0
    return min(freqs.get(p, floor) for p in pieces) * total


def overdue_now(moment: datetime):
    """Open items past a deadline at ``moment`` (naive UTC), in the index's own terms."""
    c = inbox_items.c
    return or_(and_(c.status.in_(("new", "open")), c.first_answered_at.is_(None),
                    c.first_due_at < moment),
               and_(c.status.in_(OPEN_STATUSES), c.resolved_at.is_(None),
                    c.resolve_due_at < moment))


COUNT_CAP = 1000          # the queue's tabs count up to this, then say "1,000+"


def count_open(conn: Connection, departments: Sequence[str] | None, now: datetime,
               cap: int = COUNT_CAP) -> dict[str, tuple[int, int]]:
    """Per department: open items and overdue ones (the queue's tabs), each counted up to
    ``cap + 1`` (shown as "1,000+"): a tab never counts a whole backlog. The departments
    come from a loose index scan (one index seek per department) of the open-items index
    of migration 0007 (department, next deadline); each count is a range of it, stopped
    at ``cap + 1`` entries: an item is overdue exactly when its next deadline has passed."""
    from sqlalchemy import text

    moment = to_db(now)
    where = _OPEN_SQL.replace("inbox_items.", "")
    if departments is None:
        found = [r[0] for r in conn.execute(text(
            f"WITH RECURSIVE d(name) AS ("
            f"SELECT min(assignee) FROM inbox_items WHERE {where} "
            f"UNION ALL SELECT (SELECT min(assignee) FROM inbox_items WHERE {where} "
            f"AND assignee > d.name) FROM d WHERE d.name IS NOT NULL) "
            f"SELECT name FROM d WHERE name IS NOT NULL"))]
        names: list[str | None] = [*found, None]
    else:
        names = list(departments)
    out: dict[str, tuple[int, int]] = {}
    for name in names:
        dept = "assignee IS NULL" if name is None else "assignee = :d"
        n = conn.execute(text(f"SELECT count(*) FROM (SELECT 1 FROM inbox_items WHERE {where} "
                              f"AND {dept} LIMIT {cap + 1}) AS o"), {"d": name}).scalar() or 0
        if not n:
            continue
        late = conn.execute(text(
            f"SELECT count(*) FROM (SELECT 1 FROM inbox_items WHERE {where} AND {dept} "
            f"AND {NEXT_DUE_SQL} < :now LIMIT {cap + 1}) AS o"),
            {"d": name, "now": moment}).scalar() or 0
        out[name or ""] = (int(n), int(late))
    return out


def newest_id(conn: Connection) -> int:
    return conn.execute(select(func.max(inbox_items.c.id))).scalar() or 0


def pending_and_newest(conn: Connection, departments: Sequence[str] | None = None
                       ) -> tuple[int, int]:
    """``count_pending_transfers`` and ``newest_id`` in one statement (one round trip for
    the queue page's badge and its live stream's start)."""
    row = conn.execute(select(_pending_count(departments).scalar_subquery(),
                              select(func.max(inbox_items.c.id)).scalar_subquery())).one()
    return row[0] or 0, row[1] or 0


def same_author(conn: Connection, row: Row, limit: int = 20) -> list[Row]:
    """Earlier items of the same pseudonymous citizen on the item's channel."""
    if not row.author_key:
        return []
    c = inbox_items.c
    return list(conn.execute(select(inbox_items).where(
        c.channel == row.channel, c.author_key == row.author_key, c.id != row.id)
        .order_by(c.id.desc()).limit(limit)))


def same_thread(conn: Connection, row: Row, limit: int = 50) -> list[Row]:
    """The other messages of the item's thread (or under the same publication)."""
    c = inbox_items.c
    if row.thread_id:
        cond = c.thread_id == row.thread_id
    elif row.post_remote_id:
        cond = c.post_remote_id == row.post_remote_id
    else:
        return []
    return list(conn.execute(select(inbox_items).where(c.channel == row.channel, cond,
                                                       c.id != row.id)
                             .order_by(c.created_at).limit(limit)))


def live_answers(conn: Connection, item_id: int) -> int:
    """Answers of the item that went out or may have (every state but failed)."""
    from .inbox_tables import inbox_answers

    a = inbox_answers.c
    return conn.execute(select(func.count()).where(a.item_id == item_id,
                                                   a.status != "failed")).scalar() or 0


# -- transfers --------------------------------------------------------------------------

def add_transfer(conn: Connection, **values: Any) -> int | None:
    """A pending transfer; None when the item already has one. Callers lock the item first
    (``lock_item``), so the check holds; the unique partial index of migration 0007 is the
    last guard."""
    t = inbox_transfers.c
    if conn.execute(select(t.id).where(t.item_id == values["item_id"], t.status == "pending")
                    ).first() is not None:
        return None
    return conn.execute(insert(inbox_transfers).values(status="pending", **values)
                        .returning(t.id)).scalar_one()


def get_transfer(conn: Connection, transfer_id: int) -> Row | None:
    return conn.execute(select(inbox_transfers).where(inbox_transfers.c.id == transfer_id)
                        ).first()


def decide_transfer(conn: Connection, transfer_id: int, status: str, actor: str,
                    at: datetime, note: str | None) -> bool:
    """Settle a pending transfer; False when someone settled it first."""
    t = inbox_transfers.c
    return conn.execute(update(inbox_transfers).where(t.id == transfer_id, t.status == "pending")
                        .values(status=status, decided_by=actor, decided_at=to_db(at),
                                decision_note=note)).rowcount == 1


def item_transfers(conn: Connection, item_id: int) -> list[Row]:
    return list(conn.execute(select(inbox_transfers).where(inbox_transfers.c.item_id == item_id)
                             .order_by(inbox_transfers.c.id)))


def pending_transfers(conn: Connection, departments: Sequence[str] | None = None,
                      limit: int = 200) -> list[Row]:
    """Pending transfers to ``departments`` (None: all), oldest first, with the item."""
    t, c = inbox_transfers.c, inbox_items.c
    stmt = (select(inbox_transfers, c.text, c.channel, c.status.label("item_status"))
            .join(inbox_items, c.id == t.item_id).where(t.status == "pending")
            .order_by(t.id).limit(limit))
    if departments is not None:
        stmt = stmt.where(t.to_department.in_(list(departments)))
    return list(conn.execute(stmt))


def accepted_transfer_counts(conn: Connection, from_department: str | None
                             ) -> dict[str, int]:
    """How often items of ``from_department`` were transferred and accepted, per receiving
    department (the item page offers the usual ones first)."""
    if not from_department:
        return {}
    t = inbox_transfers.c
    rows = conn.execute(select(t.to_department, func.count()).where(
        t.from_department == from_department, t.status == "accepted")
        .group_by(t.to_department))
    return {name: n for name, n in rows}


def count_pending_transfers(conn: Connection, departments: Sequence[str] | None = None) -> int:
    """How many transfers wait for ``departments`` (None: any) (the queue's badge)."""
    return conn.execute(_pending_count(departments)).scalar() or 0


def _pending_count(departments: Sequence[str] | None):
    t = inbox_transfers.c
    stmt = select(func.count()).select_from(inbox_transfers).where(t.status == "pending")
    if departments is not None:
        stmt = stmt.where(t.to_department.in_(list(departments)))
    return stmt


def enter_department(conn: Connection, item_id: int, department: str | None, at: datetime
                     ) -> None:
    """Close the item's current stay (if any) and open one in ``department``."""
    d = inbox_department_time.c
    moment = to_db(at)
    conn.execute(update(inbox_department_time)
                 .where(d.item_id == item_id, d.left_at.is_(None)).values(left_at=moment))
    if department:
        conn.execute(insert(inbox_department_time).values(item_id=item_id, department=department,
                                                          entered_at=moment))


def has_stays(conn: Connection, item_id: int) -> bool:
    d = inbox_department_time.c
    return conn.execute(select(d.id).where(d.item_id == item_id).limit(1)).first() is not None


def department_stays(conn: Connection, item_id: int) -> list[Row]:
    d = inbox_department_time.c
    return list(conn.execute(select(inbox_department_time).where(d.item_id == item_id)
                             .order_by(d.id)))


def lock_item(conn: Connection, item_id: int) -> Row | None:
    """The item, locked for this transaction on PostgreSQL (SQLite's BEGIN IMMEDIATE
    already holds the only write lock)."""
    stmt = select(inbox_items).where(inbox_items.c.id == item_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return conn.execute(stmt).first()


def release_notice(conn: Connection, item_id: int, deadline: str) -> None:
    """Take back a notice whose mail failed, so the next pass sends it."""
    from sqlalchemy import delete

    n = inbox_overdue_notices.c
    conn.execute(delete(inbox_overdue_notices).where(n.item_id == item_id,
                                                     n.deadline == deadline))


# -- overdue notices --------------------------------------------------------------------

def overdue_candidates(conn: Connection, now: datetime, limit: int = 500) -> list[Row]:
    """Open items past a deadline with no notice yet for that deadline, as
    (item row fields..., deadline, due_at)."""
    c, n = inbox_items.c, inbox_overdue_notices.c
    moment = to_db(now)
    out: list[Row] = []
    for deadline, due_col, cond in (
            ("first", c.first_due_at, and_(c.status.in_(("new", "open")),
                                           c.first_answered_at.is_(None),
                                           c.first_due_at < moment)),
            ("resolve", c.resolve_due_at, and_(c.status.in_(OPEN_STATUSES),
                                               c.resolved_at.is_(None),
                                               c.resolve_due_at < moment))):
        noticed = select(n.item_id).where(n.item_id == c.id, n.deadline == deadline).exists()
        out += list(conn.execute(
            select(c.id, c.channel, c.assignee, c.assignee_user_id, c.text, c.status,
                   literal_column(f"'{deadline}'").label("deadline"), due_col.label("due_at"))
            .where(cond, c.deleted_at.is_(None), ~noticed).order_by(c.id).limit(limit)))
    return out


def claim_notice(conn: Connection, item_id: int, deadline: str, due_at: datetime,
                 at: datetime, recipients: str) -> bool:
    """Record the notice; False when it was recorded before (by a concurrent watcher):
    ``INSERT ... ON CONFLICT DO NOTHING`` on the (item, deadline) primary key."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(inbox_overdue_notices).values(
        item_id=item_id, deadline=deadline, due_at=to_db(due_at), notified_at=to_db(at),
        recipients=recipients).on_conflict_do_nothing().returning(inbox_overdue_notices.c.item_id)
    return conn.execute(stmt).first() is not None
