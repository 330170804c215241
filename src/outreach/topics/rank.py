"""Rank what citizens wrote about: group the messages, name and count each group.

Pure: messages in, a ``Ranking`` out; no database, no network (Kiwi's model ships in
its wheel). Counting is by people: a group's ``citizens`` is the number of distinct
pseudonymous authors, so one person sending ten messages counts once, and the key
words are weighed by how many *people* used them, so one person's repeated wording
cannot name a group.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Sequence

from .carry import Before, carry
from .cluster import THRESHOLD, cluster
from .model import Group, Message, Ranking, count_citizens, rank_key

KEYWORDS = 5
REPRESENTATIVES = 3


def rank(messages: Sequence[Message], threshold: float = THRESHOLD,
         before: Before | None = None) -> Ranking:
    """Group ``messages`` by subject and rank the groups by citizens, then messages.

    ``before``: the previous run of the same scope, whose edits are carried over
    (``carry``); each group's ``carried_from`` names the previous group."""
    from . import analyze, vectors

    messages = list(messages)
    if not messages:
        return Ranking(groups=[], params={"threshold": threshold, "messages": 0})
    texts = [m.text for m in messages]
    term_lists = analyze.terms(texts)
    vecs = vectors.build(term_lists, texts)
    labels = cluster(vecs.matrix, threshold)
    carried = carry({m.item_id: int(label) for m, label in zip(messages, labels)}, before)
    members: dict[int, list[int]] = defaultdict(list)
    for row, m in enumerate(messages):
        members[carried.partition[m.item_id]].append(row)
    groups = []
    for label, rows in members.items():
        g = describe(messages, rows, term_lists, vecs.matrix)
        g.carried_from = carried.origin.get(label)
        groups.append(g)
    ranking = finish(groups, {"threshold": threshold, "messages": len(messages)}, term_lists,
                     messages)
    ranking.lost = carried.lost
    return ranking


def finish(groups: list[Group], params: dict, term_lists, messages) -> Ranking:
    """Rank, give stable keys (g1 = the top group) and name the groups."""
    groups.sort(key=lambda g: (-g.citizens, -g.messages, min(g.item_ids)))
    for i, g in enumerate(groups, 1):
        g.key = f"g{i}"
    name_groups(groups, messages, term_lists)
    groups.sort(key=rank_key)
    return Ranking(groups=groups, params=params)


def describe(messages: Sequence[Message], rows: list[int], term_lists, matrix) -> Group:
    """Counts, departments and representative messages of one group (key words later)."""
    import numpy as np

    chosen = [messages[r] for r in rows]
    sub = matrix[rows]
    centre = np.asarray(sub.mean(axis=0)).ravel()
    closeness = np.asarray(sub @ centre).ravel()
    order = [rows[i] for i in np.argsort(-closeness, kind="stable")]
    reps, seen = [], set()
    for r in order:                       # most typical first, one per person
        who = messages[r].author or f"#{messages[r].item_id}"
        if who in seen:
            continue
        seen.add(who)
        reps.append(messages[r].item_id)
        if len(reps) == REPRESENTATIVES:
            break
    departments = Counter(m.department for m in chosen if m.department)
    return Group(key="", keywords=[], item_ids=sorted(m.item_id for m in chosen),
                 citizens=count_citizens(chosen), messages=len(chosen), representatives=reps,
                 departments=dict(departments.most_common()))


def name_groups(groups: list[Group], messages: Sequence[Message], term_lists) -> None:
    """Key words by class-based TF-IDF over *people*: a term weighs the number of distinct
    authors who used it in the group, times log(1 + average group size / its use overall)."""
    row_of = {m.item_id: i for i, m in enumerate(messages)}
    people: list[Counter] = []
    overall: Counter = Counter()
    for g in groups:
        users: dict[str, set] = defaultdict(set)
        for item in g.item_ids:
            r = row_of[item]
            who = messages[r].author or f"#{item}"
            for term, _ in term_lists[r]:
                users[term].add(who)
        c = Counter({t: len(w) for t, w in users.items()})
        people.append(c)
        overall.update(c)
    average = sum(g.citizens for g in groups) / max(len(groups), 1)
    for g, c in zip(groups, people):
        scored = sorted(c.items(), key=lambda kv: (
            -kv[1] * math.log(1 + average / overall[kv[0]]) * (0.5 if kv[0].endswith("다") else 1),
            kv[0]))  # verbs (lemmas end in 다) name a subject less well than nouns
        g.keywords = [t for t, _ in scored[:KEYWORDS]]
