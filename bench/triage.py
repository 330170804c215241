"""Triage and masking figures on the labelled set, and the time they cost per message.

    .venv/bin/python bench/triage.py                  # the sample rules, tests/data set
    .venv/bin/python bench/triage.py --rules my/rules.yaml --data my/labelled.txt -v

Prints masking recall / precision (goal >= 0.98 / >= 0.95), categories and
flags precision / recall (goal >= 0.95 / >= 0.90), the share of kinds right,
then the time per message of ``classify`` (triage and masking) on the set,
and a 60 KB message against a short one (linear time: the ratio follows the
length, never its square). ``-v`` lists every miss.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from outreach.inbox.evaluate import evaluate, load_labelled  # noqa: E402
from outreach.inbox.masking import mask  # noqa: E402
from outreach.inbox.triage import classify, load_rules  # noqa: E402


def _per_message(rules, texts: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            classify(rules, text)
        best = min(best, time.perf_counter() - start)
    return best / len(texts) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=ROOT / "inbox" / "rules.yaml")
    parser.add_argument("--data", type=Path, default=ROOT / "tests" / "data" /
                        "inbox_messages.txt")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()
    rules = load_rules(args.rules)
    items = load_labelled(args.data)
    result = evaluate(rules, items)
    print(f"{result['messages']} labelled messages, {result['personal_data_pieces']} pieces "
          f"of personal data ({args.data.name})")
    for name, goal in (("masking", "recall >= 0.98, precision >= 0.95"),
                       ("categories", "precision >= 0.95, recall >= 0.90"),
                       ("flags", "precision >= 0.95, recall >= 0.90")):
        s = result[name]
        print(f"{name:<10}: precision {s.precision:.3f}  recall {s.recall:.3f}  "
              f"(tp {s.true_pos}, fp {s.false_pos}, fn {s.false_neg}; goal {goal})")
        if args.verbose:
            for miss in s.misses:
                print(f"    {miss}")
    print(f"kinds     : {result['kinds']['right']}/{result['messages']} right "
          f"({result['kinds']['accuracy']:.3f})")
    if args.verbose:
        for miss in result["kind_misses"]:
            print(f"    {miss}")
    texts = [i.text for i in items]
    print(f"classify (triage + masking): {_per_message(rules, texts, args.repeat):.1f} us "
          f"per message on this set")
    short = "가로등이 꺼졌어요 연락은 hong@example.com 010-1234-5678"
    long = ("가" * 30_000 + "a" * 30_000)[:60_000]
    for label, text in (("short (%d chars)" % len(short), short),
                        ("60 KB worst case (%d chars)" % len(long), long)):
        start = time.perf_counter()
        classify(rules, text)
        mask(text)
        print(f"{label}: {(time.perf_counter() - start) * 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
