"""Card news: a template staff can edit + data -> slide images, alt texts and channel texts.

This module stays light (no Pillow at import) so the CLI starts fast; the
work happens in ``post`` (pipeline), ``template`` (load + check), ``data``,
``slides``/``paint``/``textbox`` (Pillow), ``linebreak`` (Korean line breaking),
``fonts``, ``texts`` (per-channel Jinja2) and ``output`` (atomic folder).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..model import RenderedPost

__all__ = ["FieldInfo", "TemplateInfo", "list_templates", "load_rendered", "render_post"]


@dataclass(frozen=True)
class FieldInfo:
    name: str
    type: str
    required: bool
    description: str
    items: tuple["FieldInfo", ...] = ()     # the fields of each item of a list of objects
    item_type: str | None = None            # the type of each item of a list of plain values


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    description: str
    fields: tuple[FieldInfo, ...]
    texts: tuple[str, ...]
    canvas: tuple[int, int]
    path: Path


def render_post(templates_dir: Path, name: str, *, out_dir: Path,
                data: Mapping[str, Any] | None = None, data_file: Path | None = None,
                image_format: str = "png", image_budget: int | None = None,
                context: Mapping[str, Any] | None = None, workspace: Path | None = None,
                media_dirs: tuple[Path, ...] = ()) -> RenderedPost:
    """Render template ``name`` into ``out_dir`` (replaced atomically, only on success).

    ``data`` (e.g. a feed item) wins over ``data_file`` (YAML/JSON); with
    neither, the template's sample.yaml is used. ``context`` adds variables
    that are not data fields (``now``, ``date``). ``image_budget`` is the most
    bytes one image may take: JPEG quality drops to fit, PNG over it is an error.
    ``workspace`` and ``media_dirs`` are where image paths may point (the rule is
    ``render.data.media_rule``). Raises TemplateError (and its children) with
    file, line and what to do.
    """
    from .post import render_post as _render

    return _render(templates_dir, name, out_dir=out_dir, data=data, data_file=data_file,
                   image_format=image_format, image_budget=image_budget, context=context,
                   workspace=workspace, media_dirs=media_dirs)


def load_rendered(out_dir: Path) -> RenderedPost:
    """The RenderedPost of a folder ``render_post`` wrote (texts re-read from their files)."""
    from .output import load_rendered as _load

    return _load(out_dir)


def list_templates(templates_dir: Path) -> list[TemplateInfo]:
    """Every template under ``templates_dir``, checked (a broken one raises TemplateError)."""
    from .template import load_template, template_names

    infos = []
    for name in template_names(Path(templates_dir)):
        tpl = load_template(Path(templates_dir), name)
        infos.append(TemplateInfo(name=name, description=tpl.description,
                                  fields=tuple(_info(f) for f in tpl.fields.values()),
                                  texts=tuple(tpl.texts), canvas=tpl.canvas, path=tpl.folder))
    return infos


def _info(spec: Any) -> FieldInfo:
    return FieldInfo(name=spec.name, type=spec.type, required=spec.required,
                     description=spec.description,
                     items=tuple(_info(s) for s in spec.items or ()), item_type=spec.item_type)
