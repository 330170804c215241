"""How long ``outreach --help`` takes, in English and in Korean (cached and cold catalog).

Run: .venv/bin/python bench/cli_help.py [RUNS] [OUTREACH_EXECUTABLE]

Korean help must cost no more than English: the catalog is read from the marshal
cache (i18n.catalog); "ko, cold cache" points XDG_CACHE_HOME at an empty folder each
run, so it pays for parsing the .po files with Babel (what every run paid before the
cache). Prints min and median wall time of RUNS runs of each (default 15).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(exe: str, env: dict[str, str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run([exe, "--help"], env=env, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    exe = sys.argv[2] if len(sys.argv) > 2 else str(Path(sys.executable).with_name("outreach"))
    base = {k: v for k, v in os.environ.items() if k != "OUTREACH_LANGUAGE"}
    with tempfile.TemporaryDirectory() as cwd:   # no outreach.toml: the environment decides
        cases = {
            "en": lambda: {**base, "OUTREACH_LANGUAGE": "en"},
            "ko, cached catalog": lambda: {**base, "OUTREACH_LANGUAGE": "ko"},
            "ko, cold catalog": lambda: {**base, "OUTREACH_LANGUAGE": "ko",
                                         "XDG_CACHE_HOME": tempfile.mkdtemp(dir=cwd)},
        }
        timed(exe, cases["ko, cached catalog"](), cwd)  # fill the cache once
        results: dict[str, list[float]] = {name: [] for name in cases}
        for _run in range(runs):              # interleaved, so load on the machine hits all
            for name, env in cases.items():
                results[name].append(timed(exe, env(), cwd))
    for name, times in results.items():
        print(f"{name:<20} min {min(times) * 1000:6.0f} ms   median "
              f"{statistics.median(times) * 1000:6.0f} ms   ({runs} runs)")


if __name__ == "__main__":
    main()
