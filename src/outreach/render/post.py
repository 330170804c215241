"""The render pipeline: template + data -> slides, channel texts, manifest (pure: no network, no DB)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Mapping

from ..errors import DataError, TemplateError
from ..model import RenderedPost
from . import markup, memory
from .data import check_data, load_data, media_rule
from .fonts import FontBook
from .jinja import Evaluator, expression_env
from .output import (FORMATS, encode_hashed, encode_into, slide_file, stage, write_post,
                     write_texts)
from .slides import SlidePainter
from .template import SlideSpec, Template, load_template
from .texts import render_texts
from ..i18n import _

# threads beside the one that paints: photos decoded and scaled (Pillow releases the GIL
# there), and slides encoded (zlib / libjpeg into a file, outside the GIL); two each, for
# the 2 cores of the machines this runs on (a PNG slide takes longer to encode than to paint)
PHOTO_THREADS = 2
ENCODE_THREADS = 2


def normalize_format(image_format: str) -> str:
    fmt = image_format.strip().lower()
    fmt = "jpeg" if fmt == "jpg" else fmt
    if fmt not in FORMATS:
        raise TemplateError(_("unknown image format {image_format!r}: use png or jpeg",
                              image_format=image_format))
    return fmt


def post_data(tpl: Template, data: Mapping[str, Any] | None, data_file: Path | None, *,
              workspace: Path | None = None, media_dirs: tuple[Path, ...] = ()
              ) -> dict[str, Any]:
    """The checked data: given directly, from a file, or the template's sample. Image
    paths follow ``data.media_rule`` (the one rule for relative paths)."""
    if data is not None:
        rule = media_rule(None, workspace, media_dirs, tpl.folder.parent)
        return check_data(tpl.fields, data, source="data", media=rule, strict=False)
    if data_file is None:
        data_file = tpl.sample
        if not data_file.is_file():
            raise DataError(_("template {name} has no sample.yaml: pass --data FILE",
                              name=tpl.name),
                            file=tpl.folder)
    data_file = Path(data_file).absolute()    # not resolved: symlinked folders stay inside
    rule = media_rule(data_file, workspace, media_dirs, tpl.folder.parent)
    return check_data(tpl.fields, load_data(data_file), source=data_file, media=rule)


def expand(tpl: Template, ev: Evaluator, ctx: Mapping[str, Any]
           ) -> Iterator[tuple[SlideSpec, dict[str, Any]]]:
    """Each slide once, or once per item of its ``repeat`` list, with ``item`` and ``loop``."""
    for i, spec in enumerate(tpl.slides):
        where = f"slides[{i}] ({spec.name})"
        if spec.repeat is None:
            variants: list[dict[str, Any]] = [{}]
        else:
            items = ev.value("{{ " + spec.repeat + " }}", ctx, line=spec.line, key=f"{where}.repeat")
            if not isinstance(items, (list, tuple)):
                raise TemplateError(_("repeat: {repeat} is not a list field", repeat=spec.repeat), file=tpl.file,
                                    line=spec.line, key=where)
            n = len(items)
            variants = [{spec.item_name: item,
                         "loop": {"index": k + 1, "index0": k, "length": n, "first": k == 0,
                                  "last": k == n - 1}}
                        for k, item in enumerate(items)]
        for extra in variants:
            slide_ctx = {**ctx, **extra}
            if spec.when is not None and not ev.value(spec.when, slide_ctx, line=spec.line,
                                                      key=f"{where}.when"):
                continue
            yield spec, slide_ctx


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    out: list[str] = []
    for item in value:
        if isinstance(item, (list, tuple)):
            out.extend(str(v).strip() for v in item if str(v).strip())
        elif item is not None and str(item).strip():
            out.append(str(item).strip())
    return tuple(dict.fromkeys(out))


def plain_values(value: Any) -> Any:
    """Data with the slides' emphasis markup removed (for alt texts and channel texts)."""
    if isinstance(value, str):
        return markup.plain(markup.normalize(value))
    if isinstance(value, Mapping):
        return {k: plain_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_values(v) for v in value]
    return value


def base_context(tpl: Template, values: Mapping[str, Any],
                 context: Mapping[str, Any] | None) -> dict[str, Any]:
    now = datetime.now().astimezone()
    return {"now": now, "today": now.date(), **(context or {}), **values,
            "data": values, "template": tpl.name}


def alt_text(ev: Evaluator, spec: SlideSpec, slide_ctx: Mapping[str, Any], n: int,
             tpl: Template) -> str:
    alt = " ".join(markup.plain(markup.normalize(str(ev.value(
        spec.alt, slide_ctx, line=spec.line, key=f"slide {n} ({spec.name}).alt")))).split())
    if not alt:
        raise TemplateError(_("slide {n} ({name}) has an empty alt text: describe the "
                              "slide for screen readers", n=n, name=spec.name),
                            file=tpl.file, line=spec.line)
    return alt


def post_texts(tpl: Template, ev: Evaluator, ctx: Mapping[str, Any], alts: list[dict[str, Any]],
               pages: int, check: bool = True
               ) -> tuple[str, tuple[str, ...], tuple[str, ...], dict[str, str]]:
    """Title, tags, links and the channel texts (markup removed from the data they show)."""
    plain_ctx = {**ctx, **plain_values({k: ctx[k] for k in tpl.fields if k in ctx})}
    plain_ctx["data"] = {k: plain_ctx[k] for k in tpl.fields if k in plain_ctx}
    doc = tpl.doc
    title = " ".join(str(ev.value(doc.get("title", tpl.description), plain_ctx,
                                  line=doc.line_of("title"), key="title")).split())
    tags = tuple(t.lstrip("#") for t in _strings(ev.deep(doc.get("tags"), plain_ctx,
                                                         line=doc.line_of("tags"), key="tags")))
    links = _strings(ev.deep(doc.get("links"), plain_ctx, line=doc.line_of("links"), key="links"))
    text_ctx = {**plain_ctx, "post": {"title": title, "tags": list(tags), "links": list(links),
                                      "slides": alts, "pages": pages}}
    texts = render_texts(tpl.folder, tpl.texts, text_ctx, tpl.text_limits, check)
    return title, tags, links, texts


def render_post(templates_dir: Path, name: str, *, out_dir: Path,
                data: Mapping[str, Any] | None = None, data_file: Path | None = None,
                image_format: str = "png", image_budget: int | None = None,
                context: Mapping[str, Any] | None = None, workspace: Path | None = None,
                media_dirs: tuple[Path, ...] = ()) -> RenderedPost:
    fmt = normalize_format(image_format)
    memory.tune()                  # image-sized buffers reused, not faulted in anew
    tpl = load_template(Path(templates_dir), name)
    values = post_data(tpl, data, data_file, workspace=workspace, media_dirs=media_dirs)
    ctx = base_context(tpl, values, context)
    ev = Evaluator(expression_env(), tpl.file)
    painter = SlidePainter(tpl, ev, FontBook(tpl.fonts_dir))
    instances = list(expand(tpl, ev, ctx))
    if not instances:
        raise DataError(_("template {name} produced no slides from this data: check the lists "
                          "its slides repeat over", name=tpl.name))
    alts = []
    plans = []
    for n, (spec, slide_ctx) in enumerate(instances, start=1):
        slide_ctx.update(page=n, pages=len(instances))
        plans.append((spec, slide_ctx, n, _layers(painter, spec, slide_ctx, n)))
    # photos are decoded and scaled in threads while the slides are painted; encoding
    # slide n (and writing its file into the staging folder) overlaps painting slide
    # n+1, and the last encodings overlap rendering the channel texts (whose files an
    # encoding thread writes too)
    staged = stage(Path(out_dir))
    try:
        photos = ThreadPoolExecutor(max_workers=PHOTO_THREADS, thread_name_prefix="photo")
        try:
            painter.prefetch(plans, photos)
            with ThreadPoolExecutor(max_workers=ENCODE_THREADS,
                                    thread_name_prefix="encode") as pool:
                slides = _paint_all(painter, ev, tpl, plans, pool, fmt, image_budget, alts,
                                    staged)
                title, tags, links, texts = post_texts(tpl, ev, ctx, alts, len(instances))
                written = (pool.submit(write_texts, staged.tmp, texts) if staged is not None
                           else None)
                done = [(job.result(), size, alt) for job, size, alt in slides]
                if written is not None:
                    written.result()
                slides = [(blob, size[0], size[1], fmt, alt) for (blob, _), size, alt in done]
                digests = [digest for (_, digest), _, _ in done]
        finally:
            photos.shutdown(wait=True, cancel_futures=True)
        return write_post(Path(out_dir), template=tpl.name, title=title, slides=slides,
                          texts=texts, tags=tags, links=links, data=values,
                          warnings=painter.warnings, digests=digests, staged=staged)
    except BaseException:
        if staged is not None:
            staged.discard()      # a failed render leaves no half post (and the old one)
        raise


def _layers(painter: SlidePainter, spec: SlideSpec, ctx: Mapping[str, Any], n: int
            ) -> list | None:
    """A slide's evaluated layers, or None when they fail: painting then evaluates them
    again and raises the error in slide order, after any error of an earlier slide."""
    try:
        return painter.layers(spec, ctx, n)
    except TemplateError:
        return None


def _paint_all(painter: SlidePainter, ev: Evaluator, tpl: Template, plans: list, pool: Any,
               fmt: str, image_budget: int | None, alts: list[dict[str, Any]],
               staged: Any = None) -> list:
    """Paint each slide and hand it to ``pool`` to encode and hash: (future (bytes,
    sha256), size, alt) each; with ``staged`` (``output.stage``) the encoding thread
    also writes the slide's file there, and the future gives (size in bytes, sha256)."""
    jobs = []
    for spec, slide_ctx, n, layers in plans:
        image = painter.paint(spec, slide_ctx, n, layers)
        alt = alt_text(ev, spec, slide_ctx, n, tpl)
        label = f"slide {n} ({spec.name})"
        job = (pool.submit(encode_hashed, image, fmt, image_budget, label) if staged is None
               else pool.submit(encode_into, image, fmt, image_budget, label,
                                staged.tmp / slide_file(n, fmt)))
        jobs.append((job, image.size, alt))
        alts.append({"index": n, "alt": alt, "name": spec.name})
        del image
    return jobs
