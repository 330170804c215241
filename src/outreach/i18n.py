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

Texts that are *stored* and read later (a delivery's error in the ledger, a channel
check) must not keep the language of the process that made them: a ``--json`` run in
English and a Korean staff page read the same rows. Inside ``recording()`` (the
publishing work, channel checks: see ``recorded``) every message comes back as a
``Text``: a ``str`` that also remembers its message id and parameters (nested messages,
dates, and ``+`` joins included). ``stored`` turns one into a language-independent
string for the database (``i18n:`` + JSON, which also keeps the text as first shown);
``shown`` translates such a string in the language in force when it is read, and
leaves any other text (old rows, a platform's own words) as it is.
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
_recording: ContextVar[bool] = ContextVar("outreach_recording", default=False)


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

        path, key = cached
        try:
            with path.open("rb") as fh:
                found = marshal.load(fh)
            if isinstance(found, tuple) and len(found) == 2 and found[0] == key \
                    and isinstance(found[1], dict):
                return found[1]
        except (OSError, EOFError, ValueError, TypeError):
            pass
    merged = _parse(language, files)
    if cached is not None:
        _store(*cached, merged)
    return merged


def _cache_file(language: str, files: list[Path]) -> tuple[Path, str] | None:
    """Where the compiled catalog of these exact ``.po`` files is cached, and its key.

    The key (every file's path, size and modification time) is stored in the cache
    file and compared on load, so the short checksum in the name only spreads files
    (zlib is built in; hashlib's import alone costs more than reading the cache).
    """
    import zlib

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    try:
        key = "".join(f"{po}\0{po.stat().st_size}\0{po.stat().st_mtime_ns}\n" for po in files)
    except OSError:
        return None
    name = f"catalog-{language}-{zlib.crc32(key.encode()):08x}.marshal"
    return Path(base) / "outreach" / name, key


def _store(path: Path, key: str, merged: dict[object, object]) -> None:
    """Write the cache atomically (a concurrent reader sees the old file or the new one)."""
    import marshal
    import tempfile

    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".catalog-")
        with os.fdopen(fd, "wb") as fh:
            marshal.dump((key, merged), fh)
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
    text = text.format(**params) if params else text
    if _recording.get():
        return _remember(text, {"m": message, "p": _params(params)} if params else
                         {"m": message})
    return text


_ = gettext


def ngettext(singular: str, plural: str, n: int, /, **params: object) -> str:
    """A message with a count; ``n`` is passed to the format as ``n`` too."""
    found = catalog(current_language()).get((singular, plural))
    if isinstance(found, tuple) and found:
        # Korean has one plural form; English uses the ids themselves.
        text = found[0] if len(found) == 1 or n == 1 else found[1]
    else:
        text = singular if n == 1 else plural
    text = text.format(n=n, **params)
    if _recording.get():
        return _remember(text, {"n": [singular, plural], "c": n, "p": _params(params)})
    return text


# -- texts that are stored and shown later, in the reader's language ----------
PREFIX = "i18n:"
_MAX_PARTS = 64


class Text(str):
    """A message as shown now that remembers how it was made (``source``: JSON-able), so
    that ``stored`` can keep it language-independent. Anything that makes a new string
    from it (slicing, ``format``, f-strings, ``join``) gives a plain ``str``; ``+`` keeps
    both sides."""

    __slots__ = ("source",)
    source: dict

    def __add__(self, other: object) -> str:   # type: ignore[override]
        if not isinstance(other, str):
            return NotImplemented
        return _joined(self, other)

    def __radd__(self, other: object) -> str:
        if not isinstance(other, str):
            return NotImplemented
        return _joined(other, self)

    def map(self, change) -> "Text":
        """The same text with ``change`` applied to every piece that came from outside the
        catalog (parameters, joined plain strings): e.g. redacting a secret."""
        return _remember(change(str.__str__(self)), _map_source(self.source, change))


def _remember(text: str, source: dict) -> Text:
    made = Text(text)
    made.source = source
    return made


def _part(value: object) -> object:
    return value.source if isinstance(value, Text) else str(value)


def _joined(left: str, right: str) -> str:
    parts: list[object] = []
    for side in (left, right):
        if isinstance(side, Text) and "j" in side.source:
            parts.extend(side.source["j"])
        else:
            parts.append(_part(side))
    text = str.__add__(str(left), str(right))
    return _remember(text, {"j": parts}) if len(parts) <= _MAX_PARTS else text


def _params(params: dict[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in params.items():
        if isinstance(value, Text):
            out[key] = value.source
        elif value is None or isinstance(value, (bool, int, float)):
            out[key] = value
        else:
            out[key] = str(value)   # a plain string (or a path, a class name ...) stays as is
    return out


def _map_source(source: object, change) -> object:
    if isinstance(source, str):
        return change(source)
    if not isinstance(source, dict):
        return source
    out = dict(source)
    if "p" in out:
        out["p"] = {k: _map_source(v, change) for k, v in out["p"].items()}
    if "j" in out:
        out["j"] = [_map_source(v, change) for v in out["j"]]
    return out


@contextmanager
def recording() -> Iterator[None]:
    """Messages made meanwhile are ``Text``s (see ``stored``)."""
    token = _recording.set(True)
    try:
        yield
    finally:
        _recording.reset(token)


def text(message: str, /, **params: object) -> str:
    """``gettext`` that always gives a ``Text``: for one message that is stored (a history
    line) outside a ``recording()`` service."""
    with recording():
        return gettext(message, **params)


def recorded(function):
    """Run ``function`` inside ``recording()``: for services that store what they say."""
    from functools import wraps

    @wraps(function)
    def wrapper(*args, **kwargs):
        with recording():
            return function(*args, **kwargs)

    return wrapper


def portable(value: object) -> object:
    """A JSON-able form of ``value`` for storing: a ``Text``'s source (with the text as
    shown, ``t``), anything else as it is."""
    if isinstance(value, Text):
        return {"t": str.__str__(value), **value.source}
    return value


def stored(value: str | None) -> str | None:
    """``value`` for a text column: ``i18n:`` + JSON for a ``Text``, else unchanged."""
    if not isinstance(value, Text):
        return value
    import json

    return PREFIX + json.dumps(portable(value), ensure_ascii=False, separators=(",", ":"))


def _decoded(value: str) -> dict | None:
    """The message dict of a stored text (``stored``'s form), or None for any other text."""
    if not value.startswith(PREFIX):
        return None
    import json

    try:
        source = json.loads(value[len(PREFIX):])
    except ValueError:
        return None
    return source if isinstance(source, dict) else None


def shown(value: object) -> object:
    """A stored text in the language in force: ``stored``'s form translated now, a
    ``portable`` dict likewise, anything else (an old row, a platform's words) as is."""
    source = _decoded(value) if isinstance(value, str) else value
    return _translated(source, value) if isinstance(source, dict) else value


def _translated(source: dict, fallback: object) -> object:
    try:
        return _render(source)
    except Exception:  # noqa: BLE001 - a message changed since: show it as it was written
        return source["t"] if isinstance(source.get("t"), str) else fallback


def revived(value: str) -> str:
    """A stored text (``stored``'s form) as a ``Text`` again, in the language in force:
    to be part of a new message that is stored in turn (``+`` joins, parameters). Any
    other text comes back as it is."""
    source = _decoded(value) if isinstance(value, str) else None
    if source is None:
        return value
    text = _translated(source, value)
    return _remember(str(text), {k: v for k, v in source.items() if k != "t"})


def read(value: object) -> object:
    """A stored text as read from the database: ``shown`` in the language in force, and
    inside ``recording()`` a ``Text`` again (``revived``), so a message quoting it (a
    notification naming a run's missed reason) is stored translatable in turn."""
    if _recording.get() and isinstance(value, str):
        return revived(value)
    return shown(value)


def clip(text: str, size: int) -> str:
    """``text`` cut to ``size`` characters; a ``Text`` that fits stays one."""
    return text if len(text) <= size else str.__str__(text)[:size]


def _render(source: object) -> str:
    if isinstance(source, str):
        return source
    if not isinstance(source, dict):
        return str(source)
    token = _recording.set(False)
    try:
        params = {k: _render(v) if isinstance(v, (dict, str)) else v
                  for k, v in (source.get("p") or {}).items()}
        if "m" in source:
            return gettext(source["m"], **params) if "p" in source else gettext(source["m"])
        if "n" in source:
            singular, plural = source["n"]
            return ngettext(singular, plural, int(source["c"]), **params)
        if "dt" in source:
            return format_datetime(datetime.fromisoformat(source["dt"]))
        if "d" in source:
            return format_date(date.fromisoformat(source["d"]))
        if "j" in source:
            return "".join(_render(part) for part in source["j"])
    finally:
        _recording.reset(token)
    raise ValueError("not a stored message")


_KO_WEEKDAYS = "월화수목금토일"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")


def format_date(value: date) -> str:
    """``2026년 11월 26일 (목)`` (Korean) or ``Thu 26 Nov 2026`` (English)."""
    if isinstance(value, datetime):
        value = value.date()
    if current_language() == "ko":
        text = f"{value.year}년 {value.month}월 {value.day}일 ({_KO_WEEKDAYS[value.weekday()]})"
    else:
        text = (f"{_EN_WEEKDAYS[value.weekday()]} {value.day} {_EN_MONTHS[value.month - 1]} "
                f"{value.year}")
    return _remember(text, {"d": value.isoformat()}) if _recording.get() else text


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
    text = f"{format_date(value)} {value:%H:%M}"
    return _remember(text, {"dt": value.isoformat()}) if _recording.get() else text


def format_time(value: datetime, tz: tzinfo | None = None) -> str:
    """``16:00`` in the workspace's zone (same conventions as ``format_datetime``)."""
    return format_datetime(value, tz)[-5:]
