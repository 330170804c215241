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


def same_text(text: str) -> str:
    """``text`` as compared: HTML tags and entities undone, Unicode NFC, every run of
    white space one space (line ends and blanks around the text included)."""
    text = re.sub(r"(?i)<br\s*/?>", "\n", text or "")
    text = html.unescape(re.sub(r"<[^>]+>", "", text)) if "<" in text or "&" in text else text
    return " ".join(unicodedata.normalize("NFC", text).split())
