"""Personal data in citizens' messages: find it and mask it for display.

The stored text stays as the citizen wrote it (staff may need the number to
call back); every list, detail view, export and JSON output shows the masked
form. Patterns use digit look-arounds instead of ``\\b`` because Korean
letters are word characters ("010-1234-5678로 연락" has no word boundary).
"""

from __future__ import annotations

import re

_RRN = re.compile(r"(?<!\d)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\s?[-–]?\s?[1-8]\d{6}(?!\d)")
_PHONE = re.compile(
    r"(?<![\d+])(?:\+82[-. ]?|0)(1[016789]|2|[3-6][1-5]|70)[-. )]?(\d{3,4})[-. ]?(\d{4})(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

KINDS = ("rrn", "phone", "email")


def find_personal_data(text: str) -> set[str]:
    """Which kinds of personal data (``rrn``, ``phone``, ``email``) ``text`` exposes."""
    found = set()
    if _RRN.search(text):
        found.add("rrn")
    if _PHONE.search(_RRN.sub("", text)):
        found.add("phone")
    if _EMAIL.search(text):
        found.add("email")
    return found


def _mask_phone(match: re.Match[str]) -> str:
    raw = match.group(0)
    prefix = raw[: match.start(2) - match.start(0)]
    return f"{prefix}****-{match.group(3)}"


def _mask_email(match: re.Match[str]) -> str:
    local, _, domain = match.group(0).partition("@")
    return f"{local[:2]}***@{domain}"


def mask(text: str) -> str:
    """``text`` with resident registration numbers, phone numbers and e-mail addresses masked."""
    text = _RRN.sub("******-*******", text)
    text = _PHONE.sub(_mask_phone, text)
    return _EMAIL.sub(_mask_email, text)
