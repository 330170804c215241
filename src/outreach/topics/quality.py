"""How well a grouping matches labels: purity and the adjusted Rand index.

Purity: each group counts its most common label; the share of messages so counted.
It rewards many small groups, so it is always read with the ARI (chance-corrected
agreement of the two partitions, 1 = identical, about 0 = random) and the number
of groups.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Hashable, Sequence


def purity(labels: Sequence[Hashable], groups: Sequence[Hashable]) -> float:
    by_group: dict = defaultdict(Counter)
    for label, group in zip(labels, groups):
        by_group[group][label] += 1
    total = sum(c.most_common(1)[0][1] for c in by_group.values())
    return total / len(labels) if labels else 1.0


def adjusted_rand(labels: Sequence[Hashable], groups: Sequence[Hashable]) -> float:
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(list(labels), list(groups)))
