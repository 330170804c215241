"""Tables of post analytics: one row per delivery, age and figure; follower counts per day.

The migration ``0009_metrics`` creates exactly these; change both together. A figure
the platform did not give has ``value`` NULL and ``reason`` set: nothing is estimated.
"""

from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Date, ForeignKey, Index, Integer, String, Table,
                        Text, UniqueConstraint)

from .ledger_tables import UTCDateTime
from .schema import metadata

metric_snapshot = Table(
    "metric_snapshot", metadata,
    Column("id", Integer, primary_key=True),
    Column("delivery_id", Integer, ForeignKey("delivery.id", ondelete="CASCADE"), nullable=False),
    Column("age", String(16), nullable=False),          # "1h", "1d", "7d", "30d"
    Column("taken_at", UTCDateTime, nullable=False),
    Column("metric", String(40), nullable=False),       # views, reach, reactions, ...
    Column("value", BigInteger),                        # NULL: unavailable (see reason)
    Column("source", String(100)),                      # the platform's metric name
    Column("reason", Text),
    Column("provisional", Boolean, nullable=False, default=False),
    UniqueConstraint("delivery_id", "age", "metric", name="uq_metric_snapshot_delivery_age_metric"),
    Index("ix_metric_snapshot_taken_at", "taken_at"),
)

follower_count = Table(
    "follower_count", metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(100), nullable=False),
    Column("day", Date, nullable=False),                # the city's local date
    Column("value", BigInteger),
    Column("reason", Text),
    Column("taken_at", UTCDateTime, nullable=False),
    UniqueConstraint("channel", "day", name="uq_follower_count_channel_day"),
)
