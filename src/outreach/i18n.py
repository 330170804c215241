"""Message catalogs: every string a person reads goes through here.

Message ids are English; translations live in gettext ``.po`` files under
``outreach/locale/<language>/LC_MESSAGES/``, one file per area of the code
(``core.po``, ``web.po``, ``inbox.po`` ...) so that work on one area never
edits another's catalog. Korean is the default language; English is the
message id itself. The language in force is a context variable, so a web
request can use the signed-in user's choice while the CLI uses the
workspace's ``language`` setting (or ``$OUTREACH_LANGUAGE``).

Placeholders are ``str.format`` names: ``_("{n} slides", n=9)``. A message
is formatted only when parameters are given, so a literal ``{`` in a plain
message stays as it is.

``--json`` output never goes through here: its keys are stable English.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import date, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Iterator

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "ko"
LOCALE_DIR = Path(__file__).with_name("locale")

_language: ContextVar[str | None] = ContextVar("outreach_language", default=None)


def default_language() -> str:
    """``$OUTREACH_LANGUAGE`` when it names a known language, else Korean."""
    env = os.environ.get("OUTREACH_LANGUAGE", "").strip().lower()
    return env if env in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    return _language.get() or default_language()


def set_language(language: str | None) -> Token:
    """Make ``language`` the one in force for this context (None: the default)."""
    if language is not None and language not in LANGUAGES:
        language = None
    return _language.set(language)


def reset_language(token: Token) -> None:
    _language.reset(token)


@contextmanager
def use_language(language: str | None) -> Iterator[None]:
    token = set_language(language)
    try:
        yield
    finally:
        _language.reset(token)


@lru_cache(maxsize=None)
def catalog(language: str) -> dict[object, object]:
    """Every translated message of ``language``, merged from all its ``.po`` files.

    Parsing the ``.po`` files with Babel takes 30-200 ms, more than the rest of
    ``outreach --help``; so the merged catalog is kept in a ``marshal`` file in the
    user's cache folder, keyed by the ``.po`` files' names, sizes and times, and
    loaded from there in about a millisecond. Editing a ``.po`` file changes the
    key, so a stale cache is never read. Without a writable cache folder the
    ``.po`` files are parsed each time, as before.
    """
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    if language == "en" or not folder.is_dir():
        return {}
    files = sorted(folder.glob("*.po"))
    cached = _cache_file(language, files)
    if cached is not None:
        import marshal

        try:
            with cached.open("rb") as fh:
                found = marshal.load(fh)
            if isinstance(found, dict):
                return found
        except (OSError, EOFError, ValueError, TypeError):
            pass
    merged = _parse(language, files)
    if cached is not None:
        _store(cached, merged)
    return merged


def _cache_file(language: str, files: list[Path]) -> Path | None:
    """Where the compiled catalog of these exact ``.po`` files is cached (None: nowhere)."""
    import hashlib

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    key = hashlib.sha256()
    try:
        for po in files:
            st = po.stat()
            key.update(f"{po}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    except OSError:
        return None
    return Path(base) / "outreach" / f"catalog-{language}-{key.hexdigest()[:20]}.marshal"


def _store(path: Path, merged: dict[object, object]) -> None:
    """Write the cache atomically (a concurrent reader sees the old file or the new one)."""
    import marshal
    import tempfile

    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".catalog-")
        with os.fdopen(fd, "wb") as fh:
            marshal.dump(merged, fh)
        os.replace(tmp, path)
        for old in path.parent.glob(path.name.rsplit("-", 1)[0] + "-*.marshal"):
            if old != path:
                old.unlink(missing_ok=True)  # catalogs of .po files since edited
    except OSError:
        pass  # a read-only home: parse each time


def _parse(language: str, files: list[Path]) -> dict[object, object]:
    """Merge ``files`` with Babel; the first translation of a message id wins."""
    from babel.messages.pofile import read_po

    merged: dict[object, object] = {}
    for po in files:
        with po.open("rb") as fh:
            for message in read_po(fh, locale=language):
                if not message.id or message.fuzzy:
                    continue
                string = message.string
                if isinstance(string, tuple):
                    if not all(string):
                        continue
                elif not string:
                    continue
                merged.setdefault(message.id, string)
    return merged


def gettext(message: str, /, **params: object) -> str:
    """``message`` in the language in force, formatted with ``params``."""
    text = catalog(current_language()).get(message, message)
    if not isinstance(text, str):
        text = message
    return text.format(**params) if params else text


_ = gettext


def ngettext(singular: str, plural: str, n: int, /, **params: object) -> str:
    """A message with a count; ``n`` is passed to the format as ``n`` too."""
    found = catalog(current_language()).get((singular, plural))
    if isinstance(found, tuple) and found:
        # Korean has one plural form; English uses the ids themselves.
        text = found[0] if len(found) == 1 or n == 1 else found[1]
    else:
        text = singular if n == 1 else plural
    return text.format(n=n, **params)


_KO_WEEKDAYS = "월화수목금토일"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")


def format_date(value: date) -> str:
    """``2026년 11월 26일 (목)`` (Korean) or ``Thu 26 Nov 2026`` (English)."""
    if isinstance(value, datetime):
        value = value.date()
    if current_language() == "ko":
        return f"{value.year}년 {value.month}월 {value.day}일 ({_KO_WEEKDAYS[value.weekday()]})"
    return (f"{_EN_WEEKDAYS[value.weekday()]} {value.day} {_EN_MONTHS[value.month - 1]} "
            f"{value.year}")


def format_datetime(value: datetime, tz: tzinfo | None = None) -> str:
    """One format everywhere: ``2026년 11월 26일 (목) 16:00`` in the workspace's zone.

    An aware ``value`` is converted to ``tz``; a naive one is taken as UTC
    (how the ledger stores times) before conversion.
    """
    if tz is not None:
        if value.tzinfo is None:
            from datetime import timezone

            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(tz)
    return f"{format_date(value)} {value:%H:%M}"


def format_time(value: datetime, tz: tzinfo | None = None) -> str:
    """``16:00`` in the workspace's zone (same conventions as ``format_datetime``)."""
    return format_datetime(value, tz)[-5:]
