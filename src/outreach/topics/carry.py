"""Carry the staff's edits from the previous run of a scope over to a new ranking.

Edits follow the *messages*, because messages are what both runs share:

* each new group is matched to the previous group that held most (more than half)
  of its messages that were ranked before;
* new groups matched to the same previous group are merged: a merge survives;
* a message a person moved (a split) goes where that person put it: into the new
  group matched to its previous group, or, when none matches, into a new group
  carrying that previous group's name and marks;
* a matched group inherits the previous group's name, "chosen", "covered on air"
  and written answer.

A previous group that no new group matches (its messages are gone, or scattered
with none holding a majority) loses its edits; ``Carry.lost`` names them so the
run can say so.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass
class Before:
    """The previous run as the carrying needs it."""

    group_of: dict[int, str]                  # item id -> previous group key
    moved: set[int] = field(default_factory=set)   # items a person moved
    edited: set[str] = field(default_factory=set)  # previous groups with a name/mark/answer


@dataclass
class Carry:
    partition: dict[int, int]                 # item id -> final label
    origin: dict[int, str]                    # final label -> previous group key
    lost: list[str]                           # edited previous groups not matched


def carry(labels: dict[int, int], before: Before | None) -> Carry:
    """Final partition of the items given the automatic ``labels`` (item -> label)."""
    if before is None or not before.group_of:
        return Carry(partition=dict(labels), origin={}, lost=[])
    members: dict[int, list[int]] = defaultdict(list)
    for item, label in labels.items():
        members[label].append(item)
    origin: dict[int, str] = {}
    for label, items in members.items():
        known = [before.group_of[i] for i in items if i in before.group_of]
        if not known:
            continue
        key, votes = Counter(known).most_common(1)[0]
        if votes * 2 > len(known):
            origin[label] = key
    # merge labels that came from the same previous group
    first: dict[str, int] = {}
    rename: dict[int, int] = {}
    for label in sorted(origin):
        rename[label] = first.setdefault(origin[label], label)
    partition = {item: rename.get(label, label) for item, label in labels.items()}
    origin = {label: key for label, key in origin.items() if rename[label] == label}
    label_of = {key: label for label, key in origin.items()}
    # moved items follow the person's decision
    spare = max(labels.values(), default=-1) + 1
    for item in sorted(before.moved):
        if item not in partition:
            continue
        key = before.group_of.get(item)
        if key is None:
            continue
        if key not in label_of:
            label_of[key] = spare
            origin[spare] = key
            spare += 1
        partition[item] = label_of[key]
    present = set(partition.values())
    origin = {label: key for label, key in origin.items() if label in present}
    lost = sorted(before.edited - set(origin.values()))
    return Carry(partition=partition, origin=origin, lost=lost)
