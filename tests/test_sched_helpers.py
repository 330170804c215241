"""Shared helpers for the scheduling tests (no tests here): a throw-away workspace.

A workspace is a tmp folder with outreach.toml, schedules/ and a templates
folder, exactly as staff would lay it out.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from outreach.config import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
WEEKEND = """\
template: weekend-guide
data: content/weekend-guide/{date}.yaml
cron: "0 16 * * thu"
channels: [outbox]
"""


def workspace(root: Path, schedules: dict[str, str], *, db_url: str | None = None,
              toml_extra: str = "", templates: tuple[str, ...] = ("weekend-guide", "now-in-city"),
              real_templates: bool = False) -> Settings:
    """Write a workspace under ``root`` and load its settings."""
    root.mkdir(parents=True, exist_ok=True)
    lines = ['timezone = "Asia/Seoul"']
    if db_url:
        lines.append(f'database_url = "{db_url}"')
    if real_templates:
        lines.append(f'templates_dir = "{REPO / "templates" / "cards"}"')
    else:
        for name in templates:
            (root / "templates" / "cards" / name).mkdir(parents=True, exist_ok=True)
    lines += ["", "[channels.outbox]", 'type = "outbox"', "", toml_extra]
    (root / "outreach.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "schedules").mkdir(exist_ok=True)
    for name, text in schedules.items():
        (root / "schedules" / name).write_text(text, encoding="utf-8")
    return load_settings(root)


def run_cli(root: Path, *args: str, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess:
    """The real ``outreach`` command in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("OUTREACH_HOME", None)
    return subprocess.run([sys.executable, "-m", "outreach", "--root", str(root), *args],
                          capture_output=True, text=True, env=full_env, timeout=timeout)
