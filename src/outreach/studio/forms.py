"""A template's declared fields -> the studio's form, and the submitted form -> data.

The form is generated, never written by hand: each field's type picks a widget
(text or text area, date, time, number, choice, photo with its focal point,
tags, a list of items that can be added, removed and reordered), labelled with
the template's ``label`` and ``help``. Submitted names are flat paths
(``events[2].title``); ``raw_from_form`` turns them back into the data a data
file holds (strings the renderer's checker converts and validates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..render.template import FieldSpec, Template

_PATH = re.compile(r"^([A-Za-z_]\w*)\[(\d+)\]\.([A-Za-z_]\w*)$")


@dataclass(frozen=True)
class Widget:
    """One input of the form (or a repeated group of them for a list of items)."""

    name: str
    kind: str          # text textarea date time datetime int number bool choice url image
    #                    focus tags items
    label: str
    help: str = ""
    required: bool = False
    placeholder: str = ""
    choices: tuple[Any, ...] = ()
    items: tuple["Widget", ...] = ()
    min_items: int = 0
    max_items: int | None = None
    photo: str = ""    # for a focus widget: the image field it belongs to
    focus: str = ""    # for an image widget: its focus field


def widgets(specs: Iterable[FieldSpec]) -> tuple[Widget, ...]:
    specs = list(specs)
    pairs = _focus_pairs(specs)
    out = []
    for spec in specs:
        out.append(_widget(spec, pairs))
    return tuple(out)


def form_for(tpl: Template) -> tuple[Widget, ...]:
    return widgets(tpl.fields.values())


def _focus_pairs(specs: list[FieldSpec]) -> dict[str, str]:
    """focus field -> image field: ``focus`` with the one photo, ``cover_focus`` with
    ``cover_photo`` (the name before ``focus`` is the photo's prefix)."""
    images = [s.name for s in specs if s.type == "image"]
    pairs: dict[str, str] = {}
    for spec in specs:
        if spec.type == "list" and spec.item_type in ("number", "int") and \
                spec.name.endswith("focus"):
            prefix = spec.name[: -len("focus")].rstrip("_")
            match = [n for n in images if n.startswith(prefix)] if prefix else images
            if match:
                pairs[spec.name] = match[0]
    return pairs


def _widget(spec: FieldSpec, pairs: Mapping[str, str]) -> Widget:
    label = spec.label or spec.description or spec.name
    help_text = spec.help or (spec.description if spec.label and spec.description != spec.label
                              else "")
    common = dict(name=spec.name, label=label, help=help_text, required=spec.required,
                  placeholder=spec.placeholder)
    if spec.type == "list" and spec.items:
        return Widget(kind="items", items=widgets(spec.items), min_items=spec.min_items or 0,
                      max_items=spec.max_items, **common)
    if spec.type == "list":
        if spec.name in pairs:
            return Widget(kind="focus", photo=pairs[spec.name], **common)
        return Widget(kind="tags", **common)
    if spec.choices:
        return Widget(kind="choice", choices=spec.choices, **common)
    if spec.type == "text":
        return Widget(kind="textarea" if spec.multiline else "text", **common)
    if spec.type == "image":
        focus = next((f for f, p in pairs.items() if p == spec.name), "")
        return Widget(kind="image", focus=focus, **common)
    return Widget(kind=spec.type, **common)


def form_value(value: Any, kind: str) -> str:
    """A data value as an input's text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, (date, time)):
        return value.isoformat()[:5] if isinstance(value, time) else value.isoformat()
    if isinstance(value, list):
        if kind == "focus":
            return ",".join(f"{float(v):g}" for v in value)
        return ", ".join(str(v) for v in value)
    if isinstance(value, Path):
        return value.as_posix()
    if kind == "time" and isinstance(value, int):       # YAML 1.1 reads 16:00 as 960
        return f"{value // 60:02d}:{value % 60:02d}"
    return str(value)


def raw_from_form(tpl: Template, form: Mapping[str, Any]) -> dict[str, Any]:
    """The data a submitted form describes (empty list items dropped, order as submitted)."""
    raw: dict[str, Any] = {}
    lists: dict[str, dict[int, dict[str, Any]]] = {}
    order: dict[str, list[int]] = {}
    kinds = {w.name: w for w in form_for(tpl)}
    for key, value in form.items():
        if not isinstance(value, str):
            continue
        match = _PATH.match(key)
        if match:
            name, index, sub = match[1], int(match[2]), match[3]
            widget = kinds.get(name)
            if widget is None or widget.kind != "items":
                continue
            item_kinds = {w.name: w.kind for w in widget.items}
            if sub not in item_kinds:
                continue
            if index not in lists.setdefault(name, {}):
                order.setdefault(name, []).append(index)
            lists[name].setdefault(index, {})[sub] = _value(value, item_kinds[sub])
        elif key in kinds and kinds[key].kind != "items":
            raw[key] = _value(value, kinds[key].kind)
    for name, widget in kinds.items():
        if widget.kind == "items":
            items = [lists.get(name, {})[i] for i in order.get(name, [])]
            raw[name] = [{k: v for k, v in item.items() if v not in (None, "", [])}
                         for item in items if any(v not in (None, "", []) for v in item.values())]
        elif widget.kind == "bool" and name not in raw:
            raw[name] = False
    return raw


def _value(text: str, kind: str) -> Any:
    text = text.replace("\r\n", "\n").strip() if kind == "textarea" else text.strip()
    if kind == "tags":
        parts = re.split(r"[,\s]+", text)
        return [p.lstrip("#") for p in parts if p.lstrip("#")]
    if kind == "focus":
        try:
            return [round(float(p), 3) for p in text.split(",") if p.strip()]
        except ValueError:
            return []
    if kind == "bool":
        return text in ("on", "true", "1", "yes")
    if kind == "datetime" and "T" in text:
        return text.replace("T", " ")
    return text or None
