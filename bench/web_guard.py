"""Staff app guard benchmark: what signing in costs, and what every request pays for it.

    .venv/bin/python bench/web_guard.py                        # SQLite, 10,000 sessions
    .venv/bin/python bench/web_guard.py --database-url postgresql://postgres@127.0.0.1:5432/test

Times (1) ``sessions.lookup`` (the one indexed query each signed-in request makes)
with ``--sessions`` rows in the sessions table, (2) a whole signed-in request
through the staff app in-process (``GET /``: guard, session, redirect), against
the same request to a static file (no guard) as the floor, and (3) one sign-in
with the production argon2id profile. For PostgreSQL the script creates and
drops its own schema in the URL's database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", default="")
    ap.add_argument("--sessions", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=500)
    args = ap.parse_args()
    os.environ.setdefault("OUTREACH_LANGUAGE", "en")
    os.environ["OUTREACH_PASSWORD_PROFILE"] = "cheapest"   # set-up only; (3) uses the real one
    schema = None
    tmp = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    if url.startswith("postgresql"):
        import sqlalchemy as sa

        schema = "bench_" + uuid.uuid4().hex[:8]
        admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    from datetime import timedelta

    from outreach.model import utc_now
    from outreach.store import users as store
    from outreach.users import passwords, sessions
    from outreach.users.sessions import SessionPolicy, token_hash
    from web_support import PASSWORD, add_user, sign_in, staff_client, web_workspace

    ws = web_workspace(tmp, url)
    try:
        add_user(ws.db, "kim", "editor")
        with ws.db.read() as conn:
            uid = store.get_user(conn, name="kim").id
        now = utc_now()
        rows = [{"token_hash": token_hash(f"t{i}"), "user_id": uid, "csrf_token": "x",
                 "created_at": store.to_db(now), "last_seen_at": store.to_db(now),
                 "expires_at": store.to_db(now + timedelta(hours=12))}
                for i in range(args.sessions)]
        from sqlalchemy import insert

        from outreach.store.users_tables import sessions as table

        with ws.db.begin() as conn:
            conn.execute(insert(table), rows)
        policy = SessionPolicy()
        lookups = timed(lambda: sessions.lookup(ws.db, policy, "t123"), args.requests)
        with staff_client(ws) as client:
            sign_in(client, "kim")
            client.get("/")
            guarded = timed(lambda: client.get("/"), args.requests)
            floor = timed(lambda: client.get("/static/app.css"), args.requests)
        real = passwords.make_hasher()
        stored = real.hash(PASSWORD)
        verify = timed(lambda: real.verify(stored, PASSWORD), 5)
        kind = "PostgreSQL" if schema else "SQLite"
        print(f"{kind}, {args.sessions:,} sessions, {args.requests} requests")
        print(f"  session lookup        p50 {pct(lookups, .5):6.2f} ms  p95 {pct(lookups, .95):6.2f} ms")
        print(f"  GET / signed in       p50 {pct(guarded, .5):6.2f} ms  p95 {pct(guarded, .95):6.2f} ms")
        print(f"  GET static (floor)    p50 {pct(floor, .5):6.2f} ms  p95 {pct(floor, .95):6.2f} ms")
        print(f"  argon2id check (RFC 9106 low-memory)  median {statistics.median(verify) * 1000:.0f} ms")
    finally:
        ws.db.dispose()
        if schema:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()


if __name__ == "__main__":
    main()
