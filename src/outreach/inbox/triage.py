"""Triage rules from a file staff edit (inbox/rules.yaml): category, department, priority,
flags and the message's kind.

Citizens space Korean freely ("가로등이 고장", "가로 등 고장") and disguise
profanity ("시1발", "ㅅ ㅂ"), so each rule looks at a normalised form of the text:

- ``keywords`` match anywhere, spaces ignored ("주차" in "불법주차");
- ``words`` match only at the start of a word, so "행사" does not fire inside
  "은행사거리" but does in "행사장", "행사가";
- ``except`` lists phrases in which a hit does not count, when the phrase
  contains the hit ("불이 꺼져" for the insult 꺼져, "시발점" for 시발,
  "은행사거리" for 행사);
- ``patterns`` are regular expressions run by RE2 on the text as written
  (linear time; see ``patterns.py``), with personal data blanked out first so an
  e-mail domain is not a link.

Moderation rules look at the letters only (digits, punctuation and emoji
removed), which is what undoes "시1발", "씨.발" and "ㅅ ㅂ". The department
follows the message's main topic: the category with the most hits (an urgent
one first), not the order of the rules in the file. Rules never hide anything
on their own: only a moderation rule with ``auto_hide: true`` does.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right

import re2
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..filecache import ParsedFiles
from ..i18n import _
from .kinds import KINDS
from .masking import KINDS as PERSONAL_KINDS, apply_mask, mask, personal_spans
from .patterns import UnsafePattern, compile_linear, pattern_set
from .yamlfile import LineDict, LineList, load_yaml, parse_yaml

PRIORITIES = {"긴급": 1, "높음": 2, "보통": 3, "낮음": 4,
              "urgent": 1, "high": 2, "normal": 3, "low": 4}
PRIORITY_NAMES = {1: "urgent", 2: "high", 3: "normal", 4: "low"}
PRIORITY_LABELS = {1: "긴급", 2: "높음", 3: "보통", 4: "낮음"}
FLAGS = ("political", "commercial", "abusive", "obscene", "defamatory", "personal_data",
         "overheated")
STATUSES_BY_RULE = ("hidden", "spam")
SIGNALS = ("request", "question", "opinion", "greeting", "survey")
RANK_LIMIT = 20          # pattern matches counted towards a category's rank
GREETING_MAX = 9         # characters: a greeting or menu label is short; a longer text says more
# single character classes: linear in the text (no quantifier to backtrack over)
_NON_LETTER = re.compile(r"[^a-z\uac00-\ud7a3\u3131-\u318e]")
_NON_LETTER_KEEP_SPACE = re.compile(r"[^a-z\uac00-\ud7a3\u3131-\u318e\s]")
_PUNCT = re.compile(r"[^\w]")


@dataclass(frozen=True)
class Matcher:
    """What one rule looks for; keyword-like texts are stored normalised."""

    keywords: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    patterns: tuple[Any, ...] = ()          # RE2 patterns
    excepts: tuple[str, ...] = ()


@dataclass(frozen=True)
class CategoryRule:
    name: str
    department: str
    priority: int
    match: Matcher


@dataclass(frozen=True)
class ModerationRule:
    flag: str
    label: str
    match: Matcher
    auto_hide: bool = False
    status: str | None = None


class KeywordScanner:
    """Every rule's keywords, words and exceptions over a normalised text.

    One RE2 set of all the texts says, in a single linear pass, which of them
    occur; only those are then located with ``str.find`` (each a linear scan),
    so a message costs one pass plus one scan per keyword it actually contains.
    """

    def __init__(self, entries: list[tuple[int, str, str]]) -> None:
        """``entries``: (rule slot, text, role) with role ``keyword``, ``word`` or ``except``."""
        owners: dict[str, list[tuple[int, str]]] = {}
        for slot, text, role in entries:
            owners.setdefault(text, []).append((slot, role))
        self.texts = list(owners)
        self.owners = [tuple(owners[t]) for t in self.texts]
        self.set = pattern_set((re2.escape(t) for t in self.texts), ignore_case=False)

    def spans(self, text: str, pieces: list[str], punctuation: bool
              ) -> dict[int, tuple[list, list]]:
        """Per rule slot: (hit spans, exception spans) found in ``text``, the ``pieces``
        joined; word starts (needed only for ``words``) are worked out on first use."""
        found: dict[int, tuple[list, list]] = {}
        if self.set is None:
            return found
        starts: set[int] | None = None
        for index in self.set.Match(text) or ():
            keyword, owners = self.texts[index], self.owners[index]
            length = len(keyword)
            at = text.find(keyword)
            while at >= 0:
                for slot, role in owners:
                    hits, excepts = found.setdefault(slot, ([], []))
                    if role == "except":
                        excepts.append((at, at + length))
                    elif role == "keyword":
                        hits.append((at, at + length))
                    else:
                        if starts is None:
                            starts = _word_starts(text, pieces, punctuation)
                        if at in starts:
                            hits.append((at, at + length))
                at = text.find(keyword, at + 1)
        return found


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
    signals: tuple[tuple[str, Matcher], ...] = ()
    default_kind: str = "opinion"
    scanners: tuple[KeywordScanner, KeywordScanner] | None = field(default=None, compare=False)
    pattern_set: Any = field(default=None, compare=False)
    pattern_index: dict[int, int] = field(default_factory=dict, compare=False)
    pattern_owner: list[tuple[str, int]] = field(default_factory=list, compare=False)

    def __post_init__(self) -> None:
        if self.pattern_set is None:
            # one RE2 pass tells which of all the rules' patterns occur at all; only those
            # are run again for their positions (most messages match none)
            ncat = len(self.categories)
            owned = [(("cat", i), c.match) for i, c in enumerate(self.categories)]
            owned += [(("mod", i), m.match) for i, m in enumerate(self.moderation)]
            owned += [(("sig", ncat + i), m) for i, (_name, m) in enumerate(self.signals)]
            everything = [(owner, p) for owner, m in owned for p in m.patterns]
            object.__setattr__(self, "pattern_set", pattern_set(p.pattern for _o, p in everything))
            object.__setattr__(self, "pattern_index",
                               {id(p): i for i, (_o, p) in enumerate(everything)})
            object.__setattr__(self, "pattern_owner", [o for o, _p in everything])
        if self.scanners is None:
            words: list = []
            for slot, m in enumerate([c.match for c in self.categories]
                                     + [m for _name, m in self.signals]):
                words += _entries(slot, m)
            letters: list = []
            for slot, rule in enumerate(self.moderation):
                letters += _entries(slot, rule.match, letters=True)
            object.__setattr__(self, "scanners", (KeywordScanner(words), KeywordScanner(letters)))

    def label(self, flag: str) -> str:
        """The label staff see for a flag: a moderation rule's own ``label``, else the flag
        in words in the language in force (outreach.inbox.labels)."""
        from .labels import flag_label

        for rule in self.moderation:
            if rule.flag == flag and rule.label and rule.label != flag:
                return rule.label
        return flag_label(flag)


def _entries(slot: int, m: Matcher, *, letters: bool = False) -> list[tuple[int, str, str]]:
    norm = _letters if letters else (lambda t: t)
    out = [(slot, norm(k), "keyword") for k in m.keywords]
    out += [(slot, norm(w), "word") for w in m.words]
    out += [(slot, norm(e), "except") for e in m.excepts]
    return [e for e in out if e[1]]


@dataclass(frozen=True)
class Verdict:
    """What the rules say about one message."""

    categories: tuple[str, ...]
    department: str | None
    priority: int
    flags: tuple[str, ...]
    auto_hide: bool
    status: str | None = None
    kind: str = "complaint"
    masked: str | None = None        # the text with personal data masked (None: nothing to mask)


EMPTY_RULES = Rules((), (), frozenset(PERSONAL_KINDS), False, None, 3, 20, 30)


def compact(text: str) -> str:
    """Lower-case NFC text without whitespace: what keywords are matched against."""
    return "".join(unicodedata.normalize("NFC", text).lower().split())


def _letters(text: str) -> str:
    """Only letters (Hangul, jamo, Latin): "시1발" -> "시발", "ㅅ.ㅂ" -> "ㅅㅂ"."""
    return _NON_LETTER.sub("", compact(text))


def _word_starts(text: str, pieces: list[str], punctuation: bool) -> set[int]:
    """Where words start in ``text`` (``pieces`` joined): after a space, and with
    ``punctuation`` also after a punctuation mark (a word inside quotes or brackets)."""
    starts, at = set(), 0
    for piece in pieces:
        starts.add(at)
        at += len(piece)
    if punctuation:
        starts.update(m.end() for m in _PUNCT.finditer(text))
    return starts


def _valid(hits: list, excepts: list) -> list:
    """The hits not inside an exception span: sorted starts and a running maximum of the
    ends, so a long message with many hits costs n log n, not hits x exceptions."""
    if not excepts:
        return hits
    excepts = sorted(excepts)
    starts = [xs for xs, _xe in excepts]
    reach, top = [], -1
    for _xs, xe in excepts:
        top = max(top, xe)
        reach.append(top)
    kept = []
    for s, e in hits:
        i = bisect_right(starts, s)
        if not i or reach[i - 1] < e:
            kept.append((s, e))
    return kept


def _pattern_hits(m: Matcher, text: str, present: set[int], index: dict[int, int],
                  limit: int = 1) -> list:
    """Up to ``limit`` spans of ``m``'s patterns in ``text`` (only those in ``present`` can
    match); a match overlapping an exception phrase does not count. A flag or a signal
    needs one; a category's rank needs a few, never all of a long message's."""
    found: list = []
    for pattern in m.patterns:
        if index[id(pattern)] not in present:
            continue
        for match in pattern.finditer(text):
            squeezed = compact(match.group(0))
            if m.excepts and any(x in squeezed or squeezed in x for x in m.excepts):
                continue
            found.append((match.start(), match.end()))
            if len(found) >= limit:
                return found
    return found


def classify(rules: Rules, text: str) -> Verdict:
    """Apply the rules to one message (pure: no database, no clock)."""
    plain = unicodedata.normalize("NFC", text)
    lower = plain.lower()
    pieces = lower.split()
    squeezed = "".join(pieces)
    words_scan, letters_scan = rules.scanners or (None, None)
    found = words_scan.spans(squeezed, pieces, True) if words_scan else {}
    spans = personal_spans(plain)
    personal = {span[2] for span in spans}
    scrubbed = _blank(plain, spans).lower() if spans else lower   # patterns never see it
    present = set(rules.pattern_set.Match(scrubbed) or ()) if rules.pattern_set else set()
    index = rules.pattern_index

    # only the rules something was found for: keywords (``found``) or patterns (``present``)
    owners = {rules.pattern_owner[i] for i in present}
    ncat = len(rules.categories)
    ranked = []
    for slot in sorted({s for s in found if s < ncat} | {s for g, s in owners if g == "cat"}):
        rule = rules.categories[slot]
        hits, excepts = found.get(slot, ([], []))
        count = len(_valid(hits, excepts)) + len(_pattern_hits(rule.match, scrubbed, present,
                                                               index, RANK_LIMIT)
                                                 if present else [])
        if count:
            first = min((span[0] for span in hits), default=len(squeezed))
            ranked.append((0 if rule.priority == 1 else 1, -count, first, slot, rule))
    ranked.sort(key=lambda r: r[:4])
    categories = tuple(r[-1].name for r in ranked)
    department = ranked[0][-1].department if ranked else rules.default_department
    priority = min([r[-1].priority for r in ranked], default=rules.default_priority)

    flags: list[str] = []
    auto_hide = False
    status = None
    if rules.moderation:
        letter_pieces = _NON_LETTER_KEEP_SPACE.sub("", lower).split()
        letters = "".join(letter_pieces)
        by_letters = letters_scan.spans(letters, letter_pieces, False) if letters_scan else {}
        for slot in sorted(set(by_letters) | {s for g, s in owners if g == "mod"}):
            mod = rules.moderation[slot]
            hits, excepts = by_letters.get(slot, ([], []))
            if _valid(hits, excepts) or (present
                                         and _pattern_hits(mod.match, scrubbed, present, index)):
                flags.append(mod.flag)
                auto_hide = auto_hide or mod.auto_hide
                status = status or mod.status
    if rules.personal_kinds and personal & rules.personal_kinds:
        flags.append("personal_data")
        auto_hide = auto_hide or rules.personal_auto_hide

    signals = set()
    for slot in sorted({s for s in found if s >= ncat} | {s for g, s in owners if g == "sig"}):
        name, matcher = rules.signals[slot - ncat]
        hits, excepts = found.get(slot, ([], []))
        if _valid(hits, excepts) or (present
                                     and _pattern_hits(matcher, scrubbed, present, index)):
            signals.add(name)
    kind = decide_kind(signals, bool(categories), status, len(squeezed), rules.default_kind,
                       frozenset(flags))
    return Verdict(categories, department, priority, tuple(dict.fromkeys(flags)), auto_hide,
                   status, kind, _masked(text, plain, spans))


def _masked(text: str, plain: str, spans: list) -> str | None:
    """``text`` masked, as ``mask(text)`` gives it (the search index must see the same)."""
    if not spans:
        return None
    return apply_mask(text, spans) if plain == text else mask(text)


def decide_kind(signals: set[str], categorised: bool, status: str | None, length: int,
                default: str, flags: frozenset[str] = frozenset()) -> str:
    """The kind from what was found, in a fixed order (written in docs/inbox.md): spam
    (a rule with ``status: spam``, or an advert about no topic of ours); survey; a short
    greeting or menu label; a request -> complaint; a question; an opinion or thanks; a
    topic of ours, or contact details left for a call back -> complaint; else the default."""
    if status == "spam":
        return "spam"
    if flags & {"commercial", "obscene"} and not categorised and "question" not in signals:
        return "spam"
    if "survey" in signals:
        return "survey"
    if "greeting" in signals and length <= GREETING_MAX:
        return "greeting"
    if "request" in signals:
        return "complaint"
    if "question" in signals:
        return "question"
    if "opinion" in signals:
        return "opinion"
    if categorised or "personal_data" in flags:
        return "complaint"
    return default


def _blank(text: str, spans: list[tuple[int, int, str]]) -> str:
    chars = list(text)
    for start, end, _kind in spans:
        for i in range(start, min(end, len(chars))):
            chars[i] = " "
    return "".join(chars)


# -- loading --------------------------------------------------------------

def load_rules(path: Path) -> Rules:
    """Read and check a rules file; every error names the file, line and key."""
    return _rules_from(load_yaml(path), path)


def parse_rules(text: str, path: Path) -> Rules:
    """Check rules typed in the web editor, with the loader the engine uses; errors name
    ``path`` (the file they are meant for) and the line, and nothing is written."""
    return _rules_from(parse_yaml(text, path), path)


_CURRENT: ParsedFiles[Rules] = ParsedFiles(load_rules)


def current_rules(path: Path) -> Rules:
    """The rules of ``path`` as the file is now: read again only when it changed on disk
    (``filecache.ParsedFiles``: modification time, size or inode; the staff page saves
    by renaming a new file into place), so a long-running process (the webhook server)
    classifies with the rules staff saved, without a restart. A file that became
    unreadable raises, as ``load_rules`` does."""
    return _CURRENT.get(path)


def _rules_from(data: Any, path: Path) -> Rules:
    if data is None:
        return EMPTY_RULES
    if not isinstance(data, LineDict):
        raise ConfigError(_("expected a mapping with categories:, moderation:, ..."), file=path, line=1)
    known = {"default", "categories", "moderation", "personal_data", "overheated", "kinds"}
    for key in data:
        if key not in known:
            raise ConfigError(_("unknown section; known sections are {known}",
                                known=', '.join(sorted(known))),
                              file=path, line=data.line_of(key), key=str(key))

    default = data.get("default") or LineDict()
    _expect_map(default, path, data.line_of("default"), "default")
    _only(default, {"department", "priority", "kind"}, path, "default")
    default_priority = _priority(default, path, "default", 3)
    default_kind = default.get("kind", "opinion")
    if default_kind not in KINDS:
        raise ConfigError(_("unknown kind {kind!r}: use one of {kinds}", kind=default_kind,
                            kinds=", ".join(KINDS)),
                          file=path, line=default.line_of("kind"), key="default.kind")

    categories = []
    seen: set[str] = set()
    matcher_keys = {"keywords", "words", "patterns", "except"}
    for i, entry in enumerate(_expect_list(data, "categories", path)):
        where = f"categories[{i}]"
        _expect_map(entry, path, data.line_of("categories"), where)
        _only(entry, {"name", "department", "priority"} | matcher_keys, path, where)
        name = _text(entry, "name", path, where, required=True)
        if name in seen:
            raise ConfigError(_("category {name!r} is defined twice: merge the two entries",
                                name=name),
                              file=path, line=entry.line_of("name"), key=f"{where}.name")
        seen.add(name)
        match = _matcher(entry, path, where)
        categories.append(CategoryRule(
            name=name, department=_text(entry, "department", path, where, required=True),
            priority=_priority(entry, path, where, default_priority), match=match))

    moderation = []
    for i, entry in enumerate(_expect_list(data, "moderation", path)):
        where = f"moderation[{i}]"
        _expect_map(entry, path, data.line_of("moderation"), where)
        _only(entry, {"flag", "label", "auto_hide", "status"} | matcher_keys, path, where)
        flag = _text(entry, "flag", path, where, required=True)
        if flag not in FLAGS:
            raise ConfigError(_("unknown flag {flag!r}: use one of {flags}", flag=flag,
                                flags=', '.join(FLAGS[:5])),
                              file=path, line=entry.line_of("flag"), key=f"{where}.flag")
        status = entry.get("status")
        if status is not None and status not in STATUSES_BY_RULE:
            raise ConfigError(_("a rule may only set status to {statuses_by_rule}",
                                statuses_by_rule=' or '.join(STATUSES_BY_RULE)),
                              file=path, line=entry.line_of("status"), key=f"{where}.status")
        moderation.append(ModerationRule(
            flag=flag, label=_text(entry, "label", path, where) or flag,
            match=_matcher(entry, path, where),
            auto_hide=_bool(entry, "auto_hide", path, where), status=status))

    signals = []
    kinds = data.get("kinds")
    if kinds is not None:
        _expect_map(kinds, path, data.line_of("kinds"), "kinds")
        _only(kinds, set(SIGNALS), path, "kinds")
        for name, entry in kinds.items():
            where = f"kinds.{name}"
            _expect_map(entry, path, kinds.line_of(name), where)
            _only(entry, matcher_keys, path, where)
            signals.append((str(name), _matcher(entry, path, where)))

    personal = data.get("personal_data")
    pkinds, personal_hide = frozenset(PERSONAL_KINDS), False
    if personal is not None:
        _expect_map(personal, path, data.line_of("personal_data"), "personal_data")
        _only(personal, {"kinds", "auto_hide", "label"}, path, "personal_data")
        raw = personal.get("kinds", list(PERSONAL_KINDS))
        if not isinstance(raw, list) or any(k not in PERSONAL_KINDS for k in raw):
            raise ConfigError(_("expected a list drawn from {personal_kinds}",
                                personal_kinds=', '.join(PERSONAL_KINDS)), file=path,
                              line=personal.line_of("kinds"), key="personal_data.kinds")
        pkinds = frozenset(raw)
        personal_hide = _bool(personal, "auto_hide", path, "personal_data")

    hot = data.get("overheated") or LineDict()
    _expect_map(hot, path, data.line_of("overheated"), "overheated")
    replies = _positive(hot, "replies", path, 20)
    minutes = _positive(hot, "minutes", path, 30)
    return Rules(tuple(categories), tuple(moderation), pkinds, personal_hide,
                 _text(default, "department", path, "default"), default_priority, replies, minutes,
                 file=path, signals=tuple(signals), default_kind=default_kind)


def _expect_map(value: Any, path: Path, line: int, where: str) -> None:
    if not isinstance(value, LineDict):
        raise ConfigError(_("expected a mapping (key: value lines)"), file=path, line=line, key=where)


def _expect_list(data: LineDict, key: str, path: Path) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise ConfigError(_("expected a list of entries starting with '-'"), file=path,
                          line=data.line_of(key), key=key)
    return value


def _only(entry: LineDict, allowed: set[str], path: Path, where: str) -> None:
    for key in entry:
        if key not in allowed:
            raise ConfigError(_("unknown key; allowed keys are {allowed}",
                                allowed=', '.join(sorted(allowed))),
                              file=path, line=entry.line_of(key), key=f"{where}.{key}")


def _text(entry: LineDict, key: str, path: Path, where: str, *, required: bool = False) -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(_("expected a non-empty text"), file=path, line=entry.line_of(key),
                          key=f"{where}.{key}")
    return value.strip()


def _bool(entry: LineDict, key: str, path: Path, where: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(_("expected true or false"), file=path, line=entry.line_of(key),
                          key=f"{where}.{key}")
    return value


def _positive(entry: LineDict, key: str, path: Path, default: int) -> int:
    value = entry.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(_("expected a whole number of at least 1"), file=path,
                          line=entry.line_of(key), key=f"overheated.{key}")
    return value


def _priority(entry: LineDict, path: Path, where: str, default: int) -> int:
    value = entry.get("priority")
    if value is None:
        return default
    if value not in PRIORITIES:
        raise ConfigError(_("priority must be one of 긴급, 높음, 보통, 낮음"), file=path,
                          line=entry.line_of("priority"), key=f"{where}.priority")
    return PRIORITIES[value]


def _matcher(entry: LineDict, path: Path, where: str) -> Matcher:
    lists = {}
    for key in ("keywords", "words", "patterns", "except"):
        value = entry.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(_("expected a list of texts, e.g. [가로등, 보안등]"), file=path,
                              line=entry.line_of(key), key=f"{where}.{key}")
        lists[key] = value
    if not lists["keywords"] and not lists["words"] and not lists["patterns"]:
        raise ConfigError(_("give at least one keyword, word or pattern"), file=path,
                          line=entry.line, key=where)
    compiled = []
    patterns = lists["patterns"]
    for index, pattern in enumerate(patterns):
        try:
            compiled.append(compile_linear(pattern, ignore_case=True))
        except UnsafePattern as exc:
            line = patterns.line_at(index) if isinstance(patterns, LineList) \
                else entry.line_of("patterns")
            raise ConfigError(_("pattern {pattern!r} is refused: {reason}; write it without "
                                "that, or use keywords", pattern=pattern, reason=str(exc)),
                              file=path, line=line, key=f"{where}.patterns") from None
    return Matcher(keywords=tuple(compact(k) for k in lists["keywords"]),
                   words=tuple(compact(w) for w in lists["words"]),
                   patterns=tuple(compiled),
                   excepts=tuple(compact(x) for x in lists["except"]))
