"""Triage rules from a file staff edit (inbox/rules.yaml): category, department, priority, flags.

Keywords are matched with spaces removed on both sides, because citizens space
Korean freely ("가로등이 고장", "가로 등 고장"). Patterns are regular
expressions tried on the text as written. Rules never hide anything on their
own: only a moderation rule with ``auto_hide: true`` does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .masking import KINDS as PERSONAL_KINDS, find_personal_data
from .yamlfile import LineDict, load_yaml

PRIORITIES = {"긴급": 1, "높음": 2, "보통": 3, "낮음": 4,
              "urgent": 1, "high": 2, "normal": 3, "low": 4}
PRIORITY_NAMES = {1: "urgent", 2: "high", 3: "normal", 4: "low"}
PRIORITY_LABELS = {1: "긴급", 2: "높음", 3: "보통", 4: "낮음"}
FLAGS = ("political", "commercial", "abusive", "obscene", "defamatory", "personal_data",
         "overheated")
STATUSES_BY_RULE = ("hidden", "spam")


@dataclass(frozen=True)
class CategoryRule:
    name: str
    department: str
    priority: int
    keywords: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class ModerationRule:
    flag: str
    label: str
    keywords: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    auto_hide: bool = False
    status: str | None = None


@dataclass(frozen=True)
class Rules:
    categories: tuple[CategoryRule, ...]
    moderation: tuple[ModerationRule, ...]
    personal_kinds: frozenset[str]
    personal_auto_hide: bool
    default_department: str | None
    default_priority: int
    overheated_replies: int
    overheated_minutes: int
    file: Path | None = None
    scanner: "KeywordScanner | None" = None

    def __post_init__(self) -> None:
        if self.scanner is None:
            rules = [r.keywords for r in self.categories] + [m.keywords for m in self.moderation]
            object.__setattr__(self, "scanner", KeywordScanner(rules))

    def label(self, flag: str) -> str:
        """The Korean label staff see for a flag."""
        for rule in self.moderation:
            if rule.flag == flag:
                return rule.label
        return {"personal_data": "개인정보 노출", "overheated": "과열 스레드"}.get(flag, flag)


@dataclass(frozen=True)
class Verdict:
    """What the rules say about one message."""

    categories: tuple[str, ...]
    department: str | None
    priority: int
    flags: tuple[str, ...]
    auto_hide: bool
    status: str | None = None


class KeywordScanner:
    """Every rule's keywords in one pass over the text.

    One expression with a look-ahead finds, at each position, the longest
    keyword starting there; each keyword maps to the rules of all keywords that
    are its prefixes too (they match at the same position), so no rule is missed.
    """

    def __init__(self, keyword_lists: list[tuple[str, ...]]) -> None:
        owners: dict[str, set[int]] = {}
        for index, keywords in enumerate(keyword_lists):
            for keyword in keywords:
                owners.setdefault(keyword, set()).add(index)
        self.rules_of = {k: frozenset().union(*(owners[p] for p in owners if k.startswith(p)))
                         for k in owners}
        ordered = sorted(owners, key=len, reverse=True)
        self.pattern = re.compile("(?=(" + "|".join(map(re.escape, ordered)) + "))") \
            if ordered else None

    def hits(self, squeezed: str) -> set[int]:
        found: set[int] = set()
        if self.pattern is not None:
            for match in self.pattern.finditer(squeezed):
                found |= self.rules_of[match.group(1)]
        return found


EMPTY_RULES = Rules((), (), frozenset(PERSONAL_KINDS), False, None, 3, 20, 30)


def compact(text: str) -> str:
    """Lower-case NFC text without whitespace: what keywords are matched against."""
    return "".join(unicodedata.normalize("NFC", text).lower().split())


def classify(rules: Rules, text: str) -> Verdict:
    """Apply the rules to one message (pure: no database, no clock)."""
    plain = unicodedata.normalize("NFC", text)
    squeezed = "".join(plain.lower().split())       # compact(text), normalised once
    hits = rules.scanner.hits(squeezed) if rules.scanner else set()
    categories: list[str] = []
    department = None
    priority = rules.default_priority
    for index, rule in enumerate(rules.categories):
        if index in hits or (rule.patterns and _hit(rule.patterns, plain)):
            categories.append(rule.name)
            department = department or rule.department
            priority = min(priority, rule.priority)
    flags: list[str] = []
    auto_hide = False
    status = None
    offset = len(rules.categories)
    for index, mod in enumerate(rules.moderation, start=offset):
        if index in hits or (mod.patterns and _hit(mod.patterns, plain)):
            flags.append(mod.flag)
            auto_hide = auto_hide or mod.auto_hide
            status = status or mod.status
    if rules.personal_kinds and find_personal_data(plain) & rules.personal_kinds:
        flags.append("personal_data")
        auto_hide = auto_hide or rules.personal_auto_hide
    return Verdict(tuple(categories), department or rules.default_department, priority,
                   tuple(dict.fromkeys(flags)), auto_hide, status)


def _hit(patterns: tuple[re.Pattern[str], ...], plain: str) -> bool:
    return any(p.search(plain) for p in patterns)


# -- loading --------------------------------------------------------------

def load_rules(path: Path) -> Rules:
    """Read and check a rules file; every error names the file, line and key."""
    data = load_yaml(path)
    if data is None:
        return EMPTY_RULES
    if not isinstance(data, LineDict):
        raise ConfigError("expected a mapping with categories:, moderation:, ...", file=path, line=1)
    known = {"default", "categories", "moderation", "personal_data", "overheated"}
    for key in data:
        if key not in known:
            raise ConfigError(f"unknown section; known sections are {', '.join(sorted(known))}",
                              file=path, line=data.line_of(key), key=str(key))

    default = data.get("default") or LineDict()
    _expect_map(default, path, data.line_of("default"), "default")
    default_priority = _priority(default, path, "default", 3)

    categories = []
    seen: set[str] = set()
    for i, entry in enumerate(_expect_list(data, "categories", path)):
        where = f"categories[{i}]"
        _expect_map(entry, path, data.line_of("categories"), where)
        _only(entry, {"name", "department", "priority", "keywords", "patterns"}, path, where)
        name = _text(entry, "name", path, where, required=True)
        if name in seen:
            raise ConfigError(f"category {name!r} is defined twice: merge the two entries",
                              file=path, line=entry.line_of("name"), key=f"{where}.name")
        seen.add(name)
        keywords, patterns = _matchers(entry, path, where)
        categories.append(CategoryRule(
            name=name, department=_text(entry, "department", path, where, required=True),
            priority=_priority(entry, path, where, default_priority),
            keywords=keywords, patterns=patterns))

    moderation = []
    for i, entry in enumerate(_expect_list(data, "moderation", path)):
        where = f"moderation[{i}]"
        _expect_map(entry, path, data.line_of("moderation"), where)
        _only(entry, {"flag", "label", "keywords", "patterns", "auto_hide", "status"}, path, where)
        flag = _text(entry, "flag", path, where, required=True)
        if flag not in FLAGS:
            raise ConfigError(f"unknown flag {flag!r}: use one of {', '.join(FLAGS[:5])}",
                              file=path, line=entry.line_of("flag"), key=f"{where}.flag")
        status = entry.get("status")
        if status is not None and status not in STATUSES_BY_RULE:
            raise ConfigError(f"a rule may only set status to {' or '.join(STATUSES_BY_RULE)}",
                              file=path, line=entry.line_of("status"), key=f"{where}.status")
        keywords, patterns = _matchers(entry, path, where)
        moderation.append(ModerationRule(
            flag=flag, label=_text(entry, "label", path, where) or flag, keywords=keywords,
            patterns=patterns, auto_hide=_bool(entry, "auto_hide", path, where), status=status))

    personal = data.get("personal_data")
    kinds, personal_hide = frozenset(PERSONAL_KINDS), False
    if personal is not None:
        _expect_map(personal, path, data.line_of("personal_data"), "personal_data")
        _only(personal, {"kinds", "auto_hide", "label"}, path, "personal_data")
        raw = personal.get("kinds", list(PERSONAL_KINDS))
        if not isinstance(raw, list) or any(k not in PERSONAL_KINDS for k in raw):
            raise ConfigError(f"expected a list drawn from {', '.join(PERSONAL_KINDS)}", file=path,
                              line=personal.line_of("kinds"), key="personal_data.kinds")
        kinds = frozenset(raw)
        personal_hide = _bool(personal, "auto_hide", path, "personal_data")

    hot = data.get("overheated") or LineDict()
    _expect_map(hot, path, data.line_of("overheated"), "overheated")
    replies = _positive(hot, "replies", path, 20)
    minutes = _positive(hot, "minutes", path, 30)
    return Rules(tuple(categories), tuple(moderation), kinds, personal_hide,
                 _text(default, "department", path, "default"), default_priority, replies, minutes,
                 file=path)


def _expect_map(value: Any, path: Path, line: int, where: str) -> None:
    if not isinstance(value, LineDict):
        raise ConfigError("expected a mapping (key: value lines)", file=path, line=line, key=where)


def _expect_list(data: LineDict, key: str, path: Path) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise ConfigError("expected a list of entries starting with '-'", file=path,
                          line=data.line_of(key), key=key)
    return value


def _only(entry: LineDict, allowed: set[str], path: Path, where: str) -> None:
    for key in entry:
        if key not in allowed:
            raise ConfigError(f"unknown key; allowed keys are {', '.join(sorted(allowed))}",
                              file=path, line=entry.line_of(key), key=f"{where}.{key}")


def _text(entry: LineDict, key: str, path: Path, where: str, *, required: bool = False) -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("expected a non-empty text", file=path, line=entry.line_of(key),
                          key=f"{where}.{key}")
    return value.strip()


def _bool(entry: LineDict, key: str, path: Path, where: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError("expected true or false", file=path, line=entry.line_of(key),
                          key=f"{where}.{key}")
    return value


def _positive(entry: LineDict, key: str, path: Path, default: int) -> int:
    value = entry.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError("expected a whole number of at least 1", file=path,
                          line=entry.line_of(key), key=f"overheated.{key}")
    return value


def _priority(entry: LineDict, path: Path, where: str, default: int) -> int:
    value = entry.get("priority")
    if value is None:
        return default
    if value not in PRIORITIES:
        raise ConfigError("priority must be one of 긴급, 높음, 보통, 낮음", file=path,
                          line=entry.line_of("priority"), key=f"{where}.priority")
    return PRIORITIES[value]


def _matchers(entry: LineDict, path: Path, where: str
              ) -> tuple[tuple[str, ...], tuple[re.Pattern[str], ...]]:
    keywords = entry.get("keywords") or []
    patterns = entry.get("patterns") or []
    for key, value in (("keywords", keywords), ("patterns", patterns)):
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError("expected a list of texts, e.g. [가로등, 보안등]", file=path,
                              line=entry.line_of(key), key=f"{where}.{key}")
    if not keywords and not patterns:
        raise ConfigError("give at least one keyword or pattern", file=path, line=entry.line,
                          key=where)
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except re.error as exc:
            raise ConfigError(f"pattern {pattern!r} is not a valid regular expression ({exc})",
                              file=path, line=entry.line_of("patterns"),
                              key=f"{where}.patterns") from None
    return tuple(compact(k) for k in keywords), tuple(compiled)
