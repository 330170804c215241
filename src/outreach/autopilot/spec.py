"""The ``source:`` block of a schedule file: when and how the autopilot drafts its data.

```yaml
source:
  draft_before: 31h          # Thursday 16:00 run -> drafted Wednesday 09:00 (the default)
  refresh_weather_before: 10h   # Thursday 06:00: the weather lines fetched again (false: never)
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

SOURCE_KEYS = ("draft_before", "refresh_weather_before", "default_photo", "defaults")
DEFAULT_DRAFT_BEFORE = timedelta(hours=31)
# Thursday 06:00 for a Thursday 16:00 run: the 05:00 KMA issue (served 05:10) reaches Sunday,
# which Wednesday morning's issue does not
DEFAULT_REFRESH_BEFORE = timedelta(hours=10)


@dataclass(frozen=True)
class DraftSource:
    draft_before: timedelta = DEFAULT_DRAFT_BEFORE
    refresh_before: timedelta | None = DEFAULT_REFRESH_BEFORE   # None: no weather refresh
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
    refresh: timedelta | None = DEFAULT_REFRESH_BEFORE
    raw_refresh = value.get("refresh_weather_before")
    if raw_refresh is False or raw_refresh == "off":
        refresh = None
    elif raw_refresh is not None:
        try:
            refresh = parse_duration(raw_refresh)
        except ValueError as exc:
            raise fail(f"{exc} (got {raw_refresh!r}); or false for no refresh",
                       "source.refresh_weather_before") from None
    if refresh is not None and not timedelta(0) < refresh < before:
        raise fail(f"the weather is refreshed after the draft is written: make "
                   f"refresh_weather_before shorter than draft_before ({before}), or false",
                   "source.refresh_weather_before")
    photo = value.get("default_photo") or ""
    if not isinstance(photo, str):
        raise fail("expected a photo path such as content/photos/festival.jpg",
                   "source.default_photo")
    defaults = value.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise fail("expected {template_field: value, ...}", "source.defaults")
    return DraftSource(draft_before=before, refresh_before=refresh, default_photo=photo,
                       defaults={str(k): v for k, v in defaults.items()})
