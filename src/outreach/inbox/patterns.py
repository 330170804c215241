"""The one regular-expression engine for citizens' text: RE2 (``google-re2``), linear time.

Python's ``re`` backtracks: a staff rule with nested quantifiers (``(a+)+$``)
or an innocent-looking e-mail pattern searched over a 60 KB message can take
seconds to minutes, and it ran inside the write transaction. RE2 guarantees
time linear in the text for every pattern it accepts; it refuses the features
that cannot be matched that way (back-references, look-ahead and look-behind),
so a staff pattern using them is refused when rules.yaml loads, naming the
file and line. Our own patterns (masking) are written for RE2 too.

Keywords are escaped literals in one RE2 set (``triage.KeywordScanner``);
the few Python ``re`` expressions left are single character classes or fixed
short runs (normalising spaces and punctuation), linear in the text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

MAX_MEMORY = 8 << 20        # bytes RE2 may use for one pattern; larger ones are refused


class UnsafePattern(ValueError):
    """A pattern RE2 cannot run in linear time (or that is not a valid expression)."""


def _options(ignore_case: bool) -> Any:
    options = re2.Options()
    options.log_errors = False          # RE2 would print every refusal to stderr
    options.max_mem = MAX_MEMORY
    options.case_sensitive = not ignore_case
    return options


def compile_linear(pattern: str, *, ignore_case: bool = False) -> Any:
    """``pattern`` compiled by RE2; ``UnsafePattern`` with a reason staff can act on."""
    try:
        return re2.compile(pattern, _options(ignore_case))
    except re2.error as exc:
        reason = exc.args[0] if exc.args else str(exc)
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        if "perl operator" in reason or "backreference" in reason or "escape sequence" in reason:
            raise UnsafePattern(
                f"it uses look-ahead, look-behind or a back-reference, which cannot run in "
                f"linear time ({reason})") from None
        if "too large" in reason or "memory" in reason or "repetition size" in reason:
            raise UnsafePattern(f"it is too large to run in linear time ({reason})") from None
        raise UnsafePattern(f"it is not a valid regular expression ({reason})") from None


def pattern_set(patterns: Any, *, ignore_case: bool = True) -> Any:
    """One RE2 set of ``patterns``: ``.Match(text)`` lists the indices of those that occur,
    in a single linear pass; None when there are no patterns."""
    patterns = list(patterns)
    if not patterns:
        return None
    found = re2.Set.SearchSet(_options(ignore_case))
    for pattern in patterns:
        found.Add(pattern)
    found.Compile()
    return found


@lru_cache(maxsize=256)
def cached(pattern: str, ignore_case: bool = False) -> Any:
    """Our own fixed patterns, compiled once."""
    return compile_linear(pattern, ignore_case=ignore_case)
