"""CPU time of finding a rank_cron slot (outreach.topics.schedule.latest_slot), per line.

Run: .venv/bin/python bench/topics_schedule.py
"""
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
from outreach.scheduling.cron import make_trigger
from outreach.topics.schedule import latest_slot
tz = ZoneInfo("Asia/Seoul")
now = datetime(2026, 12, 3, 6, 7, tzinfo=timezone.utc)
for expr in ("0 8 * * mon", "* * * * *", "0 8 1 1,4,7,10 *", "0 8 29 2 *"):
    t = make_trigger(expr, tz)
    n = 200
    c0 = time.thread_time()
    for _ in range(n):
        latest_slot(t, now)
    print(f"{expr!r}: {(time.thread_time() - c0) / n * 1000:.2f} ms CPU per latest_slot")
