"""The queue's "category X" (and overdue) filters return exactly the items they describe,
newest first, on both databases: whichever way the store reads them (PostgreSQL: the
newest items first, else every match through migration 0015's (department, category)
index), and with names that could fool the index keys or a LIKE pattern."""

from __future__ import annotations

from datetime import timedelta

import pytest
from schema_support import downgrade
from sqlalchemy import event

from outreach.store import inbox as store
from outreach.store.inbox_queries import QueueFilter, queue_page
from outreach.store.inbox_tables import inbox_items

from inbox_report_data import NOW, _item, db_rows, k
from test_inbox_support import opened

OPEN = ("new", "open", "answered")
DEPTS = ("도로과", "교통행정과", "a", "a:b", None)
CATS = ("주차", "주차장", "c", "b:c", "50%_off", "5000_off", "주차,도로", "", "도로,주차,가로등")
STATUSES = ("new", "open", "answered", "resolved", "new", "open")


def _items() -> list[dict]:
    """Every department x category, in turn new, open, answered, resolved; some answered,
    some past their deadlines at NOW, some deleted."""
    out = []
    n = 0
    for dept in DEPTS:
        for cats in CATS:
            for late in (False, True):
                n += 1
                when = k(27, 10) - timedelta(days=6) if late else k(27, 10) + timedelta(hours=n)
                status = STATUSES[n % len(STATUSES)]
                answered = when + timedelta(hours=1) if status != "new" and n % 3 else None
                item = _item(f"q{n}", "facebook", when, status=status, dept=dept, cats=cats,
                             answered=answered, deleted=n % 17 == 0,
                             resolved=when + timedelta(days=1) if status == "resolved" else None)
                if n % 5 == 0:            # answered late: only the resolution deadline left
                    item["resolve_due_at"] = when + timedelta(days=1)
                out.append(item)
    return out


def _expected(items: list[dict], ids: dict[str, int], f: QueueFilter) -> list[int]:
    """The filter's meaning, written out (the overdue rule as ``overdue_now``)."""
    out = []
    for item in items:
        if item["deleted_at"] is not None or item["status"] not in f.statuses:
            continue
        if f.departments is not None and item["assignee"] not in f.departments:
            continue
        if f.department and item["assignee"] != f.department:
            continue
        if f.category and f.category not in item["categories"].split(","):
            continue
        if f.overdue and not (
                (item["status"] in ("new", "open") and item["first_answered_at"] is None
                 and item["first_due_at"] < NOW)
                or (item["resolved_at"] is None and item["resolve_due_at"] < NOW)):
            continue
        if f.cursor and ids[item["remote_id"]] >= f.cursor:
            continue
        out.append(ids[item["remote_id"]])
    return sorted(out, reverse=True)[:f.limit]


@pytest.fixture(params=["near", "far"])
def stored(request, tmp_path, db_url):
    """The items; "far": a newer resolved item 20,000 numbers above them, so the newest
    items (PostgreSQL's first look) hold none of them and every match is read through
    the indexes."""
    settings, db = opened(tmp_path, db_url)
    items = _items()
    with db.begin() as conn:
        ids = store.insert_items(conn, db_rows(items, True))
        if request.param == "far":
            far = _item("far", "kakao", k(28, 10), status="resolved", cats="주차",
                        dept="도로과", answered=k(28, 11), resolved=k(28, 12))
            ids["far"] = max(ids.values()) + 20_000
            conn.execute(inbox_items.insert().values(id=ids["far"], **db_rows([far], True)[0]))
            items.append(far)
    yield db, items, ids
    db.dispose()


FILTERS = [
    dict(departments=("도로과",), category="주차"),
    dict(departments=("도로과",), category="주차", overdue=True),
    dict(departments=("도로과", "a:b"), category="주차장", overdue=True),
    dict(departments=("a",), category="b:c"),         # key "a:b:c" is also a:b's "c"
    dict(departments=("a:b",), category="c"),
    dict(departments=("a", "a:b"), category="c", overdue=True),
    dict(departments=("교통행정과",), category="50%_off"),   # LIKE's wildcards are literal
    dict(departments=("교통행정과",), category="가로등", overdue=True),
    dict(departments=("도로과", "교통행정과"), department="교통행정과", category="주차"),
    dict(departments=("도로과",), department="교통행정과", category="주차"),   # not theirs
    dict(department="a:b", category="c", overdue=True),
    dict(category="주차", overdue=True),               # every department (a supervisor)
    dict(departments=("도로과",), category="주차", statuses=("new",)),
    dict(departments=("도로과",), category="주차", statuses=("resolved",)),
    dict(departments=("도로과", "a"), category="도로", statuses=OPEN + ("resolved",)),
]


def test_category_filters_return_exactly_their_items(stored):
    db, items, ids = stored
    with db.read() as conn:
        for spec, limit in ((spec, limit) for spec in FILTERS for limit in (1, 3, 50)):
            f = QueueFilter(now=NOW, limit=limit, **spec)
            rows, _ = queue_page(conn, f)
            want = _expected(items, ids, f)
            assert [r.id for r in rows] == want, (limit, spec)
            if limit == 3 and len(want) == 3:      # the next page by keyset
                nxt = QueueFilter(now=NOW, limit=50, cursor=want[-1], **spec)
                assert [r.id for r in queue_page(conn, nxt)[0]] == _expected(items, ids, nxt)
    # the filters are not vacuous: most of them find something
    assert sum(bool(_expected(items, ids, QueueFilter(now=NOW, **s))) for s in FILTERS) >= 11


def test_postgresql_reads_the_department_category_index(tmp_path, db_url):
    """The query names the index's expression and predicate exactly as migration 0015
    built it: PostgreSQL answers "category 주차 in 도로과" from that index, not from the
    department's backlog (a sequential scan of this small table is ruled out, as it
    would be at a million items)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL index")
    settings, db = opened(tmp_path, db_url)
    with db.begin() as conn:
        store.insert_items(conn, db_rows(_items(), True))
        # a backlog: 3,000 open items of 도로과, none about parking
        conn.exec_driver_sql(
            "INSERT INTO inbox_items (channel, remote_id, text, created_at, received_at, "
            "platform_hidden, status, assignee, categories, flags, priority, ref, source, "
            "kind) SELECT 'kakao', 'b' || g, 't', '2026-11-16 01:00:00', "
            "'2026-11-16 01:00:00', false, 'open', '도로과', '도로', '', 3, '{}', 'poll', "
            "'complaint' FROM generate_series(1, 3000) AS g")
        conn.exec_driver_sql("ANALYZE inbox_items")
    seen: list[tuple[str, object]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "MATERIALIZED" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    f = QueueFilter(now=NOW, departments=("도로과",), category="주차", overdue=True)
    with db.read() as conn:
        queue_page(conn, f)
        assert seen, "the page was read without the all-matches query"
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + seen[0][0],
                                                             seen[0][1]))
    event.remove(db.engine, "before_cursor_execute", grab)
    assert "ix_inbox_items_open_dept_category" in plan, plan
    db.dispose()


def test_migration_0015_down_and_up(tmp_path, empty_db_url):
    """0015 adds the index on PostgreSQL (nothing on SQLite) and takes it away again."""

    from outreach.store.db import open_database

    def index_there(db) -> bool:
        with db.read() as conn:
            if db.engine.dialect.name == "sqlite":
                sql = "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = %s"
                return bool(conn.exec_driver_sql(sql.replace("%s", "?"),
                                                 ("ix_inbox_items_open_dept_category",))
                            .scalar())
            return bool(conn.exec_driver_sql(
                "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() "
                "AND indexname = %s", ("ix_inbox_items_open_dept_category",)).scalar())

    db = open_database(empty_db_url)
    assert index_there(db) == empty_db_url.startswith("postgresql")
    downgrade(db, "0014_approval_version")
    assert not index_there(db)
    db.dispose()
    db = open_database(empty_db_url)                       # brings it back up to the newest
    assert index_there(db) == empty_db_url.startswith("postgresql")
    db.dispose()
