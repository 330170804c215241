"""Inbox web benchmark: queue and search pages at 1,000,000 items, and a month's export.

    .venv/bin/python bench/inbox_web.py                          # SQLite, 1,000,000 items
    .venv/bin/python bench/inbox_web.py --items 200000           # a quick run
    .venv/bin/python bench/inbox_web.py --database-url postgresql://postgres@127.0.0.1:5432/test

Setup (not timed): the database is filled by bulk INSERT ... SELECT statements
generated in SQL (SQLite: a recursive CTE; PostgreSQL: generate_series) from
the ~840 distinct Korean texts of bench/inbox.py, each classified once by the
real triage rules (category, department); the search index is filled the same
way. Items span ``--months`` months (default 20, so a month holds 50,000 at
1,000,000 items); 80% resolved, 8% answered, 6% open, 6% new; deadlines 4 h /
9 days after receipt. Most queries run well under a second, so the whole run
is bounded by the fill (about a minute on SQLite, a few on PostgreSQL).

Timed:
- the queue and search **pages**: the staff app in-process (Starlette's
  TestClient, a signed-in officer or supervisor), wall time of the whole
  request (routing, session, query, template), which bounds the server time
  from above. Goal: p95 <= 100 ms;
- the same queries through the service alone (``Desk.queue``);
- a month's XLSX export (every item of the busiest month, masked) and its CSV.
  Goal: <= 10 s for >= 50,000 items.

For PostgreSQL the URL's database is used as is: the script creates and drops
its own schema in it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from inbox import PLACES, PROBLEMS, QUERIES, TAILS, Target  # noqa: E402

from outreach.inbox.triage import classify, load_rules  # noqa: E402
from outreach.store import inbox as store  # noqa: E402
from outreach.store.inbox_queries import QueueFilter, has_kind  # noqa: E402

START = datetime(2025, 4, 1, tzinfo=timezone.utc)
CHANNELS = ("facebook", "instagram", "youtube", "kakao", "blog")
KINDS = ["complaint"] * 12 + ["request"] * 3 + ["question"] * 3 + ["greeting", "opinion"]


def texts() -> list[tuple[str, str, str]]:
    """(text, categories, department) for every distinct generated text."""
    rules = load_rules(ROOT / "inbox/rules.yaml")
    out = []
    for place in PLACES:
        for problem in PROBLEMS:
            for tail in TAILS:
                text = f"{place} {problem}. {tail}".strip()
                v = classify(rules, text)
                out.append((text, ",".join(v.categories), v.department or ""))
    return out


def fill(db, n: int, months: int, person: int | None = None) -> float:
    """Fill ``n`` items; returns the seconds it took. A third of 도로과's items are assigned
    to the account ``person`` (the officer the pages sign in as)."""
    started = time.perf_counter()
    person_sql = f"CASE WHEN t.dept = '도로과' AND g.i % 3 = 0 THEN {int(person)} END" \
        if person else "NULL"
    rows = texts()
    step = months * 30.4 * 86400 / n              # seconds between items
    kind_col = ", kind" if has_kind() else ""
    with db.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("CREATE TEMP TABLE bench_texts (id INTEGER PRIMARY KEY, text TEXT, "
                                 "cats TEXT, dept TEXT, tokens TEXT)")
            conn.exec_driver_sql("INSERT INTO bench_texts VALUES (?, ?, ?, ?, ?)",
                                 [(i, t, c, d, store.search_tokens(t))
                                  for i, (t, c, d) in enumerate(rows)])
            kinds = "CASE (g.i % 20) " + " ".join(
                f"WHEN {i} THEN '{k}'" for i, k in enumerate(KINDS)) + " END"
            ts = ("strftime('%Y-%m-%d %H:%M:%S', '{start}', '+' || CAST(g.i * {step} + {off} "
                  "AS INTEGER) || ' seconds') || '.000000'")

            def at(off: str = "0") -> str:
                return ts.format(start=START.strftime("%Y-%m-%d %H:%M:%S"), step=step, off=off)
            conn.exec_driver_sql(f"""
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {n})
INSERT INTO inbox_items (id, channel, remote_id, text, created_at, received_at, status, assignee,
    categories, flags, priority, first_due_at, resolve_due_at, first_answered_at, resolved_at,
    ref, source, author_key, platform_hidden, assignee_user_id{kind_col})
SELECT g.i, CASE g.i % 5 {' '.join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(CHANNELS))} END,
    'r' || g.i, t.text, {at()}, {at()},
    CASE WHEN g.i % 100 < 80 THEN 'resolved' WHEN g.i % 100 < 88 THEN 'answered'
         WHEN g.i % 100 < 94 THEN 'open' ELSE 'new' END,
    NULLIF(t.dept, ''), t.cats, CASE WHEN g.i % 50 = 0 THEN 'personal_data' ELSE '' END, 3,
    {at('14400')}, {at('777600')},
    CASE WHEN g.i % 100 < 88 THEN {at('3600 * (1 + g.i % 7)')} END,
    CASE WHEN g.i % 100 < 80 THEN {at('86400 * (1 + g.i % 5)')} END,
    '{{}}', 'poll', printf('%016x', g.i % 70000), 0, {person_sql}{', ' + kinds if kind_col else ''}
FROM g JOIN bench_texts t ON t.id = g.i % {len(rows)}""")
            conn.exec_driver_sql(f"INSERT INTO inbox_search (rowid, tokens) SELECT i.id, t.tokens "
                                 f"FROM inbox_items i JOIN bench_texts t ON t.id = i.id % {len(rows)}")
        else:
            conn.exec_driver_sql("CREATE TEMP TABLE bench_texts (id integer PRIMARY KEY, text text, "
                                 "cats text, dept text, grams text[], body text)")
            values = []
            for i, (t, c, d) in enumerate(rows):
                grams, body = store.search_grams(t)
                values.append((i, t, c, d, grams, body))
            conn.exec_driver_sql("INSERT INTO bench_texts VALUES (%s, %s, %s, %s, %s, %s)", values)
            for name in ("ix_inbox_search_grams", "ix_inbox_items_categories",
                         "ix_inbox_items_flags", "ix_inbox_items_open_dept_category"):
                conn.exec_driver_sql(f"DROP INDEX {name}")
            kinds = "(ARRAY[" + ",".join(f"'{k}'" for k in KINDS) + "])[1 + g.i % 20]"
            start = START.strftime("%Y-%m-%d %H:%M:%S")

            def at(off: str = "0") -> str:
                return f"(timestamp '{start}' + (g.i * {step} + {off}) * interval '1 second')"
            conn.exec_driver_sql(f"""
INSERT INTO inbox_items (id, channel, remote_id, text, created_at, received_at, status, assignee,
    categories, flags, priority, first_due_at, resolve_due_at, first_answered_at, resolved_at,
    ref, source, author_key, platform_hidden, assignee_user_id{kind_col})
SELECT g.i, (ARRAY[{','.join(f"'{c}'" for c in CHANNELS)}])[1 + g.i % 5], 'r' || g.i, t.text,
    {at()}, {at()},
    CASE WHEN g.i % 100 < 80 THEN 'resolved' WHEN g.i % 100 < 88 THEN 'answered'
         WHEN g.i % 100 < 94 THEN 'open' ELSE 'new' END,
    NULLIF(t.dept, ''), t.cats, CASE WHEN g.i % 50 = 0 THEN 'personal_data' ELSE '' END, 3,
    {at('14400')}, {at('777600')},
    CASE WHEN g.i % 100 < 88 THEN {at('3600 * (1 + g.i % 7)')} END,
    CASE WHEN g.i % 100 < 80 THEN {at('86400 * (1 + g.i % 5)')} END,
    '{{}}', 'poll', lpad(to_hex(g.i % 70000), 16, '0'), false, {person_sql}{', ' + kinds if kind_col else ''}
FROM generate_series(1, {n}) AS g(i) JOIN bench_texts t ON t.id = g.i % {len(rows)}""".replace(
                "%", "%%"))
            conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('inbox_items', 'id'), {n})")
            conn.exec_driver_sql(f"INSERT INTO inbox_search (item_id, grams, body) "
                                 f"SELECT i.id, t.grams, t.body FROM inbox_items i "
                                 f"JOIN bench_texts t ON t.id = i.id %% {len(rows)}")
            conn.exec_driver_sql("CREATE INDEX ix_inbox_search_grams ON inbox_search USING gin (grams)")
            conn.exec_driver_sql("CREATE INDEX ix_inbox_items_categories ON inbox_items "
                                 "USING gin (string_to_array(categories, ','))")
            conn.exec_driver_sql("CREATE INDEX ix_inbox_items_flags ON inbox_items "
                                 "USING gin (string_to_array(flags, ','))")
            from outreach.store.inbox_queries import _OPEN_SQL, DEPT_CATEGORY_SQL

            # as migration 0015 builds it
            conn.exec_driver_sql(f"CREATE INDEX ix_inbox_items_open_dept_category ON inbox_items "
                                 f"USING gin ({DEPT_CATEGORY_SQL}) WHERE "
                                 f"{_OPEN_SQL.replace('inbox_items.', '')}")
    if db.is_sqlite:
        with db.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.exec_driver_sql("INSERT INTO inbox_search(inbox_search) VALUES ('optimize')")
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE inbox_items")
            conn.exec_driver_sql("VACUUM ANALYZE inbox_search")
    return time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


PERSON: list[int] = []     # road's account number (the "mine" filter of the service timings)
CPU: list[float] = []      # CPU ms of every timed call (this process, all threads)


def timed(call, repeat: int) -> list[float]:
    """Wall-clock ms per call; the CPU time each took goes to ``CPU`` (on a shared, loaded
    machine wall time includes waiting for a core; CPU time is the work itself)."""
    out = []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        call()
        out.append((time.perf_counter() - started) * 1000)
        CPU.append((time.process_time() - cpu) * 1000)
    return out


def timed_pair(call, repeat: int) -> tuple[float, float, float, float]:
    """(p50 wall, p95 wall, p95 CPU, p50 CPU) in ms."""
    CPU.clear()
    ms = timed(call, repeat)
    return pct(ms, 0.5), pct(ms, 0.95), pct(CPU, 0.95), pct(CPU, 0.5)


def now_in_data(n: int, months: int) -> datetime:
    """'Now' at the end of the generated months (so some open items are overdue)."""
    return START + timedelta(days=months * 30.4)


QUEUE_CASES = {
    "queue (open, newest)": {},
    "queue department 도로과": {"department": "도로과"},
    "queue sorted by due time": {"sort": "due"},
    "queue most overdue first": {"sort": "late"},
    "queue overdue only": {"overdue": "1"},
    "queue category 주차": {"category": "주차"},
    "queue channel kakao": {"channel": "kakao"},
    "queue resolved, a page deep (keyset cursor)": {"status": "resolved", "cursor": "500000"},
    "queue mine (내 담당)": {"assignee": "me"},
    "queue unassigned (미배정)": {"assignee": "none"},
    "queue category 주차, overdue": {"category": "주차", "overdue": "1"},
    "queue flag personal_data": {"flag": "personal_data"},
}


def wanted(name: str, cases: list[str] | None) -> bool:
    """``--case`` filters: a case runs when its name holds one of the given texts."""
    return not cases or any(c in name for c in cases)


def bench_service(desk, repeat: int, cases: list[str] | None = None) -> dict:
    out = {}
    for name, params in QUEUE_CASES.items():
        if not wanted(name, cases):
            continue
        f = QueueFilter(department=params.get("department"), category=params.get("category"),
                        channel=params.get("channel"), sort=params.get("sort", "newest"),
                        overdue=params.get("overdue") == "1", flag=params.get("flag"),
                        unassigned=params.get("assignee") == "none",
                        person_id=PERSON[0] if params.get("assignee") == "me" else None,
                        cursor=int(params["cursor"]) if "cursor" in params else None,
                        **({"statuses": (params["status"],)} if "status" in params else {}))
        out[name] = timed_pair(lambda: desk.queue(f), repeat)
    if not wanted("search (14 Korean queries)", cases):
        return out
    search = []
    CPU.clear()
    for q in QUERIES:
        search += timed(lambda: desk.queue(QueueFilter(search=q)), max(repeat // 3, 3))
    out["search (14 Korean queries)"] = (pct(search, 0.5), pct(search, 0.95), pct(CPU, 0.95),
                                         pct(CPU, 0.5))
    return out


def bench_pages(ws, repeat: int, cases: list[str] | None = None,
                profile: str | None = None) -> dict:
    """The pages in-process; with ``profile``, a cProfile of the requests' worker threads
    (where Starlette runs a sync route: the route, ``Desk.queue``, the template) goes to
    that file."""
    from urllib.parse import urlencode

    sys.path.insert(0, str(ROOT / "tests"))
    from web_support import add_user, sign_in, staff_client

    out = {}
    profiler = _profile_worker_threads() if profile else None
    for who in ("chief", "road"):
        if not any(wanted(f"{who}: {name}", cases)
                   for name in [*QUEUE_CASES, "search page (14 queries)"]):
            continue
        with staff_client(ws) as client:
            from outreach.web.heap import settle_heap

            settle_heap()                              # as `outreach serve` does at start-up
            sign_in(client, who)
            client.get("/inbox")                       # warm up (templates, catalogs)
            if profiler is not None:
                profiler.on = True
            for name, params in QUEUE_CASES.items():
                if not wanted(f"{who}: {name}", cases):
                    continue
                url = "/inbox?" + urlencode(params)
                out[f"{who}: {name}"] = timed_pair(lambda: _ok(client.get(url)), repeat)
            if not wanted(f"{who}: search page (14 queries)", cases):
                continue
            search = []
            CPU.clear()
            for q in QUERIES:
                url = "/inbox?" + urlencode({"q": q})
                search += timed(lambda: _ok(client.get(url)), max(repeat // 3, 3))
            out[f"{who}: search page (14 queries)"] = (pct(search, 0.5), pct(search, 0.95),
                                                       pct(CPU, 0.95), pct(CPU, 0.5))
    if profiler is not None:
        profiler.stop(profile)
    return out


def _profile_worker_threads():
    """Profile every call Starlette hands to a worker thread (``anyio.to_thread.run_sync``,
    how it runs a sync route), once ``on`` is set; ``stop(path)`` writes the stats."""
    import cProfile

    import anyio.to_thread

    class Profiler:
        on = False

        def __init__(self) -> None:
            self.profile = cProfile.Profile(time.thread_time)   # CPU, not waiting
            self.original = anyio.to_thread.run_sync

            async def run_sync(func, *args, **kwargs):
                if not self.on:
                    return await self.original(func, *args, **kwargs)
                return await self.original(lambda *a: self.profile.runcall(func, *a), *args,
                                           **kwargs)
            anyio.to_thread.run_sync = run_sync

        def stop(self, path: str) -> None:
            anyio.to_thread.run_sync = self.original
            self.profile.dump_stats(path)
            print(f"profile of the page requests written to {path}", file=sys.stderr)

    return Profiler()


def _ok(response):
    assert response.status_code == 200, (response.status_code, response.text[:300])


def bench_export(settings, db, months: int, profile: str | None = None, runs: int = 1) -> dict:
    from outreach.inbox.report import month_period, inbox_report
    from outreach.inbox.report_export import items_csv, write_xlsx
    from outreach.inbox.settings import inbox_config

    working = inbox_config(settings).working
    middle = START + timedelta(days=months * 30.4 / 2)
    period = month_period(f"{middle.year:04d}-{middle.month:02d}")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        report = inbox_report(db, working, period)
        figures_s = time.perf_counter() - started
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        walls, cpus = [], []
        for _ in range(max(runs, 1)):
            started, cpu = time.perf_counter(), time.process_time()
            report = write_xlsx(db, working, period, Path(tmp) / "m.xlsx")
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
        xlsx_s, xlsx_cpu = min(walls), min(cpus)
        size = (Path(tmp) / "m.xlsx").stat().st_size
        started, cpu = time.perf_counter(), time.process_time()
        with open(Path(tmp) / "m.csv", "w", encoding="utf-8", newline="") as fh:
            items_csv(db, working, period, fh)
        csv_s = time.perf_counter() - started
        csv_cpu = time.process_time() - cpu
    data = report.as_json()
    total = data["complaints"]["received"] + sum(data["apart"].values())
    return {"month": period.label, "items": total, "figures_s": figures_s, "xlsx_s": xlsx_s,
            "xlsx_cpu": xlsx_cpu, "runs": len(walls),
            "xlsx_s_median": sorted(walls)[len(walls) // 2],
            "xlsx_cpu_median": sorted(cpus)[len(cpus) // 2],
            "xlsx_mb": size / 1e6, "csv_s": csv_s, "csv_cpu": csv_cpu}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=30, help="timings per page")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in a temp folder)")
    parser.add_argument("--skip-pages", action="store_true", help="service timings only")
    parser.add_argument("--skip-export", action="store_true", help="no export timings")
    parser.add_argument("--only", choices=("export", "pages"),
                        help="time only this part (with --keep: tune the export or the pages "
                             "without refilling or re-timing the rest)")
    parser.add_argument("--case", action="append", metavar="TEXT",
                        help="time only the cases whose name holds TEXT (repeatable), e.g. "
                             "--case 'road: queue channel kakao'")
    parser.add_argument("--export-runs", type=int, default=1, metavar="N",
                        help="write the XLSX N times and report the fastest and the median "
                             "(the machine is shared: one run can be slowed by others)")
    parser.add_argument("--profile", metavar="FILE",
                        help="write a cProfile to FILE: of the XLSX export with --only export, "
                             "else of the page requests (their worker threads)")
    parser.add_argument("--keep", metavar="NAME",
                        help="keep the filled database for the next run and reuse it if it is "
                             "there (SQLite: /tmp/NAME.db; PostgreSQL: schema NAME)")
    parser.add_argument("--reuse", metavar="NAME",
                        help="like --keep, but never fill: stop with a message when the kept "
                             "database NAME is missing or empty (time pages on another run's "
                             "fill, e.g. the schema a long PostgreSQL run kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        kept = args.reuse or args.keep
        if args.reuse and not Kept.exists(args.database_url, args.reuse):
            print(f"--reuse {args.reuse}: no kept database of that name (SQLite: "
                  f"/tmp/{args.reuse}.db; PostgreSQL: schema {args.reuse}); fill one with "
                  f"--keep {args.reuse}", file=sys.stderr)
            return 2
        target = Kept(args.database_url, kept) if kept else \
            Target(args.database_url, tmp, "web")
        try:
            road = _staff(target.db)
            PERSON.append(road)
            fill_s = 0.0
            if not _filled(target.db):
                if args.reuse:
                    print(f"--reuse {args.reuse}: the kept database is empty; fill it with "
                          f"--keep {args.reuse}", file=sys.stderr)
                    return 2
                print(f"filling {args.items:,} items ...", file=sys.stderr)
                fill_s = fill(target.db, args.items, args.months, road)
                print(f"filled in {fill_s:.1f} s", file=sys.stderr)
            ws = _workspace(tmp, target)
            from outreach.inbox.desk import Desk
            from outreach.users.audit import Actor

            clock = lambda: now_in_data(args.items, args.months)  # noqa: E731
            results = {}
            if args.only is None:
                results["service"] = bench_service(Desk(ws.settings, target.db,
                                                        Actor.system("bench"), None, now=clock),
                                                   args.repeat, args.case)
            if args.only in (None, "pages") and not args.skip_pages:
                results["pages"] = bench_pages(ws, args.repeat, args.case,
                                               args.profile if args.only != "export" else None)
            if not args.skip_export and args.only in (None, "export"):
                results["export"] = bench_export(ws.settings, target.db, args.months,
                                                 args.profile if args.only == "export" else None,
                                                 args.export_runs)
        finally:
            target.close()
    backend = "PostgreSQL" if args.database_url else "SQLite"
    size = f"{args.items:,} items (filled in {fill_s:.0f} s)" if fill_s else f"kept data of {kept}"
    print(f"\n{backend}, {size}")
    for section in ("service", "pages"):
        for name, (p50, p95, cpu95, cpu50) in results.get(section, {}).items():
            print(f"  {section:7} {name:45} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   "
                  f"CPU p95 {cpu95:6.1f} ms   CPU p50 {cpu50:6.1f} ms")
    e = results.get("export")
    if e:
        runs = f" best of {e['runs']} (median {e['xlsx_s_median']:.2f} s, CPU " \
               f"{e['xlsx_cpu_median']:.2f} s):" if e["runs"] > 1 else ""
        print(f"  export  month {e['month']}: {e['items']:,} items; figures {e['figures_s']:.2f} s, "
              f"XLSX{runs} {e['xlsx_s']:.2f} s (CPU {e['xlsx_cpu']:.2f} s, {e['xlsx_mb']:.1f} MB), "
              f"items CSV {e['csv_s']:.2f} s (CPU {e['csv_cpu']:.2f} s)")
    print(f"  load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


class Kept:
    """A database kept between runs (``--keep``): filled once, reused while tuning."""

    def __init__(self, base_url: str | None, name: str) -> None:
        from outreach.store.db import open_database

        if base_url:
            import sqlalchemy as sa

            admin = sa.create_engine(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
            with admin.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{name}"')
            admin.dispose()
            sep = "&" if "?" in base_url else "?"
            url = f"{base_url}{sep}options=-csearch_path%3D{name}"
        else:
            url = f"sqlite:////tmp/{name}.db"
        self.db = open_database(url)

    def close(self) -> None:
        self.db.dispose()

    @staticmethod
    def exists(base_url: str | None, name: str) -> bool:
        """Whether a kept database NAME is there (it may still be empty)."""
        if not base_url:
            return Path(f"/tmp/{name}.db").exists()
        import sqlalchemy as sa

        admin = sa.create_engine(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            with admin.connect() as conn:
                return conn.exec_driver_sql("SELECT 1 FROM information_schema.schemata "
                                            "WHERE schema_name = %s", (name,)).first() is not None
        finally:
            admin.dispose()


def _staff(db) -> int:
    """The accounts the pages sign in as (chief: approver of every department; road: officer
    of 도로과); road's account number."""
    sys.path.insert(0, str(ROOT / "tests"))
    from web_support import add_user

    with db.read() as conn:
        found = conn.exec_driver_sql("SELECT id FROM users WHERE name = 'road'").scalar()
    if found is None:
        add_user(db, "chief", "approver")
        found = add_user(db, "road", "officer", departments=["도로과"]).id
    return found


def _filled(db) -> bool:
    with db.read() as conn:
        return conn.exec_driver_sql("SELECT 1 FROM inbox_items LIMIT 1").first() is not None


def _workspace(tmp: Path, target):
    """A workspace over the benchmark's database (the staff app needs settings)."""
    from dataclasses import dataclass

    from outreach.config import load_settings

    root = tmp / "ws"
    root.mkdir()
    import shutil

    shutil.copytree(ROOT / "inbox", root / "inbox")
    url = str(target.db.engine.url.render_as_string(hide_password=False))
    url = url.replace("postgresql+psycopg://", "postgresql://")
    (root / "outreach.toml").write_text(
        f'timezone = "Asia/Seoul"\nlanguage = "ko"\ndatabase_url = "{url}"\n', encoding="utf-8")

    @dataclass
    class WS:
        root: Path
        settings: object
        db: object

    return WS(root, load_settings(root), target.db)


if __name__ == "__main__":
    sys.exit(main())
