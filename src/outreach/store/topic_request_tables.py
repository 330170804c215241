"""Ranking requests made from the web, and the background workers' heartbeat.

The migration ``0013_topic_requests`` creates exactly these; change both together.
A person asks for a ranking on the 주제 page; the daemon (or cron's ``run-due``)
claims one request at a time, ranks, and records how it ended. At most one request
per scope is open (pending or running): the partial unique index says so on both
databases, so a double click or two staff asking at once queue one ranking.
``worker_beat`` records when a background pass last looked for work, so the page
can say when no daemon or cron job seems to be running; its row ``topics.schedule``
is instead the latest ``[topics] rank_cron`` slot handed to the queue
(outreach.topics.schedule; moved only forward, by ``topic_requests.take_slot``).
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text, text

from .ledger_tables import UTCDateTime
from .schema import metadata

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
# withdrawn by the person who asked (or an admin) before a pass claimed it
CANCELLED = "cancelled"
OPEN_STATES = (PENDING, RUNNING)
_OPEN = text("state IN ('pending', 'running')")

topic_request = Table(
    "topic_request", metadata,
    Column("id", Integer, primary_key=True),
    Column("scope", String(200), nullable=False),        # Scope.key: "quarter:2026Q4" ...
    Column("label", String(200), nullable=False),        # what the page shows
    Column("quarter", String(8)),                        # as asked: "2026Q4"
    Column("survey", String(100)),                       # as asked: the survey's slug
    Column("state", String(16), nullable=False),         # pending, running, done, failed, cancelled
    Column("requested_by", String(128), nullable=False),
    Column("requested_by_user_id", Integer),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("worker", String(64)),                        # host:pid of the claiming process
    Column("run_id", Integer),                           # topic_run.id when done
    Column("message", Text),                             # the user-facing reason when failed
)
Index("ix_topic_request_state", topic_request.c.state, topic_request.c.id)
Index("uq_topic_request_open", topic_request.c.scope, unique=True,
      sqlite_where=_OPEN, postgresql_where=_OPEN)

worker_beat = Table(
    "worker_beat", metadata,
    Column("name", String(40), primary_key=True),        # "topics"; "topics.schedule": a slot
    Column("beat_at", UTCDateTime, nullable=False),
)
