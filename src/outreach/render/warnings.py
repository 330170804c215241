"""Fit and photo warnings of a render, as a person reads them ("장소: 4글자 잘림").

A render never loses text silently: ``slides`` records each text cut with an
ellipsis or shrunk to its smallest size, and each photo smaller than its
layer, with the data field behind it. The manifest keeps them as stable
English-keyed records; this module words them in the language in force.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..i18n import _


def describe(warning: Mapping[str, Any]) -> str:
    """One line: the field's label, then what happened to it."""
    label = warning.get("label") or warning.get("layer") or ""
    kind = warning.get("kind")
    if kind == "cut":
        what = _("{n} characters cut", n=warning.get("chars", 0))
    elif kind == "min_size":
        what = _("shrunk to its smallest size ({size} px)", size=warning.get("size", 0))
    elif kind == "small_photo":
        photo, box = warning.get("photo") or (0, 0), warning.get("box") or (0, 0)
        what = _("photo is {w}x{h}, smaller than its {bw}x{bh} layer: it will look blurry",
                 w=photo[0], h=photo[1], bw=box[0], bh=box[1])
    elif kind == "emoji_credit":
        what = _("colour emoji by OpenMoji (CC BY-SA 4.0): credit \"Emoji: OpenMoji\" in the "
                 "post, or set emoji: mono in the template")
    else:
        what = str(kind)
    return f"{label}: {what}"


def where(warning: Mapping[str, Any], field: bool = True) -> str:
    """Which slide and field: ``slide 3 (행사), events[1].place``; without the data path
    (``field=False``) where the page shows the warning next to its input instead."""
    slide = _("slide {n}", n=warning.get("slide", "?"))
    name = warning.get("slide_name")
    path = warning.get("field") if field else None
    return f"{slide}" + (f" ({name})" if name else "") + (f", {path}" if path else "")
