"""Why a call failed, in words staff can read, instead of an exception's class name.

Problem lines used to end in "(ConnectionError)" or "(SSLError)": true, but English
and meaningless to the city hall's staff. ``failure_words`` names the kind of
failure through the catalogs (network unreachable, timed out, TLS error ...).
It matches on the class names of the exception and of what it wraps
(requests wraps urllib3, which wraps the socket error), so that no HTTP library
has to be imported just to word an error (exact classes first, then their bases);
unknown kinds keep their class name.
"""

from __future__ import annotations

from typing import Iterator

from .i18n import _


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps: requests' first argument, urllib3's ``reason``, causes."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        item = todo.pop(0)
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo += [*(item.args[:1] if item.args else ()), getattr(item, "reason", None),
                 item.__cause__, item.__context__]


def _names(exc: BaseException, *, bases: bool) -> set[str]:
    return {cls.__name__ for e in _chain(exc) for cls in (type(e).__mro__ if bases else (type(e),))}


# (class names, words): the first row any class in the chain matches wins
def _kinds() -> list[tuple[tuple[str, ...], str]]:
    return [
        (("SSLError", "SSLCertVerificationError", "CertificateError"),
         _("TLS/certificate error: the secure connection could not be set up")),
        (("gaierror", "NameResolutionError", "ServerNotFoundError"),
         _("address not found: check the address and the internet connection")),
        (("InvalidURL", "MissingSchema", "InvalidSchema", "LocationParseError"),
         _("the address is not valid")),
        (("ConnectTimeout", "ConnectTimeoutError"), _("timed out while connecting")),
        (("ReadTimeout", "ReadTimeoutError", "Timeout", "TimeoutError", "timeout"),
         _("timed out waiting for the answer")),
        (("ConnectionRefusedError",), _("connection refused: the server is not answering")),
        (("ConnectionResetError", "RemoteDisconnected", "ChunkedEncodingError",
          "ProtocolError", "IncompleteRead", "BrokenPipeError"),
         _("the connection dropped before the answer arrived")),
        (("NewConnectionError", "ConnectionError", "NetworkError"),
         _("network unreachable: check the internet connection")),
        (("FileNotFoundError",), _("file not found")),
        (("PermissionError",), _("permission denied")),
        (("IsADirectoryError",), _("a folder, not a file")),
        (("UnicodeDecodeError", "UnicodeError"), _("not UTF-8 text")),
        (("SAXParseException", "SAXException", "ParseError", "ExpatError"), _("not valid XML")),
        (("JSONDecodeError",), _("not valid JSON")),
        (("BadZipFile", "InvalidFileException"), _("not a readable file of this type")),
        (("YAMLError",), _("not valid YAML")),
        (("HTTPException",), _("the server's answer could not be read")),
        (("OSError",), _("system error (disk or network)")),
        (("ValueError", "KeyError", "TypeError"), _("the content could not be read")),
    ]


def failure_words(exc: BaseException) -> str:
    """A short phrase in the language in force for the kind of ``exc``."""
    # exact classes first: urllib3's NewConnectionError *inherits* ConnectTimeoutError
    for names in (_names(exc, bases=False), _names(exc, bases=True)):
        for kinds, words in _kinds():
            if names.intersection(kinds):
                return words
    return _("unexpected error ({name})", name=type(exc).__name__)
