"""Desk pages benchmark: server time and query count of every page on five years of history.

    .venv/bin/python bench/web.py                                  # SQLite
    .venv/bin/python bench/web.py --database-url postgresql://postgres@127.0.0.1:5432/test

Setup (not timed): a workspace with 40 weekly schedules and 5 channels, five
years of weekly runs (40 x 261 = 10,440 occurrences, 52,200 deliveries, one
attempt each) bulk-inserted with realistic states: nearly all published, some
failed, unknown, waiting hand-offs and drafts awaiting approval, plus a month
of upcoming runs and one-off posts. One real draft is rendered and shared by
every run, so the run page reads real slides and texts.

Timed: each desk page requested ``--repeat`` times through the ASGI app as a
signed-in admin (Starlette's TestClient, in process: server time without a
network), after two warm-up requests. Printed per page: p50 and p95 in ms
and the number of SQL statements per request, measured at two sizes (the
full history and a tenth of it) to show the count does not grow with the rows
shown. Goal: p95 <= 100 ms everywhere, equal query counts.

For PostgreSQL the script creates and drops its own schema in the URL's database.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import event, insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from outreach.publishing import model as m  # noqa: E402
from outreach.store.db import open_database  # noqa: E402
from outreach.store.ledger_tables import attempt, delivery, occurrence  # noqa: E402

CHANNELS = ("outbox", "facebook", "instagram", "youtube", "blog")
SCHEDULES = 40
YEARS = 5
NOW = datetime(2026, 11, 26, 0, 0, tzinfo=timezone.utc)


def workspace(folder: Path, url: str) -> Path:
    """outreach.toml, the sample templates and 40 weekly schedules."""
    (folder / "templates").mkdir(parents=True)
    shutil.copytree(ROOT / "templates" / "cards", folder / "templates" / "cards")
    channels = "".join(f'\n[channels.{name}]\ntype = "outbox"\n' for name in CHANNELS[:-1])
    channels += '\n[channels.blog]\ntype = "naver_blog"\nblog_id = "cityhall"\n'
    (folder / "outreach.toml").write_text(
        f'timezone = "Asia/Seoul"\ndatabase_url = "{url}"\n{channels}', encoding="utf-8")
    (folder / "schedules").mkdir()
    shutil.copytree(ROOT / "content", folder / "content")
    for i in range(SCHEDULES):
        day = ("mon", "tue", "wed", "thu", "fri")[i % 5]
        (folder / "schedules" / f"weekly-{i:02d}.yaml").write_text(
            f'template: weekend-guide\ncron: "{i % 50} {9 + i % 8} * * {day}"\n'
            f'channels: [{", ".join(CHANNELS)}]\n'
            f'data: content/weekend-guide/{{date}}.yaml\nskip_holidays: true\n',
            encoding="utf-8")
    return folder


def fill(db, draft_dir: str, scale: float = 1.0) -> tuple[int, int]:
    """Bulk-insert the history; (occurrences, deliveries)."""
    rnd = random.Random(7)
    weeks = int(52.2 * YEARS * scale)
    occ_rows, del_rows, att_rows = [], [], []
    occ_id = del_id = 0
    for s in range(SCHEDULES):
        base = NOW - timedelta(weeks=weeks) + timedelta(days=s % 5, hours=s % 8, minutes=s)
        for w in range(weeks + 5):
            when = base + timedelta(weeks=w)
            occ_id += 1
            future = when > NOW
            roll = rnd.random()
            state = (m.PLANNED if future else m.AWAITING_APPROVAL if when > NOW - timedelta(days=1)
                     else m.MISSED if roll < 0.003 else m.DONE)
            occ_rows.append(dict(
                id=occ_id, schedule=f"weekly-{s:02d}", key=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                template="weekend-guide", context_json="{}", scheduled_for=when,
                grace_seconds=7200, approval_required=True, state=state,
                draft_dir=None if future else draft_dir, prepared_at=None if future else when,
                created_at=when, updated_at=when))
            for c in CHANNELS:
                del_id += 1
                r = rnd.random()
                if future or state in (m.AWAITING_APPROVAL, m.PLANNED):
                    dstate = m.D_PENDING
                elif state == m.MISSED:
                    dstate = m.D_CANCELLED
                elif c == "blog":
                    dstate = m.D_HANDED_OFF if r > 0.002 else m.D_AWAITING_HANDOFF
                else:
                    dstate = (m.D_FAILED if r < 0.01 else m.D_UNKNOWN if r < 0.012 else m.D_SENT)
                del_rows.append(dict(
                    id=del_id, occurrence_id=occ_id, channel=c,
                    key=f"w{s}-{w}-{c}-{uuid.uuid4().hex[:6]}", state=dstate,
                    attempts=0 if dstate in (m.D_PENDING, m.D_CANCELLED) else 1,
                    url=f"https://example.go.kr/{del_id}" if dstate == m.D_SENT else None,
                    error="platform said no (bench)" if dstate in (m.D_FAILED, m.D_UNKNOWN) else None,
                    sent_at=when if dstate in m.D_OUT else None, created_at=when,
                    updated_at=when))
                if dstate not in (m.D_PENDING, m.D_CANCELLED):
                    att_rows.append(dict(delivery_id=del_id, number=1, kind="publish",
                                         worker="bench:1", started_at=when, finished_at=when,
                                         outcome=dstate))
    with db.begin() as conn:
        for table, rows in ((occurrence, occ_rows), (delivery, del_rows), (attempt, att_rows)):
            for i in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[i:i + 5000])
    if db.is_postgres:
        with db.engine.connect() as conn:
            conn.execute(__import__("sqlalchemy").text("ANALYZE"))
            conn.commit()
    return len(occ_rows), len(del_rows)


def render_draft(folder: Path, settings) -> str:
    from outreach.render import render_post

    out = folder / "var" / "posts" / "bench"
    render_post(settings.templates_dir, "weekend-guide", out_dir=out)
    return str(out)


class ServerTimer:
    """ASGI wrapper: the server's time for the last request, from the call until the last
    byte of the body is handed to the server (what a reverse proxy would wait for)."""

    last_ms = 0.0
    last_cpu_ms = 0.0

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, cpu = time.perf_counter(), time.process_time()
        try:
            await self.app(scope, receive, send)
        finally:
            ServerTimer.last_ms = (time.perf_counter() - start) * 1000
            # CPU of the whole process during the request (server threads; the in-process
            # client waits meanwhile): unlike wall time, not inflated by other processes
            ServerTimer.last_cpu_ms = (time.process_time() - cpu) * 1000


class Counter:
    def __init__(self, engine) -> None:
        self.n = 0
        event.listen(engine, "before_cursor_execute", self._hook)

    def _hook(self, *args) -> None:
        self.n += 1


def _p95(samples: list[float]) -> float:
    samples = sorted(samples)
    return samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def timed(fn, repeat: int, counter: Counter) -> tuple[float, float, float, int]:
    """p50 and p95 of the server's wall time, p95 of its CPU time (``ServerTimer``), and
    the most queries one request made."""
    fn()
    fn()
    wall, cpu, queries = [], [], []
    for _ in range(repeat):
        before = counter.n
        fn()
        wall.append(ServerTimer.last_ms)
        cpu.append(ServerTimer.last_cpu_ms)
        queries.append(counter.n - before)
    return statistics.median(wall), _p95(wall), _p95(cpu), max(queries)


def pages(client, ids: dict[str, int]) -> dict[str, str]:
    """Page name -> path (filled by the web layer's routes)."""
    return {
        "today": "/today",
        "calendar month": "/calendar?month=2026-11",
        "calendar week": "/calendar?view=week&day=2026-11-26",
        "run": f"/runs/{ids['run']}",
        "hand-offs": "/handoffs",
        "channels": "/channels",
        "new post": "/posts/new",
    }


def measure(url: str, repeat: int, scale: float) -> list[tuple[str, float, float, int]]:
    from outreach.config import load_settings
    from outreach.scheduling.clock import ENV

    os.environ[ENV] = NOW.isoformat()
    with tempfile.TemporaryDirectory() as tmp:
        folder = workspace(Path(tmp), url)
        settings = load_settings(folder)
        db = open_database(url)
        draft = render_draft(folder, settings)
        t = time.perf_counter()
        occs, dels = fill(db, draft, scale)
        print(f"  setup: {occs:,} runs, {dels:,} deliveries in {time.perf_counter() - t:.1f} s")
        client, close = signed_in_client(folder, db)
        counter = Counter(db.engine)
        ids = {"run": occs - SCHEDULES * 5 - 3}
        results = []
        try:
            for name, path in pages(client, ids).items():
                def get(path=path):
                    r = client.get(path)
                    assert r.status_code == 200, (path, r.status_code, r.text[:300])
                results.append((name, *timed(get, repeat, counter)))
        finally:
            close()
            db.dispose()
        return results


def signed_in_client(folder: Path, db):
    """A TestClient on the staff app with an admin signed in through the real sign-in form."""
    import re

    from starlette.testclient import TestClient

    from outreach.config import load_settings
    from outreach.users import accounts
    from outreach.users.audit import Actor
    from outreach.web import create_app

    password = "bench password 1234"
    accounts.add_user(db, Actor.system("bench"), "admin", "admin", password)
    client = TestClient(ServerTimer(create_app(load_settings(folder), db, only="staff")),
                        follow_redirects=False)
    client.__enter__()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/sign-in").text)[1]
    r = client.post("/sign-in", data={"name": "admin", "password": password,
                                      "csrf_token": token, "next": "/"})
    assert r.status_code == 303, r.text[:300]
    return client, lambda: client.__exit__(None, None, None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    schema = None
    url = args.database_url
    if url and url.startswith("postgres"):
        import sqlalchemy as sa

        schema = "bench_" + uuid.uuid4().hex[:8]
        admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        sep = "&" if "?" in url else "?"
        url_for = lambda: f"{args.database_url}{sep}options=-csearch_path%3D{schema}"  # noqa: E731
    backend = "PostgreSQL" if schema else "SQLite"
    try:
        table = {}
        for scale in (0.1, 1.0):
            if schema:
                with admin.begin() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
                    conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
                run_url = url_for()
            else:
                run_url = None
            print(f"history scale {scale:g}:")
            with tempfile.TemporaryDirectory() as dbdir:
                table[scale] = measure(run_url or f"sqlite:///{dbdir}/bench.db", args.repeat, scale)
        backend = "PostgreSQL" if schema else "SQLite"
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"\n{backend}, full history; load average {load:.1f} on {os.cpu_count()} CPUs")
        print("  page              wall p50  wall p95   CPU p95   queries (1/10 history -> full)")
        worst = worst_cpu = 0.0
        same = True
        for (name, p50, p95, cpu, q), (*_rest, qs) in zip(table[1.0], table[0.1]):
            worst, worst_cpu = max(worst, p95), max(worst_cpu, cpu)
            same = same and q == qs
            print(f"  {name:<16} {p50:9.1f} {p95:9.1f} {cpu:9.1f}   {qs} -> {q}")
        print(f"worst p95: wall {worst:.1f} ms, CPU {worst_cpu:.1f} ms "
              f"({'ok' if worst <= 100 else 'wall OVER 100 ms'}); query counts "
              f"{'do not grow' if same else 'GROW'} with history")
        return 0 if worst <= 100 and same else 1
    finally:
        if schema:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
