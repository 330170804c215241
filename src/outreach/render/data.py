"""Check a post's data against the template's declared fields, converting types on the way.

A data file is YAML or JSON. Errors name the file, the line (for files) and
the field path (``events[3].start``) and say what was expected.

Image paths follow ONE rule everywhere (data files, ``--data``, feed
defaults): a relative path is looked up in the data file's own folder, then
in the workspace folder (where outreach.toml is), then in each configured
media folder (``media_dirs``); the first that holds the file wins. So
``content/photos/x.jpg`` works from a data file saved anywhere, and a photo
saved beside its data file works too. When a workspace is given, the file
must lie inside the workspace, a media folder or the templates folder: a
data file cannot make outreach read (and publish) ``/etc/passwd`` or
``../../other-team``. Each image's header is read here, so a missing,
corrupt or decompression-bomb image is refused at its line before rendering.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Mapping

from ..errors import DataError, ImageError
from ..i18n import _
from . import yamlsrc
from .template import FieldSpec

_TYPE_HELP = {
    "text": "text", "int": "a whole number", "number": "a number", "bool": "true or false",
    "date": "a date like 2026-05-16", "datetime": "a date and time like 2026-05-16 16:00",
    "time": "a time like 16:00", "url": "a web address starting with https://",
    "image": "an image file path", "list": "a list",
}


# Pillow's own limit (89 million pixels) is far above any photo a card needs; a bigger
# header is a decompression bomb (a few kB that unpack to gigabytes).
MAX_IMAGE_PIXELS = 80_000_000


@dataclass(frozen=True)
class MediaRule:
    """Where relative image paths are looked up, and where images may come from."""

    search: tuple[Path, ...]                 # in order; the first folder holding the file wins
    allowed: tuple[Path, ...] | None = None  # None: anywhere (no workspace given)


def media_rule(data_file: Path | None, workspace: Path | None,
               media_dirs: tuple[Path, ...] = (), templates_dir: Path | None = None
               ) -> MediaRule:
    """The one rule for image paths (see the module docstring)."""
    search = [p for p in (data_file.parent if data_file else None, workspace, *media_dirs)
              if p is not None]
    if workspace is None:      # without outreach.toml the workspace is the current folder
        return MediaRule(tuple(dict.fromkeys([*search, Path.cwd()])))
    allowed = [workspace, *media_dirs, *([templates_dir] if templates_dir else [])]
    return MediaRule(tuple(dict.fromkeys(search)),
                     tuple(dict.fromkeys(Path(os.path.normpath(p.absolute())) for p in allowed)))


class _Checker:
    def __init__(self, source: Path | str, rule: MediaRule, strict: bool) -> None:
        self.source = source
        self.rule = rule
        self.strict = strict

    def fail(self, message: str, container: Any, key: Any, path: str) -> DataError:
        return DataError(message, file=self.source, line=yamlsrc.line_of(container, key), key=path)

    def mapping(self, specs: tuple[FieldSpec, ...], raw: Any, path: str, container: Any,
                key: Any) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise self.fail(_("expected fields {items}", items=', '.join(s.name for s in specs)), container, key,
                            path or "data")
        known = {s.name for s in specs}
        if self.strict:
            for name in raw:
                if name not in known:
                    raise self.fail(_("unknown field; this template's fields here are {known}",
                                      known=', '.join(sorted(known))), raw, name, _join(path, name))
        out: dict[str, Any] = {}
        for spec in specs:
            fpath = _join(path, spec.name)
            value = raw.get(spec.name)
            if value is None or value == "" or value == []:
                if spec.required:
                    raise self.fail(_("missing required field ({description}): add {name}: ...",
                                      description=spec.description or spec.type, name=spec.name), raw, spec.name if spec.name in raw
                                    else None, fpath)
                out[spec.name] = [] if spec.type == "list" else None
                continue
            out[spec.name] = self.value(spec, value, fpath, raw, spec.name)
        return out

    def value(self, spec: FieldSpec, value: Any, path: str, container: Any, key: Any) -> Any:
        if spec.type == "list":
            if not isinstance(value, list):
                raise self.fail(_("expected a list (lines starting with '- '), got {show}",
                                  show=_show(value)),
                                container, key, path)
            if spec.min_items is not None and len(value) < spec.min_items:
                raise self.fail(_("needs at least {min_items} items, got {n}",
                                  min_items=spec.min_items, n=len(value)),
                                container, key, path)
            if spec.max_items is not None and len(value) > spec.max_items:
                raise self.fail(_("at most {max_items} items, got {n}: split them over two posts",
                                  max_items=spec.max_items, n=len(value)), container, key, path)
            if spec.items is not None:
                return [self.mapping(spec.items, item, f"{path}[{i}]", value, i)
                        for i, item in enumerate(value)]
            item_spec = FieldSpec(name="", type=spec.item_type or "text")
            return [self.value(item_spec, item, f"{path}[{i}]", value, i)
                    for i, item in enumerate(value)]
        try:
            converted = _convert(spec.type, value)
        except (TypeError, ValueError):
            raise self.fail(_("expected {kind}, got {show}",
                              kind=_TYPE_HELP[spec.type], show=_show(value)),
                            container, key, path) from None
        if spec.choices and converted not in spec.choices:
            raise self.fail(_("must be one of {options}", options=', '.join(map(str, spec.choices))), container, key,
                            path)
        if spec.max_length and isinstance(converted, str) and len(converted) > spec.max_length:
            raise self.fail(_("at most {max_length} characters, got {n}: shorten it",
                              max_length=spec.max_length, n=len(converted)), container, key, path)
        if spec.type == "image":
            converted = self.image(converted, container, key, path)
        return converted

    def image(self, value: str, container: Any, key: Any, path: str) -> Path:
        def fail(message: str) -> ImageError:
            return ImageError(message, file=self.source, line=yamlsrc.line_of(container, key),
                              key=path)

        given = Path(value).expanduser()
        candidates = [given] if given.is_absolute() else [d / given for d in self.rule.search]
        file = next((c for c in candidates if c.is_file()), None)
        if file is None:
            raise fail(_("image file not found: {path} (looked in {folders})",
                         path=value, folders=", ".join(str(d) for d in self.rule.search)
                         if not given.is_absolute() else str(given.parent)))
        # lexical: ``..`` in a data file cannot leave the workspace, while a symlink an
        # administrator placed inside it (a shared photo folder) is followed
        real = Path(os.path.normpath(file.absolute()))
        if self.rule.allowed is not None and not any(real.is_relative_to(root)
                                                     for root in self.rule.allowed):
            raise fail(_("image {path} is outside the workspace: keep photos in the workspace "
                         "(e.g. content/photos/) or add their folder to media_dirs in "
                         "outreach.toml", path=value))
        _check_header(real, fail)
        return file


def _check_header(file: Path, fail) -> None:
    """Read only the image's header: not an image, or too many pixels, is refused."""
    from PIL import Image, UnidentifiedImageError

    from .paint import register_heif

    register_heif()                               # iPhone photos (HEIC) too
    size = None
    try:
        with Image.open(file) as image:
            size = image.size
    except Image.DecompressionBombError:
        pass                                       # Pillow refused it already: too many pixels
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise fail(_("{name} is not a readable image (PNG, JPEG, WebP, GIF or BMP): export "
                     "it again", name=file.name)) from None
    if size is None or size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise fail(_("{name} is too large (more than {limit} million pixels, a decompression "
                     "bomb?): use a smaller photo", name=file.name,
                     limit=MAX_IMAGE_PIXELS // 1_000_000))


def _join(path: str, name: Any) -> str:
    return f"{path}.{name}" if path else str(name)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _convert(kind: str, value: Any) -> Any:
    if kind == "text":
        if isinstance(value, (dict, list)):
            raise TypeError
        return str(value).strip() if not isinstance(value, (date, time)) else value.isoformat()
    if kind == "int":
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise TypeError
        return int(str(value).replace(",", "")) if isinstance(value, str) else int(value)
    if kind == "number":
        if isinstance(value, bool):
            raise TypeError
        return float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise TypeError
    if kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        return date.fromisoformat(str(value).strip())
    if kind == "datetime":
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            raise TypeError
        return datetime.fromisoformat(str(value).strip())
    if kind == "time":
        if isinstance(value, time):
            return value
        if isinstance(value, int) and not isinstance(value, bool):  # YAML 1.1 reads 16:00 as 960
            hours, minutes = divmod(value, 60)
            return time(hours, minutes)
        return time.fromisoformat(str(value).strip())
    if kind == "url":
        text = str(value).strip()
        if not text.startswith(("https://", "http://")) or " " in text:
            raise ValueError
        return text
    if kind == "image":
        if not isinstance(value, str) or not value.strip():
            raise TypeError
        return value.strip()
    raise ValueError(kind)


def check_data(fields: Mapping[str, FieldSpec], raw: Any, *, source: Path | str,
               media: MediaRule, strict: bool = True) -> dict[str, Any]:
    """The data, checked and converted; unknown fields are an error when ``strict``."""
    return _Checker(source, media, strict).mapping(tuple(fields.values()), raw, "", None, None)


def load_data(path: Path) -> Any:
    """Parse a YAML or JSON data file (line numbers kept for errors)."""
    if not path.is_file():
        raise DataError(_("data file not found: check the path"), file=path)
    return yamlsrc.load(path, DataError)  # type: ignore[arg-type]
