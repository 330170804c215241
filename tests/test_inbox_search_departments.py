"""An officer's search for a common word returns exactly the items it describes, newest
first, on both databases. On PostgreSQL a common word walks the newest items; within an
officer's departments it reads the departments' items of the span first (the page's CPU
and time, see docs/inbox.md): the rows must be the same either way."""

from __future__ import annotations

import pytest

from outreach.store import inbox_queries
from outreach.store.inbox_queries import QueueFilter, queue_page

from outreach.store import inbox as store

from inbox_report_data import NOW, db_rows
from test_inbox_queue_category import OPEN, _expected, _items
from test_inbox_support import opened

FILTERS = [
    dict(departments=("도로과",)),
    dict(departments=("도로과", "a:b")),
    dict(departments=("a",), statuses=("new",)),
    dict(department="교통행정과"),
    dict(departments=("도로과", "교통행정과"), department="교통행정과"),
    dict(departments=("도로과",), statuses=OPEN + ("resolved",)),
    dict(departments=("없는과",)),
]


@pytest.fixture
def stored(tmp_path, db_url):
    """The category tests' items (every department x status, some deleted), indexed for
    search: each text holds "민원"."""
    settings, db = opened(tmp_path, db_url)
    items = _items()
    with db.begin() as conn:
        ids = store.insert_items(conn, db_rows(items, True), index=True)
    yield db, items, ids
    db.dispose()


@pytest.mark.parametrize("walk", [True, False], ids=["walk", "index"])
def test_a_department_search_returns_exactly_its_items(stored, monkeypatch, walk):
    db, items, ids = stored
    # every stored text holds "민원": on PostgreSQL a word counts as common (walked) when
    # its estimated matches exceed PG_FEW; -1 forces the walk whatever the statistics say
    monkeypatch.setattr(inbox_queries, "PG_FEW", -1 if walk else 10**9)
    with db.read() as conn:
        for spec, limit in ((spec, limit) for spec in FILTERS for limit in (1, 4, 50)):
            f = QueueFilter(now=NOW, limit=limit, search="민원", **spec)
            rows, _ = queue_page(conn, f)
            want = _expected(items, ids, QueueFilter(now=NOW, limit=limit, **spec))
            assert [r.id for r in rows] == want, (limit, spec)
            if limit == 4 and len(want) == 4:        # the next page by keyset
                nxt = dict(spec, cursor=want[-1])
                got = [r.id for r in queue_page(conn, QueueFilter(
                    now=NOW, limit=50, search="민원", **nxt))[0]]
                assert got == _expected(items, ids, QueueFilter(now=NOW, limit=50, **nxt))
    assert sum(bool(_expected(items, ids, QueueFilter(now=NOW, **s))) for s in FILTERS) >= 5


def test_postgresql_walks_the_departments_items_first(stored, monkeypatch, db_url):
    """The walk for a common word within departments starts from the departments' items
    of the span (``ix_inbox_items_open_dept``), not from every item's words."""
    if not db_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL query shape")
    from sqlalchemy import event

    db, _items_, _ids = stored
    monkeypatch.setattr(inbox_queries, "PG_FEW", -1)
    seen: list[str] = []
    with db.read() as conn:
        event.listen(conn, "before_cursor_execute",
                     lambda *a: seen.append(a[2]) if "inbox_search" in a[2] else None)
        queue_page(conn, QueueFilter(now=NOW, search="민원", departments=("도로과",)))
        queue_page(conn, QueueFilter(now=NOW, search="민원"))      # a supervisor: no CTE
    searches = [s for s in seen if "JOIN inbox_search" in s]
    assert len(searches) == 2
    assert "mine AS MATERIALIZED" in searches[0] and "mine" not in searches[1]
