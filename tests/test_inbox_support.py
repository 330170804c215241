"""Helpers for the inbox tests (no tests here): a workspace with the sample rules."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

from outreach.config import load_settings
from outreach.inbox.ingest import Ingestor
from outreach.inbox.settings import inbox_config
from outreach.inbox.triage import load_rules
from outreach.model import Reply
from outreach.store.db import open_database

REPO = Path(__file__).resolve().parents[1]


def workspace(tmp_path: Path, db_url: str, toml: str = "", env: dict[str, str] | None = None):
    """A workspace folder with outreach.toml, the sample inbox files and a .env."""
    root = tmp_path / "ws"
    root.mkdir(exist_ok=True)
    shutil.copytree(REPO / "inbox", root / "inbox", dirs_exist_ok=True)
    (root / "outreach.toml").write_text(
        f'timezone = "Asia/Seoul"\ndatabase_url = "{db_url}"\n{toml}', encoding="utf-8")
    (root / ".env").write_text("".join(f"{k}={v}\n" for k, v in (env or {}).items()))
    return load_settings(root)


def opened(tmp_path: Path, db_url: str, toml: str = "", env: dict[str, str] | None = None):
    settings = workspace(tmp_path, db_url, toml, env)
    return settings, open_database(settings.database_url)


def ingestor(settings, now=None) -> Ingestor:
    cfg = inbox_config(settings)
    if now is None:
        return Ingestor(cfg, load_rules(cfg.rules_file))
    return Ingestor(cfg, load_rules(cfg.rules_file), now=now)


def reply(remote_id: str, text: str, *, channel: str = "facebook", when: datetime | None = None,
          **kw) -> Reply:
    return Reply(channel=channel, remote_id=remote_id, text=text,
                 created_at=when or datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc), **kw)
