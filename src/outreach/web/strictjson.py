"""JSON from the internet, parsed with limits: depth, finite numbers, valid Unicode.

``json.loads`` alone turns hostile bodies into server errors: 100,000 nested
``[`` raise RecursionError, ``"\\ud800"`` decodes to a lone surrogate that
breaks the first ``encode()`` (logs, PostgreSQL), ``1e999`` becomes infinity
and ``NaN`` is accepted. ``loads`` refuses all of these with ``BadJSON`` (a
``ValueError``), so a webhook answers 400 before anything reaches the inbox.
The depth scan runs before parsing and looks only at brackets and quotes, so
it is linear in the body (which the server has already capped in size).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 32
_SPECIAL = re.compile(r'[\[\]{}"\\]')
# lone surrogates cannot be encoded; NUL cannot be stored in PostgreSQL text
_BAD_CHAR = re.compile("[\ud800-\udfff\x00]")


class BadJSON(ValueError):
    """The body is not acceptable JSON; the message says why in one line."""


def depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (strings skipped)."""
    deepest = level = 0
    in_string = escaped = False
    last = -2
    for match in _SPECIAL.finditer(text):
        char, pos = match.group(), match.start()
        if in_string:
            if escaped and pos == last + 1:
                escaped = False        # this character is the escaped one
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            last = pos
            continue
        if char == '"':
            in_string, escaped = True, False
        elif char in "[{":
            level += 1
            deepest = max(deepest, level)
        elif char in "]}":
            level -= 1
        last = pos
    return deepest


def _constant(name: str) -> Any:
    raise BadJSON(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadJSON(f"number {text[:20]} is out of range")
    return value


def _check_strings(value: Any) -> None:
    """Refuse lone surrogates and NUL in every key and string, without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _BAD_CHAR.search(item):
                raise BadJSON("text contains invalid Unicode (a lone surrogate or NUL)")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def loads(body: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a request body, or raise ``BadJSON`` saying what is wrong with it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadJSON("body is not valid UTF-8") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if depth(text) > max_depth:
        raise BadJSON(f"JSON nested deeper than {max_depth} levels")
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_float)
    except BadJSON:
        raise
    except (ValueError, RecursionError) as exc:   # JSONDecodeError, int too long
        raise BadJSON(f"not JSON: {str(exc).splitlines()[0][:120]}") from None
    _check_strings(value)
    return value
