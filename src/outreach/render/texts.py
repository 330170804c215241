"""Per-channel texts from ``texts/<name>.j2``, each checked against its channel's limits.

The blog text is HTML and rendered with autoescape (a citizen's ``<`` in an
event title stays text); every other text is plain. Limits are the
platforms' documented maxima; a template may set lower ones in its
``texts:`` section, never higher.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from ..errors import TextLimitExceeded
from .jinja import render_file, text_env
from ..i18n import _

# documented maxima (see /work/shared/reference/platforms.md): characters and hashtags
LIMITS: dict[str, dict[str, int]] = {
    "instagram": {"max_chars": 2200, "max_hashtags": 30},
    "facebook": {"max_chars": 63206},
    "kakao": {"max_chars": 1000},
    "youtube": {"max_chars": 5000},
}
HTML_TEXTS = ("blog",)
_HASHTAG = re.compile(r"(?<![\w#&])#[^\s#.,!?:;()\[\]{}<>\"'“”‘’·…]+")


def file_name(name: str) -> str:
    """Where a text is written in the output folder."""
    return f"{name}.html" if name in HTML_TEXTS else f"{name}.txt"


def hashtags_in(text: str) -> list[str]:
    return _HASHTAG.findall(text)


def limits_for(name: str, template_limits: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    limits = dict(LIMITS.get(name, {}))
    for key, value in (template_limits.get(name) or {}).items():
        limits[key] = min(value, limits.get(key, value))
    return limits


def render_texts(folder: Path, texts: Mapping[str, Path], ctx: Mapping[str, Any],
                 template_limits: Mapping[str, Mapping[str, int]], check: bool = True
                 ) -> dict[str, str]:
    """Render every text template and check it; TextLimitExceeded names the text and the limit.

    ``check=False`` (the studio's preview) returns texts over their limits as they are."""
    plain = text_env(Path(folder))
    html = text_env(Path(folder), autoescape=True)
    out: dict[str, str] = {}
    for name, path in texts.items():
        env = html if name in HTML_TEXTS else plain
        rel = path.relative_to(folder).as_posix()
        text = _tidy(render_file(env, rel, ctx, path))
        if check:
            check_limits(name, text, limits_for(name, template_limits), path)
        out[name] = text
    return out


def check_limits(name: str, text: str, limits: Mapping[str, int], file: Path | str) -> None:
    max_chars = limits.get("max_chars")
    if max_chars is not None and len(text) > max_chars:
        raise TextLimitExceeded(_("the {name} text is {n:,} characters, over the {max_chars:,} "
                                  "allowed: shorten the descriptions or the template", name=name,
                                  n=len(text), max_chars=max_chars),
                                file=file)
    max_tags = limits.get("max_hashtags")
    if max_tags is not None:
        tags = hashtags_in(text)
        if len(tags) > max_tags:
            raise TextLimitExceeded(_("the {name} text has {n} hashtags, over the {max_tags} "
                                      "allowed: drop some tags", name=name, n=len(tags),
                                      max_tags=max_tags), file=file)


def _tidy(text: str) -> str:
    """No trailing spaces, at most one blank line in a row, no blank start or end."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
