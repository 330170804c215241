"""``[notifications]`` and ``[smtp]`` in outreach.toml -> typed settings.

Example::

    [notifications]
    enabled = true
    base_url = "https://outreach.city.go.kr"   # links in the mails point here
    token_days = 14                            # warn this many days before a token expires
    data_days = 3                              # warn when the next run's data file is missing
    lookback_hours = 48                        # older events are not mailed (first start)

    [notifications.to]                         # fixed addresses per role (besides users)
    approver = ["boss@city.go.kr"]

    [smtp]
    host = "smtp.city.go.kr"
    port = 587
    security = "starttls"                      # starttls | ssl | none
    username = "outreach"
    password_env = "OUTREACH_SMTP_PASSWORD"    # the password itself stays in the environment
    sender = "홍보 자동화 <outreach@city.go.kr>"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..config import Settings, line_of
from ..errors import ConfigError
from ..i18n import _

ROLES = ("admin", "editor", "approver", "officer", "viewer")
SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    password_env: str | None = None
    sender: str = "outreach@localhost"
    timeout: float = 20.0


@dataclass(frozen=True)
class NotifySettings:
    smtp: SmtpSettings
    base_url: str = "http://127.0.0.1:8000"
    token_days: int = 14
    data_days: int = 3
    lookback_hours: int = 48
    to: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _fail(settings: Settings, table: str, key: str, message: str) -> ConfigError:
    line = None
    if settings.file and settings.file.is_file():
        line = line_of(settings.file.read_text(encoding="utf-8"), key, table)
    return ConfigError(message, file=settings.file or "outreach.toml", line=line,
                       key=f"{table}.{key}")


def _int(settings: Settings, table: str, values: Mapping[str, Any], key: str, default: int) -> int:
    value = values.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _fail(settings, table, key, _("expected a positive whole number, got {value!r}",
                                            value=value))
    return value


def _text(settings: Settings, table: str, values: Mapping[str, Any], key: str,
          default: str | None) -> str | None:
    value = values.get(key, default)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise _fail(settings, table, key, _("expected a non-empty text, got {value!r}",
                                            value=value))
    return value


def notify_settings(settings: Settings) -> NotifySettings | None:
    """The notification settings, or None when ``[notifications]`` is absent or disabled."""
    if "notifications" not in settings.sections:
        return None
    table = settings.section("notifications")
    if table.get("enabled", True) is False:
        return None
    smtp_table = settings.section("smtp")
    host = _text(settings, "smtp", smtp_table, "host", None)
    if not host:
        raise _fail(settings, "smtp", "host",
                    _("[notifications] is on but [smtp] has no host: add the city's mail server"))
    security = smtp_table.get("security", "starttls")
    if security not in SECURITY:
        raise _fail(settings, "smtp", "security", _("expected one of {choices}, got {value!r}",
                                                    choices=", ".join(SECURITY), value=security))
    smtp = SmtpSettings(
        host=host, port=_int(settings, "smtp", smtp_table, "port",
                             465 if security == "ssl" else 587),
        security=security, username=_text(settings, "smtp", smtp_table, "username", None),
        password_env=_text(settings, "smtp", smtp_table, "password_env", None),
        sender=_text(settings, "smtp", smtp_table, "sender", "outreach@localhost") or "",
        timeout=float(_int(settings, "smtp", smtp_table, "timeout", 20)))
    if smtp_table.get("password") is not None:
        raise _fail(settings, "smtp", "password",
                    _("never write the password in outreach.toml: set password_env to the name "
                      "of an environment variable that holds it"))
    to: dict[str, tuple[str, ...]] = {}
    for role, addresses in dict(table.get("to", {})).items():
        if role not in ROLES:
            raise _fail(settings, "notifications.to", role, _(
                "unknown role {role!r}: use one of {choices}", role=role, choices=", ".join(ROLES)))
        if isinstance(addresses, str):
            addresses = [addresses]
        if not isinstance(addresses, list) or not all(isinstance(a, str) and "@" in a
                                                      for a in addresses):
            raise _fail(settings, "notifications.to", role,
                        _("expected a list of e-mail addresses"))
        to[role] = tuple(addresses)
    base_url = (_text(settings, "notifications", table, "base_url", "http://127.0.0.1:8000")
                or "").rstrip("/")
    return NotifySettings(smtp=smtp, base_url=base_url,
                          token_days=_int(settings, "notifications", table, "token_days", 14),
                          data_days=_int(settings, "notifications", table, "data_days", 3),
                          lookback_hours=_int(settings, "notifications", table, "lookback_hours",
                                              48),
                          to=to)
