"""Every inbox query. Callers hold the transaction (``Database.begin()``) and pass the connection,
so a harvest can store its items and its cursor in one commit.

Times are stored as naive UTC; ``to_db`` / ``from_db`` convert at this border.
Search finds any substring of a word ("주차" in "불법주차", "가로등" in "가로등이"):
- SQLite (FTS5): each text is indexed as its words' two-character pieces plus
  each word's last character (``search_tokens``); a query word becomes the
  phrase of its pieces, a single character a prefix query.
- PostgreSQL (GIN over ``text[]``): the set of pieces and characters
  (``search_grams``) narrows by exact containment, then ``strpos`` on the
  normalised words confirms the pieces are adjacent. (The tsvector route needs
  a recheck that re-parses every candidate: ten times slower at 200,000 items.)
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import Connection, and_, column, insert, literal_column, or_, select, table, \
    text, update
from sqlalchemy.engine import Row

from ..model import utc_now as utcnow  # noqa: F401 - the inbox layers' default clock
from .inbox_tables import inbox_answers, inbox_cursors, inbox_events, inbox_items

UTC = timezone.utc
_WORD = re.compile(r"[^\W_]+")
_CHUNK = 500
OPEN_STATUSES = ("new", "open", "answered")


def to_db(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_db(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)


# -- search tokens ------------------------------------------------------------

def _words(value: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFC", value).lower())


def search_tokens(value: str) -> str:
    """The index form of a text: every word's two-character pieces, then its last character."""
    out: list[str] = []
    for word in _words(value):
        out.extend(word[i:i + 2] for i in range(len(word) - 1))
        out.append(word[-1])
    return " ".join(out)


def _query_parts(value: str) -> list[tuple[str, list[str]]]:
    """Per query word: ("phrase", its two-character pieces) or ("prefix", [the character])."""
    parts = []
    for word in _words(value):
        if len(word) == 1:
            parts.append(("prefix", [word]))
        else:
            parts.append(("phrase", [word[i:i + 2] for i in range(len(word) - 1)]))
    return parts


def _fts5_query(value: str) -> str | None:
    parts = _query_parts(value)
    if not parts:
        return None
    return " AND ".join(f'"{toks[0]}"*' if kind == "prefix" else '"' + " ".join(toks) + '"'
                        for kind, toks in parts)


def search_grams(value: str) -> tuple[list[str], str]:
    """PostgreSQL's index form: the distinct two-character pieces and single characters of
    every word (exact GIN array containment), and the normalised words for the final
    substring check (pieces present does not mean pieces adjacent)."""
    words = _words(value)
    grams: set[str] = set()
    for word in words:
        grams.update(word[i:i + 2] for i in range(len(word) - 1))
        grams.update(word)
    return sorted(grams), " ".join(words)


_fts = table("inbox_search", column("rowid"), column("tokens"), column("item_id"),
             column("grams"), column("body"))


def index_text(conn: Connection, pairs: Sequence[tuple[int, str]]) -> None:
    """Put items' texts into the search index."""
    if not pairs:
        return
    if conn.dialect.name == "sqlite":
        # driver-level executemany: the index is written for every ingested item, so skip
        # the per-row parameter processing a SQLAlchemy statement would add
        conn.exec_driver_sql("INSERT INTO inbox_search (rowid, tokens) VALUES (?, ?)",
                             [(item_id, search_tokens(value)) for item_id, value in pairs])
        return
    conn.exec_driver_sql(
        "INSERT INTO inbox_search (item_id, grams, body) "
        f"SELECT u.item_id, {_PG_GRAMS}, u.body "
        "FROM unnest(%s::integer[], %s::text[], %s::text[]) AS u(item_id, grams, body)",
        ([item_id for item_id, _ in pairs], *_pg_grams_and_bodies(value for _, value in pairs)))


# PostgreSQL: each row's ``search_grams`` travel as one string (pieces never hold a space),
# so a page of texts is one statement
_PG_GRAMS = "string_to_array(u.grams, ' ')"


def _pg_grams_and_bodies(values: Iterable[str]) -> tuple[list[str], list[str]]:
    grams, bodies = [], []
    for value in values:
        pieces, body = search_grams(value)
        grams.append(" ".join(pieces))
        bodies.append(body)
    return grams, bodies


def unindex_text(conn: Connection, pairs: Sequence[tuple[int, str]]) -> None:
    """Take items out of the search index; ``pairs`` hold the texts as they were indexed
    (SQLite's index keeps no copy of the text, so removing an entry needs its tokens)."""
    if not pairs:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO inbox_search (inbox_search, rowid, tokens) "
                             "VALUES ('delete', ?, ?)",
                             [(item_id, search_tokens(value)) for item_id, value in pairs])
        return
    for chunk in _chunks([item_id for item_id, _ in pairs]):
        conn.execute(text("DELETE FROM inbox_search WHERE item_id IN "
                          f"({','.join(str(int(i)) for i in chunk)})"))


# -- ingest -----------------------------------------------------------------------

_ITEM_LOOKUP = ("id", "remote_id", "text", "deleted_at", "platform_hidden", "categories",
                "flags", "status")


def existing_items(conn: Connection, channel: str, remote_ids: Iterable[str]) -> dict[str, Row]:
    """Already stored items of ``channel`` among ``remote_ids``, by remote id."""
    return lookup(conn, channel, remote_ids)[0]


def own_answers(conn: Connection, channel: str, remote_ids: Sequence[str]) -> set[str]:
    """Which of ``remote_ids`` are answers outreach itself sent on ``channel``."""
    return lookup(conn, channel, remote_ids)[1]


def lookup(conn: Connection, channel: str, remote_ids: Iterable[str]
           ) -> tuple[dict[str, Row], set[str]]:
    """For ``remote_ids`` on ``channel``: the items already stored (by remote id), and
    which of them are answers outreach itself sent there. One query on PostgreSQL."""
    remote_ids = list(remote_ids)
    found: dict[str, Row] = {}
    ours: set[str] = set()
    if not remote_ids:
        return found, ours
    if conn.dialect.name == "postgresql":
        # the ids as a joined array: the planner then probes the (channel, remote_id) index
        # once per id even before the table has statistics (``remote_id IN (...)`` on a
        # young table was read through the channel's every row)
        # One probe of the (channel, remote_id) index per id. Until the table has statistics
        # (a young table, before autovacuum's first ANALYZE) the planner may take the
        # smaller (channel, author_key) index instead and read the channel's every row per
        # id: the ORDER BY, which only the unique index delivers, settles the tie.
        cols = ", ".join(f"i.{name}" for name in _ITEM_LOOKUP)
        nulls = ", ".join("NULL" for _ in _ITEM_LOOKUP[2:])
        rows = conn.exec_driver_sql(
            f"SELECT false AS own, {cols} FROM unnest(%(ids)s::varchar[]) AS u(rid) "
            "CROSS JOIN LATERAL (SELECT * FROM inbox_items WHERE channel = %(channel)s "
            "AND remote_id = u.rid ORDER BY channel, remote_id LIMIT 1) AS i "
            f"UNION ALL SELECT true, NULL, u.rid, {nulls} "
            "FROM unnest(%(ids)s::varchar[]) AS u(rid) "
            "WHERE EXISTS (SELECT 1 FROM inbox_answers a WHERE a.remote_id = u.rid "
            "AND (SELECT i.channel FROM inbox_items i WHERE i.id = a.item_id) = %(channel)s)",
            {"ids": remote_ids, "channel": channel})
        for row in rows:
            if row.own:
                ours.add(row.remote_id)
            else:
                found[row.remote_id] = row
        return found, ours
    c, a = inbox_items.c, inbox_answers.c
    for chunk in _chunks(remote_ids):
        found.update((row.remote_id, row) for row in conn.execute(
            select(*(c[name] for name in _ITEM_LOOKUP))
            .where(c.channel == channel, c.remote_id.in_(chunk))))
        ours.update(r[0] for r in conn.execute(
            select(a.remote_id).join(inbox_items, c.id == a.item_id)
            .where(c.channel == channel, a.remote_id.in_(chunk))))
    return found, ours


def inserts_first(conn: Connection) -> bool:
    """Whether ingest inserts before reading (PostgreSQL: ``insert_items`` skips stored rows
    in the same statement) or reads first (SQLite: its write lock keeps the read valid)."""
    return conn.dialect.name == "postgresql"


def insert_items(conn: Connection, rows: Sequence[Mapping[str, Any]], *, index: bool = False,
                 skip_answers: bool = False, indexed: Mapping[str, str] | None = None
                 ) -> dict[str, int]:
    """Insert new items; remote id -> new id (remote ids are unique within a batch's
    channel; ingest passes one channel at a time). Rows already stored, by
    this or a concurrent writer, are skipped and not returned, so webhook and
    poll converge on one row. ``index`` also puts the new items' texts into
    the search index; ``skip_answers`` leaves out the answers outreach itself
    sent on the row's channel. ``indexed`` gives, per remote id, the text to
    index instead of the row's text (ingest passes the masked text, so a
    search never matches hidden digits)."""
    if not rows:
        return {}
    c = inbox_items.c
    indexed = indexed or {}
    if conn.dialect.name == "sqlite":
        if skip_answers:
            ours = set()
            for channel, remote_ids in _by_channel(rows).items():
                ours.update((channel, rid) for rid in own_answers(conn, channel, remote_ids))
            rows = [row for row in rows if (row["channel"], row["remote_id"]) not in ours]
            if not rows:
                return {}
        # The caller checked existence inside this BEGIN IMMEDIATE transaction, which holds
        # SQLite's only write lock: nobody can have inserted since. A plain executemany plus
        # one lookup is cheaper than INSERT ... ON CONFLICT ... RETURNING row by row.
        conn.execute(insert(inbox_items), list(rows))
        found: dict[str, int] = {}
        for channel, remote_ids in _by_channel(rows).items():
            for chunk in _chunks(remote_ids):
                found.update((rid, item_id) for rid, item_id in conn.execute(
                    select(c.remote_id, c.id).where(c.channel == channel, c.remote_id.in_(chunk))))
        if index:
            index_text(conn, [(found[row["remote_id"]], indexed.get(row["remote_id"], row["text"]))
                              for row in rows if row["remote_id"] in found])
        return found
    # One statement for the whole page: the rows go in as one array per column, and
    # ON CONFLICT DO NOTHING RETURNING gives back only the rows this statement inserted
    # (a row another writer stored first is skipped and not returned, so the caller
    # treats it as existing); with ``index`` the same statement fills the search index
    # from what it inserted.
    names = list(rows[0])
    params = [[row[name] for row in rows] for name in names]
    sql = _pg_insert_sql(conn, tuple(names), index, skip_answers)
    if index:
        params.extend(_pg_grams_and_bodies(indexed.get(row["remote_id"], row["text"])
                                           for row in rows))
    return dict(conn.exec_driver_sql(sql, tuple(params)).all())


def insert_new(conn: Connection, rows: Sequence[Mapping[str, Any]], window: timedelta, *,
               skip_answers: bool = False, indexed: Mapping[str, str] | None = None
               ) -> tuple[dict[str, int], dict[tuple[str, str], tuple[datetime, int]]]:
    """``insert_items`` with the search index for one channel's rows, plus the overheat
    count: per thread (``("post_remote_id", value)``, else ``("thread_id", value)``) that
    got new items, the start of its window (its newest new item's time minus ``window``)
    and how many items it holds since then, the new ones included. One statement on
    PostgreSQL."""
    if not rows:
        return {}, {}
    if conn.dialect.name != "postgresql":
        ids = insert_items(conn, rows, index=True, skip_answers=skip_answers, indexed=indexed)
        newest: dict[tuple[str, str], datetime] = {}
        for row in rows:
            thread = _thread_of(row)
            if thread and row["remote_id"] in ids:
                newest[thread] = max(newest.get(thread, row["created_at"]), row["created_at"])
        since = {thread: moment - window for thread, moment in newest.items()}
        counts = thread_counts(conn, rows[0]["channel"], since)
        return ids, {thread: (from_db(since[thread]), n) for thread, n in counts.items()}
    names = list(rows[0])
    params = [[row[name] for row in rows] for name in names]
    indexed = indexed or {}
    params.extend(_pg_grams_and_bodies(indexed.get(row["remote_id"], row["text"]) for row in rows))
    params += [window, window, rows[0]["channel"], rows[0]["channel"]]
    ids: dict[str, int] = {}
    threads: dict[tuple[str, str], tuple[datetime, int]] = {}
    for kind, key, value, since in conn.exec_driver_sql(
            _pg_insert_sql(conn, tuple(names), True, skip_answers, counts=True), tuple(params)):
        if kind == "item":
            ids[key] = value
        else:
            threads[(kind, key)] = (from_db(since), value)
    return ids, threads


def _thread_of(row: Mapping[str, Any]) -> tuple[str, str] | None:
    if row.get("post_remote_id"):
        return ("post_remote_id", row["post_remote_id"])
    return ("thread_id", row["thread_id"]) if row.get("thread_id") else None


# The overheat count of ``insert_new``: the statement's own inserts are not visible to its
# other parts, so a thread's count is its stored items since the window start plus its new
# ones (``ins``). The ORDER BY, which the (channel, thread, created_at) index delivers,
# keeps the planner on that index while the table has no statistics (see ``lookup``).
_PG_COUNT = """, thr AS (
  SELECT 'post_remote_id' AS col, post_remote_id AS value, max(created_at) - %s AS since
  FROM ins WHERE post_remote_id IS NOT NULL AND post_remote_id <> '' GROUP BY post_remote_id
  UNION ALL
  SELECT 'thread_id', thread_id, max(created_at) - %s
  FROM ins WHERE (post_remote_id IS NULL OR post_remote_id = '') AND thread_id IS NOT NULL
    AND thread_id <> '' GROUP BY thread_id)
SELECT 'item', remote_id, id, NULL::timestamp FROM ins
UNION ALL
SELECT thr.col, thr.value, (SELECT count(*) FROM ins WHERE ins.created_at >= thr.since AND
    CASE thr.col WHEN 'post_remote_id' THEN ins.post_remote_id ELSE ins.thread_id END = thr.value)
  + CASE thr.col WHEN 'post_remote_id' THEN (SELECT count(*) FROM (SELECT 1 FROM inbox_items
      WHERE channel = %s AND post_remote_id = thr.value AND created_at >= thr.since
      ORDER BY created_at) AS s)
    ELSE (SELECT count(*) FROM (SELECT 1 FROM inbox_items
      WHERE channel = %s AND thread_id = thr.value AND created_at >= thr.since
      ORDER BY created_at) AS s) END, thr.since
FROM thr"""


_PG_INSERT: dict[tuple, str] = {}


def _pg_insert_sql(conn: Connection, names: tuple[str, ...], index: bool, skip_answers: bool,
                   counts: bool = False) -> str:
    key = (names, index, skip_answers, counts)
    if key not in _PG_INSERT:
        types = [inbox_items.c[name].type.compile(dialect=conn.dialect) for name in names]
        arrays = ", ".join(f"%s::{kind}[]" for kind in types)
        cols = ", ".join(names)
        values = (f"SELECT * FROM unnest({arrays}{', %s::text[], %s::text[]' if index else ''}) "
                  f"WITH ORDINALITY AS v({cols}{', grams, body' if index else ''}, n)")
        where = ("WHERE NOT EXISTS (SELECT 1 FROM inbox_answers a WHERE a.remote_id = v.remote_id "
                 "AND (SELECT i.channel FROM inbox_items i WHERE i.id = a.item_id) = v.channel) "
                 if skip_answers else "")
        sql = (f"WITH v AS ({values}), "
               f"ins AS (INSERT INTO inbox_items ({cols}) SELECT {cols} FROM v {where}ORDER BY n "
               "ON CONFLICT (channel, remote_id) DO NOTHING RETURNING id, channel, remote_id"
               f"{', post_remote_id, thread_id, created_at' if counts else ''})")
        if index:
            sql += (", idx AS (INSERT INTO inbox_search (item_id, grams, body) "
                    f"SELECT ins.id, {_PG_GRAMS}, u.body FROM ins JOIN v AS u "
                    "ON u.channel = ins.channel AND u.remote_id = ins.remote_id)")
        _PG_INSERT[key] = sql + (_PG_COUNT if counts else " SELECT remote_id, id FROM ins")
    return _PG_INSERT[key]


def _by_channel(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for row in rows:
        grouped.setdefault(row["channel"], []).append(row["remote_id"])
    return grouped


def update_item(conn: Connection, item_id: int, **values: Any) -> None:
    conn.execute(update(inbox_items).where(inbox_items.c.id == item_id).values(**values))


def add_events(conn: Connection, events: Sequence[Mapping[str, Any]]) -> None:
    if events:
        conn.execute(insert(inbox_events), list(events))


def event(item_id: int, kind: str, actor: str, detail: str = "", at: datetime | None = None
          ) -> dict[str, Any]:
    return {"item_id": item_id, "kind": kind, "actor": actor, "detail": detail,
            "at": to_db(at or utcnow())}


def thread_counts(conn: Connection, channel: str, since: Mapping[tuple[str, str], datetime]
                  ) -> dict[tuple[str, str], int]:
    """Per (column, value) thread key (column ``post_remote_id`` or ``thread_id``): how many
    items the thread has since the given moment."""
    c = inbox_items.c
    counts: dict[tuple[str, str], int] = {key: 0 for key in since}
    by_col: dict[str, dict[str, datetime]] = {}
    for (col, value), moment in since.items():
        if col not in ("post_remote_id", "thread_id"):
            raise ValueError(f"not a thread column: {col}")
        by_col.setdefault(col, {})[value] = to_db(moment)
    if conn.dialect.name == "postgresql":
        # one query for the page: per thread, its items since its own moment, counted in
        # SQL. The ORDER BY, which the (channel, thread, created_at) index delivers, keeps
        # the planner on that index while the table has no statistics (see ``lookup``).
        parts, params = [], []
        for col, keys in by_col.items():
            parts.append(f"SELECT '{col}' AS col, u.value, i.n "
                         "FROM unnest(%s::varchar[], %s::timestamp[]) AS u(value, since) "
                         "CROSS JOIN LATERAL (SELECT count(*) AS n FROM (SELECT 1 "
                         f"FROM inbox_items WHERE channel = %s AND {col} = u.value "
                         "AND created_at >= u.since ORDER BY created_at) AS t) AS i")
            params += [list(keys), list(keys.values()), channel]
        for col, value, n in conn.exec_driver_sql(" UNION ALL ".join(parts), tuple(params)):
            counts[(col, value)] = n
        return counts
    for col, limits in by_col.items():
        earliest = min(limits.values())
        for chunk in _chunks(list(limits)):
            for value, created in conn.execute(
                    select(c[col], c.created_at).where(c.channel == channel, c[col].in_(chunk),
                                                       c.created_at >= earliest)):
                if created >= limits[value]:
                    counts[(col, value)] += 1
    return counts


def flag_thread(conn: Connection, channel: str, thread: tuple[str, str], since: datetime,
                flag: str) -> list[int]:
    """Add ``flag`` to the thread's items since ``since`` that lack it; their ids."""
    c = inbox_items.c
    ids = [r.id for r in conn.execute(
        select(c.id).where(c.channel == channel, c[thread[0]] == thread[1],
                           c.created_at >= to_db(since),
                           ~(literal_column("',' || flags || ','").like(f"%,{flag},%"))))]
    for chunk in _chunks(ids):
        conn.execute(update(inbox_items).where(c.id.in_(chunk)).values(
            flags=text(f"CASE WHEN flags = '' THEN '{flag}' ELSE flags || ',{flag}' END")))
    return ids


def author_seen(conn: Connection, channel: str, author_key: str) -> bool:
    c = inbox_items.c
    return conn.execute(select(c.id).where(c.channel == channel, c.author_key == author_key)
                        .limit(1)).first() is not None


# -- cursors -------------------------------------------------------------------------

def get_cursor(conn: Connection, channel: str) -> str | None:
    return conn.execute(select(inbox_cursors.c.cursor)
                        .where(inbox_cursors.c.channel == channel)).scalar()


def save_cursor(conn: Connection, channel: str, cursor: str | None, *, error: str | None = None,
                keep_cursor: bool = False) -> None:
    """Record a harvest run; ``keep_cursor`` leaves the saved cursor as it was (after an error)."""
    now = to_db(utcnow())
    values: dict[str, Any] = {"last_run_at": now, "last_error": error}
    if not keep_cursor:
        values.update(cursor=cursor, updated_at=now)
    done = conn.execute(update(inbox_cursors).where(inbox_cursors.c.channel == channel)
                        .values(**values)).rowcount
    if not done:
        conn.execute(insert(inbox_cursors).values(channel=channel, **values))


def cursors(conn: Connection) -> list[Row]:
    return list(conn.execute(select(inbox_cursors).order_by(inbox_cursors.c.channel)))


# -- reading -----------------------------------------------------------------------

def get_item(conn: Connection, item_id: int) -> Row | None:
    return conn.execute(select(inbox_items).where(inbox_items.c.id == item_id)).first()


def item_events(conn: Connection, item_id: int) -> list[Row]:
    return list(conn.execute(select(inbox_events).where(inbox_events.c.item_id == item_id)
                             .order_by(inbox_events.c.id)))


def item_answers(conn: Connection, item_id: int) -> list[Row]:
    return list(conn.execute(select(inbox_answers).where(inbox_answers.c.item_id == item_id)
                             .order_by(inbox_answers.c.id)))


@dataclass
class ItemFilter:
    """What ``outreach inbox list`` asks for; empty fields do not filter."""

    statuses: tuple[str, ...] = OPEN_STATUSES
    channel: str | None = None
    category: str | None = None
    assignee: str | None = None
    flag: str | None = None           # a flag name, or "any"
    kinds: tuple[str, ...] = ()       # complaint, question, opinion, greeting, survey, spam
    overdue: bool = False
    search: str | None = None
    include_deleted: bool = False
    limit: int = 50
    offset: int = 0
    now: datetime = field(default_factory=utcnow)


def list_items(conn: Connection, f: ItemFilter) -> list[Row]:
    """Items matching ``f``, newest first."""
    c = inbox_items.c
    conds = []
    if f.statuses:
        conds.append(c.status.in_(f.statuses))
    if f.channel:
        conds.append(c.channel == f.channel)
    if f.kinds:
        conds.append(c.kind.in_(f.kinds))
    if f.category:
        conds.append(_has(conn, "categories", f.category))
    if f.assignee:
        conds.append(c.assignee == f.assignee)
    if f.flag == "any":
        conds.append(c.flags != "")
    elif f.flag:
        conds.append(_has(conn, "flags", f.flag))
    if f.overdue:
        conds.append(overdue_clause(f.now))
    if not f.include_deleted:
        conds.append(c.deleted_at.is_(None))
    stmt = select(inbox_items)
    if f.search:
        if conn.dialect.name == "sqlite":
            query = _fts5_query(f.search)
            if query is None:
                return []
            stmt = (stmt.join(_fts, c.id == literal_column("inbox_search.rowid"))
                    .where(text("inbox_search MATCH :q").bindparams(q=query))
                    .order_by(literal_column("inbox_search.rowid").desc()))
        else:
            stmt = _pg_search(stmt, f.search)
            if stmt is None:
                return []
            stmt = stmt.where(*conds).limit(f.limit).offset(f.offset)
            if f.offset == 0:
                # Newest first: a common word fills the page from the newest items at once,
                # while the planner (which multiplies the pieces' frequencies and so thinks
                # every word is rare) would read all its matches through the GIN index.
                newest = conn.execute(select(c.id).order_by(c.id.desc()).limit(1)).scalar() or 0
                floor = newest - RECENT_WINDOW
                recent = list(conn.execute(stmt.where(
                    c.id > floor, literal_column("inbox_search.item_id") > floor)))
                if len(recent) >= f.limit:
                    return recent
            return list(conn.execute(stmt))
    else:
        stmt = stmt.order_by(c.id.desc())
    return list(conn.execute(stmt.where(*conds).limit(f.limit).offset(f.offset)))


RECENT_WINDOW = 5000


def _has(conn: Connection, col: str, value: str):
    """``value`` is one of the comma-separated names in ``col`` (categories or flags).
    PostgreSQL: array containment, served by the GIN index on the column's split form
    (migration 0002), whose statistics also tell the planner how common the name is;
    ``LIKE '%,name,%'`` had neither and made it read every open item. SQLite keeps the
    ``LIKE`` (walking the newest items finds a page at once). A value holding a comma
    (never stored: tagging refuses it) keeps the ``LIKE`` everywhere, for identical results."""
    if conn.dialect.name == "postgresql" and "," not in value:
        return text(f"string_to_array(inbox_items.{col}, ',') @> CAST(:{col}_has AS text[])"
                    ).bindparams(**{f"{col}_has": [value]})
    return literal_column(f"',' || inbox_items.{col} || ','").like(
        f"%,{_like_escape(value)},%", escape="\\")


def search_pieces(query: str) -> list[str]:
    """The index pieces every match of ``query`` holds (PostgreSQL's ``grams``)."""
    words = _words(query)
    # a long word's pieces imply its characters: only single-character words need those
    return sorted({w[i:i + 2] for w in words for i in range(len(w) - 1)}
                  | {w for w in words if len(w) == 1})


def _pg_search(stmt, query: str, *, walk: bool = False):
    """``stmt`` narrowed to items whose words contain every query word (PostgreSQL).

    ``walk``: test the pieces row by row (an expression no index serves) instead of
    through the GIN index, for a word with so many matches that reading them all costs
    more than walking the newest items in order (``inbox_queries._search_page``)."""
    c = inbox_items.c
    words = _words(query)
    if not words:
        return None
    pieces = search_pieces(query)
    grams = "(inbox_search.grams || '{}'::text[])" if walk else "inbox_search.grams"
    stmt = (stmt.join(_fts, c.id == literal_column("inbox_search.item_id"))
            .where(text(f"{grams} @> CAST(:grams AS text[])").bindparams(grams=pieces))
            .order_by(c.id.desc()))
    for i, word in enumerate(w for w in words if len(w) > 2):
        stmt = stmt.where(text(f"strpos(inbox_search.body, :w{i}) > 0")
                          .bindparams(**{f"w{i}": word}))
    return stmt


def overdue_clause(now: datetime):
    c = inbox_items.c
    moment = to_db(now)
    return or_(and_(c.status.in_(("new", "open")), c.first_answered_at.is_(None),
                    c.first_due_at < moment),
               and_(c.status.in_(OPEN_STATUSES), c.resolved_at.is_(None),
                    c.resolve_due_at < moment))


# -- answers -------------------------------------------------------------------------

def find_answer(conn: Connection, key: str) -> Row | None:
    return conn.execute(select(inbox_answers).where(inbox_answers.c.key == key)).first()


def get_answer(conn: Connection, answer_id: int) -> Row | None:
    return conn.execute(select(inbox_answers).where(inbox_answers.c.id == answer_id)).first()


def add_answer(conn: Connection, **values: Any) -> int:
    return conn.execute(insert(inbox_answers).values(**values)
                        .returning(inbox_answers.c.id)).scalar_one()


def update_answer(conn: Connection, answer_id: int, **values: Any) -> None:
    conn.execute(update(inbox_answers).where(inbox_answers.c.id == answer_id).values(**values))


# -- helpers -------------------------------------------------------------------------

def ref_of(row: Row) -> dict[str, Any]:
    try:
        value = json.loads(row.ref or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _chunks(values: list, size: int = _CHUNK) -> Iterable[list]:
    for i in range(0, len(values), size):
        yield values[i:i + size]
