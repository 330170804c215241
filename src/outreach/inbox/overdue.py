"""The overdue watcher: when an item passes a deadline, tell its department's officers and the
department's supervisor, once.

"Once" is a database fact: a notice row per (item, deadline) is inserted with
``ON CONFLICT DO NOTHING`` in the same transaction that hands the notice to
the notification service, so two watchers (daemon and cron) or a crash
between them never send it twice, and a failed hand-over is rolled back and
tried again on the next run. The daemon (or cron) calls ``watch_overdue``
every few minutes; the web's live view highlights the same items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Sequence

from sqlalchemy import Connection

from ..store import inbox as store
from ..store import inbox_queries as queries
from ..store.db import Database
from .masking import mask

Recipients = Callable[[Connection, "str | None"], Sequence[str]]
Send = Callable[[Connection, "OverdueNotice", Sequence[str]], None]


@dataclass(frozen=True)
class OverdueNotice:
    item_id: int
    deadline: str             # first (first answer) | resolve (resolution)
    due_at: datetime          # aware UTC
    department: str | None
    channel: str
    excerpt: str              # masked, short: notices leave the system (e-mail)


def watch_overdue(db: Database, now: datetime, recipients: Recipients, send: Send,
                  *, limit: int = 500) -> list[OverdueNotice]:
    """Notify every newly overdue item once; the notices handed over."""
    sent: list[OverdueNotice] = []
    with db.begin() as conn:
        for row in queries.overdue_candidates(conn, now, limit):
            notice = OverdueNotice(row.id, row.deadline, store.from_db(row.due_at), row.assignee,
                                   row.channel, _excerpt(row.text))
            people = list(dict.fromkeys(recipients(conn, row.assignee)))
            if not queries.claim_notice(conn, row.id, row.deadline, notice.due_at, now,
                                        ",".join(people)):
                continue
            send(conn, notice, people)
            sent.append(notice)
    return sent


def _excerpt(text: str, size: int = 60) -> str:
    shown = " ".join(mask(text or "").split())
    return shown if len(shown) <= size else shown[:size - 1] + "…"
