"""Structured logging with secret redaction.

Log lines are ``key=value`` pairs on stderr (or JSON with OUTREACH_LOG_FORMAT=json,
for journald and log shippers). Every record passes through ``redact``, which
blanks the values of all secrets known to the process, so a token that slips
into a URL or an exception message never reaches a log.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from typing import Iterable

from .i18n import Text

_SECRETS: set[str] = set()
_QUERY_SECRET = re.compile(r"(?i)((?:access_token|client_secret|refresh_token|api_key|apikey|"
                           r"serviceKey|password|signature|appsecret_proof)=)[^&\s\"']+")


def register_secret(value: str | None) -> None:
    """Remember a secret so that ``redact`` hides it everywhere (ignores short values)."""
    if value and len(value) >= 6:
        _SECRETS.add(value)


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """``text`` with every known secret and every secret-looking query value replaced
    (a stored message, ``i18n.Text``, in each of its pieces, so it stays one)."""
    if isinstance(text, Text):
        return text.map(lambda piece: redact(piece, extra))
    for secret in (*_SECRETS, *extra):
        if secret and secret in text:
            text = text.replace(secret, "***")
    return _QUERY_SECRET.sub(r"\1***", text)


class _Formatter(logging.Formatter):
    def __init__(self, as_json: bool) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        fields = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
                  "level": record.levelname.lower(), "logger": record.name,
                  "msg": record.getMessage()}
        fields.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
        if self.as_json:
            return redact(json.dumps(fields, ensure_ascii=False, default=str))
        return redact(" ".join(f"{k}={_quote(v)}" for k, v in fields.items()))


def _quote(value: object) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if (" " in text or "=" in text or not text) else text


def setup_logging(verbosity: int = 0) -> None:
    level = logging.WARNING - 10 * min(verbosity, 2)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(os.environ.get("OUTREACH_LOG_FORMAT") == "json"))
    root = logging.getLogger("outreach")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def adopt(*names: str) -> None:
    """Send other libraries' loggers (uvicorn's) through outreach's handler, so every
    line on stderr, tracebacks included, is in the one configured format (JSON too)."""
    ours = logging.getLogger("outreach")
    for name in names:
        other = logging.getLogger(name)
        other.handlers[:] = list(ours.handlers)
        other.setLevel(ours.level)
        other.propagate = False


def log(logger: logging.Logger, level: int, msg: str, **fields: object) -> None:
    """Log ``msg`` with structured ``fields`` (shown as key=value)."""
    logger.log(level, msg, extra={"fields": fields})
