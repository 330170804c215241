"""Text masks with each glyph loaded once: what ``FreeTypeFont.getmask2`` draws, to the bit.

Pillow's ``getmask2`` loads every glyph of a run four times (layout, bounding box,
the box of the bitmaps, drawing; the last two also rasterise it) and keeps no glyph
between calls, so a post's 1,400 characters cost FreeType's CFF interpreter some
5,800 glyph loads, with the GIL held throughout. Here a glyph is loaded and drawn
once per font (its advance, its outline's box, its bitmap are kept in a cache the
caller owns) and a run's mask is composed from those bitmaps with Pillow's own
arithmetic: the pen in 26.6, ``PIXEL()`` rounding, the box, the offset, the
sub-pixel start as a C ``float``, overlapping glyphs blended as ``src + dst * (255 -
src) / 255`` rounded (a paste of white through the glyph; ``ImageChops.screen``
truncates, one level off). A glyph's bitmap does not depend on where the pen is:
Pillow renders in the glyph slot at the origin and only moves the bitmap by whole
pixels.

FreeType is reached through ctypes (freetype-py's structures, holding the GIL as
Pillow does), and it is Pillow's own copy of the library, found among the libraries the
process has mapped, and only if its version is the one Pillow reports: another
FreeType version may hint or rasterise differently. Anything else stays on Pillow's
path (``mask`` returns None): no such library (Windows wheels link FreeType
statically), a font not opened by ``fonts._load`` (its variation coordinates are
unknown here), Raqm layout, a legacy ``kern`` table, a bitmap that is not 8-bit
grey (embedded bitmap strikes), the colour emoji face.
"""

from __future__ import annotations

import ctypes
import math
import os
import struct
import sys
import threading
import weakref
from typing import Any

from PIL import Image, ImageFont

FT_LOAD_DEFAULT = 0
FT_RENDER_MODE_NORMAL = 0
FT_GLYPH_BBOX_PIXELS = 3
FT_PIXEL_MODE_GRAY = 2
FT_SIZE_REQUEST_TYPE_NOMINAL = 0


class _SizeRequest(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("width", ctypes.c_long), ("height", ctypes.c_long),
                ("horiResolution", ctypes.c_uint), ("vertResolution", ctypes.c_uint)]


class _FreeType:
    """Pillow's libfreetype through ctypes, with one ``FT_Library`` of our own."""

    def __init__(self, path: str) -> None:
        from freetype import ft_structs as s

        self.s = s
        # PyDLL: calls keep the GIL, as Pillow's own do. A CDLL would release and take it
        # back around each of ~7 calls of a few microseconds per glyph: on two busy cores
        # every release may hand it to a photo or encoding thread and leave the painting
        # thread, the post's critical path, waiting to get it back
        lib = self.lib = ctypes.PyDLL(path)
        self.library = s.FT_Library()
        if lib.FT_Init_FreeType(ctypes.byref(self.library)):
            raise OSError("FT_Init_FreeType failed")
        major, minor, patch = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        lib.FT_Library_Version(self.library, ctypes.byref(major), ctypes.byref(minor),
                               ctypes.byref(patch))
        self.version = f"{major.value}.{minor.value}.{patch.value}"
        lib.FT_New_Face.argtypes = [s.FT_Library, ctypes.c_char_p, ctypes.c_long,
                                    ctypes.POINTER(s.FT_Face)]
        lib.FT_Request_Size.argtypes = [s.FT_Face, ctypes.POINTER(_SizeRequest)]
        lib.FT_Set_Var_Design_Coordinates.argtypes = [s.FT_Face, ctypes.c_uint,
                                                      ctypes.POINTER(ctypes.c_long)]
        lib.FT_Get_Char_Index.argtypes = [s.FT_Face, ctypes.c_ulong]
        lib.FT_Get_Char_Index.restype = ctypes.c_uint
        lib.FT_Load_Glyph.argtypes = [s.FT_Face, ctypes.c_uint, ctypes.c_int32]
        lib.FT_Get_Glyph.argtypes = [s.FT_GlyphSlot, ctypes.POINTER(s.FT_Glyph)]
        lib.FT_Glyph_Get_CBox.argtypes = [s.FT_Glyph, ctypes.c_uint, ctypes.POINTER(s.FT_BBox)]
        lib.FT_Glyph_Get_CBox.restype = None
        lib.FT_Done_Glyph.argtypes = [s.FT_Glyph]
        lib.FT_Done_Glyph.restype = None
        lib.FT_Render_Glyph.argtypes = [s.FT_GlyphSlot, ctypes.c_int]
        lib.FT_Done_Face.argtypes = [s.FT_Face]


def _pillow_freetype_path() -> str | None:
    """The libfreetype file Pillow's ``_imagingft`` has loaded (Linux: from the process's
    memory map; elsewhere None)."""
    import freetype as freetype_py  # maps freetype-py's own copy: told apart below
    from PIL import _imagingft  # noqa: F401  (maps its FreeType into the process)

    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            maps = f.read()
    except OSError:
        return None
    here = os.path.dirname(sys.modules["PIL"].__file__ or "")
    found = []
    for line in maps.splitlines():
        path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
        if "libfreetype" in os.path.basename(path) and path not in found:
            found.append(path)
    if not found:
        return None
    # Pillow's wheel ships it in pillow.libs beside PIL/; a distribution's Pillow uses
    # the system's (then it is the only one, freetype-py's own aside)
    theirs = os.path.dirname(os.path.abspath(freetype_py.__file__))
    others = [p for p in found if os.path.dirname(p) != theirs]
    near = [p for p in others if os.path.dirname(os.path.dirname(p)) == os.path.dirname(here)]
    pick = near or others
    return pick[0] if len(pick) == 1 else None


_STATE: dict[str, Any] = {}
_STATE_LOCK = threading.Lock()


def freetype() -> _FreeType | None:
    """The ctypes FreeType, or None where it cannot be Pillow's very library."""
    with _STATE_LOCK:
        if "ft" not in _STATE:
            ft = None
            try:
                from PIL import features

                path = _pillow_freetype_path()
                if path is not None:
                    ft = _FreeType(path)
                    if ft.version != features.version("freetype2"):
                        ft = None
            except (ImportError, OSError, AttributeError):
                ft = None
            _STATE["ft"] = ft
        return _STATE["ft"]


def _f32(value: float) -> float:
    """``value`` as a C ``float`` (Pillow parses the start with ``"f"``)."""
    return struct.unpack("f", struct.pack("f", value))[0]


def _c_round(value: float) -> int:
    """C's ``round``: halves away from zero."""
    return int(math.floor(value + 0.5)) if value >= 0 else -int(math.floor(-value + 0.5))


class Glyph:
    """One glyph at one size: advance (26.6), outline box in pixels, bitmap and its place."""

    __slots__ = ("advance", "box", "left", "top", "image", "size")

    def __init__(self, advance: int, box: tuple[int, int, int, int], left: int, top: int,
                 image: Any) -> None:
        self.advance, self.box, self.left, self.top, self.image = advance, box, left, top, image
        self.size = image.size if image is not None else (0, 0)


class Face:
    """Our own ``FT_Face`` for one Pillow font: same file, face, size and variation."""

    def __init__(self, ft: _FreeType, path: str, index: int, size: float,
                 coords: tuple[float, ...] | None) -> None:
        s = ft.s
        self.ft = ft
        self.lock = threading.Lock()
        self.face = s.FT_Face()
        error = ft.lib.FT_New_Face(ft.library, os.fsencode(path), index, ctypes.byref(self.face))
        if error:
            self.face = None
            raise OSError(f"FT_New_Face failed ({error})")
        width = int(_f32(size) * 64)          # Pillow: FT_Long width = size * 64 (float size)
        req = _SizeRequest(FT_SIZE_REQUEST_TYPE_NOMINAL, width, width, 0, 0)
        error = ft.lib.FT_Request_Size(self.face, ctypes.byref(req))
        if not error and coords:
            # Pillow: FT_Fixed coord = value (truncated); coords[i] = coord * 65536
            fixed = (ctypes.c_long * len(coords))(*(int(c) * 65536 for c in coords))
            error = ft.lib.FT_Set_Var_Design_Coordinates(self.face, len(coords), fixed)
        if error:
            self.close()
            raise OSError(f"FreeType face setup failed ({error})")
        self.slot_ptr = self.face.contents.glyph      # the face's one glyph slot
        self.slot = self.slot_ptr.contents                # a view: reads its current fields
        self.glyph = ctypes.pointer(s.FT_Glyph())         # FT_Get_Glyph's output
        self.bbox = ctypes.pointer(s.FT_BBox())

    def close(self) -> None:
        with _FACES_LOCK:                  # FT_New_Face/FT_Done_Face: one at a time per library
            face, self.face = getattr(self, "face", None), None
            if face:
                self.ft.lib.FT_Done_Face(face)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

    def load(self, ch: str) -> Glyph | None:
        """Load and draw one character's glyph (None: a bitmap Pillow would convert)."""
        lib, face, slot_ptr, slot = self.ft.lib, self.face, self.slot_ptr, self.slot
        with self.lock:
            if lib.FT_Load_Glyph(face, lib.FT_Get_Char_Index(face, ord(ch)), FT_LOAD_DEFAULT):
                return None
            advance = slot.metrics.horiAdvance
            glyph, bbox = self.glyph, self.bbox
            if lib.FT_Get_Glyph(slot_ptr, glyph):
                return None
            lib.FT_Glyph_Get_CBox(glyph.contents, FT_GLYPH_BBOX_PIXELS, bbox)
            lib.FT_Done_Glyph(glyph.contents)
            b = bbox.contents
            box = (b.xMin, b.yMin, b.xMax, b.yMax)
            # FT_Load_Glyph(FT_LOAD_RENDER) is this load, then FT_Render_Glyph in the
            # load's target mode (NORMAL for FT_LOAD_DEFAULT)
            if slot.format != _FORMAT_BITMAP and lib.FT_Render_Glyph(slot_ptr,
                                                                     FT_RENDER_MODE_NORMAL):
                return None
            bitmap = slot.bitmap
            image = None
            if bitmap.buffer:
                pitch, rows = bitmap.pitch, bitmap.rows
                if bitmap.pixel_mode != FT_PIXEL_MODE_GRAY or pitch <= 0:
                    return None
                data = ctypes.string_at(bitmap.buffer, pitch * rows)
                image = Image.core.map_buffer(data, (bitmap.width, rows), "raw", 0,
                                              ("L", pitch, 1))
            return Glyph(advance, box, slot.bitmap_left, slot.bitmap_top, image)


_FORMAT_BITMAP = int.from_bytes(b"bits", "big")       # FT_GLYPH_FORMAT_BITMAP

# fonts opened by fonts._load, with their variation coordinates (None: not variable)
_ADOPTED: "weakref.WeakKeyDictionary[ImageFont.FreeTypeFont, tuple[float, ...] | None]" = \
    weakref.WeakKeyDictionary()
_FACES: "weakref.WeakKeyDictionary[ImageFont.FreeTypeFont, Face | None]" = \
    weakref.WeakKeyDictionary()
_FACES_LOCK = threading.RLock()   # a face may be dropped (GC) while one is made


def adopt(font: ImageFont.FreeTypeFont, coords: tuple[float, ...] | None) -> None:
    """Let ``mask`` draw this font: ``coords`` are the values given to
    ``set_variation_by_axes`` (None for a font that was not varied)."""
    _ADOPTED[font] = coords


def face(font: ImageFont.FreeTypeFont) -> Face | None:
    """Our face for an adopted font whose masks we can draw, else None."""
    hit = _FACES.get(font, False)
    if hit is not False:
        return hit  # type: ignore[return-value]
    with _FACES_LOCK:
        hit = _FACES.get(font, False)
        if hit is False:
            hit = None
            ft = freetype()
            from .fonts import additive_widths

            if (ft is not None and font in _ADOPTED and additive_widths(font)
                    and not getattr(font, "encoding", "")):
                try:
                    hit = Face(ft, font.path, font.index, font.size, _ADOPTED[font])
                except OSError:
                    hit = None
            _FACES[font] = hit
        return hit  # type: ignore[return-value]


class _Unsupported(Exception):
    pass


def mask(font: ImageFont.FreeTypeFont, text: str, start: tuple[float, float],
         cache: Any) -> tuple[Any, tuple[int, int]] | None:
    """``font.getmask2(text, "L", anchor="ls", start=start)`` for an adopted font, drawing
    glyphs from ``cache`` (``get``/``put`` by key, as ``textbox._Memo``); None when this
    font or text must go through Pillow."""
    fc = face(font)
    if fc is None or not text:
        return None
    glyphs = []
    for ch in text:
        key = (fc, ch)
        g = cache.get(key)
        if g is None:
            g = fc.load(ch)
            if g is None:
                return None
            cache.put(key, g, g.size[0] * g.size[1] + 100)
        glyphs.append(g)

    # bounding_box_and_anchors, anchor "ls"
    position = x_min = x_max = y_min = y_max = 0
    for g in glyphs:
        px = (position + 32) >> 6
        position += g.advance
        advanced = (position + 32) >> 6
        b0, b1, b2, b3 = g.box
        if advanced > x_max:
            x_max = advanced
        if b2 + px > x_max:
            x_max = b2 + px
        if b0 + px < x_min:
            x_min = b0 + px
        if b3 > y_max:
            y_max = b3
        if b1 < y_min:
            y_min = b1
    x_start, y_start = _f32(start[0]), _f32(start[1])
    width = x_max - x_min + math.ceil(x_start)
    height = y_max - y_min + math.ceil(y_start)
    offset = (x_min, -y_max)
    image = Image.core.fill("L", (width, height))
    if width == 0 or height == 0:
        return image, offset

    # font_render: the bitmaps' own box, then the pen's origin
    x = bx_min = by_max = 0
    for g in glyphs:
        px = (x + 32) >> 6
        if g.top > by_max:
            by_max = g.top
        if g.left + px < bx_min:
            bx_min = g.left + px
        x += g.advance
    x = _c_round(_f32(-bx_min + x_start) * 64)
    y = _c_round(_f32(-by_max - y_start) * 64)
    py = (y + 32) >> 6
    right = -(2**31)           # columns left of this are untouched: a glyph there pastes
    for g in glyphs:
        px = (x + 32) >> 6
        x += g.advance
        if g.image is None:
            continue
        w, h = g.size
        xx, yy = px + g.left, -(py + g.top)
        x0, x1 = max(0, -xx), min(w, width - xx)
        y0, y1 = max(0, -yy), min(h, height - yy)
        if x1 <= x0 or y1 <= y0:
            continue
        src = g.image if (x0, y0, x1, y1) == (0, 0, w, h) else g.image.crop((x0, y0, x1, y1))
        box = (xx + x0, yy + y0, xx + x1, yy + y1)
        if box[0] >= right:           # on zeros Pillow's blend is the glyph itself
            image.paste(src, box)
        else:                         # white through the glyph: DIV255(dst*(255-src) + 255*src)
            image.paste(Image.core.fill("L", src.size, 255), box, src)
        if box[2] > right:
            right = box[2]
    return image, offset
