"""Message catalogs: Korean by default, every message translated, one date format."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from outreach import i18n
from outreach.i18n import _, format_date, format_datetime, ngettext, use_language

SRC = Path(i18n.__file__).parent


def test_korean_is_the_default(monkeypatch):
    monkeypatch.delenv("OUTREACH_LANGUAGE", raising=False)
    with use_language(None):
        assert i18n.current_language() == "ko"
        assert _("outreach: error: {message}", message="x") == "outreach: 오류: x"


def test_english_is_the_message_id():
    with use_language("en"):
        assert _("outreach: error: {message}", message="x") == "outreach: error: x"
        assert ngettext("{n} item", "{n} items", 2) == "2 items"
    with use_language("ko"):
        assert ngettext("{n} item", "{n} items", 2) == "2건"


def test_unknown_language_falls_back_to_default(monkeypatch):
    monkeypatch.setenv("OUTREACH_LANGUAGE", "en")
    with use_language("fr"):
        assert i18n.current_language() == "en"


def test_one_korean_date_format():
    seoul = ZoneInfo("Asia/Seoul")
    when = datetime(2026, 11, 26, 7, 0, tzinfo=timezone.utc)
    with use_language("ko"):
        assert format_datetime(when, seoul) == "2026년 11월 26일 (목) 16:00"
        # naive values are the ledger's UTC
        assert format_datetime(when.replace(tzinfo=None), seoul) == "2026년 11월 26일 (목) 16:00"
        assert format_date(when.date()) == "2026년 11월 26일 (목)"
    with use_language("en"):
        assert format_datetime(when, seoul) == "Thu 26 Nov 2026 16:00"


def _extract() -> dict[str, list[str]]:
    """Every message id used in the package's Python code and web templates."""
    from babel.messages.extract import extract_from_dir

    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "i18n_text": None}
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found: dict[str, list[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(SRC), method_map=method_map, options_map=options, keywords=keywords):
        key = message if isinstance(message, str) else message[0]
        if key:
            found.setdefault(key, []).append(filename)
    return found


def test_every_message_has_a_korean_translation():
    ko = i18n.catalog("ko")
    singulars = {k if isinstance(k, str) else k[0] for k in ko}
    missing = {msg: files for msg, files in _extract().items() if msg not in singulars}
    assert not missing, "messages without a Korean translation (add them to a .po file): " + \
        "; ".join(f"{m!r} in {f[0]}" for m, f in sorted(missing.items())[:20])


def test_placeholders_match_between_languages():
    import string

    fmt = string.Formatter()
    for msgid, text in i18n.catalog("ko").items():
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        texts = text if isinstance(text, tuple) else (text,)
        wanted = {f for _l, f, _s, _c in fmt.parse(ids[-1]) if f}
        for t in texts:
            got = {f for _l, f, _s, _c in fmt.parse(t) if f}
            assert got <= wanted | {"n"}, f"{msgid!r}: translation uses {got - wanted}"


def test_compiled_catalog_cache_follows_the_po_files(tmp_path, monkeypatch):
    """The marshal cache is read instead of the .po files, and never after they change."""
    folder = tmp_path / "locale" / "ko" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "x.po"
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    po.write_text(header + 'msgid "Hello"\nmsgstr "안녕하세요"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    i18n.catalog.cache_clear()
    try:
        assert i18n.catalog("ko") == {"Hello": "안녕하세요"}
        (cached,) = (tmp_path / "cache" / "outreach").glob("catalog-ko-*.marshal")
        i18n.catalog.cache_clear()
        assert i18n.catalog("ko") == {"Hello": "안녕하세요"}      # read back from the cache
        po.write_text(header + 'msgid "Hello"\nmsgstr "반갑습니다"\n', encoding="utf-8")
        os.utime(po, ns=(po.stat().st_atime_ns, po.stat().st_mtime_ns + 1_000_000))
        i18n.catalog.cache_clear()
        assert i18n.catalog("ko") == {"Hello": "반갑습니다"}       # the edit wins
        assert [p.name for p in (tmp_path / "cache" / "outreach").glob("*.marshal")] != \
            [cached.name]                                            # the stale file is gone
    finally:
        i18n.catalog.cache_clear()
