"""Plain records of the topic ranking (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Message:
    """One citizen's message as the ranking sees it: masked text only, a pseudonymous author."""

    item_id: int
    author: str            # pseudonymous author id (keyed hash); "" when unknown
    text: str              # masked text
    department: str = ""   # the department the item sits with ("" when none)
    created_at: datetime | None = None


@dataclass
class Group:
    """Messages about one subject. ``citizens`` counts distinct authors: one person
    sending ten messages counts once (a message without an author counts as its own
    person, because it cannot be matched to anyone)."""

    key: str                          # stable within a run: "g1", "g2", ...
    keywords: list[str]
    item_ids: list[int]
    citizens: int
    messages: int
    representatives: list[int]        # item ids, most typical first
    departments: dict[str, int] = field(default_factory=dict)
    carried_from: str | None = None   # the previous run's group whose edits it inherits

    @property
    def name(self) -> str:
        return " · ".join(self.keywords[:3])


@dataclass
class Ranking:
    groups: list[Group]               # ranked: citizens, then messages, then key
    params: dict[str, object] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)   # previous edited groups not matched


def count_citizens(messages: list[Message]) -> int:
    """Distinct authors; anonymous messages each count as one person."""
    known = {m.author for m in messages if m.author}
    return len(known) + sum(1 for m in messages if not m.author)


def rank_key(g: Group) -> tuple:
    return (-g.citizens, -g.messages, g.key)
