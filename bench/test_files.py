"""Time test files under two commits, alternately (not a test: it prints figures).

    .venv/bin/python bench/test_files.py --before c2c3a3e [--after HEAD] [--rounds 2] \
        tests/test_inbox_cli.py tests/test_approval.py ...

Each commit is unpacked into a temporary folder (git
archive) and run with this checkout's ``src/`` in one pytest process per file and round
(``-p no:xdist``, so the figures are one core's work), before and after alternately, so a
busy machine slows both alike. Prints per file: the sum of every test's setup, call and
teardown (pytest's ``--durations=0``) and the process's wall time, best of the rounds.
Set OUTREACH_TEST_PG_URL to include the PostgreSQL half of the tests, as CI does.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^(\d+\.\d+)s (setup|call|teardown) ", re.M)


def unpack(commit: str, into: Path) -> Path:
    data = subprocess.run(["git", "-C", str(REPO), "archive", commit],
                          check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into)
    return into


def run(tree: Path, test_file: str) -> tuple[float, float, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p",
                           "no:cacheprovider", "--durations=0", "--durations-min=0", test_file],
                          cwd=tree, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    return sum(float(m.group(1)) for m in LINE.finditer(done.stdout)), wall, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = {name: unpack(commit, Path(tmp) / name)
                 for name, commit in (("before", args.before), ("after", args.after))}
        totals = {"before": [0.0, 0.0], "after": [0.0, 0.0]}
        print(f"{'file':44} {'before: tests s':>15} {'wall s':>7} {'after: tests s':>15} "
              f"{'wall s':>7}")
        for test_file in args.files:
            best: dict[str, tuple[float, float]] = {}
            for _ in range(args.rounds):
                for name, tree in trees.items():
                    tests, wall, summary = run(tree, test_file)
                    if "passed" not in summary or "failed" in summary or "error" in summary:
                        print(f"  {name} {test_file}: {summary}", file=sys.stderr)
                    old = best.get(name)
                    best[name] = (tests, wall) if old is None or wall < old[1] else old
            for name in trees:
                totals[name][0] += best[name][0]
                totals[name][1] += best[name][1]
            print(f"{test_file:44} {best['before'][0]:15.1f} {best['before'][1]:7.1f} "
                  f"{best['after'][0]:15.1f} {best['after'][1]:7.1f}", flush=True)
        print(f"{'total':44} {totals['before'][0]:15.1f} {totals['before'][1]:7.1f} "
              f"{totals['after'][0]:15.1f} {totals['after'][1]:7.1f}")


if __name__ == "__main__":
    main()
