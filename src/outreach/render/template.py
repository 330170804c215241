"""Load and check a card template folder: template.yaml, texts/*.j2, sample.yaml, fonts/, images/.

Everything that can be checked before data arrives is checked here (unknown
keys, layer types, field types, boxes outside the canvas), so a typo in a
template is reported at its line even when no data would reach it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import TemplateError, TemplateNotFound
from . import yamlsrc
from .jinja import is_template
from ..i18n import _

FIELD_TYPES = ("text", "int", "number", "bool", "date", "datetime", "time", "url", "image", "list")
TEXT_NAMES = ("blog", "facebook", "instagram", "kakao", "youtube")

_COMMON = {"type", "name", "when", "opacity"}
_TEXT_STYLE = {"font", "weight", "size", "min_size", "color", "align", "valign", "line_height",
               "letter_spacing", "max_lines", "ellipsis", "background", "padding", "radius",
               "style", "balance", "accent"}
LAYER_KEYS: dict[str, set[str]] = {
    "background": {"color", "gradient", "image", "focus", "darken", "overlay", "blur"},
    "text": {"box", "text"} | _TEXT_STYLE,
    "image": {"box", "src", "fit", "focus", "radius", "shape", "align", "darken", "overlay"},
    "shape": {"box", "shape", "fill", "outline", "width", "radius", "gradient"},
    "logo": {"box", "src", "align"},
    "page": {"box", "text"} | _TEXT_STYLE,
    "qr": {"box", "data", "color", "background", "border", "align"},
}
_REQUIRED = {"text": ("box", "text"), "image": ("box", "src"), "shape": ("box",),
             "logo": ("box",), "page": ("box",), "qr": ("box", "data")}
_TOP_KEYS = {"name", "description", "canvas", "fields", "slides", "title", "tags", "links",
             "colors", "styles", "font", "texts", "export", "on_cut", "emoji"}
CUT_RULES = ("warn", "error")     # on_cut: what an ellipsis cut is (default: a warning)
EMOJI_STYLES = ("color", "mono")  # emoji: OpenMoji in colour (default) or Noto Emoji in the text colour
_SLIDE_KEYS = {"name", "repeat", "as", "when", "alt", "layers"}


@dataclass(frozen=True)
class FieldSpec:
    """One data field the template needs: ``events: {type: list, items: {...}}``."""

    name: str
    type: str
    required: bool = True
    description: str = ""
    items: tuple["FieldSpec", ...] | None = None   # a list of objects
    item_type: str | None = None                   # a list of plain values
    choices: tuple[Any, ...] | None = None
    min_items: int | None = None
    max_items: int | None = None
    max_length: int | None = None
    label: str = ""              # the form's label (Korean), e.g. 행사 이름
    help: str = ""               # a line of help under the form field
    multiline: bool = False      # a long text: a text area in the studio
    placeholder: str = ""

    @property
    def title(self) -> str:
        """What a person calls this field: its label, else its description, else its name."""
        return self.label or self.description or self.name


@dataclass(frozen=True)
class SlideSpec:
    name: str
    layers: list[dict]
    alt: str
    line: int | None
    repeat: str | None = None
    item_name: str = "item"
    when: Any = None


@dataclass
class Template:
    name: str
    folder: Path
    file: Path
    doc: dict
    description: str
    canvas: tuple[int, int]
    fields: dict[str, FieldSpec]
    slides: list[SlideSpec]
    texts: dict[str, Path]
    text_limits: dict[str, dict[str, int]] = field(default_factory=dict)
    colors: dict[str, str] = field(default_factory=dict)
    styles: dict[str, dict] = field(default_factory=dict)
    font: str = "Noto Sans CJK KR"
    on_cut: str = "warn"
    emoji: str = "color"

    def field_spec(self, path: str) -> FieldSpec | None:
        """The field a data path names: ``events[2].place`` -> the ``place`` of an event."""
        specs: dict[str, FieldSpec] | None = self.fields
        found = None
        for part in path.split("."):
            name = part.split("[")[0]
            if specs is None or name not in specs:
                return None
            found = specs[name]
            specs = {f.name: f for f in found.items} if found.items else None
        return found

    @property
    def sample(self) -> Path:
        return self.folder / "sample.yaml"

    @property
    def fonts_dir(self) -> Path:
        """The template's own fonts (city brand fonts); may not exist."""
        return self.folder / "fonts"


def template_names(templates_dir: Path) -> list[str]:
    if not templates_dir.is_dir():
        return []
    return sorted(p.name for p in templates_dir.iterdir() if (p / "template.yaml").is_file())


def load_template(templates_dir: Path, name: str) -> Template:
    """Read and check ``templates_dir/name``; TemplateNotFound lists the templates there."""
    folder = templates_dir / name
    file = folder / "template.yaml"
    if "/" in name or "\\" in name or name.startswith(".") or not file.is_file():
        known = template_names(templates_dir)
        hint = _("known templates: {names}", names=", ".join(known)) if known else \
            _("no templates in {folder}: check templates_dir in outreach.toml",
              folder=templates_dir)
        raise TemplateNotFound(_("unknown template {name!r} ({hint})", name=name, hint=hint))
    doc = yamlsrc.load(file)
    if not isinstance(doc, dict):
        raise TemplateError(_("expected a mapping with description, canvas, fields and slides"),
                            file=file, line=1)
    return _build(name, folder, file, doc)


def _fail(message: str, file: Path, container: Any, key: Any, path: str) -> TemplateError:
    return TemplateError(message, file=file, line=yamlsrc.line_of(container, key), key=path)


def _unknown(keys: set, allowed: set, doc: Any, file: Path, where: str) -> None:
    for key in doc:
        if key not in allowed:
            raise _fail(_("unknown key {key!r}; allowed here: {allowed}", key=key,
                          allowed=', '.join(sorted(allowed))),
                        file, doc, key, f"{where}.{key}" if where else str(key))


def _build(name: str, folder: Path, file: Path, doc: dict) -> Template:
    _unknown(set(doc), _TOP_KEYS, doc, file, "")
    for key in ("description", "canvas", "slides"):
        if key not in doc:
            raise TemplateError(_("missing {key!r}: see "
                                  "templates/cards/weekend-guide/template.yaml for an example",
                                  key=key), file=file, line=1)
    canvas = doc["canvas"]
    try:
        width, height = int(canvas["width"]), int(canvas["height"])
        if not (100 <= width <= 4096 and 100 <= height <= 4096):
            raise ValueError
    except (TypeError, KeyError, ValueError):
        raise _fail(_("canvas needs width and height in pixels, e.g. {width: 1080, height: 1350}"),
                    file, doc, "canvas", "canvas") from None
    fields = _fields(doc.get("fields") or {}, file, "fields")
    colors = doc.get("colors") or {}
    styles = doc.get("styles") or {}
    if not isinstance(colors, dict) or not isinstance(styles, dict):
        raise _fail(_("colors and styles must be mappings of names"), file, doc, "colors", "colors")
    for sname, style in styles.items():
        if not isinstance(style, dict):
            raise _fail(_("a style is a mapping of text settings"), file, styles, sname,
                        f"styles.{sname}")
        _unknown(set(style), _TEXT_STYLE - {"style"}, style, file, f"styles.{sname}")
    slides = _slides(doc["slides"], file, (width, height), styles)
    texts, limits = _texts(folder, doc.get("texts") or {}, file, doc)
    on_cut = str(doc.get("on_cut", "warn")).strip().lower()
    if on_cut not in CUT_RULES:
        raise _fail(_("on_cut is warn (cut text with … and list a warning) or error (refuse "
                      "to cut)"), file, doc, "on_cut", "on_cut")
    emoji = str(doc.get("emoji", "color")).strip().lower()
    if emoji not in EMOJI_STYLES:
        raise _fail(_("emoji is color (OpenMoji's colour pictures) or mono (Noto Emoji in the "
                      "text's colour)"), file, doc, "emoji", "emoji")
    return Template(name=name, folder=folder, file=file, doc=doc,
                    description=str(doc["description"]).strip(), canvas=(width, height),
                    fields=fields, slides=slides, texts=texts, text_limits=limits,
                    colors={str(k): str(v) for k, v in colors.items()}, styles=styles,
                    font=str(doc.get("font") or "Noto Sans CJK KR"), on_cut=on_cut,
                    emoji=emoji)


def _fields(raw: Any, file: Path, where: str) -> dict[str, FieldSpec]:
    if not isinstance(raw, dict):
        raise TemplateError(_("fields must map each field name to its type"), file=file,
                            line=getattr(raw, "line", None), key=where)
    out: dict[str, FieldSpec] = {}
    for fname, spec in raw.items():
        path = f"{where}.{fname}"
        if isinstance(spec, str):
            spec = {"type": spec}
        if not isinstance(spec, dict) or spec.get("type") not in FIELD_TYPES:
            raise _fail(_("type must be one of {field_types}", field_types=', '.join(FIELD_TYPES)), file, raw, fname, path)
        _unknown(set(spec), {"type", "required", "description", "items", "choices", "min_items",
                             "max_items", "max_length", "example", "label", "help", "multiline",
                             "placeholder"}, spec, file, path)
        items = item_type = None
        if spec["type"] == "list":
            sub = spec.get("items", "text")
            if isinstance(sub, str):
                if sub not in FIELD_TYPES or sub == "list":
                    raise _fail(_("items must be a field type or a mapping of fields"), file,
                                spec, "items", f"{path}.items")
                item_type = sub
            else:
                items = tuple(_fields(sub, file, f"{path}.items").values())
        out[str(fname)] = FieldSpec(
            name=str(fname), type=spec["type"], required=bool(spec.get("required", True)),
            description=str(spec.get("description", "")).strip(), items=items, item_type=item_type,
            choices=tuple(spec["choices"]) if spec.get("choices") else None,
            min_items=spec.get("min_items"), max_items=spec.get("max_items"),
            max_length=spec.get("max_length"), label=str(spec.get("label", "")).strip(),
            help=str(spec.get("help", "")).strip(), multiline=bool(spec.get("multiline", False)),
            placeholder=str(spec.get("placeholder", "")).strip())
    return out


def _slides(raw: Any, file: Path, canvas: tuple[int, int], styles: dict) -> list[SlideSpec]:
    if not isinstance(raw, list) or not raw:
        raise TemplateError(_("slides must be a list with at least one slide"), file=file,
                            line=getattr(raw, "line", None), key="slides")
    out = []
    for i, slide in enumerate(raw):
        where = f"slides[{i}]"
        if not isinstance(slide, dict):
            raise _fail(_("a slide is a mapping with alt and layers"), file, raw, i, where)
        _unknown(set(slide), _SLIDE_KEYS, slide, file, where)
        name = str(slide.get("name") or f"slide {i + 1}")
        if not slide.get("alt"):
            raise _fail(_("every slide needs alt text (what a screen reader says about it)"),
                        file, raw, i, f"{where}.alt")
        layers = slide.get("layers")
        if not isinstance(layers, list) or not layers:
            raise _fail(_("layers must be a list of layers"), file, slide,
                        "layers" if "layers" in slide else None, f"{where}.layers")
        for j, layer in enumerate(layers):
            _check_layer(layer, file, layers, j, f"{where}.layers[{j}]", canvas, styles)
        repeat = slide.get("repeat")
        if repeat is not None and not isinstance(repeat, str):
            raise _fail(_("repeat names a list field, e.g. repeat: events"), file, slide, "repeat",
                        f"{where}.repeat")
        out.append(SlideSpec(name=name, layers=layers, alt=slide["alt"], line=getattr(slide, "line", None),
                             repeat=repeat.strip("{} ") if repeat else None,
                             item_name=str(slide.get("as", "item")), when=slide.get("when")))
    return out


def _check_layer(layer: Any, file: Path, parent: Any, index: int, where: str,
                 canvas: tuple[int, int], styles: dict) -> None:
    if not isinstance(layer, dict) or layer.get("type") not in LAYER_KEYS:
        raise _fail(_("a layer needs type: one of {layer_keys}", layer_keys=', '.join(LAYER_KEYS)), file, parent, index, where)
    kind = layer["type"]
    _unknown(set(layer), LAYER_KEYS[kind] | _COMMON, layer, file, where)
    for key in _REQUIRED.get(kind, ()):
        if key not in layer:
            raise _fail(_("a {kind} layer needs {key!r}", kind=kind, key=key), file, parent, index, where)
    if "style" in layer and not is_template(layer["style"]) and layer["style"] not in styles:
        raise _fail(_("unknown style {style!r}; styles: {styles}", style=layer['style'],
                      styles=', '.join(styles) or 'none'),
                    file, layer, "style", f"{where}.style")
    box = layer.get("box")
    if box is not None and not is_template(box):
        check_box(box, canvas, file, yamlsrc.line_of(layer, "box"), f"{where}.box")


def check_box(box: Any, canvas: tuple[int, int], file: Path, line: int | None, where: str
              ) -> tuple[int, int, int, int]:
    """``[x, y, width, height]`` inside the canvas, or a TemplateError saying how to fix it."""
    try:
        x, y, w, h = (int(round(float(v))) for v in box)
    except (TypeError, ValueError):
        raise TemplateError(_("box is [x, y, width, height] in pixels"), file=file, line=line,
                            key=where) from None
    cw, ch = canvas
    if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > cw or y + h > ch:
        raise TemplateError(_("box [{x}, {y}, {w}, {h}] is not inside the {cw}x{ch} canvas: "
                              "move or shrink it", x=x, y=y, w=w, h=h, cw=cw, ch=ch), file=file, line=line, key=where)
    return x, y, w, h


def _texts(folder: Path, raw: Any, file: Path, doc: Any) -> tuple[dict[str, Path], dict]:
    texts: dict[str, Path] = {}
    tdir = folder / "texts"
    if tdir.is_dir():
        for path in sorted(tdir.glob("*.j2")):
            texts[path.name.split(".")[0]] = path
    limits: dict[str, dict[str, int]] = {}
    if not isinstance(raw, dict):
        raise _fail(_("texts maps a channel text name to its limits, e.g. instagram: "
                      "{max_chars: 2000}"), file, doc, "texts", "texts")
    for tname, spec in raw.items():
        if tname not in texts:
            raise _fail(_("no texts/{tname}.j2 for this entry", tname=tname), file, raw, tname, f"texts.{tname}")
        if not isinstance(spec, dict):
            raise _fail(_("expected limits such as {max_chars: 2000, max_hashtags: 20}"),
                        file, raw, tname, f"texts.{tname}")
        _unknown(set(spec), {"max_chars", "max_hashtags"}, spec, file, f"texts.{tname}")
        limits[str(tname)] = {k: int(v) for k, v in spec.items()}
    return texts, limits
