"""One slide of a template + its variables -> a finished Pillow image.

Each layer's values are evaluated (Jinja2 sandbox), type-checked with the
template line at hand, then drawn in order. Every error names the template
file and line, the slide (number and name) and the layer.
"""

from __future__ import annotations

import re
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from PIL import Image, ImageDraw, UnidentifiedImageError

from ..errors import FontError, ImageError, TemplateError, TextOverflow
from . import markup, paint, textbox, working
from .fonts import (COLOR_EMOJI_FAMILY, FontBook, fallback_faces, fallback_font, missing_glyphs,
                    parse_weight)
from .jinja import Evaluator
from .template import SlideSpec, Template, check_box
from ..i18n import _

# the first variable a layer value refers to: {{ item.photo }}, {{ headline }}
_REF = re.compile(r"\{\{-?\s*([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?")

_ALIGN = ("left", "center", "right")
_VALIGN = ("top", "middle", "bottom")
_CHECK_SIZE = 24          # px at which a font's glyph coverage is checked (see _fallback)
_PAGE_DEFAULTS = {"text": "{{ page }} / {{ pages }}", "size": 28, "weight": "Bold",
                  "align": "right", "valign": "middle", "line_height": 1.3, "padding": [18, 0]}


@dataclass
class Props:
    """A layer's evaluated values, with typed getters that fail at the right line."""

    values: dict[str, Any]
    raw: Any
    tpl: Template
    where: str
    name: str = ""
    data_path: Callable[[Any], str | None] = field(default=lambda raw: None)

    def field(self, key: str) -> str | None:
        """The data field behind ``key`` (``events[2].photo``), when its value comes from one."""
        return self.data_path(self.raw.get(key)) if hasattr(self.raw, "get") else None

    def fail(self, key: str | None, message: str, cls: type[TemplateError] = TemplateError
             ) -> TemplateError:
        line = self.raw.line_of(key) if key and hasattr(self.raw, "line_of") else \
            getattr(self.raw, "line", None)
        where = f"{self.where}.{key}" if key else self.where
        data = self.field(key) if key in ("text", "src", "image", "data") else None
        return cls(message, file=self.tpl.file, line=line,
                   key=f"{where}, field {data}" if data else where)

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key, default)
        return default if value is None else value

    def number(self, key: str, default: float | None = None, low: float | None = None,
               high: float | None = None) -> float:
        value = self.get(key, default)
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(str(value).rstrip("%")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise self.fail(key, _("expected a number, got {value!r}", value=value)) from None
        if (low is not None and number < low) or (high is not None and number > high):
            raise self.fail(key, _("must be between {low:g} and {high:g}, got {number:g}",
                                   low=low, high=high, number=number))
        return number

    def color(self, key: str, default: str | None = None) -> paint.RGBA:
        value = self.get(key, default)
        try:
            return paint.parse_color(value, self.tpl.colors)
        except ValueError:
            raise self.fail(key, _("unknown colour {value!r}: use #RRGGBB, #RRGGBBAA or one of "
                                   "the colours: {colors}", value=value,
                                   colors=', '.join(self.tpl.colors) or 'none defined')
                            ) from None

    def choice(self, key: str, options: tuple[str, ...], default: str) -> str:
        value = str(self.get(key, default)).strip().lower()
        if value not in options:
            raise self.fail(key, _("must be one of {options}, got {value!r}",
                                   options=', '.join(options), value=value))
        return value

    def box(self) -> tuple[int, int, int, int]:
        line = self.raw.line_of("box") if hasattr(self.raw, "line_of") else None
        return check_box(self.values.get("box"), self.tpl.canvas, self.tpl.file, line,
                         f"{self.where}.box")

    def focus(self) -> tuple[float, float]:
        value = self.get("focus", [0.5, 0.5])
        try:
            fx, fy = (float(v) for v in value)
            if not (0 <= fx <= 1 and 0 <= fy <= 1):
                raise ValueError
        except (TypeError, ValueError):
            raise self.fail("focus", _("focus is [x, y] between 0 and 1, e.g. [0.5, 0.3] keeps "
                                       "the upper middle in view")) from None
        return fx, fy


class SlidePainter:
    """Draws slides of one template; decoded photos are kept for the slides of one render,
    finished (fitted) photos in ``paint.PHOTOS`` across renders."""

    def __init__(self, tpl: Template, evaluator: Evaluator, fonts: FontBook) -> None:
        self.tpl = tpl
        self.ev = evaluator
        self.fonts = fonts
        self._files: dict[Path, tuple[bytes, str]] = {}                    # bytes, digest
        self._photos: dict[tuple[str, tuple[int, int]], Image.Image] = {}  # decoded
        self.warnings: list[dict[str, Any]] = []     # fit and photo warnings, in slide order
        self._slide: tuple[SlideSpec, Mapping[str, Any], int] | None = None
        self._pending: dict[Path, Future] = {}       # photo file -> its prefetch job
        self._ready: dict[tuple, Future] = {}        # (file, box...) -> done in its job
        self._copies: dict[str, working.WorkingCopy | None] = {}   # digest -> working copy

    def prefetch(self, slides: list[tuple[SlideSpec, Mapping[str, Any], int, list | None]],
                 pool: Executor) -> None:
        """Decode, scale and shade in ``pool`` every photo these slides will draw, one job
        per file, while the caller paints (Pillow releases the GIL in decoding, resampling
        and compositing, so a second core does the photos while the first sets text).

        Each file's boxes are prepared in slide order, exactly as painting would ask for
        them, so the pixels are the same as without prefetching. Painting waits for the box
        it draws, not for the file's later boxes (the cover photo's event slide is scaled
        while the cover is painted). Anything wrong (a missing file, a bad value) is left
        for painting, which raises it at its layer.
        """
        jobs: dict[Path, list[tuple]] = {}
        for spec, ctx, number, layers in slides:
            self._slide = (spec, ctx, number)
            for raw, values, where, name in layers or ():
                p = Props(dict(values), raw, self.tpl, where, name, self._data_path)
                try:
                    want = self._wanted(p, raw["type"])
                    if want is not None:
                        jobs.setdefault(self._path(p, want[0]), []).append((p, *want))
                except TemplateError:
                    continue
        self._slide = None
        for path, wants in jobs.items():
            ready = []
            for p, key, size, fit, focus, blur, _shade in wants:
                ready.append(self._ready.setdefault((path, size, fit, focus, blur), Future()))
            self._pending[path] = pool.submit(self._prepare, wants, ready)

    def _wanted(self, p: Props, kind: str) -> tuple | None:
        """(key, size, fit, focus, blur, shade or None) of the photo a layer draws, as its
        painting method below asks ``_fitted`` and ``_shaded`` for it."""
        if kind == "background" and p.get("image") is not None:
            return ("image", self.tpl.canvas, "cover", p.focus(), p.number("blur", 0, 0, 50),
                    self._shade_ops(p))
        if kind == "image":
            _, _, w, h = p.box()
            fit = p.choice("fit", ("cover", "contain"), "cover")
            plain = (p.choice("shape", ("rect", "circle"), "rect") == "rect"
                     and not int(p.number("radius", 0, 0, 2000))
                     and p.number("opacity", 1, 0, 1) >= 1)
            return ("src", (w, h), fit, p.focus() if fit == "cover" else (0.5, 0.5), 0.0,
                    self._shade_ops(p) if plain else None)
        if kind == "logo":
            if p.get("src") is None:
                p.values["src"] = "images/logo.png"
            _, _, w, h = p.box()
            return ("src", (w, h), "contain", (0.5, 0.5), 0.0, None)
        return None

    def _prepare(self, wants: list[tuple], ready: list[Future]) -> None:
        """A prefetch job: one file's boxes, in slide order (runs in a worker thread); each
        box's ``ready`` is set once it is scaled and shaded."""
        try:
            for (p, key, size, fit, focus, blur, shade), done in zip(wants, ready):
                photo_key, photo = self._fitted(p, key, size, fit, focus, blur, wait=False)
                if shade is not None and photo.mode == "RGB":
                    self._shaded(photo_key, photo, shade)
                if not done.done():
                    done.set_result(None)
        except Exception:  # noqa: BLE001 - painting raises it again, at its layer
            return
        finally:
            for done in ready:               # after a failure: painting goes on and raises it
                if not done.done():
                    done.set_result(None)

    def layers(self, spec: SlideSpec, ctx: Mapping[str, Any], number: int
               ) -> list[tuple[Any, dict[str, Any], str, str]]:
        """(raw layer, evaluated values, where, name) of each layer the slide draws.

        Evaluating is cheap next to painting: the studio compares these values to
        decide whether a slide changed at all.
        """
        out = []
        for j, raw in enumerate(spec.layers):
            name = raw.get("name") or f"{raw['type']} #{j + 1}"
            where = f"slide {number} ({spec.name}), layer {name}"
            if "when" in raw and not self.ev.value(raw["when"], ctx, line=raw.line_of("when"),
                                                   key=f"{where}.when"):
                continue
            values = {k: self.ev.deep(v, ctx, line=raw.line_of(k), key=f"{where}.{k}")
                      for k, v in raw.items() if k != "when"}
            if raw["type"] == "page" and values.get("text") is None:
                values["text"] = self.ev.value(_PAGE_DEFAULTS["text"], ctx)
            out.append((raw, values, where, str(name)))
        return out

    def paint(self, spec: SlideSpec, ctx: Mapping[str, Any], number: int,
              layers: list[tuple[Any, dict[str, Any], str, str]] | None = None) -> Image.Image:
        self._slide = (spec, ctx, number)
        canvas: Image.Image | None = None
        for raw, values, where, name in (layers if layers is not None
                                         else self.layers(spec, ctx, number)):
            props = Props(dict(values), raw, self.tpl, where, name, self._data_path)
            if canvas is None:
                # a slide whose first layer is an opaque background starts as that
                # background instead of white painted over (one full-canvas fill less)
                canvas = self._opaque_start(props) if raw["type"] == "background" else None
                if canvas is not None:
                    draw = ImageDraw.Draw(canvas, "RGBA")
                    continue
                canvas = Image.new("RGB", self.tpl.canvas, "white")
                draw = ImageDraw.Draw(canvas, "RGBA")
            getattr(self, f"_{raw['type']}")(canvas, draw, props)
        return canvas if canvas is not None else Image.new("RGB", self.tpl.canvas, "white")

    def _data_path(self, raw: Any) -> str | None:
        """``{{ item.photo }}`` on the third event's slide -> ``events[2].photo``."""
        if not isinstance(raw, str) or self._slide is None:
            return None
        match = _REF.search(raw)
        if match is None:
            return None
        spec, ctx, _ = self._slide
        name, attr = match.groups()
        if spec.repeat and name == spec.item_name and attr:
            loop = ctx.get("loop") or {}
            return f"{spec.repeat}[{loop.get('index0', 0)}].{attr}"
        if name in self.tpl.fields:
            return name
        return None

    def _warn(self, p: Props, key: str, kind: str, **extra: Any) -> None:
        """Record a fit or photo warning for the slide being painted, named by its field."""
        assert self._slide is not None
        spec, _, number = self._slide
        path = p.field(key)
        fspec = self.tpl.field_spec(path) if path else None
        self.warnings.append({"slide": number, "slide_name": spec.name, "layer": p.name,
                              "field": path, "label": fspec.title if fspec else p.name,
                              "kind": kind, **extra})

    # --- layers ---------------------------------------------------------------------------

    def _background(self, canvas: Image.Image, draw: ImageDraw.ImageDraw, p: Props) -> None:
        color = p.color("color") if p.get("color") is not None else None
        gradient = self._gradient_spec(p, "gradient") if p.get("gradient") is not None else None
        photo = None
        if p.get("image") is not None:
            photo_key, photo = self._fitted(p, "image", canvas.size, "cover", p.focus(),
                                            p.number("blur", 0, 0, 50))
            self._check_small(p, "image", photo_key[0], canvas.size)
        shade = self._shade_ops(p)
        if photo is not None and photo.mode == "RGB":
            # an opaque photo covers the colour and gradient under it: the slide starts
            # as the shaded photo (the same pixels as painting each step in turn)
            paint.paste_image(canvas, self._shaded(photo_key, photo, shade), (0, 0))
            return
        if color is not None:
            paint.fill(canvas, color)
        if gradient is not None:
            paint.gradient(canvas, *gradient, None, None)
        if photo is not None:
            paint.paste_image(canvas, photo, (0, 0))
        _apply_shade(canvas, shade, (0, 0, *canvas.size), None)

    def _opaque_start(self, p: Props) -> Image.Image | None:
        """The first layer, a background, painted as a new canvas when it covers it: an
        opaque photo (a copy of the shaded photo) or an opaque colour (a canvas of that
        colour, then its gradient and shade as ``_background`` paints them); None when
        the white under it could show. The same pixels as white painted over (tested)."""
        color = p.color("color") if p.get("color") is not None else None   # checked in
        gradient = self._gradient_spec(p, "gradient") if p.get("gradient") is not None \
            else None                                                    # _background's order
        if p.get("image") is not None:
            photo_key, photo = self._fitted(p, "image", self.tpl.canvas, "cover", p.focus(),
                                            p.number("blur", 0, 0, 50))
            if photo.mode != "RGB":
                return None
            self._check_small(p, "image", photo_key[0], self.tpl.canvas)
            return self._shaded(photo_key, photo, self._shade_ops(p)).copy()
        if color is None or color[3] != 255:
            return None
        canvas = Image.new("RGB", self.tpl.canvas, color[:3])
        if gradient is not None:
            paint.gradient(canvas, *gradient, None, None)
        _apply_shade(canvas, self._shade_ops(p), (0, 0, *canvas.size), None)
        return canvas

    def _shade_ops(self, p: Props) -> tuple[tuple, ...]:
        """``darken: 0.4`` (black at 40 %) and ``overlay`` (a colour or a gradient), as steps
        for ``_apply_shade``: ("fill", rgba) or ("gradient", from, to, angle)."""
        ops: list[tuple] = []
        if p.get("darken"):
            ops.append(("fill", (0, 0, 0, int(255 * p.number("darken", 0, 0, 1)))))
        overlay = p.get("overlay")
        if isinstance(overlay, dict):
            ops.append(("gradient", *self._gradient_spec(p, "overlay")))
        elif overlay is not None:
            ops.append(("fill", p.color("overlay")))
        return tuple(ops)

    def _shaded(self, photo_key: tuple, photo: Image.Image, shade: tuple[tuple, ...]
                ) -> Image.Image:
        """An opaque photo with its darken/overlay applied, shared like the photo itself."""
        if not shade:
            return photo
        key = (*photo_key, "shade", shade)
        hit = paint.PHOTOS.get(key)
        if hit is None:
            hit = photo.copy()
            _apply_shade(hit, shade, (0, 0, *hit.size), None)
            paint.PHOTOS.put(key, hit)
        return hit

    def _gradient_spec(self, p: Props, key: str) -> tuple[paint.RGBA, paint.RGBA, float]:
        spec = p.get(key)
        if not isinstance(spec, dict) or "from" not in spec or "to" not in spec:
            raise p.fail(key, _("a gradient is {from: COLOUR, to: COLOUR, angle: 180} (180 = "
                                "top to bottom)"))
        raw = p.raw.get(key)
        sub = Props(spec, raw if hasattr(raw, "line_of") else p.raw, self.tpl, f"{p.where}.{key}")
        return sub.color("from"), sub.color("to"), sub.number("angle", 180)

    def _text(self, canvas: Image.Image, draw: ImageDraw.ImageDraw, p: Props,
              defaults: Mapping[str, Any] | None = None) -> None:
        text = p.get("text", (defaults or {}).get("text", ""))
        text = "" if text is None else markup.prepare(str(text)).strip("\n")
        if not markup.strip_markers(text).strip():
            return
        box = p.box()
        p = self._merged(p, defaults or {})
        style = self._style(p)
        family = style.family
        try:
            self.fonts.get(family, style.weight, style.size)
        except FontError as exc:
            raise p.fail("font", exc.message, FontError) from None
        fallback = self._fallback(p, text, style)
        bold = min(900, max(700, style.weight + 300)) if markup.BOLD_ON in text else None
        marked = markup.has_markers(text)

        def font_at(size: int):
            main = self.fonts.get(family, style.weight, size)
            if not marked and not fallback:
                return main
            return textbox.Fonts(main, self.fonts.get(family, bold, size) if bold else None,
                                 tuple((ch, fallback_font(face, style.weight, size))
                                       for ch, face in fallback), marked)

        x, y, w, h = box
        pad_x, pad_y = self._padding(p)
        layout = textbox.fit(text, style, w - 2 * pad_x, h - 2 * pad_y, font_at)
        if not layout.fits:
            needed = len(layout.lines)
            room = int((h - 2 * pad_y) // layout.line_px)
            if style.max_lines is not None:
                room = min(room, style.max_lines)
            raise p.fail("text", _("text {snippet!r} does not fit the {w}x{h} box of template "
                                   "{name} even at {size} px ({needed} lines needed, room for "
                                   "{room}): shorten the text, enlarge the box, lower min_size "
                                   "or set ellipsis: true", snippet=_snippet(text), w=w, h=h,
                                   name=self.tpl.name, size=layout.size, needed=needed,
                                   room=room), TextOverflow)
        self._fit_warnings(p, text, style, layout)
        if p.get("background") is not None:
            self._text_background(canvas, p, layout, style, box, (pad_x, pad_y))
        inner = (x + pad_x, y + pad_y, w - 2 * pad_x, h - 2 * pad_y)
        textbox.draw(draw, layout, style, inner)

    def _fallback(self, p: Props, text: str, style: textbox.TextStyle
                  ) -> tuple[tuple[str, Any], ...]:
        """(character, fallback face) for each character the layer's font lacks (emoji);
        FontError naming the field for one no font has (it would print as an empty box).

        Whether a font has a glyph does not depend on the size: it is read from the font
        file's cmap, and a font whose cmap cannot be read is probed by drawing at one
        small size (``_CHECK_SIZE``) for every layer of the family and weight, so a new
        post's headline is never drawn twice at 116 px just to look for .notdef."""
        main = self.fonts.get(style.family, style.weight, _CHECK_SIZE)
        missing = missing_glyphs(main, markup.strip_markers(text))
        if not missing:
            return ()
        found, lacking = [], []
        for ch in missing:
            face = next((f for f in fallback_faces(ch, self.tpl.emoji == "color")
                         if not missing_glyphs(fallback_font(f, style.weight, style.size), ch)),
                        None)
            (lacking.append(ch) if face is None else found.append((ch, face)))
        if any(face.family == COLOR_EMOJI_FAMILY for _, face in found):
            self._warn(p, "text", "emoji_credit")    # OpenMoji is CC BY-SA: staff credit it
        if lacking:
            shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in lacking[:5])
            raise p.fail("text", _("font {family!r} has no glyph for {shown} in {snippet!r}, nor "
                                   "has the emoji or symbol font: remove the character or "
                                   "choose a font that has it (it would print as an empty box)",
                                   family=style.family, shown=shown,
                                   snippet=_snippet(markup.strip_markers(text))), FontError)
        return tuple(found)

    def _fit_warnings(self, p: Props, text: str, style: textbox.TextStyle,
                      layout: textbox.TextLayout) -> None:
        """Text cut with an ellipsis (an error where the template says on_cut: error) or
        shrunk to its smallest size is never a silent loss: it is listed by field."""
        if layout.truncated:
            drawn = markup.visible_count("".join(layout.lines)) - 1     # less the ellipsis
            cut = max(1, markup.visible_count(text) - drawn)
            if self.tpl.on_cut == "error":
                raise p.fail("text", _("text {snippet!r} would lose {n} characters to an "
                                       "ellipsis and template {template} does not allow "
                                       "cutting (on_cut: error): shorten the text",
                                       snippet=_snippet(markup.strip_markers(text)), n=cut,
                                       template=self.tpl.name), TextOverflow)
            self._warn(p, "text", "cut", chars=cut, size=layout.size)
        elif style.min_size < style.size and layout.size <= style.min_size:
            self._warn(p, "text", "min_size", size=layout.size)

    def _text_background(self, canvas: Image.Image, p: Props, layout: textbox.TextLayout,
                         style: textbox.TextStyle, box: tuple[int, int, int, int],
                         pad: tuple[int, int]) -> None:
        """A pill or panel hugging the text block (badges, date tags)."""
        x, y, w, h = box
        inner_w = w - 2 * pad[0]
        ink_w = int(max(layout.widths) + 2 * pad[0] + 0.999)
        ink_h = int(layout.height + 2 * pad[1] + 0.999)
        left = x + int(textbox.line_left(layout, style, layout.widths.index(max(layout.widths)),
                                         pad[0], inner_w)) - pad[0]
        top = int(textbox.block_top(layout, style, y + pad[1], h - 2 * pad[1])) - pad[1]
        radius = int(p.number("radius", 0, 0, 2000))
        mask = paint.shape_mask((ink_w, ink_h), "rect", radius)
        color = paint.with_opacity(p.color("background"), p.number("opacity", 1, 0, 1))
        paint.fill(canvas, color, (left, top, ink_w, ink_h), mask)

    def _padding(self, p: Props) -> tuple[int, int]:
        value = p.get("padding", 0)
        if isinstance(value, (list, tuple)) and len(value) == 2:
            sub = Props({"x": value[0], "y": value[1]}, p.raw, self.tpl, p.where)
            return int(sub.number("x", 0, 0)), int(sub.number("y", 0, 0))
        pad = int(p.number("padding", 0, 0))
        return pad, pad

    def _merged(self, p: Props, defaults: Mapping[str, Any]) -> Props:
        """The layer's values over its named style over the layer type's defaults."""
        merged: dict[str, Any] = dict(defaults)
        style_name = p.get("style")
        if style_name is not None:
            if style_name not in self.tpl.styles:
                raise p.fail("style", _("unknown style {style_name!r}; styles: {styles}",
                                        style_name=style_name,
                                        styles=', '.join(self.tpl.styles) or 'none'))
            merged.update(self.tpl.styles[style_name])
        merged.update({k: v for k, v in p.values.items() if v is not None})
        return Props(merged, p.raw, self.tpl, p.where, p.name, p.data_path)

    def _style(self, s: Props) -> textbox.TextStyle:
        p = s
        size = int(s.number("size", 48, 6, 1000))
        min_size = int(s.number("min_size", size, 6, size))
        try:
            weight = parse_weight(s.get("weight", "Regular"))
        except ValueError:
            raise p.fail("weight", _("weight is a name (Thin, Light, Regular, Medium, Bold, "
                                     "Black) or a number from 100 to 900")) from None
        spacing = s.get("letter_spacing", 0)
        color = paint.with_opacity(s.color("color", "#111111"), s.number("opacity", 1, 0, 1))
        max_lines = s.get("max_lines")
        return textbox.TextStyle(
            family=str(s.get("font", self.tpl.font)), weight=weight, size=size, min_size=min_size,
            color=color, align=s.choice("align", _ALIGN, "left"),
            valign=s.choice("valign", _VALIGN, "top"),
            line_height=s.number("line_height", 1.3, 0.6, 4),
            letter_spacing=s.number("letter_spacing", 0, -1000, 1000),
            spacing_is_em=isinstance(spacing, str) and spacing.strip().endswith("%"),
            max_lines=int(s.number("max_lines", 0, 1, 100)) if max_lines is not None else None,
            ellipsis=bool(s.get("ellipsis", False)),
            balance=bool(s.get("balance", max_lines is not None and
                               int(s.number("max_lines", 1, 1, 100)) <= 4
                               and not s.get("ellipsis", False))),
            accent=(paint.with_opacity(s.color("accent"), s.number("opacity", 1, 0, 1))
                    if s.get("accent") is not None else
                    paint.with_opacity(paint.parse_color("accent", self.tpl.colors),
                                       s.number("opacity", 1, 0, 1))
                    if "accent" in self.tpl.colors else None))

    def _page(self, canvas: Image.Image, draw: ImageDraw.ImageDraw, p: Props) -> None:
        self._text(canvas, draw, p, _PAGE_DEFAULTS)

    def _image(self, canvas: Image.Image, draw: ImageDraw.ImageDraw, p: Props) -> None:
        x, y, w, h = p.box()
        fit = p.choice("fit", ("cover", "contain"), "cover")
        shape = p.choice("shape", ("rect", "circle"), "rect")
        radius = int(p.number("radius", 0, 0, 2000))
        if fit == "cover":
            photo_key, photo = self._fitted(p, "src", (w, h), "cover", p.focus())
            self._check_small(p, "src", photo_key[0], (w, h))
            xy = (x, y)
        else:
            photo_key, photo = self._fitted(p, "src", (w, h), "contain")
            xy = _aligned((x, y, w, h), photo.size, p.choice("align", _ALIGN, "center"))
        mask = None
        if shape == "circle" or radius:
            mask = paint.shape_mask(photo.size, "ellipse" if shape == "circle" else "rect", radius)
        opacity = p.number("opacity", 1, 0, 1)
        shade = self._shade_ops(p)
        if mask is None and opacity >= 1 and photo.mode == "RGB":
            # the shade covers exactly the photo: shade the photo once, paste the result
            paint.paste_image(canvas, self._shaded(photo_key, photo, shade), xy)
            return
        paint.paste_image(canvas, photo, xy, mask, opacity)
        _apply_shade(canvas, shade, (*xy, *photo.size), mask)

    def _logo(self, canvas: Image.Image, draw: ImageDraw.ImageDraw, p: Props) -> None:
        x, y, w, h = p.box()
        if p.get("src") is None:
            p.values["src"] = "images/logo.png"
        _, logo = self._fitted(p, "src", (w, h), "contain")
        xy = _aligned((x, y, w, h), logo.size, p.choice("align", _ALIGN, "left"))
        paint.paste_image(canvas, logo, xy, None, p.number("opacity", 1, 0, 1))

    def _qr(self, canvas: Image.Image, draw: ImageDraw.ImageDraw, p: Props) -> None:
        """A QR code for a link (segno), square, as large as whole modules allow in the box."""
        x, y, w, h = p.box()
        data = str(p.get("data", "")).strip()
        if not data:
            return
        try:
            mask = paint.qr_mask(data, min(w, h), int(p.number("border", 2, 0, 10)))
        except ValueError as exc:
            raise p.fail("data", _("cannot make a QR code of {data!r}: {reason}",
                                   data=_snippet(data), reason=exc)) from None
        xy = _aligned((x, y, w, h), mask.size, p.choice("align", _ALIGN, "center"))
        paint.fill(canvas, p.color("background", "#ffffff"), (*xy, *mask.size))
        paint.fill(canvas, p.color("color", "#000000"), (*xy, *mask.size), mask)

    def _check_small(self, p: Props, key: str, digest: str, box: tuple[int, int]) -> None:
        """Warn when a photo must be enlarged to cover its layer (it will look soft)."""
        natural = paint.NATURAL.get(digest)
        if natural is None or not natural[0] or not natural[1]:
            return
        if natural[0] < box[0] or natural[1] < box[1]:
            scale = max(box[0] / natural[0], box[1] / natural[1])
            if scale > 1.0:
                self._warn(p, key, "small_photo", photo=list(natural), box=list(box))

    def _shape(self, canvas: Image.Image, draw: ImageDraw.ImageDraw, p: Props) -> None:
        x, y, w, h = p.box()
        shape = p.choice("shape", ("rect", "ellipse"), "rect")
        radius = int(p.number("radius", 0, 0, 2000))
        opacity = p.number("opacity", 1, 0, 1)
        mask = paint.shape_mask((w, h), shape, radius)
        if p.get("gradient") is not None:
            paint.gradient(canvas, *self._gradient_spec(p, "gradient"), (x, y, w, h), mask)
        elif p.get("fill") is not None:
            paint.fill(canvas, paint.with_opacity(p.color("fill"), opacity), (x, y, w, h), mask)
        if p.get("outline") is not None:
            ring = paint.shape_mask((w, h), shape, radius, int(p.number("width", 2, 1, 200)))
            paint.fill(canvas, paint.with_opacity(p.color("outline"), opacity), (x, y, w, h), ring)

    # --- helpers --------------------------------------------------------------------------

    def _fitted(self, p: Props, key: str, size: tuple[int, int], fit: str,
                focus: tuple[float, float] = (0.5, 0.5), blur: float = 0.0, wait: bool = True
                ) -> tuple[tuple, Image.Image]:
        """The photo of ``key`` scaled to ``size`` (cover: cropped around ``focus``; contain),
        with its cache key.

        Shared through ``paint.PHOTOS`` (keyed by the file's content), so a photo
        every post uses (a logo, a recurring background) is decoded and scaled once
        per process. The result is shared: never draw on it. A file being prefetched
        is waited for (``wait``), so it is never decoded twice at once.
        """
        if wait and self._pending:
            path = self._path(p, key)
            ready = self._ready.pop((path, size, fit, focus, blur), None)
            job = self._pending.get(path) if ready is None else None
            if ready is not None:
                ready.result()
            elif job is not None:
                job.result()
        path, data, digest = self._read(p, key)
        cache_key = (digest, fit, size, focus if fit == "cover" else None, blur)
        hit = paint.PHOTOS.get(cache_key)
        if hit is not None:
            return cache_key, hit
        photo = self._photo(p, key, size, path, data, digest)
        photo = paint.cover(photo, size, focus) if fit == "cover" else paint.contain(photo, size)
        photo = paint.blur(photo, blur)
        paint.PHOTOS.put(cache_key, photo)
        return cache_key, photo

    def _read(self, p: Props, key: str) -> tuple[Path, bytes, str]:
        """The image file named by ``key``: path, bytes and their digest (read once per render)."""
        path = self._path(p, key)
        hit = self._files.get(path)
        if hit is None:
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                raise p.fail(key, _("image file not found: {path}", path=path), ImageError) from None
            except OSError as exc:
                raise _unreadable(p, key, path, exc) from None
            hit = self._files[path] = (data, paint.file_digest(data))
        return (path, *hit)

    def _path(self, p: Props, key: str) -> Path:
        value = p.get(key)
        if value is None or value == "":
            raise p.fail(key, _("no image given"), ImageError)
        path = Path(value) if isinstance(value, Path) else Path(str(value))
        return path if path.is_absolute() else self.tpl.folder / path

    def _working_copy(self, path: Path, digest: str) -> working.WorkingCopy | None:
        """The photo's working copy (``render.working``) when one of these bytes exists
        (looked up once per render)."""
        if digest not in self._copies:
            self._copies[digest] = working.find(path, digest)
        return self._copies[digest]

    def _photo(self, p: Props, key: str, target: tuple[int, int], path: Path, data: bytes,
               digest: str) -> Image.Image:
        """The decoded photo (reduced by the JPEG decoder when far larger than ``target``).

        Its working copy (``render.working``: upright, baseline, already scaled near the
        largest box) is decoded instead when it was made from these bytes and covers
        ``target``; otherwise the original. One decode serves every layer of the render
        whose box it covers (a photo used on the cover and on its event's slide is
        decoded once)."""
        cached = self._photos.get((digest, target))
        if cached is not None:
            return cached
        for (other, _size), photo in list(self._photos.items()):   # other threads add
            natural = paint.NATURAL.get(digest)
            if other == digest and (photo.size == natural or (
                    photo.width >= target[0] and photo.height >= target[1])):
                self._photos[(digest, target)] = photo
                return photo
        copy = self._working_copy(path, digest)
        if copy is not None and copy.covers(target):
            try:
                photo, _size = paint.open_image(copy.data, target)
            except Exception:  # noqa: BLE001 - a copy that cannot be decoded: the original
                pass
            else:
                paint.remember_size(digest, copy.natural)
                self._photos[(digest, target)] = photo
                return photo
        try:
            photo, natural = paint.open_image(data, target)
            paint.remember_size(digest, natural)
        except UnidentifiedImageError:
            raise _unreadable(p, key, path, UnidentifiedImageError(
                _("cannot identify image file {path!r}", path=str(path)))) from None
        except (OSError, ValueError, SyntaxError) as exc:
            raise _unreadable(p, key, path, exc) from None
        self._photos[(digest, target)] = photo
        return photo


def _apply_shade(canvas: Image.Image, shade: tuple[tuple, ...], box: tuple[int, int, int, int],
                 mask: Image.Image | None) -> None:
    for op, *args in shade:
        if op == "fill":
            paint.fill(canvas, args[0], box, mask)
        else:
            paint.gradient(canvas, *args, box, mask)


def _unreadable(p: Props, key: str, path: Path, exc: Exception) -> TemplateError:
    return p.fail(key, _("cannot read image {path} ({error}: {exc}): replace it with a working "
                         "JPEG, PNG, WebP or HEIC file", path=path, error=type(exc).__name__,
                         exc=exc), ImageError)


def _aligned(box: tuple[int, int, int, int], size: tuple[int, int], align: str) -> tuple[int, int]:
    x, y, w, h = box
    left = x if align == "left" else x + w - size[0] if align == "right" else x + (w - size[0]) // 2
    return left, y + (h - size[1]) // 2


def _snippet(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
