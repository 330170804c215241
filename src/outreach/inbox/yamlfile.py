"""Read a staff-edited YAML file keeping line numbers, so errors say where to look."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from ..i18n import _, gettext
from ..render import yamlsrc
from ..render.yamlsrc import StaffMistake, construct_timestamp


class LineDict(dict):
    """A mapping from the file that knows its own line and each key's line (1-based)."""

    line: int = 0
    lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class LineList(list):
    """A list from the file that knows the line of each entry (1-based)."""

    line: int = 0
    lines: list[int]

    def line_at(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


class _Loader(yaml.SafeLoader):
    def construct_sequence(self, node, deep=False):  # type: ignore[override]
        result = LineList(super().construct_sequence(node, deep=True))
        result.line = node.start_mark.line + 1
        result.lines = [item.start_mark.line + 1 for item in node.value]
        return result

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        seen: dict[object, int] = {}
        for key_node, _value in node.value:   # plain YAML keeps the last of two: a hidden typo
            key = getattr(key_node, "value", None)
            if isinstance(key, str) and key in seen:
                raise StaffMistake(gettext("duplicate key {key} (first on line {first}): "
                                           "keep one of the two", key=repr(key), first=seen[key]),
                                   key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        plain = super().construct_mapping(node, deep=True)
        result = LineDict(plain)
        result.line = node.start_mark.line + 1
        result.lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
        return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
                        _Loader.construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", construct_timestamp)


def load_yaml(path: Path) -> Any:
    """The parsed file; ConfigError naming the file, line and what to do when it is not
    valid YAML (worded as for card templates and schedules)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(_("file not found: create it or fix the path in outreach.toml [inbox]"),
                          file=path) from None
    except UnicodeDecodeError:
        raise ConfigError(_("not UTF-8 text: save the file as UTF-8"), file=path) from None
    return yamlsrc.parse(text, path, ConfigError, loader=_Loader)  # type: ignore[arg-type]


def parse_yaml(text: str, path: Path) -> Any:
    """``load_yaml`` of a text not (yet) in the file: the web editor checks what was typed
    before anything is written; errors name ``path`` and the line as if it were saved."""
    return yamlsrc.parse(text, path, ConfigError, loader=_Loader)  # type: ignore[arg-type]
