"""PyYAML's syntax problems in words staff can act on.

PyYAML (and libyaml, whose wording differs) explain a syntax error in parser
terms: "mapping values are not allowed here", "found character '\\t' that cannot
start any token". Staff editing a YAML file in the web form or a text editor need
to know what they wrote wrong and what to do. ``explain`` maps the common
problems to a sentence through the catalogs; the line stays on the error that
carries it, and a problem not known here keeps PyYAML's own text.
"""

from __future__ import annotations

import re

from .i18n import _


def _known() -> list[tuple[str, str]]:
    """(pattern over PyYAML's or libyaml's wording, explanation), first match wins."""
    return [
        (r"mapping values are not allowed",
         _("a ':' followed by a space is not allowed here: put the value in quotes "
           "(\"...\") if it contains ': ', or check the indentation of the line")),
        (r"found character '\\t'|found a tab character|\btab\b",
         _("the line is indented with a tab: YAML allows only spaces, replace the tab with "
           "spaces")),
        (r"found character (.*)that cannot start any token",
         _("a value starts with a character YAML reserves (@, `, % ...): put the value in "
           "quotes (\"...\")")),
        (r"could not find expected ':'",
         _("a ':' is missing: write 'key: value' with a space after the colon, and check that "
           "the quotes on the lines above are closed")),
        (r"found undefined alias|unidentified alias",
         _("a value starting with '*' is read as a YAML alias: put the value in quotes "
           "(\"*...\")")),
        (r"found unexpected end of stream|found unexpected end of document",
         _("a quote is not closed: end the value with the same quote it starts with")),
        (r"expected ',' or '[\]}]'|did not find expected ',' or",
         _("a bracket ([ ] or { }) is not closed, or a comma is missing between items")),
        (r"expected <block end>|did not find expected key|did not find expected '-'",
         _("the indentation does not match: items at the same level must start in the "
           "same column")),
        (r"found duplicate anchor|duplicate key|found duplicate",
         _("the same name appears twice: keep one of the two")),
        (r"could not determine a constructor for the tag",
         _("a value starting with '!' is read as a YAML tag: put the value in quotes "
           "(\"!...\")")),
        (r"found unknown escape character",
         _("a backslash (\\) inside double quotes is not a known escape: use single quotes "
           "or write \\\\")),
    ]


def explain(problem: object, source: str = "", mark: object = None) -> str:
    """A sentence for PyYAML's ``problem`` (any object: str() of it), or its own text.

    With the YAML ``source`` and the error's ``mark``, the character at the mark is
    looked at too (libyaml says "found character that cannot start any token" without
    naming the tab) and the column is named (the error itself carries the line).
    """
    text = str(problem or "")
    line, column = getattr(mark, "line", None), getattr(mark, "column", None)
    if line is not None and column is not None:
        rows = source.splitlines()
        row = rows[line] if 0 <= line < len(rows) else ""
        if "cannot start any token" in text and row[column:column + 1] == "\t":
            text = "found character '\\t' that cannot start any token"
    for pattern, words in _known():
        if re.search(pattern, text):
            return words if column is None else _("{explanation} (column {column})",
                                                  explanation=words, column=column + 1)
    return text
