"""What the publishing service is asked to do and what it reports back (plain data).

The state names are the ledger's vocabulary; ``outreach status`` shows them as is.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Mapping

# occurrence states
PLANNED, PREPARED, AWAITING_APPROVAL, APPROVED, REJECTED, HELD = (
    "planned", "prepared", "awaiting_approval", "approved", "rejected", "held")
PUBLISHING, DONE, PARTIAL, FAILED, MISSED, SKIPPED = (
    "publishing", "done", "partial", "failed", "missed", "skipped")
#: a one-off post withdrawn by a person before it went out
CANCELLED = "cancelled"
#: the ledger's schedule name for one-off posts (``outreach publish --at``, 새 게시물)
POST = "post"
#: the ledger's schedule name for survey calls (``outreach.surveys.publish``; key
#: ``survey:<slug>``)
SURVEY = "survey"
#: schedule names outreach gives occurrences of its own: no schedules/*.yaml may take them
RESERVED_SCHEDULES = (POST, SURVEY)
#: occurrences whose deliveries may go out once they are due
PUBLISHABLE = (PREPARED, APPROVED, PUBLISHING)
#: occurrences that have not started and can still become missed
NOT_STARTED = (PLANNED, PREPARED, AWAITING_APPROVAL, APPROVED, HELD)
#: occurrences whose draft may be rendered again and submitted for approval again (within
#: their time and grace window): a rejection asks for changes, an approval is withdrawn
RESUBMITTABLE = (*NOT_STARTED, REJECTED)

# delivery states
D_PENDING, D_ATTEMPTING, D_SENT, D_FAILED, D_RETRY_WAIT = (
    "pending", "attempting", "sent", "failed", "retry_wait")
D_UNKNOWN, D_AWAITING_HANDOFF, D_HANDED_OFF, D_CANCELLED = (
    "unknown", "awaiting_handoff", "handed_off", "cancelled")
#: a delivery that went out (or is in a person's hands)
D_OUT = (D_SENT, D_AWAITING_HANDOFF, D_HANDED_OFF)
#: a delivery that still has work ahead
D_OPEN = (D_PENDING, D_ATTEMPTING, D_RETRY_WAIT)

#: states a person should look at; ``outreach status`` lists them first with ``!!``
ATTENTION = frozenset({FAILED, PARTIAL, HELD, MISSED, D_FAILED, D_UNKNOWN})


@dataclass(frozen=True)
class OccurrenceSpec:
    """One run of a schedule (or a manual publish) to be recorded and carried out."""

    schedule: str                  # schedule name; "manual" for `outreach publish`
    key: str                       # unique within the schedule: ISO-8601 UTC time, "item:<id>", "manual:<uuid>"
    scheduled_for: datetime        # timezone-aware
    template: str
    channels: tuple[str, ...]      # configured channel names
    data_file: Path | None = None  # resolved data file, or
    data: Mapping[str, Any] | None = None   # inline data (a feed item), stored as JSON
    context: Mapping[str, Any] = field(default_factory=dict)  # extra template variables (JSON-able)
    approval_required: bool = False
    prepare_at: datetime | None = None       # when to render the draft; None = at publish time
    grace: timedelta = timedelta(hours=2)    # how late a run may still go out
    created_by: str | None = None            # who made a one-off post or manual publish


@dataclass(frozen=True)
class DeliveryOutcome:
    """What happened to one delivery during one ``work()`` call."""

    delivery_id: int
    occurrence_id: int
    channel: str
    state: str
    detail: str = ""               # url, folder, reason


@dataclass
class WorkReport:
    """Counts and outcomes of one ``work()`` call, for logs and the CLI."""

    prepared: int = 0
    held: int = 0
    missed: int = 0
    reconciled: int = 0
    outcomes: list[DeliveryOutcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)   # occurrence-level problems (render failed)

    def count(self, state: str) -> int:
        return sum(1 for o in self.outcomes if o.state == state)

    @property
    def idle(self) -> bool:
        return not (self.prepared or self.held or self.missed or self.reconciled or self.outcomes
                    or self.errors)


_SLUG = re.compile(r"[^a-z0-9]+")


def _slug(text: str, size: int) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:size].strip("-") or "x"


def delivery_key(schedule: str, occurrence_key: str, channel: str) -> str:
    """A short, slug-safe, stable idempotency key, e.g. ``wg-20261126-0700-fb-1a2b3c``.

    Readable parts help staff match folders and posts; the hash makes it unique.
    """
    words = [w for w in _SLUG.split(schedule.lower()) if w]
    head = "".join(w[0] for w in words)[:4] or "x"
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]00:?00)?",
                         occurrence_key)
    if match:
        middle = "{}{}{}-{}{}".format(*match.groups())
    else:
        middle = _slug(occurrence_key.split(":", 1)[-1], 16)
    digest = hashlib.sha1(f"{schedule}\x00{occurrence_key}\x00{channel}".encode()).hexdigest()[:6]
    return f"{head}-{middle}-{_slug(channel, 12)}-{digest}"
