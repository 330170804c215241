"""Personal data in citizens' messages: find it and mask it for display, export and search.

The stored text stays as the citizen wrote it (staff may need the number to
call back); every list, detail view, export, JSON output and notification
shows the masked form, and the search index holds only the masked form, so a
search for digits never finds a hidden number.

Kinds: phone numbers (dashes, spaces, dots, ``ㅡ`` typed as a dash, +82,
Korean numerals such as 공일공), resident registration numbers, bank account
and card numbers, e-mail addresses (spaces around ``@`` too), car plates
(12가3456, 서울12가3456) and street addresses (도로명 "번영로 156",
지번 "성정동 123-4", "101동 1203호").

Everything runs in linear time: RE2 finds candidates (no look-arounds, so
digit boundaries are checked here in Python), and a run of digits is
classified by its digits and groups, never by backtracking.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from .patterns import cached

KINDS = ("rrn", "phone", "email", "account", "plate", "address")
_PRIORITY = {kind: i for i, kind in enumerate(("email", "rrn", "phone", "account", "plate",
                                                 "address"))}

_NUMERALS = {"공": "0", "영": "0", "일": "1", "이": "2", "삼": "3", "사": "4", "오": "5",
             "육": "6", "륙": "6", "칠": "7", "팔": "8", "구": "9"}
_FULLWIDTH = {chr(0xFF10 + i): str(i) for i in range(10)}
# a group of digits: Arabic (and * of an already masked number), or three or more Korean
# numerals (공일공); a lone 이 or 일 is a particle or a word, not a digit
_GROUP = "[0-9\uff10-\uff19*]+|[공영일이삼사오육륙칠팔구]{3,}"
_SEP = r"[\s\-–—ㅡ_.)(~/·]{1,3}"
_RUN = rf"\+?(?:{_GROUP})(?:{_SEP}(?:{_GROUP}))*"
# Groups inside a run found by RE2: two disjoint character classes, so Python's engine
# never backtracks here either (linear); it saves RE2's per-match wrapper cost.
_GROUP_PY = re.compile(_GROUP)
_EMAIL = (r"[A-Za-z0-9._%+\-]+\s{0,3}(?:@|＠|골뱅이)\s{0,3}[A-Za-z0-9\-]+"
          r"(?:\s?\.\s?[A-Za-z0-9\-]+)*\.\s?[A-Za-z]{2,}")
_REGIONS = "서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|전북|전남|경북|경남|제주"
_PLATE_LETTERS = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주아바사자배하허호"
_PLATE = rf"(?:(?:{_REGIONS})\s?)?\d{{2,3}}\s?[{_PLATE_LETTERS}]\s?\d{{4}}"
_ROAD = (r"[가-힣]{1,12}\d{0,3}(?:대로|로|길)(?:\s?\d{1,4}(?:번길|번안길|길))?\s?\d{1,5}"
         r"(?:\s?-\s?\d{1,5})?(?:번지)?")
_LOT = r"[가-힣]{1,8}\d{0,2}(?:동|리|가|읍|면)\s?(?:산\s?)?\d{1,5}(?:\s?-\s?\d{1,5})?(?:번지)?"
_UNIT = r"\d{1,4}\s?동\s?\d{1,5}\s?호"
_BANKS = ("은행", "농협", "국민", "신한", "우리", "하나", "기업", "카카오뱅크", "카뱅", "토스",
          "케이뱅크", "새마을", "우체국", "수협", "신협", "계좌", "입금", "예금주", "송금", "이체",
          "카드")
# a number followed by one of these counts something: "성정동 3년째", "도로 2곳"
_COUNTERS = set("년월일시분초개명차층살세원회주대곳건채가마킬미센%m째kKpP배위등호번")
_ROAD_WORDS = ("도로", "차로", "진로", "경로", "통로", "선로", "항로", "뒷길", "골목길", "산길",
               "갓길", "오솔길", "지름길", "찻길", "인도")


def _digits(group: str) -> str:
    return "".join(_NUMERALS.get(c, _FULLWIDTH.get(c, c)) for c in group)


def _valid_rrn(d: str) -> bool:
    if len(d) != 13 or not d[:7].isdigit():
        return False
    month, day = int(d[2:4]), int(d[4:6])
    return 1 <= month <= 12 and 1 <= day <= 31 and d[6] in "12345678"


def _phone(d: str, plus: bool) -> bool:
    if "*" in d[:3]:
        return False
    if plus and d.startswith("82"):
        d = "0" + d[2:].lstrip("0")
    if d.startswith(("010", "011", "016", "017", "018", "019")):
        return len(d) in (10, 11)
    if d.startswith("02"):
        return len(d) in (9, 10)
    if d.startswith(("070", "050")):
        return len(d) in (11, 12)
    return len(d) in (10, 11) and d[0] == "0" and d[1] in "3456" and d[2] in "12345"


def _is_date(groups: list[str]) -> bool:
    if len(groups) < 3 or not all(g.isdigit() for g in groups[:3]):
        return False
    year, month, day = groups[0], groups[1], groups[2]
    return (len(year) in (2, 4) and 1 <= int(month) <= 12 and 1 <= int(day) <= 31
            and len(month) <= 2 and len(day) <= 2)


def _classify(groups: list[str], plus: bool, before: str) -> str | None:
    d = "".join(groups)
    if _is_date(groups):
        return None
    if len(groups) <= 2 and _valid_rrn(d) and (len(groups) == 1 or len(groups[0]) == 6):
        return "rrn"
    if _phone(d, plus):
        return "phone"
    banked = any(b in before for b in _BANKS)
    if 10 <= len(d) <= 14 and len(groups) >= 3 and not d.startswith("0"):
        return "account"
    if len(d) == 16 and len(groups) == 4:
        return "account"                            # a card number
    if banked and 8 <= len(d) <= 16:
        return "account"
    return None


def _numbers(text: str) -> list[tuple[int, int, str]]:
    found = []
    for run in cached(_RUN).finditer(text):
        value = run.group(0)
        if len(value) < 8 or (run.start() > 0 and text[run.start() - 1].isdigit()):
            continue                   # fewer than 8 digits is no number we mask
        plus = value[0] == "+"
        base = run.start()
        spans = [(m.start() + base, m.end() + base) for m in _GROUP_PY.finditer(value)
                 if m.group(0).strip("*")]
        digits = [_digits(text[s:e]) for s, e in spans]
        i = 0
        while i < len(spans):
            best = None
            before = text[max(0, spans[i][0] - 20):spans[i][0]]
            length = 0
            for j in range(i, min(i + 6, len(spans))):
                length += len(digits[j])
                if length > 16:
                    break                   # longer than any number we mask
                if length < 8:
                    continue                # shorter than any number we mask
                kind = _classify(digits[i:j + 1], plus and i == 0, before)
                if kind:
                    best = (j, kind)
            if best is None:
                i += 1
                continue
            j, kind = best
            start = run.start() if plus and i == 0 else spans[i][0]
            found.append((start, spans[j][1], kind))
            i = j + 1
    return found


def _followed_by_counter(text: str, end: int) -> bool:
    rest = text[end:end + 2].lstrip()
    if not rest:
        return False
    if text[end:end + 2] in ("번지", "번길"):
        return False
    return rest[0] in _COUNTERS


def _spans(text: str) -> list[tuple[int, int, str]]:
    found = [(m.start(), m.end(), "email") for m in cached(_EMAIL).finditer(text)]
    found += _numbers(text)
    for m in cached(_PLATE).finditer(text):
        s, e = m.start(), m.end()
        if (s and text[s - 1].isdigit()) or (e < len(text) and text[e].isdigit()):
            continue
        found.append((s, e, "plate"))
    for pattern in (_UNIT, _ROAD, _LOT):
        for m in cached(pattern).finditer(text):
            s, e = m.start(), m.end()
            if e < len(text) and (text[e].isdigit() or _followed_by_counter(text, e)):
                continue
            if pattern is _ROAD and any(m.group(0).startswith(w) or
                                        m.group(0).split()[0].endswith(w) for w in _ROAD_WORDS):
                continue
            found.append((s, e, "address"))
    return found


# Could the text hold personal data at all? Every kind needs a digit, an at sign or three
# Korean numerals in a row; most messages have none and skip the RE2 passes. A character
# class or a fixed three-character run: linear in the text with Python's engine too.
_MAYBE = re.compile("[0-9\uff10-\uff19@\uff20]|골뱅이|[공영일이삼사오육륙칠팔구]{3}")


def personal_spans(text: str) -> list[tuple[int, int, str]]:
    """Where ``text`` exposes personal data: (start, end, kind), sorted, not overlapping."""
    if not _MAYBE.search(text):
        return []
    chosen: list[tuple[int, int, str]] = []            # sorted by start, not overlapping
    for start, end, kind in sorted(_spans(text), key=lambda s: (_PRIORITY[s[2]], s[0])):
        i = bisect_left(chosen, (start,))
        if i and chosen[i - 1][1] > start:
            continue                                   # overlaps the one before
        if i < len(chosen) and chosen[i][0] < end:
            continue                                   # overlaps the one after
        chosen.insert(i, (start, end, kind))
    return chosen


def find_personal_data(text: str) -> set[str]:
    """Which kinds of personal data (``rrn``, ``phone``, ``email`` ...) ``text`` exposes."""
    return {kind for _, _, kind in personal_spans(text)}


def _star(value: str, keep_last: int = 0, *, numerals: bool = True) -> str:
    """Digits (and Korean numerals) replaced by ``*``, the last ``keep_last`` kept."""
    positions = [i for i, c in enumerate(value) if c.isdigit() or (numerals and c in _NUMERALS)]
    hide = set(positions[:len(positions) - keep_last] if keep_last else positions)
    return "".join("*" if i in hide else c for i, c in enumerate(value))


def _mask_one(value: str, kind: str) -> str:
    if kind == "email":
        at = min((value.find(a) for a in ("@", "＠", "골뱅이") if a in value), default=-1)
        local = value[:at].strip()
        domain = value[at:].lstrip("@＠").replace("골뱅이", "", 1).strip()
        return f"{local[:2]}***@{''.join(domain.split())}"
    if kind == "rrn":
        return _star(value)
    if kind == "phone":
        groups = list(_GROUP_PY.finditer(value))
        if len(groups) >= 3:          # keep the area code (and +82) and the last four digits
            head = groups[-3].end()
            return value[:head] + _star(value[head:], 4)
        digits = [i for i, c in enumerate(value) if c.isdigit() or c in _NUMERALS]
        plain = _digits(value)
        if plain.startswith("+82"):           # country code, then the number without its 0
            area = 3 if plain[3:4] == "2" else 4
        else:
            area = 2 if plain.startswith("02") else 3
        head = digits[area] if len(digits) > area else 0
        return value[:head] + _star(value[head:], 4)
    if kind == "account":
        return _star(value, 4)
    if kind == "plate":
        return value[:-4] + "****"
    return _star(value, numerals=False)     # address: the place name stays, the numbers go


def mask(text: str) -> str:
    """``text`` with every kind of personal data masked."""
    return apply_mask(text, personal_spans(text))


def apply_mask(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with ``spans`` (from ``personal_spans(text)``) masked."""
    if not spans:
        return text
    out, at = [], 0
    for start, end, kind in spans:
        out.append(text[at:start])
        out.append(_mask_one(text[start:end], kind))
        at = end
    out.append(text[at:])
    return "".join(out)
