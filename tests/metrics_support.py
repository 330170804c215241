"""Test data for analytics: ledger rows of delivered posts, written as the ledger keeps them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from outreach.store.db import Database
from outreach.store.ledger_tables import delivery, occurrence


def delivered(db: Database, *, channel: str, remote_id: str | None, sent: datetime,
              schedule: str = "weekend", key: str | None = None, state: str = "sent",
              url: str | None = None, handed_off_after: timedelta | None = None) -> int:
    """One occurrence with one delivery out on ``channel``; returns the delivery id."""
    key = key or f"{schedule}-{channel}-{sent.isoformat()}-{remote_id}"
    created = sent - (handed_off_after or timedelta(minutes=1))
    with db.begin() as conn:
        occ = conn.execute(occurrence.insert().values(
            schedule=schedule, key=key, template="weekend", scheduled_for=sent,
            grace_seconds=3600, approval_required=False, state="done", context_json="{}",
            created_at=created, updated_at=sent)).inserted_primary_key[0]
        return conn.execute(delivery.insert().values(
            occurrence_id=occ, channel=channel, key=f"{key}/{channel}", state=state, attempts=1,
            remote_id=remote_id, url=url, sent_at=sent if state == "sent" else None,
            handed_off_at=sent if state == "handed_off" else None,
            created_at=created, updated_at=sent)).inserted_primary_key[0]


UTC = timezone.utc
