"""outreach.toml + environment -> typed settings.

The workspace is the folder holding ``outreach.toml`` (found from ``--root``,
``$OUTREACH_HOME`` or the current folder upwards). Without one, outreach runs on
the embedded defaults: the current folder, SQLite in ``var/``, the outbox channel.

Secrets never live in the TOML file: a setting ending in ``_env`` names an
environment variable (``token_env = "FACEBOOK_PAGE_TOKEN"``), read from the
process environment or a git-ignored ``.env`` beside outreach.toml.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

CONFIG_NAME = "outreach.toml"
DEFAULT_TIMEZONE = "Asia/Seoul"
CHANNEL_TYPES = ("outbox", "handoff", "facebook", "instagram", "wordpress",
                 "naver_blog", "youtube", "kakao")
_TOP_LEVEL_KEYS = {"timezone", "database_url", "templates_dir", "schedules_dir", "var_dir",
                   "content_dir", "language"}


@dataclass(frozen=True)
class ChannelConfig:
    """One ``[channels.NAME]`` table; each channel module validates its own keys."""

    name: str
    type: str
    settings: Mapping[str, Any]
    file: Path | None
    enabled: bool = True


@dataclass(frozen=True)
class Settings:
    root: Path
    file: Path | None
    timezone: ZoneInfo
    database_url: str
    templates_dir: Path
    schedules_dir: Path
    content_dir: Path
    var_dir: Path
    channels: Mapping[str, ChannelConfig]
    language: str = "ko"
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict, repr=False)

    def section(self, name: str) -> Mapping[str, Any]:
        """A raw top-level table such as ``[inbox]`` or ``[server]`` ({} when absent)."""
        return self.sections.get(name, {})

    def secret(self, env_name: str, *, key: str) -> str:
        """The value of environment variable ``env_name``; ``key`` names the setting for errors."""
        value = self.env.get(env_name)
        if not value:
            raise ConfigError(
                f"environment variable {env_name} is not set: export it or add it to "
                f"{self.root / '.env'}", file=self.file or CONFIG_NAME, key=key)
        from .logs import register_secret

        register_secret(value)
        return value


def find_root(start: Path | None = None) -> Path | None:
    """The nearest folder from ``start`` upwards that holds outreach.toml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def line_of(text: str, key: str, table: str | None = None) -> int | None:
    """Best-effort line number of ``key`` (inside ``[table]`` when given) in TOML text."""
    lines = text.splitlines()
    start = 0
    if table:
        header = re.compile(r"^\s*\[\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
        for i, line in enumerate(lines):
            if header.match(line):
                start = i + 1
                break
        else:
            return None
    pattern = re.compile(r"^\s*\"?" + re.escape(key) + r"\"?\s*=")
    for i in range(start, len(lines)):
        if table and lines[i].lstrip().startswith("["):
            return None
        if pattern.match(lines[i]):
            return i + 1
    return None


def _read_env(root: Path) -> dict[str, str]:
    """Process environment over the .env file (the real environment wins)."""
    merged: dict[str, str] = {}
    dotenv = root / ".env"
    if dotenv.is_file():
        from dotenv import dotenv_values  # small, but only needed when a .env exists

        merged.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    merged.update(os.environ)
    return merged


def load_settings(root: Path | None = None) -> Settings:
    """Read outreach.toml (or use the embedded defaults) and the environment."""
    if root is None and os.environ.get("OUTREACH_HOME"):
        root = Path(os.environ["OUTREACH_HOME"])
    if root is not None:
        root = root.resolve()
        if not root.is_dir():
            raise ConfigError(f"workspace folder {root} does not exist")
        file = root / CONFIG_NAME if (root / CONFIG_NAME).is_file() else None
    else:
        found = find_root()
        root = found or Path.cwd().resolve()
        file = root / CONFIG_NAME if found else None

    data: dict[str, Any] = {}
    text = ""
    if file is not None:
        text = file.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            match = re.search(r"line (\d+)", str(exc))
            raise ConfigError(f"not valid TOML ({exc}): fix the syntax",
                              file=file, line=int(match.group(1)) if match else None) from None
    return _build(root, file, text, data)


def _build(root: Path, file: Path | None, text: str, data: dict[str, Any]) -> Settings:
    where = file or CONFIG_NAME

    def fail(msg: str, key: str, table: str | None = None) -> ConfigError:
        return ConfigError(msg, file=where, line=line_of(text, key.split(".")[-1], table), key=key)

    tz_name = data.get("timezone", DEFAULT_TIMEZONE)
    try:
        if not isinstance(tz_name, str):
            raise ZoneInfoNotFoundError(tz_name)
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(f"unknown time zone {tz_name!r}: use an IANA name such as \"Asia/Seoul\"",
                   "timezone") from None

    def folder(key: str, default: str) -> Path:
        value = data.get(key, default)
        if not isinstance(value, str) or not value:
            raise fail("expected a folder path as a string", key)
        path = Path(value)
        return path if path.is_absolute() else root / path

    var_dir = folder("var_dir", "var")
    db_url = data.get("database_url", "")
    if not isinstance(db_url, str):
        raise fail("expected a database URL string such as \"sqlite:///var/outreach.db\"",
                   "database_url")
    env = _read_env(root)
    db_url = env.get("OUTREACH_DATABASE_URL") or db_url or f"sqlite:///{var_dir / 'outreach.db'}"
    if db_url.startswith("sqlite:///") and not db_url.startswith("sqlite:////"):
        rel = db_url[len("sqlite:///"):]
        if rel and rel != ":memory:" and not Path(rel).is_absolute():
            db_url = f"sqlite:///{root / rel}"

    raw_channels = data.get("channels", {"outbox": {"type": "outbox"}} if file is None else {})
    if not isinstance(raw_channels, dict):
        raise fail("expected tables [channels.NAME]", "channels")
    channels: dict[str, ChannelConfig] = {}
    for name, table in raw_channels.items():
        if not isinstance(table, dict):
            raise fail("expected a table [channels." + name + "]", f"channels.{name}")
        ctype = table.get("type")
        if ctype not in CHANNEL_TYPES:
            raise fail(f"type must be one of {', '.join(CHANNEL_TYPES)} (got {ctype!r})",
                       f"channels.{name}.type", f"channels.{name}")
        for key, value in table.items():
            if _looks_secret(key) and not key.endswith("_env"):
                raise fail(f"secrets do not belong in {CONFIG_NAME}: write {key}_env = "
                           f"\"VARIABLE_NAME\" and put the value in the environment or .env",
                           f"channels.{name}.{key}", f"channels.{name}")
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            raise fail("expected true or false", f"channels.{name}.enabled", f"channels.{name}")
        channels[name] = ChannelConfig(name=name, type=ctype, file=file, enabled=enabled,
                                       settings={k: v for k, v in table.items()
                                                 if k not in ("type", "enabled")})

    sections = {k: v for k, v in data.items()
                if isinstance(v, dict) and k != "channels"}
    unknown = [k for k, v in data.items()
               if not isinstance(v, dict) and k not in _TOP_LEVEL_KEYS]
    if unknown:
        raise fail(f"unknown setting; known top-level settings are {', '.join(sorted(_TOP_LEVEL_KEYS))}",
                   unknown[0])
    from .i18n import LANGUAGES, default_language

    language = data.get("language", default_language())
    if language not in LANGUAGES:
        raise fail(f"language must be one of {', '.join(LANGUAGES)} (got {language!r})",
                   "language")
    return Settings(root=root, file=file, timezone=tz, database_url=db_url, language=language,
                    templates_dir=folder("templates_dir", "templates/cards"),
                    schedules_dir=folder("schedules_dir", "schedules"),
                    content_dir=folder("content_dir", "content"),
                    var_dir=var_dir, channels=channels, sections=sections, env=env)


_SECRET_WORDS = ("token", "secret", "password", "api_key", "apikey")


def _looks_secret(key: str) -> bool:
    lowered = key.lower()
    if lowered.endswith(("_uri", "_url")):   # an endpoint such as token_uri is not a secret
        return False
    return any(word in lowered for word in _SECRET_WORDS)
