"""outreach.toml + environment -> typed settings.

The workspace is the folder holding ``outreach.toml`` (found from ``--root``,
``$OUTREACH_HOME`` or the current folder upwards). Without one, outreach runs on
the embedded defaults: the current folder, SQLite in ``var/``, the outbox channel.

Secrets never live in the TOML file: a setting ending in ``_env`` names an
environment variable (``token_env = "FACEBOOK_PAGE_TOKEN"``), read from the
process environment or a git-ignored ``.env`` beside outreach.toml.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .i18n import _

CONFIG_NAME = "outreach.toml"
DEFAULT_TIMEZONE = "Asia/Seoul"
CHANNEL_TYPES = ("outbox", "handoff", "facebook", "instagram", "wordpress",
                 "naver_blog", "youtube", "kakao", "band", "threads")

# Every table outreach.toml may hold and the keys each knows: one declarative table,
# checked when the file loads, so a misspelt section or key is an error with "did you
# mean ..." instead of a setting silently ignored. A module that adds settings adds its
# line here. ``None``: the table's owner checks its keys itself ([channels.NAME]: the
# channel module; sections other parts of outreach read and validate on their own).
# A key naming a sub-table ("kakao" in [inbox]) is listed as "inbox.kakao".
KNOWN_KEYS: dict[str, frozenset[str] | None] = {
    "": frozenset({"timezone", "database_url", "templates_dir", "schedules_dir", "var_dir",
                   "content_dir", "language", "media_dirs"}),
    "channels.*": None,
    "scheduling": frozenset({"misfire_grace", "feed_timeout"}),
    "publishing": frozenset({"lease_minutes", "render_retry_minutes", "max_attempts",
                             "retry_base_seconds", "retry_cap_seconds", "post_grace_minutes",
                             "post_approval"}),
    "inbox": frozenset({"rules", "replies", "harvest_minutes", "first_answer_hours",
                        "resolution_days", "workday_start", "workday_end", "workdays",
                        "holiday_country", "extra_holidays", "extra_workdays", "salt_env",
                        "transfer_deadlines", "live_seconds"}),
    "inbox.kakao": frozenset({"channel", "welcome", "ack", "menu", "links", "greetings",
                              "thanks"}),
    "server": frozenset({"host", "port", "max_body"}),
    "budget": frozenset({"daily_krw", "monthly_krw"}),      # publishing/budget.py
    "server.facebook": frozenset({"app_secret_env", "verify_token_env"}),
    "server.kakao": frozenset({"secret_env", "header", "query"}),
    # web/listen.py (host, port, trusted_proxies), web/staff (secure_cookies),
    # users/sessions.py (sessions and sign-in throttling)
    "web": frozenset({"host", "port", "trusted_proxies", "secure_cookies",
                      "session_idle_minutes", "session_absolute_hours", "lock_after",
                      "lock_after_ip", "max_lock_minutes", "forget_after_minutes"}),
    # notify/settings.py; "password" is listed so that its own check says "use password_env"
    "smtp": frozenset({"host", "port", "security", "username", "password_env", "password",
                       "sender", "timeout"}),
    "notifications": frozenset({"enabled", "base_url", "token_days", "data_days",
                                "lookback_hours"}),
    "notifications.to": None,   # role -> addresses, checked by notify/settings.py
    "autopilot": None,          # validated by outreach/autopilot/settings.py
    "metrics": None,            # validated by outreach/metrics/settings.py
    "surveys": None,            # validated by outreach/surveys/settings.py
    # outreach/topics/followup.py (follow_up_photo), outreach/topics/schedule.py (rank_cron)
    "topics": frozenset({"follow_up_photo", "rank_cron"}),
}
_TOP_LEVEL_KEYS = KNOWN_KEYS[""]


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
    media_dirs: tuple[Path, ...] = ()    # folders outside the workspace images may come from
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
                _("environment variable {env_name} is not set: export it or add it to {env_file}",
                  env_name=env_name, env_file=self.root / '.env'), file=self.file or CONFIG_NAME, key=key)
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
        merged.update(read_dotenv(dotenv))
    merged.update(os.environ)
    return merged


def read_dotenv(path: Path) -> dict[str, str]:
    """``NAME=value`` lines of a .env file; a line that is not one is an error naming it
    (python-dotenv alone skips it with a warning, and the secret then seems unset)."""
    import io

    from dotenv.main import DotEnv   # small, but only needed when a .env exists
    from dotenv.parser import parse_stream

    from .i18n import _

    text = read_utf8(path)
    for binding in parse_stream(io.StringIO(text)):
        if binding.error or (binding.key is not None and binding.value is None):
            raise ConfigError(_("malformed line: write NAME=value (quotes around values with "
                                "spaces or #)"), file=path, line=binding.original.line)
    values = DotEnv(path, stream=io.StringIO(text), interpolate=True).dict()
    return {k: v for k, v in values.items() if v is not None}


def load_settings(root: Path | None = None) -> Settings:
    """Read outreach.toml (or use the embedded defaults) and the environment."""
    if root is None and os.environ.get("OUTREACH_HOME"):
        root = Path(os.environ["OUTREACH_HOME"])
    if root is not None:
        root = root.resolve()
        if not root.is_dir():
            raise ConfigError(_("workspace folder {root} does not exist", root=root))
        file = root / CONFIG_NAME if (root / CONFIG_NAME).is_file() else None
    else:
        found = find_root()
        root = found or Path.cwd().resolve()
        file = root / CONFIG_NAME if found else None

    data: dict[str, Any] = {}
    text = ""
    if file is not None:
        text = read_utf8(file)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            match = re.search(r"line (\d+)", str(exc))
            raise ConfigError(_("not valid TOML ({exc}): fix the syntax", exc=exc),
                              file=file, line=int(match.group(1)) if match else None) from None
        check_known_keys(data, text, file)
    return _build(root, file, text, data)


def read_utf8(path: Path) -> str:
    """A staff-edited text file; one line naming file and line when it is not UTF-8
    (Windows Notepad and Hangul Word Processor often save Korean text as CP949)."""
    from .i18n import _

    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(_("not UTF-8 text (Korean saved as CP949/EUC-KR?): save the file as "
                            "UTF-8"), file=path, line=line) from None


def check_known_keys(data: Mapping[str, Any], text: str, file: Path | str) -> None:
    """Refuse a table or key that ``KNOWN_KEYS`` does not list, suggesting the nearest."""
    from .i18n import _

    def walk(table: Mapping[str, Any], path: str) -> None:
        known = KNOWN_KEYS.get(path, frozenset()) if path else KNOWN_KEYS[""]
        if known is None:
            return
        prefix = f"{path}." if path else ""
        subtables = {name[len(prefix):].split(".")[0] for name in KNOWN_KEYS
                     if name.startswith(prefix) and name != path and name}
        subtables.discard("*")
        for key, value in table.items():
            child = f"{prefix}{key}"
            if key in subtables or f"{prefix}*" in KNOWN_KEYS:
                if isinstance(value, Mapping):
                    walk(value, child if key in subtables else f"{prefix}*")
                continue
            if key in known:
                continue
            candidates = sorted(known | subtables)
            close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
            is_table = isinstance(value, Mapping)
            what = _("unknown section") if is_table else _("unknown setting")
            hint = (_("did you mean {name}?", name=f"[{prefix}{close[0]}]" if is_table
                      else close[0]) if close
                    else _("known here: {names}", names=", ".join(candidates) or "-"))
            line = (_table_line(text, child) if is_table
                    else line_of(text, key, path or None))
            raise ConfigError(_("{what}; {hint}", what=what, hint=hint), file=file, line=line,
                              key=f"[{child}]" if is_table else child)

    walk(data, "")


def _table_line(text: str, name: str) -> int | None:
    """The line of ``[name]`` (or of a ``[name.sub]`` below it)."""
    parts = [re.escape(p) for p in name.split(".")]
    header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(parts) + r"\s*[.\]]")
    for i, line in enumerate(text.splitlines()):
        if header.match(line):
            return i + 1
    return line_of(text, name.split(".")[-1])


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
        raise fail(_("unknown time zone {tz_name!r}: use an IANA name such as \"Asia/Seoul\"",
                     tz_name=tz_name),
                   "timezone") from None

    def folder(key: str, default: str) -> Path:
        value = data.get(key, default)
        if not isinstance(value, str) or not value:
            raise fail(_("expected a folder path as a string"), key)
        path = Path(value)
        return path if path.is_absolute() else root / path

    var_dir = folder("var_dir", "var")
    db_url = data.get("database_url", "")
    if not isinstance(db_url, str):
        raise fail(_("expected a database URL string such as \"sqlite:///var/outreach.db\""),
                   "database_url")
    env = _read_env(root)
    db_url = env.get("OUTREACH_DATABASE_URL") or db_url or f"sqlite:///{var_dir / 'outreach.db'}"
    if db_url.startswith("sqlite:///") and not db_url.startswith("sqlite:////"):
        rel = db_url[len("sqlite:///"):]
        if rel and rel != ":memory:" and not Path(rel).is_absolute():
            db_url = f"sqlite:///{root / rel}"

    raw_channels = data.get("channels", {"outbox": {"type": "outbox"}} if file is None else {})
    if not isinstance(raw_channels, dict):
        raise fail(_("expected tables [channels.NAME]"), "channels")
    channels: dict[str, ChannelConfig] = {}
    for name, table in raw_channels.items():
        if not isinstance(table, dict):
            raise fail("expected a table [channels." + name + "]", f"channels.{name}")
        ctype = table.get("type")
        if ctype not in CHANNEL_TYPES:
            raise fail(_("type must be one of {channel_types} (got {ctype!r})",
                         channel_types=', '.join(CHANNEL_TYPES), ctype=ctype),
                       f"channels.{name}.type", f"channels.{name}")
        for key, value in table.items():
            if _looks_secret(key) and not key.endswith("_env"):
                raise fail(_("secrets do not belong in {config_name}: write {key}_env = "
                             "\"VARIABLE_NAME\" and put the value in the environment or .env",
                             config_name=CONFIG_NAME, key=key),
                           f"channels.{name}.{key}", f"channels.{name}")
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            raise fail(_("expected true or false"), f"channels.{name}.enabled", f"channels.{name}")
        channels[name] = ChannelConfig(name=name, type=ctype, file=file, enabled=enabled,
                                       settings={k: v for k, v in table.items()
                                                 if k not in ("type", "enabled")})

    sections = {k: v for k, v in data.items()
                if isinstance(v, dict) and k != "channels"}
    from .i18n import LANGUAGES, default_language

    language = data.get("language", default_language())
    if language not in LANGUAGES:
        raise fail(_("language must be one of {languages} (got {language!r})",
                     languages=', '.join(LANGUAGES), language=language),
                   "language")

    media = data.get("media_dirs", [])
    if not isinstance(media, list) or not all(isinstance(m, str) and m for m in media):
        raise fail(_('expected a list of folders, e.g. ["/srv/photos"]'), "media_dirs")
    media_dirs = tuple(Path(m) if Path(m).is_absolute() else root / m for m in media)
    return Settings(root=root, file=file, timezone=tz, database_url=db_url, language=language,
                    media_dirs=media_dirs,
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
