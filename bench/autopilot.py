"""Benchmark one autopilot draft against local TourAPI and KMA servers (not a test: it prints figures).

    .venv/bin/python bench/autopilot.py [--runs 3] [--festivals 60]

A full ``outreach draft`` of the weekend guide: festival search (paged), detail
look-ups for the likeliest events, photo downloads, the forecast, ranking, the
data file, and the trial render that catches a card that cannot be made. Prints
milliseconds per draft, how many requests it took, and the share of the trial
render. The local servers answer at once, so real network time (the portal
typically answers in 100-500 ms per call) comes on top: multiply the request
count by the portal's latency for a real estimate.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from fakes.kma import KST  # noqa: E402
from fakes.tourapi import festival  # noqa: E402
from test_autopilot import Autopilot  # noqa: E402

from outreach.autopilot import service  # noqa: E402
from outreach.scheduling.specs import load_all  # noqa: E402

WED_8_30 = datetime(2026, 12, 2, 8, 30, tzinfo=KST)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--festivals", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ap = Autopilot(Path(tmp) / "ws", None, calendar=True)
        try:
            ap.tour.festivals = [
                festival(str(7000 + i), f"천안 겨울 문화 행사 {i}회", "20261205",
                         "20261206" if i % 3 else "20261205", district=("131", "133")[i % 2],
                         intro={"eventplace": "천안시 일원", "playtime": "10:00~17:00",
                                "usetimefestival": "무료" if i % 2 else "5,000원"},
                         overview="천안에서 열리는 겨울 행사입니다. " * 3)
                for i in range(args.festivals)]
            ap.kma.now = WED_8_30
            (schedule,) = load_all(ap.settings)[0]
            render_times, totals, requests = [], [], []
            original = service.trial_render

            def timed(*a, **kw):
                start = time.perf_counter()
                try:
                    return original(*a, **kw)
                finally:
                    render_times.append(time.perf_counter() - start)

            service.trial_render = timed
            for _ in range(args.runs + 1):                     # the first run warms caches
                ap.file.unlink(missing_ok=True)
                before = len(ap.tour.requests) + len(ap.kma.requests)
                start = time.perf_counter()
                outcome = service.draft_next(ap.settings, schedule, WED_8_30)
                totals.append(time.perf_counter() - start)
                requests.append(len(ap.tour.requests) + len(ap.kma.requests) - before)
                assert outcome.written, outcome
            service.trial_render = original
        finally:
            ap.close()
    total = statistics.median(totals[1:])
    render = statistics.median(render_times[1:])
    print(f"festivals in the region: {args.festivals}; events drafted: 8; runs: {args.runs}")
    print(f"draft: {total * 1000:.0f} ms median (first, cold: {totals[0] * 1000:.0f} ms); "
          f"trial render {render * 1000:.0f} ms ({render / total:.0%} of it)")
    print(f"requests per draft: {requests[-1]} (search pages, details, photos once, forecast)")


if __name__ == "__main__":
    main()
