"""Tables of the publication ledger: occurrences, deliveries, attempts, schedule marks.

The ledger, not the scheduler, is the record of what ran. One occurrence per
schedule and key (the scheduled time, a feed item, a manual run), one delivery
per occurrence and channel, one attempt row per platform call. The migrations
``0001_ledger``, ``0006_attempt_media`` and ``0014_approval_version`` create exactly these; change both together.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text,
                        TypeDecorator, UniqueConstraint)

from ..i18n import read, stored
from .schema import metadata


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike.

    Stored naive in UTC so that SQLite's text storage compares in time order.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the ledger; pass an aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):  # pragma: no cover - defensive for raw SQLite rows
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


class PortableText(TypeDecorator):
    """A text column whose messages are stored language-independently (``i18n.stored``)
    and read in the language in force (``i18n.read``): a ledger error recorded by an
    English ``--json`` run reads in Korean on a Korean page. Plain TEXT in the database
    (no migration); rows written before read as they were written."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return stored(value)

    def process_result_value(self, value, dialect):
        return read(value)


occurrence = Table(
    "occurrence", metadata,
    Column("id", Integer, primary_key=True),
    Column("schedule", String(100), nullable=False),
    Column("key", String(200), nullable=False),
    Column("template", String(200), nullable=False),
    Column("data_file", String(1000)),
    Column("data_json", Text),
    Column("context_json", Text, nullable=False, default="{}"),
    Column("scheduled_for", UTCDateTime, nullable=False, index=True),
    Column("prepare_at", UTCDateTime),
    Column("grace_seconds", Integer, nullable=False),
    Column("approval_required", Boolean, nullable=False, default=False),
    Column("state", String(20), nullable=False, index=True),
    Column("lease_until", UTCDateTime),       # a worker is rendering the draft until then
    Column("draft_dir", String(1000)),
    Column("prepared_at", UTCDateTime),
    # renders of the draft so far; an approval names the one it saw (0014_approval_version)
    Column("draft_revision", Integer, nullable=False, default=0, server_default="0"),
    Column("error", PortableText),
    Column("decided_by", String(100)),        # approval / rejection
    Column("decided_at", UTCDateTime),
    Column("decision_reason", PortableText),
    Column("created_by", String(100)),        # one-off posts and manual publishes (0004)
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("schedule", "key", name="uq_occurrence_schedule_key"),
    Index("ix_occurrence_schedule_scheduled_for", "schedule", "scheduled_for"),
)

delivery = Table(
    "delivery", metadata,
    Column("id", Integer, primary_key=True),
    Column("occurrence_id", Integer, ForeignKey("occurrence.id", ondelete="CASCADE"),
           nullable=False),
    Column("channel", String(100), nullable=False),
    Column("key", String(100), nullable=False, unique=True),   # idempotency key sent to the channel
    Column("state", String(20), nullable=False, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime),
    Column("lease_until", UTCDateTime),        # while attempting: after this it is stale
    Column("remote_id", String(200)),
    Column("url", String(1000)),
    Column("location", String(1000)),          # hand-off / outbox folder
    Column("error", PortableText),             # the platform's reason, redacted
    Column("handed_off_by", String(100)),
    Column("handed_off_at", UTCDateTime),
    Column("sent_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("occurrence_id", "channel", name="uq_delivery_occurrence_channel"),
    Index("ix_delivery_state_updated_at", "state", "updated_at"),
    Index("ix_delivery_channel_sent_at", "channel", "sent_at"),
)

attempt = Table(
    "attempt", metadata,
    Column("id", Integer, primary_key=True),
    Column("delivery_id", Integer, ForeignKey("delivery.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("number", Integer, nullable=False),
    Column("kind", String(20), nullable=False),      # publish | reconcile | manual
    Column("worker", String(200), nullable=False),   # host:pid
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("outcome", String(20)),                   # sent, failed, retry, unknown, handoff, absent
    Column("error_class", String(100)),
    Column("error", PortableText),
    Column("media", Text),      # JSON list of media ids uploaded (0006_attempt_media)
)

schedule_mark = Table(
    "schedule_mark", metadata,
    Column("schedule", String(100), primary_key=True),
    Column("checked_until", UTCDateTime),
    Column("updated_at", UTCDateTime, nullable=False),
)
