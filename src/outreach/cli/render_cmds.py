"""``outreach templates`` and ``outreach render``: list card templates, render one into a folder."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any
from ..i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("templates", help=_("list the card templates, their descriptions and "
                                           "fields"),
                       description=_("List the card templates under templates_dir with the data "
                                     "fields each one needs."))
    p.set_defaults(handler=cmd_templates)

    p = sub.add_parser("render", help=_("render a card template into slide images and channel "
                                        "texts"),
                       description=_("Render template NAME with a data file (default: the "
                                     "template's sample.yaml) into a folder of slides, channel "
                                     "texts and manifest.json."))
    p.add_argument("name", metavar="NAME", help=_("template name (see: outreach templates)"))
    p.add_argument("--data", type=Path, metavar="FILE", help=_("YAML or JSON data file"))
    p.add_argument("--out", type=Path, metavar="DIR",
                   help=_("output folder (default: out/NAME in the workspace); replaced on "
                          "success"))
    p.add_argument("--format", default="png", choices=("png", "jpeg", "jpg"),
                   help=_("slide image format (default: png)"))
    p.add_argument("--max-bytes", metavar="SIZE", type=_size,
                   help=_("largest file per image, e.g. 4MB or 800kB (default: the smallest "
                          "limit among the workspace's enabled channels)"))
    p.set_defaults(handler=cmd_render)


def _size(text: str) -> int:
    match = re.fullmatch(r"\s*([\d.]+)\s*(b|kb|k|mb|m)?\s*", text.lower())
    if not match:
        raise argparse.ArgumentTypeError(_("not a size: {text!r} (try 4MB or 800kB)", text=text))
    factor = {"kb": 1000, "k": 1000, "mb": 1_000_000, "m": 1_000_000}.get(match[2] or "b", 1)
    return int(float(match[1]) * factor)


def cmd_templates(args: argparse.Namespace) -> int:
    from ..render import list_templates
    from . import settings_from

    settings = settings_from(args)
    infos = list_templates(settings.templates_dir)
    if not infos:
        print(_("no templates in {templates_dir}", templates_dir=settings.templates_dir))
        return 0
    for info in infos:
        print(_("{name}  ({width}x{height}; texts: {texts})", name=info.name,
                width=info.canvas[0], height=info.canvas[1],
                texts=', '.join(info.texts) or '-'))
        print(f"  {info.description}")
        for field in info.fields:
            _print_field(field, "    ")
        print()
    return 0


def _print_field(field: Any, indent: str) -> None:
    kind = _("list of {type}", type=field.item_type) if field.type == "list" and field.item_type \
        else field.type
    need = "" if field.required else _(", optional")
    about = f"  {field.description}" if field.description else ""
    print(f"{indent}{field.name} ({kind}{need}){about}")
    for sub in field.items:
        _print_field(sub, indent + "  - " if not indent.endswith("- ") else indent[:-2] + "    ")


def default_budget(settings: Any) -> int | None:
    """The smallest image size limit among the enabled channels (their own setting wins)."""
    from ..channels import channel_class

    budgets = []
    for config in settings.channels.values():
        if not config.enabled:
            continue
        value = config.settings.get("max_image_bytes")
        if value is None:
            try:
                value = channel_class(config.type).limits.max_image_bytes
            except (KeyError, ImportError, AttributeError):
                value = None
        if isinstance(value, int) and value > 0:
            budgets.append(value)
    return min(budgets) if budgets else None


def cmd_render(args: argparse.Namespace) -> int:
    from ..render import render_post
    from . import settings_from

    settings = settings_from(args)
    out = args.out or settings.root / "out" / args.name
    budget = args.max_bytes if args.max_bytes is not None else default_budget(settings)
    post = render_post(settings.templates_dir, args.name, out_dir=out, data_file=args.data,
                       image_format=args.format, image_budget=budget, workspace=settings.root,
                       media_dirs=settings.media_dirs)
    print(_("rendered {template}: {title}", template=post.template, title=post.title))
    print(_("folder: {out_dir}", out_dir=post.out_dir))
    for slide in post.slides:
        print(f"  {slide.path.name}  {slide.width}x{slide.height}  {slide.bytes / 1000:,.0f} kB")
    for name in post.texts:
        from ..render.texts import file_name

        print(_("  {file_name}  {n:,} characters", file_name=file_name(name),
                n=len(post.texts[name])))
    print(f"  {post.manifest_path.name}")
    print_warnings(post.warnings)
    return 0


def print_warnings(warnings: Any) -> None:
    """Every text cut or shrunk to its minimum and every small photo, by slide and field."""
    from ..i18n import _, ngettext
    from ..render.warnings import describe, where

    if not warnings:
        return
    print(ngettext("{n} fit warning (check these slides before publishing):",
                   "{n} fit warnings (check these slides before publishing):", len(warnings)))
    for warning in warnings:
        print(_("  {where}: {what}", where=where(warning), what=describe(warning)))
