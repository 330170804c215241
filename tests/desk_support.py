"""Helpers for the desk's web and browser tests (no tests here).

``pass_at(ws, when)`` runs one scheduling pass (plan, prepare, publish, notify) of the
workspace at a chosen instant, exactly as the daemon or ``run-due`` would.
``outbox_posts(ws)`` counts what reached the local outbox channel.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from outreach.publishing.service import PublishingService
from outreach.scheduling.runner import run_pass
from outreach.scheduling.specs import load_all, scheduling_options
from outreach.store.users_tables import audit_log


def pass_at(ws, when: datetime):
    clock = lambda: when  # noqa: E731
    options = scheduling_options(ws.settings)
    schedules, _bad = load_all(ws.settings, options)
    service = PublishingService(ws.settings, ws.db, clock=clock)
    return run_pass(ws.settings, service, schedules, clock=clock, options=options)


def outbox_posts(ws) -> int:
    folder = ws.root / "var" / "outbox" / "outbox"
    return len(list(folder.iterdir())) if folder.is_dir() else 0


def audit_count(db, action: str, target_id: object) -> int:
    with db.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(audit_log).where(
            audit_log.c.action == action, audit_log.c.target_id == str(target_id))).scalar_one()
