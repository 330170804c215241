"""Is the comment a platform hands back the answer we sent? Compared as people read it.

A platform need not return a comment byte for byte as it was sent: line ends
and blanks around the text may change, and YouTube's ``textDisplay`` is HTML.
None of them documents exactly what it changes, so our own answers are
recognised by their words, not their bytes.
"""

from __future__ import annotations

import html
import re
import unicodedata


def plain(text: str) -> str:
    """``text`` with Unicode NFC and every run of white space one space (none around it)."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def from_html(text: str) -> str:
    """Rendered comment HTML as the words it shows: ``<br>`` a line end, tags gone, entities undone."""
    text = re.sub(r"(?i)<br\s*/?>|</p>\s*<p[^>]*>", "\n", text or "")
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def same_text(ours: str, theirs: str) -> bool:
    """Whether ``theirs`` (as the platform returned it, plain or HTML) is our text ``ours``."""
    want = plain(ours)
    return plain(theirs) == want or plain(from_html(theirs)) == want
