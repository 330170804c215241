"""Message kinds and the ticket number a citizen sees.

Every item has one kind, set by triage and correctable by staff:

- ``complaint``: a complaint or a request for action (민원);
- ``question``: asks for information (opening hours, where, how);
- ``opinion``: an opinion, praise or thanks;
- ``greeting``: a greeting or a tap on a chatbot menu;
- ``survey``: an answer to a survey or poll;
- ``spam``: advertising, gambling, loans, obscene spam.

Only complaints and questions (``TICKETED``) get a ticket number and the two
deadlines, and only they are counted in the complaint figures; the others are
counted apart so a month of menu taps cannot make resolution look instant.

The ticket number is the local date plus a short code that is a keyed
permutation of the item id: unique (a permutation cannot collide), decodable
by us (staff can type the number a citizen quotes) and meaningless to anyone
without the workspace salt, so it does not reveal how many messages the inbox
holds.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date
from functools import lru_cache

KINDS = ("complaint", "question", "opinion", "greeting", "survey", "spam")
TICKETED = ("complaint", "question")
KIND_LABELS = {"complaint": "민원", "question": "질문", "opinion": "의견·칭찬",
               "greeting": "인사·메뉴", "survey": "설문 응답", "spam": "스팸"}
_KIND_NAMES = {**{k: k for k in KINDS}, **{v: k for k, v in KIND_LABELS.items()},
               "민원·요청": "complaint", "요청": "complaint", "의견": "opinion", "칭찬": "opinion",
               "인사": "greeting", "메뉴": "greeting", "설문": "survey", "문의": "question"}

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"          # Crockford base32: no I, L, O, U
_TICKET = re.compile(r"^\s*#?(\d{8})-([0-9A-Za-z]{6}|[0-9A-Za-z]{8})\s*$")
_ROUNDS = 4


def kind_name(value: str) -> str | None:
    """The kind for an English or Korean name (``민원``, ``question`` ...), else None."""
    return _KIND_NAMES.get(value.strip().lower()) or _KIND_NAMES.get(value.strip())


def is_ticketed(kind: str | None) -> bool:
    return kind in TICKETED


@lru_cache(maxsize=16)
def _keyed(key: bytes) -> "hmac.HMAC":
    """An HMAC-SHA256 already keyed with ``key``: a copy of it gives the same digest as
    ``hmac.new(key, ...)`` without hashing the key's pads again for every round."""
    return hmac.new(key, digestmod=hashlib.sha256)


def _round(key: bytes, half: int, index: int, bits: int) -> int:
    mac = _keyed(key).copy()
    mac.update(f"{index}:{half}".encode())
    return int.from_bytes(mac.digest()[:4], "big") & ((1 << bits) - 1)


def _permute(key: bytes, value: int, bits: int, *, inverse: bool = False) -> int:
    """A balanced Feistel network on ``bits`` bits: a bijection, so codes never collide."""
    half = bits // 2
    mask = (1 << half) - 1
    left, right = value >> half, value & mask
    rounds = range(_ROUNDS - 1, -1, -1) if inverse else range(_ROUNDS)
    for index in rounds:
        if inverse:
            left, right = right ^ _round(key, left, index, half), left
        else:
            left, right = right, left ^ _round(key, right, index, half)
    return (left << half) | right


def _encode(value: int, chars: int) -> str:
    out = []
    for _ in range(chars):
        value, digit = divmod(value, 32)
        out.append(_ALPHABET[digit])
    return "".join(reversed(out))


@lru_cache(maxsize=20_000)
def _code(key: bytes, item_id: int) -> str:
    """The keyed code of an item id (kept for the items pages show again and again: a
    queue page has 50, each costing four HMACs)."""
    chars, bits = (6, 30) if item_id < (1 << 30) else (8, 40)
    return _encode(_permute(key, item_id, bits), chars)


def ticket_number(key: bytes, item_id: int, day: date) -> str:
    """``20261129-7KQ2MX``: the day the message came in and a keyed code of the item id."""
    if day.year >= 1000:           # what %Y%m%d gives, without strftime
        return f"{day.year}{day.month:02d}{day.day:02d}-{_code(key, item_id)}"
    return f"{day:%Y%m%d}-{_code(key, item_id)}"


def parse_ticket(key: bytes, ticket: str) -> tuple[int, date] | None:
    """The item id and day a ticket number stands for, or None when it is not one."""
    match = _TICKET.match(ticket)
    if not match:
        return None
    digits, code = match.group(1), match.group(2).upper().replace("O", "0").replace("I", "1") \
        .replace("L", "1")
    try:
        day = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        value = 0
        for char in code:
            value = value * 32 + _ALPHABET.index(char)
    except ValueError:
        return None
    bits = 30 if len(code) == 6 else 40
    return _permute(key, value, bits, inverse=True), day
