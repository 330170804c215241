"""The data file of one scheduled date (``content/weekend-guide/2026-12-03.yaml``) and its history.

Each save writes the file atomically and keeps a copy of the version with who
saved it, when, and which fields changed, under ``.history/<date>/`` beside the
file (plain files: the content folder is what staff back up and may keep in
git; no database needed). Restoring an earlier version saves it again as the
newest one, so nothing is ever lost.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping

import yaml

from ..errors import DataError
from ..failures import failure_words
from ..i18n import _, shown, stored, text as i18n_text
from ..yamlproblems import explain

HISTORY = ".history"


@dataclass(frozen=True)
class Version:
    number: int
    at: datetime
    by: str
    changes: tuple[str, ...]
    note: str           # in the language in force when the history was read
    file: Path


def history_dir(data_file: Path) -> Path:
    return data_file.parent / HISTORY / data_file.stem


_LOCKS: dict[Path, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


@contextmanager
def locked(data_file: Path) -> Iterator[None]:
    """One writer at a time per data file: threads of this process, and (POSIX) other
    processes through a lock file in the history folder."""
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(data_file.absolute(), threading.Lock())
    with lock:
        folder = history_dir(data_file)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "w") as fh:
            try:
                import fcntl

                fcntl.flock(fh, fcntl.LOCK_EX)
            except ImportError:          # Windows: the thread lock alone
                pass
            yield


def read(data_file: Path) -> dict[str, Any]:
    """The raw data of a data file ({} when it does not exist yet)."""
    if not data_file.is_file():
        return {}
    try:
        loaded = yaml.safe_load(data_file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DataError(_("not valid YAML ({error}): fix the file or restore an earlier version",
                          error=explain(getattr(exc, "problem", None)) or failure_words(exc)),
                        file=data_file) from None
    if not isinstance(loaded, dict):
        raise DataError(_("expected the template's fields at the top level"), file=data_file)
    return loaded


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _time(dumper: yaml.SafeDumper, value: time) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value.strftime("%H:%M"))


def _path(dumper: yaml.SafeDumper, value: Path) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value.as_posix())


_Dumper.add_representer(str, _str)
_Dumper.add_representer(time, _time)
_Dumper.add_multi_representer(Path, _path)


def dump(data: Mapping[str, Any], *, block: bool = False) -> str:
    """YAML of ``data``; ``block``: every mapping and list in block style (no ``{...}``)."""
    return yaml.dump(dict(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=1000, default_flow_style=False if block else None)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def changed_fields(old: Any, new: Any, path: str = "") -> list[str]:
    """Field paths whose values differ (``events[1].title``); a list that changed length
    is named once."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out: list[str] = []
        for key in dict.fromkeys([*old, *new]):
            out += changed_fields(old.get(key), new.get(key), f"{path}.{key}" if path else key)
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new) and \
            all(isinstance(v, Mapping) for v in old + new):
        out = []
        for i, (a, b) in enumerate(zip(old, new)):
            out += changed_fields(a, b, f"{path}[{i}]")
        return out
    return [] if _same(old, new) else [path or "data"]


def _same(a: Any, b: Any) -> bool:
    norm = lambda v: None if v in ("", [], None) else (v.isoformat() if isinstance(
        v, (date, time)) else v)
    return norm(a) == norm(b)


def save(data_file: Path, data: Mapping[str, Any], *, by: str, note: str = "",
         header: str = "") -> Version | None:
    """Write ``data`` and record the version; None when nothing changed."""
    old = read(data_file) if data_file.is_file() else {}
    changes = changed_fields(old, data)
    if data_file.is_file() and not changes and not note:
        return None
    text = (header.rstrip() + "\n" if header.strip() else "") + dump(data)
    return save_text(data_file, text, by=by, note=note, changes=changes)


def save_text(data_file: Path, text: str, *, by: str, note: str = "",
              changes: list[str] | tuple[str, ...] = ()) -> Version:
    """Write ``text`` as it is (comments and all) and record it as the newest version.

    The caller checks the text and holds ``locked(data_file)``; ``save`` is this with
    the text dumped from data. Files staff type whole (the inbox rules) use it directly.
    A ``note`` that is a message of ours (``i18n.Text``: "restored version 3") is kept
    language-independent and read in each reader's language; a person's note as typed."""
    changes = list(changes)
    _atomic_write(data_file, text)
    folder = history_dir(data_file)
    versions = history(data_file)
    number = (versions[0].number if versions else 0) + 1
    at = datetime.now(timezone.utc).replace(microsecond=0)
    copy = folder / f"{number:04d}.yaml"
    _atomic_write(copy, text)
    entry = {"version": number, "at": at.isoformat(), "by": by, "changes": changes,
             "note": stored(note), "file": copy.name}
    with (folder / "log.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return Version(number, at, by, tuple(changes), note, copy)


def history(data_file: Path) -> list[Version]:
    """Every saved version, newest first."""
    log = history_dir(data_file) / "log.jsonl"
    if not log.is_file():
        return []
    out = []
    for line in log.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            e = json.loads(line)
            out.append(Version(int(e["version"]), datetime.fromisoformat(e["at"]), str(e["by"]),
                               tuple(e.get("changes") or ()), str(shown(e.get("note") or "")),
                               history_dir(data_file) / e["file"]))
        except (ValueError, KeyError, TypeError):
            continue                # a damaged line hides one entry, never the others
    return sorted(out, key=lambda v: v.number, reverse=True)


def header_of(data_file: Path) -> str:
    """The comment lines at the top of a data file (kept when the studio saves it)."""
    if not data_file.is_file():
        return ""
    lines = []
    for line in data_file.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def version_text(data_file: Path, number: int) -> str:
    """The text of saved version ``number`` exactly as it was written."""
    found = next((v for v in history(data_file) if v.number == number), None)
    if found is None or not found.file.is_file():
        raise DataError(_("no saved version {n} of this data file: see its history", n=number),
                        file=data_file)
    return found.file.read_text(encoding="utf-8")


def restore(data_file: Path, number: int, *, by: str) -> Version:
    """Save version ``number`` again as the newest (the versions after it stay in history)."""
    found = next((v for v in history(data_file) if v.number == number), None)
    if found is None or not found.file.is_file():
        raise DataError(_("no saved version {n} of this data file: see its history", n=number),
                        file=data_file)
    data = read(found.file)
    with locked(data_file):
        version = save(data_file, data, by=by, note=i18n_text("restored version {n}", n=number),
                       header=header_of(found.file))
    assert version is not None
    return version
