"""Helpers for the inbox page tests (no tests here): items filed through the real ingest
(triage sets the department), staff accounts in departments."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from outreach.inbox.ingest import Ingestor
from outreach.inbox.settings import inbox_config
from outreach.inbox.triage import load_rules
from outreach.model import Reply

from web_support import add_user


def file_items(ws, texts: dict[str, str], *, channel: str = "facebook",
               when: datetime | None = None, author: str = "user-1") -> dict[str, int]:
    """Ingest ``{remote_id: text}`` as citizens' messages; remote id -> item id."""
    cfg = inbox_config(ws.settings)
    ingestor = Ingestor(cfg, load_rules(cfg.rules_file))
    start = when or datetime.now(timezone.utc) - timedelta(minutes=30)
    replies = [Reply(channel=channel, remote_id=rid, text=text,
                     created_at=start + timedelta(seconds=i), thread_id="post-1",
                     post_remote_id="post-1", author_id=author, author_name=None)
               for i, (rid, text) in enumerate(texts.items())]
    with ws.db.begin() as conn:
        return ingestor.ingest(conn, replies).ids


def staff_users(ws) -> None:
    """road (officer, 도로과), traffic (officer, 교통행정과), chief (approver, both),
    watcher (viewer)."""
    add_user(ws.db, "road", "officer", departments=["도로과"])
    add_user(ws.db, "traffic", "officer", departments=["교통행정과"])
    add_user(ws.db, "chief", "approver", departments=["도로과", "교통행정과"])
    add_user(ws.db, "watcher", "viewer")
