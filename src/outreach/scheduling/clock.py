"""The clock the schedules read: real UTC time, or a test's starting point.

``outreach run-due --now`` and the ``OUTREACH_NOW`` environment variable give
subprocess tests (and staff rehearsing a schedule) a controllable clock: time
starts at the given instant and runs forward at normal speed from there.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from ..errors import ConfigError
from ..model import utc_now
from ..i18n import _

Clock = Callable[[], datetime]
ENV = "OUTREACH_NOW"


def parse_instant(text: str, tz: ZoneInfo, *, key: str) -> datetime:
    """ISO-8601 date-time; without an offset it is read in the workspace time zone."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(_("expected an ISO-8601 time such as 2026-11-26T16:00+09:00, got "
                            "{text!r}", text=text),
                          key=key) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when.astimezone(timezone.utc)


def make_clock(override: str | None, tz: ZoneInfo, *, key: str = "--now") -> Clock:
    """``override`` (or $OUTREACH_NOW) starts a clock at that instant; else the real clock."""
    if not override:
        override, key = os.environ.get(ENV) or None, ENV
    if not override:
        return utc_now
    start = parse_instant(override, tz, key=key)
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)
