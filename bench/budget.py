"""What the cost and quota guard costs before each delivery, against a ledger with history.

    .venv/bin/python bench/budget.py                 # 2,000 sent posts on the channel
    .venv/bin/python bench/budget.py --sent 10000

The guard reads the channel's sent deliveries from the ledger (SQLite here) and prices
them; it runs before every scheduled delivery of a channel with a quota or under a
budget, so it must stay far below a platform call (tens of milliseconds at most).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_publish_helpers import workspace  # noqa: E402

from outreach.publishing import budget  # noqa: E402
from outreach.publishing import model as m  # noqa: E402
from outreach.publishing.service import PublishingService  # noqa: E402
from outreach.store.db import open_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sent", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db_url = f"sqlite:///{root / 'outreach.db'}"
        settings = workspace(root, db_url, {"out": {"type": "outbox", "daily_posts": 1_000_000}})
        settings = dataclasses.replace(settings, sections={**settings.sections,
                                                           "budget": {"daily_krw": 100_000}})
        db = open_database(db_url)
        ledger = PublishingService(settings, db).ledger
        now = datetime.now(timezone.utc)
        started = time.perf_counter()
        for i in range(args.sent):
            when = now - timedelta(minutes=i * 7)      # spread over about 10 days per 2,000
            spec = m.OccurrenceSpec(schedule="bench", key=f"k{i}", scheduled_for=when,
                                    template="notice", channels=("out",))
            occ, _ = ledger.plan(spec, [("out", f"bench:k{i}:out")], when, state=m.PREPARED,
                                 draft_dir=str(root))
            [row] = ledger.deliveries([occ])
            number = ledger.claim_delivery(row["id"], occ, when, when + timedelta(minutes=5), "bench")
            ledger.finish_delivery(row["id"], number, m.D_SENT, when, outcome="sent", remote_id=str(i))
        print(f"seeded {args.sent:,} sent deliveries in {time.perf_counter() - started:.1f} s")
        service = PublishingService(settings, db)
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            cost = budget.estimate(service, ["out"])
            times.append((time.perf_counter() - t0) * 1000)
        line = cost.channels[0]
        print(f"estimate(): median {statistics.median(times):.1f} ms, max {max(times):.1f} ms "
              f"over {args.runs} runs (used in 24 h: {line.used}, refusal: {cost.refusal})")
        db.dispose()


if __name__ == "__main__":
    main()
