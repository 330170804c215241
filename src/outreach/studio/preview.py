"""The studio's live preview: re-render only the slides whose inputs changed.

Each slide of a post gets a key: a digest of the template's files and of what
the slide draws (every layer's evaluated values and its alt text; evaluating
costs a fraction of painting). Editing one event's title changes that slide's
key only. The page
sends the keys of the slides it shows; a slide whose key is unchanged is not
painted again. Changed slides are painted with the same painter as a real
render (same caches, same pixels) and sent back as JPEG. Fit warnings are kept
per key, so the list stays complete when only one slide is re-painted.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from ..errors import TemplateError
from ..render.data import MediaRule, check_data
from ..render import memory
from ..render.fonts import FontBook
from ..render.jinja import Evaluator, expression_env
from ..render.output import jsonable
from ..render.post import alt_text, base_context, expand, post_texts
from ..render.slides import SlidePainter
from ..render.template import Template
from ..render.texts import hashtags_in, limits_for

# The preview is a picture on screen, not the post: half size, JPEG quality 80 with 4:2:0
# chroma (the saved render keeps its full size and quality). About half the bytes of
# quality 88 at 4:4:4, so less to encode, send, base64-parse and decode on every key.
PREVIEW_QUALITY = 80
PREVIEW_WIDTH = 720      # wider slides are sent at half size


@dataclass
class SlideView:
    index: int
    key: str
    name: str
    alt: str
    image: bytes | None = None          # JPEG, only for slides that changed


@dataclass
class PreviewResult:
    slides: list[SlideView]
    warnings: list[dict[str, Any]]
    texts: dict[str, dict[str, Any]]
    error: str | None = None
    error_field: str | None = None
    painted: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"slides": [{"index": s.index, "key": s.key, "name": s.name, "alt": s.alt,
                            "image": ("data:image/jpeg;base64," + base64.b64encode(s.image)
                                      .decode("ascii")) if s.image is not None else None}
                           for s in self.slides],
                "warnings": self.warnings, "texts": self.texts, "error": self.error,
                "error_field": self.error_field, "painted": self.painted}


@lru_cache(maxsize=512)
def _names(source: str) -> frozenset[str]:
    """The variables a template string reads (``{{ item.title }}`` -> item)."""
    from jinja2 import meta

    try:
        return frozenset(meta.find_undeclared_variables(expression_env().parse(source)))
    except Exception:  # noqa: BLE001 - a broken string fails properly when painted
        return frozenset({"*"})


def _sources(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if ("{{" in value or "{%" in value) else []
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _sources(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _sources(v)]
    return []


def input_key(stamp: str, spec: Any, ctx: Mapping[str, Any]) -> str | None:
    """A digest of the data a slide reads (the variables its strings name): equal input
    keys need no evaluation at all. None when a string cannot be analysed."""
    names: set[str] = {"page", "pages"}
    for source in _sources(spec.layers) + _sources(spec.alt) + _sources(spec.when):
        names |= _names(source)
    if "*" in names or "now" in names or "today" in names:
        return None
    if spec.repeat:
        names |= {spec.item_name, "loop"}
    picked = {n: ctx.get(n) for n in sorted(names)}
    blob = json.dumps(jsonable(picked), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(f"{stamp}|{spec.name}|{blob}".encode(), digest_size=12).hexdigest()


class _Warnings:
    """Warnings per slide key (bounded): unchanged slides keep theirs between previews."""

    def __init__(self, size: int = 2048) -> None:
        self._items: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def get(self, key: str) -> list[dict[str, Any]] | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: str, value: list[dict[str, Any]]) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)


WARNINGS = _Warnings()
DRAWN = _Warnings()      # input key -> [drawn key, alt]: a slide whose data did not change


def slide_key(stamp: str, layers: list[tuple[Any, dict[str, Any], str, str]], alt: str) -> str:
    """A digest of what the slide draws: every layer's evaluated values (photos by path,
    size and time) and its alt text; equal keys paint equal pixels."""
    stats: dict[Path, Any] = {}

    def plain(value: Any) -> Any:
        if isinstance(value, Path):
            if value not in stats:
                try:
                    st = value.stat()
                    stats[value] = [str(value), st.st_size, st.st_mtime_ns]
                except OSError:
                    stats[value] = str(value)
            return stats[value]
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    drawn = [[raw.get("type"), name, plain(values)] for raw, values, _, name in layers]
    blob = json.dumps(jsonable(drawn), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(f"{stamp}|{alt}|{blob}".encode(), digest_size=12).hexdigest()


def _stamp(tpl: Template) -> str:
    """Changes when the template or its images change (edited while the page is open)."""
    parts = [tpl.file.stat().st_mtime_ns]
    images = tpl.folder / "images"
    if images.is_dir():
        parts += [p.stat().st_mtime_ns for p in sorted(images.iterdir())]
    return ",".join(map(str, parts))


def preview(tpl: Template, raw: Mapping[str, Any], media: MediaRule,
            known: Mapping[int, str] | None = None, *, context: Mapping[str, Any] | None = None,
            source: Path | str = "form") -> PreviewResult:
    """Slides (painted only where their key is not in ``known``), warnings and channel texts.

    Bad data is not an exception here: the result carries the error and its field,
    so the page can point at the input while the slides already shown stay.
    """
    known = known or {}
    memory.tune()
    try:
        values = check_data(tpl.fields, raw, source=source, media=media, strict=False)
    except TemplateError as exc:
        return PreviewResult([], [], {}, error=str(exc), error_field=exc.key)
    ctx = base_context(tpl, values, context)
    ev = Evaluator(expression_env(), tpl.file)
    painter = SlidePainter(tpl, ev, FontBook(tpl.fonts_dir))
    stamp = _stamp(tpl)
    slides: list[SlideView] = []
    warnings: list[dict[str, Any]] = []
    alts: list[dict[str, Any]] = []
    painted = 0
    try:
        instances = list(expand(tpl, ev, ctx))
        for n, (spec, slide_ctx) in enumerate(instances, start=1):
            slide_ctx.update(page=n, pages=len(instances))
            quick = input_key(stamp, spec, slide_ctx)
            seen = DRAWN.get(quick) if quick else None
            layers = None
            if seen is not None and known.get(n) == seen[0] and WARNINGS.get(seen[0]) is not None:
                key, alt = seen                    # same data in, same slide out: no work
            else:
                layers = painter.layers(spec, slide_ctx, n)
                alt = alt_text(ev, spec, slide_ctx, n, tpl)
                key = slide_key(stamp, layers, alt)
                if quick:
                    DRAWN.put(quick, [key, alt])
            alts.append({"index": n, "alt": alt, "name": spec.name})
            view = SlideView(n, key, spec.name, alt)
            cached = WARNINGS.get(key)
            if known.get(n) != key or cached is None:
                before = len(painter.warnings)
                image = painter.paint(spec, slide_ctx, n, layers)  # None: evaluated there
                view.image = _jpeg(image)
                WARNINGS.put(key, painter.warnings[before:])
                cached = painter.warnings[before:]
                painted += 1
            warnings.extend(cached)
            slides.append(view)
        texts = _texts(tpl, ev, ctx, alts, len(instances))
    except TemplateError as exc:
        return PreviewResult(slides, warnings, {}, error=str(exc), error_field=exc.key,
                             painted=painted)
    return PreviewResult(slides, jsonable(warnings), texts, painted=painted)


def _jpeg(image: Any) -> bytes:
    """The preview image: half size for a full-size card (the page shows slides at a
    few hundred pixels; a quarter of the pixels to encode, send and decode)."""
    import io

    if image.width > PREVIEW_WIDTH:
        image = image.reduce(2)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=PREVIEW_QUALITY, subsampling="4:2:0")
    return buf.getvalue()


def _texts(tpl: Template, ev: Evaluator, ctx: Mapping[str, Any], alts: list[dict[str, Any]],
           pages: int) -> dict[str, dict[str, Any]]:
    """Each channel's text with its length and limits (an over-limit text is shown, marked)."""
    from ..errors import TextLimitExceeded
    from ..render.texts import check_limits

    _, _, _, rendered = post_texts(tpl, ev, ctx, alts, pages, check=False)
    out = {}
    for name, text in rendered.items():
        limits = limits_for(name, tpl.text_limits)
        try:
            check_limits(name, text, limits, tpl.texts[name])
            error = None
        except TextLimitExceeded as exc:
            error = exc.message
        out[name] = {"text": text, "chars": len(text), "max_chars": limits.get("max_chars"),
                     "hashtags": len(hashtags_in(text)),
                     "max_hashtags": limits.get("max_hashtags"), "error": error}
    return out
