"""Measure masking and triage against a labelled set of messages (tests/data/inbox_messages.txt).

Staff who change rules.yaml can see what the change does to precision and
recall (``bench/triage.py``); the tests hold the sample rules to the goals.

File format, one message a line: ``kind | categories | flags | text`` with
personal data marked in the text as ``[[kind:value]]``; ``#`` starts a comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .masking import personal_spans
from .triage import Rules, classify
from ..i18n import _

_FIELD = re.compile(r"\s*\|\s*")
_MARK = re.compile(r"\[\[(\w+):([^\]]+)\]\]")      # no nesting, one pass: linear
SCORED_FLAGS = ("abusive", "obscene", "commercial", "political", "defamatory", "personal_data")


@dataclass(frozen=True)
class Labelled:
    line: int
    text: str
    kind: str
    categories: frozenset[str]
    flags: frozenset[str]
    personal: tuple[tuple[int, int, str], ...]       # (start, end, kind) in ``text``


def load_labelled(path: Path) -> list[Labelled]:
    """The labelled messages of ``path``; a malformed line is a ConfigError naming it."""
    items = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in _FIELD.split(raw.strip(), maxsplit=3)]
        if len(parts) != 4:
            raise ConfigError(_("expected 'kind | categories | flags | text'"), file=path,
                              line=number)
        kind, cats, flags, marked = parts
        text, personal, at, last = [], [], 0, 0
        for match in _MARK.finditer(marked):
            text.append(marked[last:match.start()])
            at += match.start() - last
            value = match.group(2)
            personal.append((at, at + len(value), match.group(1)))
            text.append(value)
            at += len(value)
            last = match.end()
        text.append(marked[last:])
        flag_set = {f for f in flags.split(",") if f}
        if personal:
            flag_set.add("personal_data")
        items.append(Labelled(number, "".join(text), kind,
                              frozenset(c for c in cats.split(",") if c), frozenset(flag_set),
                              tuple(personal)))
    return items


@dataclass
class Score:
    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_pos + self.false_pos
        return self.true_pos / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_pos + self.false_neg
        return self.true_pos / wanted if wanted else 1.0

    def as_json(self) -> dict[str, Any]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "true_pos": self.true_pos, "false_pos": self.false_pos,
                "false_neg": self.false_neg}


def _sets(score: Score, wanted: frozenset[str], got: set[str], where: str) -> None:
    score.true_pos += len(wanted & got)
    for name in sorted(got - wanted):
        score.false_pos += 1
        score.misses.append(f"{where}: extra {name}")
    for name in sorted(wanted - got):
        score.false_neg += 1
        score.misses.append(f"{where}: missed {name}")


def evaluate(rules: Rules, items: list[Labelled]) -> dict[str, Any]:
    """Precision and recall of masking (per piece of personal data), categories and flags
    (per message and name), and the share of kinds right."""
    masking, categories, flags = Score(), Score(), Score()
    kinds_right, kind_misses = 0, []
    for item in items:
        where = f"line {item.line}"
        found = personal_spans(item.text)
        for start, end, kind in item.personal:
            if any(s < end and start < e for s, e, _k in found):
                masking.true_pos += 1
            else:
                masking.false_neg += 1
                masking.misses.append(f"{where}: missed {kind} {item.text[start:end]!r}")
        for s, e, kind in found:
            if not any(s < end and start < e for start, end, _k in item.personal):
                masking.false_pos += 1
                masking.misses.append(f"{where}: extra {kind} {item.text[s:e]!r}")
        verdict = classify(rules, item.text)
        _sets(categories, item.categories, set(verdict.categories), where)
        _sets(flags, item.flags, {f for f in verdict.flags if f in SCORED_FLAGS}, where)
        if verdict.kind == item.kind:
            kinds_right += 1
        else:
            kind_misses.append(f"{where}: {item.kind} taken for {verdict.kind}: {item.text}")
    return {"messages": len(items),
            "personal_data_pieces": sum(len(i.personal) for i in items),
            "masking": masking, "categories": categories, "flags": flags,
            "kinds": {"right": kinds_right, "accuracy": round(kinds_right / len(items), 4)
                      if items else 1.0},
            "kind_misses": kind_misses}
