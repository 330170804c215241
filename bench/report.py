"""Monthly outreach report on a year of daily posts on six channels (issue 13: <= 5 s).

Fills a fresh database with 365 days x 6 channels of delivered posts (about 2,200), four
snapshots each (1 h, 1 d, 7 d, 30 d; six figures apiece) and daily follower counts, then
times ``monthly_report`` (the figures, last month's, the week-over-week Thursdays and the
inbox's figures) and the files ``outreach report`` writes (HTML, XLSX, PNG charts).

    .venv/bin/python bench/report.py [--database-url postgresql://...] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

CHANNELS = ("facebook", "instagram", "youtube", "wordpress", "naver", "kakao")
AGES = (("1h", timedelta(hours=1)), ("1d", timedelta(days=1)), ("7d", timedelta(days=7)),
        ("30d", timedelta(days=30)))


def fill(db, start: datetime, days: int) -> int:
    from outreach.store.ledger_tables import delivery, occurrence
    from outreach.store.metrics_tables import follower_count, metric_snapshot

    rnd = random.Random(13)
    occ_rows, del_rows, snap_rows, fol_rows = [], [], [], []
    did = 0
    for day in range(days):
        sent = start + timedelta(days=day, hours=1)
        occ_id = day + 1
        occ_rows.append(dict(id=occ_id, schedule="weekend" if sent.weekday() == 3 else "daily",
                             key=f"k{day}", template="weekend", scheduled_for=sent,
                             grace_seconds=3600, approval_required=False, state="done",
                             context_json="{}", created_at=sent, updated_at=sent))
        for ch in CHANNELS:
            did += 1
            handoff = ch in ("naver", "kakao")
            del_rows.append(dict(id=did, occurrence_id=occ_id, channel=ch, key=f"k{day}/{ch}",
                                 state="handed_off" if handoff else "sent", attempts=1,
                                 remote_id=f"r{did}", url=f"https://example.org/{did}",
                                 sent_at=None if handoff else sent,
                                 handed_off_at=sent + timedelta(minutes=rnd.randint(10, 600)) if handoff else None,
                                 created_at=sent, updated_at=sent))
            for age, delta in AGES:
                base = rnd.randint(100, 5000) * (1 + delta.days)
                for metric in ("views", "reach", "reactions", "comments", "shares", "clicks"):
                    value = None if (ch == "naver" and metric == "views") else base // (1 + len(metric))
                    snap_rows.append(dict(delivery_id=did, age=age, taken_at=sent + delta,
                                          metric=metric, value=value, source=metric,
                                          reason=None if value is not None else "no insights API",
                                          provisional=False))
            fol_rows.append(dict(channel=ch, day=(start + timedelta(days=day)).date(),
                                 value=10000 + day * 3, reason=None, taken_at=sent))
    with db.begin() as conn:
        conn.execute(occurrence.insert(), occ_rows)
        conn.execute(delivery.insert(), del_rows)
        for i in range(0, len(snap_rows), 5000):
            conn.execute(metric_snapshot.insert(), snap_rows[i:i + 5000])
        conn.execute(follower_count.insert(), fol_rows)
    return did


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--month", default="2026-11")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    from outreach.config import load_settings
    from outreach.metrics.report import monthly_report
    from outreach.metrics.report_files import write_report
    from outreach.store.db import open_database

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url = args.database_url or f"sqlite:///{root / 'bench.db'}"
        if args.database_url:   # a schema of its own, dropped afterwards
            import sqlalchemy as sa
            import uuid
            schema = "bench_" + uuid.uuid4().hex[:8]
            admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
            with admin.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
        (root / "outreach.toml").write_text(f'database_url = "{url}"\ntimezone = "Asia/Seoul"\n',
                                            encoding="utf-8")
        settings = load_settings(root)
        db = open_database(settings.database_url)
        t0 = time.perf_counter()
        posts = fill(db, datetime(2025, 12, 1, tzinfo=timezone.utc), 365)
        print(f"filled {posts} posts x 4 snapshots x 6 figures in {time.perf_counter() - t0:.1f} s")
        times, files_t = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            report = monthly_report(settings, db, args.month)
            times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            write_report(report, root / "out")
            files_t.append(time.perf_counter() - t0)
        print(f"monthly report {args.month}: {report.totals.posts} posts in the month; "
              f"build best {min(times):.3f} s / worst {max(times):.3f} s; "
              f"files (HTML, XLSX, PNG) best {min(files_t):.3f} s; "
              f"total best {min(t + f for t, f in zip(times, files_t)):.3f} s (goal <= 5 s)")
        db.dispose()
        if args.database_url:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
