"""The ``source:`` block of a schedule file: when and how the autopilot drafts its data.

```yaml
source:
  draft_before: 31h          # Thursday 16:00 run -> drafted Wednesday 09:00 (the default)
  default_photo: content/photos/festival.jpg   # for events without a usable photo
  defaults:                  # fields the public data cannot fill
    headline: "이번 주말,\\n천안에서 만나요"
    cover_photo: content/photos/samgeori-park.jpg
    contact: 천안시청 홍보담당관실 041-521-5000
    hashtags: [천안, 주말사용설명서]
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable, Mapping

SOURCE_KEYS = ("draft_before", "default_photo", "defaults")
DEFAULT_DRAFT_BEFORE = timedelta(hours=31)


@dataclass(frozen=True)
class DraftSource:
    draft_before: timedelta = DEFAULT_DRAFT_BEFORE
    default_photo: str = ""
    defaults: Mapping[str, Any] = field(default_factory=dict)


def parse_source(value: Any, *, fail: Callable[..., Exception], prepare_before: timedelta,
                 parse_duration: Callable[[Any], timedelta], has_data: bool) -> DraftSource:
    """Validate the block; ``fail(message, key)`` builds the schedule's one-line error."""
    if value is None or value is True:
        value = {}
    if not isinstance(value, dict):
        raise fail("expected {draft_before: 31h, default_photo: ..., defaults: {...}}", "source")
    for key in value:
        if key not in SOURCE_KEYS:
            raise fail(f"unknown key; source: knows {', '.join(SOURCE_KEYS)}", f"source.{key}")
    if not has_data:
        raise fail("source: drafts a data file: add data: content/NAME/{date}.yaml", "source")
    before = DEFAULT_DRAFT_BEFORE
    if value.get("draft_before") is not None:
        try:
            before = parse_duration(value["draft_before"])
        except ValueError as exc:
            raise fail(f"{exc} (got {value['draft_before']!r})", "source.draft_before") from None
    if before <= prepare_before:
        raise fail(f"the draft must be written before the draft is rendered: make draft_before "
                   f"longer than prepare_before ({prepare_before})", "source.draft_before")
    photo = value.get("default_photo") or ""
    if not isinstance(photo, str):
        raise fail("expected a photo path such as content/photos/festival.jpg",
                   "source.default_photo")
    defaults = value.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise fail("expected {template_field: value, ...}", "source.defaults")
    return DraftSource(draft_before=before, default_photo=photo,
                       defaults={str(k): v for k, v in defaults.items()})
