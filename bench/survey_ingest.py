"""What linking comments to a survey's call costs the ingest path.

    .venv/bin/python bench/survey_ingest.py                      # 20,000 deliveries
    .venv/bin/python bench/survey_ingest.py --deliveries 100000 --pages 200

Every page of harvested comments that answers posts runs one extra query
(``store.surveys.calls_on``: the page's post ids against the ledger's deliveries of
survey calls and the surveys' listed posts). The ledger is filled with
``--deliveries`` deliveries (setup, not timed), one survey's call among them; then
``--pages`` pages of 100 replies (comments on 100 posts, a tenth of them on the call)
go through ``Ingestor.ingest`` as a harvest does, and the query alone is timed on the
same pages. Reported: the query's median and p95 per page, and its share of the whole
ingest time. SQLite in a temporary folder unless --database-url is given.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

UTC = timezone.utc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=20000)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from sqlalchemy import insert

    from outreach.config import load_settings
    from outreach.inbox.ingest import Ingestor
    from outreach.inbox.settings import inbox_config
    from outreach.inbox.triage import load_rules
    from outreach.model import Reply
    from outreach.store import surveys as store
    from outreach.store.db import open_database
    from outreach.store.ledger_tables import delivery, occurrence

    repo = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        db = open_database(url)
        now = datetime.now(UTC)
        with db.begin() as conn:
            occ_rows = [dict(schedule="bench", key=f"k{i}", template="t", context_json="{}",
                             scheduled_for=now, grace_seconds=60, state="done",
                             created_at=now, updated_at=now)
                        for i in range(args.deliveries // 4)]
            conn.execute(insert(occurrence), occ_rows)
            ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM occurrence ORDER BY id")]
            conn.execute(insert(delivery), [
                dict(occurrence_id=ids[i // 4], channel=("facebook", "insta", "blog", "kakao")[i % 4],
                     key=f"d{i}", state="sent", attempts=1, remote_id=f"post-{i}",
                     created_at=now, updated_at=now) for i in range(len(ids) * 4)])
            call = ids[-1]
            sid = store.add(conn, dict(slug="bench", title="bench", template="survey-call",
                                       intro="", channels=[], opens_at=now - timedelta(days=1),
                                       closes_at=now + timedelta(days=1), state="published",
                                       occurrence_id=call, created_at=now, updated_at=now),
                            [store.Question("q", "질문")])
        call_post = f"post-{(len(ids) - 1) * 4}"                  # its facebook delivery
        settings = load_settings(repo)
        cfg = inbox_config(settings)
        ingestor = Ingestor(cfg, load_rules(cfg.rules_file))
        pages = []
        for p in range(args.pages):
            pages.append([Reply(channel="facebook", remote_id=f"c{p}-{i}",
                                text=f"가로등이 꺼졌어요 {p}-{i}", created_at=now,
                                post_remote_id=call_post if i % 10 == 0 else f"post-{(p * 100 + i) * 4 % (len(ids) * 4)}",
                                author_id=f"u{i}") for i in range(100)])
        total = 0.0
        for page in pages:
            ingestor.prepare(page)
            start = time.perf_counter()
            with db.begin() as conn:
                ingestor.ingest(conn, page)
            total += time.perf_counter() - start
        query = []
        with db.read() as conn:
            for page in pages:
                start = time.perf_counter()
                store.calls_on(conn, "facebook", [r.post_remote_id for r in page])
                query.append(time.perf_counter() - start)
        linked = store.answer_counts(db, sid)["total"]
        db.dispose()
    per_page = sorted(query)
    p95 = per_page[int(len(per_page) * 0.95) - 1]
    print(f"database: {'PostgreSQL' if args.database_url else 'SQLite'}; "
          f"{len(ids) * 4:,} deliveries; {args.pages} pages of 100 replies")
    print(f"ingest: {total / args.pages * 1000:.1f} ms per page; linked answers: {linked:,}")
    print(f"survey link query: median {statistics.median(query) * 1000:.2f} ms, "
          f"p95 {p95 * 1000:.2f} ms per page "
          f"({sum(query) / total * 100:.1f}% of the ingest time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
