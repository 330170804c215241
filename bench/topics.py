"""Topic ranking benchmark: grouping quality against labels, and time to rank 10,000 messages.

    .venv/bin/python bench/topics.py                   # quality on the labelled set + 10,000
    .venv/bin/python bench/topics.py --size 2000       # a quicker timing run
    .venv/bin/python bench/topics.py --sweep           # quality across thresholds

Quality: ``tests/data/topics/messages.txt`` (labelled by hand, 20+ topics), ranked as
the service ranks a quarter; purity and adjusted Rand index (ARI) against the labels,
with the number of groups. Goal: purity >= 0.8.

Timing: ``--size`` messages synthesised from the labelled set (every message again
with a greeting or closing, particles dropped, spaces removed, a typo, by other
authors; some people write several), ranked end to end (Kiwi analysis, vectors,
grouping, naming). Goal: 10,000 messages in <= 30 s on the 2-core machine. The
figure includes loading Kiwi's model (about 2 s), as a CLI run pays it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from outreach.topics import labelled, quality  # noqa: E402
from outreach.topics.model import Message  # noqa: E402

DATA = ROOT / "tests" / "data" / "topics" / "messages.txt"
OPENINGS = ["", "", "안녕하세요. ", "시장님 ", "저기요 ", "수고 많으십니다. ", "천안시민입니다. ",
            "궁금한게 있는데요 ", "건의합니다. "]
CLOSINGS = ["", "", " 부탁드립니다", " ㅠㅠ", "!!", " 감사합니다.", " 빠른 답변 바랍니다",
            " 꼭 좀요", "..."]


def vary(text: str, rng: random.Random) -> str:
    """One more way a citizen could have written ``text``."""
    t = text
    roll = rng.random()
    if roll < 0.25:
        t = t.replace(" ", "", rng.randint(1, 3))           # missing spaces
    elif roll < 0.45 and len(t) > 8:
        i = rng.randrange(1, len(t) - 2)                      # a typo: two letters swapped
        t = t[:i] + t[i + 1] + t[i] + t[i + 2:]
    elif roll < 0.6:
        for particle in ("이 ", "가 ", "을 ", "를 ", "에 "):   # particles dropped
            t = t.replace(particle, " ", 1)
    return rng.choice(OPENINGS) + t + rng.choice(CLOSINGS)


def synthesise(messages: list[Message], labels: list[str], size: int, seed: int = 7
               ) -> tuple[list[Message], list[str]]:
    rng = random.Random(seed)
    people = [f"s{i:05d}" for i in range(max(1, size * 2 // 3))]  # ~1.5 messages a person
    out, out_labels = [], []
    for n in range(size):
        k = rng.randrange(len(messages))
        m = messages[k]
        out.append(replace(m, item_id=n + 1, author=rng.choice(people), text=vary(m.text, rng)))
        out_labels.append(labels[k])
    return out, out_labels


def assigned(ranking, messages):
    label_of = {}
    for g in ranking.groups:
        for item in g.item_ids:
            label_of[item] = g.key
    return [label_of[m.item_id] for m in messages]


def quality_run(threshold: float | None = None) -> None:
    from outreach.topics.cluster import THRESHOLD
    from outreach.topics.rank import rank

    messages, labels = labelled.load(DATA)
    t0 = time.perf_counter()
    ranking = rank(messages, threshold=threshold or THRESHOLD)
    took = time.perf_counter() - t0
    groups = assigned(ranking, messages)
    multi = [g for g in ranking.groups if g.citizens >= 2]
    print(f"labelled set: {len(messages)} messages, {len(set(labels))} topics, "
          f"threshold {threshold or THRESHOLD}")
    print(f"  groups {len(ranking.groups)} ({len(multi)} with 2+ citizens), "
          f"purity {quality.purity(labels, groups):.3f}, "
          f"ARI {quality.adjusted_rand(labels, groups):.3f}, {took:.1f} s")
    return ranking, messages, labels


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--top", type=int, default=8, help="print the top N groups")
    args = ap.parse_args()
    if args.sweep:
        for th in (0.75, 0.8, 0.85, 0.9):
            quality_run(th)
        return
    ranking, messages, labels = quality_run()
    text = {m.item_id: m.text for m in messages}
    for g in ranking.groups[:args.top]:
        print(f"  {g.key}: {g.citizens} citizens, {g.messages} messages, [{g.name}] "
              f"e.g. {text[g.representatives[0]][:40]}")
    if args.size:
        from outreach.topics.rank import rank

        big, big_labels = synthesise(messages, labels, args.size)
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        ranking = rank(big)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        groups = assigned(ranking, big)
        print(f"{args.size} synthesised messages: {wall:.1f} s wall, {cpu:.1f} s CPU; "
              f"groups {len(ranking.groups)}, purity {quality.purity(big_labels, groups):.3f}, "
              f"ARI {quality.adjusted_rand(big_labels, groups):.3f}")


if __name__ == "__main__":
    main()
