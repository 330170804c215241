"""YAML that remembers line numbers, so every error can say ``file:line``.

Mappings load as ``LDict`` and sequences as ``LList``: plain ``dict``/``list``
subclasses carrying the line of the node and of each key or item. Duplicate
keys are an error (plain YAML silently keeps the last one, which hides typos).
Data is only ever *parsed* here; nothing from a data file reaches Jinja2 as
template source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import TemplateError
from ..i18n import _
from ..yamlproblems import explain


class LDict(dict):
    """A mapping with ``line`` (its own) and ``lines[key]`` (each key's line)."""

    line: int | None = None
    lines: dict[Any, int]

    def line_of(self, key: Any) -> int | None:
        return getattr(self, "lines", {}).get(key, self.line)


class LList(list):
    """A sequence with ``line`` and ``lines[i]`` (each item's line)."""

    line: int | None = None
    lines: list[int]

    def line_of(self, index: int) -> int | None:
        lines = getattr(self, "lines", [])
        return lines[index] if 0 <= index < len(lines) else self.line


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LDict:
    loader.flatten_mapping(node)
    result = LDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result.lines:
            raise StaffMistake(_("duplicate key {key} (first on line {first}): keep one of the two",
                                 key=repr(key), first=result.lines[key]), key_node.start_mark)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain word", key_node.start_mark) from None
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LList:
    result = LList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


class StaffMistake(yaml.constructor.ConstructorError):
    """Well-formed YAML that says something impossible; ``problem`` is the whole message."""

    def __init__(self, problem: str, mark: yaml.Mark) -> None:
        super().__init__(None, None, problem, mark)


def construct_timestamp(loader: yaml.BaseLoader, node: yaml.ScalarNode) -> Any:
    """YAML dates, refusing impossible ones (2026-02-30, 2026-13-01) at their line:
    PyYAML raises a bare ValueError for them, without a line."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise StaffMistake(_("impossible date {value} ({reason}): write a real date as "
                             "YYYY-MM-DD", value=node.value, reason=exc), node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", construct_timestamp)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def parse(text: str, file: Path | str, error: type[TemplateError] = TemplateError,
          loader: type = _Loader) -> Any:
    """Parse YAML text; a syntax error becomes one ``error`` with file and line, its
    problem explained in words staff can act on (``yamlproblems.explain``). ``loader``:
    a SafeLoader subclass building other line-keeping containers (the inbox's)."""
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except StaffMistake as exc:
        mark = exc.problem_mark
        raise error(str(exc.problem), file=file, line=mark.line + 1 if mark else None) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "syntax error"
        explained = explain(problem, text, mark)
        raise error(_("not valid YAML: {error}", error=explained) if explained != problem else
                    _("not valid YAML: {problem}: fix the syntax on that line", problem=problem),
                            file=file, line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise error(_("not valid YAML: {error}", error=exc), file=file) from None


def load(path: Path, error: type[TemplateError] = TemplateError) -> Any:
    """Read and parse a YAML (or JSON, which is YAML) file."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise error(_("file not found: check the path"), file=path) from None
    except UnicodeDecodeError as exc:
        raise error(_("not UTF-8 text (Korean saved as CP949/EUC-KR?): save the file as UTF-8"),
                    file=path, line=raw[:exc.start].count(b"\n") + 1) from None
    except OSError as exc:
        raise error(_("cannot read the file ({strerror})", strerror=exc.strerror), file=path) from None
    return parse(text, path, error)


def line_of(container: Any, key: Any) -> int | None:
    """Line of ``container[key]`` when the container came from this loader."""
    finder = getattr(container, "line_of", None)
    return finder(key) if finder else None
