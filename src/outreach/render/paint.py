"""Pillow drawing primitives for card layers: colours, gradients, photos, masks, shapes.

The canvas is an RGB image; anything translucent is pasted through an ``L``
mask, which blends. Shape and rounded-photo masks are drawn at 4x and scaled
down so edges are anti-aliased (Pillow's own shapes are not).
"""

from __future__ import annotations

import hashlib
import io
import math
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageColor, ImageDraw, ImageFilter, ImageOps

from ..i18n import _

RGBA = tuple[int, int, int, int]
_SUPERSAMPLE = 4


def parse_color(value: object, palette: dict[str, str]) -> RGBA:
    """``"#0b3d91"``, ``"#00000080"``, ``"white"`` or a palette name -> RGBA; ValueError if not."""
    if not isinstance(value, str):
        raise ValueError(value)
    text = palette.get(value.strip(), value).strip()
    rgba = ImageColor.getcolor(text, "RGBA")
    assert isinstance(rgba, tuple)
    return rgba  # type: ignore[return-value]


def with_opacity(color: RGBA, opacity: float) -> RGBA:
    return color[0], color[1], color[2], int(round(color[3] * max(0.0, min(1.0, opacity))))


def fill(canvas: Image.Image, color: RGBA, box: tuple[int, int, int, int] | None = None,
         mask: Image.Image | None = None) -> None:
    """Paint ``color`` (alpha respected) over ``box`` or the whole canvas, through ``mask``."""
    x, y, w, h = box or (0, 0, *canvas.size)
    alpha = color[3]
    if alpha == 0 or w <= 0 or h <= 0:
        return
    if mask is None:
        if alpha == 255:
            canvas.paste(color[:3], (x, y, x + w, y + h))
        else:
            # ImageDraw blends in place (same rounding as a paste through a flat mask)
            # without allocating a canvas-sized mask
            ImageDraw.Draw(canvas, "RGBA").rectangle((x, y, x + w - 1, y + h - 1), fill=color)
        return
    if alpha != 255:
        mask = mask.point(_scale_lut(alpha))
    # canvas.paste(color[:3], box, mask), the same pixels in about half the time: Pillow's
    # fill through a mask checks the image mode for every channel of every pixel, its
    # paste of a (solid) image through the same mask does not
    canvas.paste(Image.new(canvas.mode, (w, h), color[:3]), (x, y, x + w, y + h), mask)


@lru_cache(maxsize=256)
def _scale_lut(alpha: int) -> tuple[int, ...]:
    return tuple(v * alpha // 255 for v in range(256))


@lru_cache(maxsize=64)
def gradient_mask(size: tuple[int, int], angle: float) -> Image.Image:
    """0 -> 255 ramp across ``size`` in the CSS sense: 180 = top to bottom, 90 = left to right."""
    w, h = size
    base = Image.linear_gradient("L")  # 256x256, black at the top
    turn = (angle - 180) % 360
    if turn in (0, 90, 180, 270):
        ramp = base.rotate(turn, expand=False) if turn else base
    else:
        big = base.resize((512, 512))
        side = int(512 / math.sqrt(2))
        off = (512 - side) // 2
        ramp = big.rotate(turn, resample=Image.Resampling.BICUBIC).crop(
            (off, off, off + side, off + side))
    return ramp.resize((w, h), Image.Resampling.BILINEAR)


def gradient(canvas: Image.Image, start: RGBA, end: RGBA, angle: float,
             box: tuple[int, int, int, int] | None = None, mask: Image.Image | None = None) -> None:
    """A linear gradient from ``start`` to ``end`` (alpha interpolated too) over the box.

    The ramp (0..255 across the box) becomes a palette image whose 256 colours
    are the blends of ``start`` and ``end``: one lookup per pixel instead of
    compositing two box-sized colour images.
    """
    x, y, w, h = box or (0, 0, *canvas.size)
    if w <= 0 or h <= 0 or (start[3] == 0 and end[3] == 0):
        return
    where = (x, y, x + w, y + h)
    if start[3] == end[3] == 255 and mask is None:
        canvas.paste(gradient_colors((w, h), angle, start, end, "RGB"), where)
        return
    colors = gradient_colors((w, h), angle, start, end, "RGBA")
    if mask is None:
        canvas.paste(colors, where, colors)  # an RGBA mask: its alpha band
    else:
        canvas.paste(colors, where, ImageChops.multiply(colors.getchannel("A"), mask))


@lru_cache(maxsize=8)
def gradient_colors(size: tuple[int, int], angle: float, start: RGBA, end: RGBA, mode: str
                    ) -> Image.Image:
    """The gradient's colours over ``size`` as an image (shared: never draw on it). The
    event slides of a post shade each photo with the same gradient, converted once."""
    ramp = gradient_mask(size, angle).copy()
    ramp.putpalette(_blend_palette(start, end), "RGBA")
    return ramp.convert(mode)


@lru_cache(maxsize=64)
def _blend_palette(start: RGBA, end: RGBA) -> bytes:
    """RGBA bytes of ``start`` blended towards ``end`` by 0..255/255, as Image.composite does."""
    index = Image.frombytes("L", (256, 1), bytes(range(256)))
    return Image.composite(Image.new("RGBA", (256, 1), end), Image.new("RGBA", (256, 1), start),
                           index).tobytes()


@lru_cache(maxsize=64)
def shape_mask(size: tuple[int, int], shape: str, radius: int = 0, outline: int = 0) -> Image.Image:
    """An anti-aliased ``L`` mask: rect (rounded by ``radius``) or ellipse; ring if ``outline``."""
    w, h = size
    s = _SUPERSAMPLE
    big = Image.new("L", (w * s, h * s), 0)
    draw = ImageDraw.Draw(big)
    rect = (0, 0, w * s - 1, h * s - 1)
    kw = {"fill": None, "outline": 255, "width": outline * s} if outline else {"fill": 255}
    if shape == "ellipse":
        draw.ellipse(rect, **kw)
    elif radius > 0:
        draw.rounded_rectangle(rect, radius=min(radius, w // 2, h // 2) * s, **kw)
    else:
        draw.rectangle(rect, **kw)
    return big.resize((w, h), Image.Resampling.BOX)


def open_image(source: Path | bytes, target: tuple[int, int]) -> tuple[Image.Image, tuple[int, int]]:
    """Decode a file or its bytes upright (EXIF orientation applied), and its full size.

    JPEG, PNG, WebP and HEIC/HEIF (iPhone photos, through pillow-heif). A JPEG
    much larger than ``target`` is decoded at a reduced scale (libjpeg's
    ``draft``: 1/2, 1/4 or 1/8, never below ``target``), which is most of the
    cost of a 12-megapixel phone photo. Raises OSError / ValueError for missing
    or corrupt files; callers turn those into ImageError with the field.
    """
    register_heif()
    with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as img:
        orientation = _orientation(img)
        natural = img.size
        if orientation in (5, 6, 7, 8):          # stored on its side: width and height swap
            natural = (natural[1], natural[0])
            target = (target[1], target[0])
        if img.format == "JPEG":
            img.draft("RGB", target)
        img.load()
        if orientation != 1:
            img = ImageOps.exif_transpose(img)
        if img.mode not in ("RGB", "RGBA"):
            img = img.convert("RGBA" if "A" in img.getbands() or "transparency" in img.info
                              else "RGB")
        return img, natural


_HEIF = False


def register_heif() -> None:
    """Teach Pillow HEIC/HEIF on first use (pillow-heif is a dependency; importing it costs)."""
    global _HEIF
    if not _HEIF:
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
        except ImportError:  # pragma: no cover - a hard dependency
            pass
        _HEIF = True


class PhotoCache:
    """Finished photos (decoded, scaled, cropped, blurred) shared by renders in one process.

    Keys start with a digest of the file's bytes, so an edited or replaced file
    is never served stale, whatever its size and time stamps say; reading and
    hashing a photo costs a fraction of decoding and scaling it. Least recently
    used entries go once the images together pass ``budget`` bytes. The images
    are shared: callers must not draw on them.
    """

    def __init__(self, budget: int = 64 * 2**20) -> None:
        self.budget = budget
        self._items: OrderedDict[tuple, Image.Image] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Image.Image | None:
        with self._lock:
            img = self._items.get(key)
            if img is not None:
                self._items.move_to_end(key)
            return img

    def put(self, key: tuple, img: Image.Image) -> None:
        size = _footprint(img)
        if size > self.budget:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= _footprint(old)
            self._items[key] = img
            self._bytes += size
            while self._bytes > self.budget:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= _footprint(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


def _footprint(img: Image.Image) -> int:
    # Pillow keeps RGB pixels in 4 bytes, like RGBA
    return img.width * img.height * (1 if len(img.getbands()) == 1 else 4)


PHOTOS = PhotoCache()
NATURAL: dict[str, tuple[int, int]] = {}     # file digest -> the photo's full, upright size


def remember_size(digest: str, size: tuple[int, int]) -> None:
    """Keep a photo's full size for the small-photo warning (cached renders skip decoding)."""
    if len(NATURAL) > 4096:
        NATURAL.clear()
    NATURAL[digest] = size


@lru_cache(maxsize=64)
def qr_mask(data: str, side: int, border: int = 2) -> Image.Image:
    """An ``L`` mask of ``data``'s QR code (error correction M), whole pixels per module, at
    most ``side`` wide; ValueError when the data is too long or the box too small to scan."""
    import segno
    from segno import DataOverflowError

    try:
        code = segno.make(data, error="m", micro=False)
    except DataOverflowError as exc:
        raise ValueError(_("too long for a QR code ({detail})", detail=exc)) from None
    modules = len(code.matrix) + 2 * border
    scale = side // modules
    if scale < 2:
        raise ValueError(_("the box needs to be at least {px} px wide to be scanned",
                           px=modules * 2))
    small = Image.new("L", (modules, modules), 0)
    small.putdata([255 if border <= c < modules - border and border <= r < modules - border
                   and code.matrix[r - border][c - border] else 0
                   for r in range(modules) for c in range(modules)])
    return small.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


def file_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _orientation(img: Image.Image) -> int:
    try:
        value = int(img.getexif().get(0x0112, 1))
    except Exception:  # noqa: BLE001 - broken EXIF just means "not rotated"
        return 1
    return value if 1 <= value <= 8 else 1


def cover(img: Image.Image, size: tuple[int, int], focus: tuple[float, float]) -> Image.Image:
    """Scale to cover ``size`` and crop around the focal point (0..1, 0..1).

    Scaling a photo is the largest cost of a new post, so the filter follows the
    direction: shrinking uses Pillow's bilinear filter (antialiased; against bicubic
    the sample photos differ by 0.2 of 255 on average, and it costs 40 % less),
    enlarging keeps bicubic, where bilinear would look soft. Only the crop is
    resampled. A photo three or more times larger than the box (a 12-megapixel HEIC,
    PNG or WebP; a JPEG is already reduced by ``draft``) is first reduced by a whole
    factor (``reducing_gap``): 4032x3024 into 1080x680 in 26 ms instead of 43, at most
    2/255 from the direct result.
    """
    w, h = size
    if w <= 0 or h <= 0:
        return Image.new(img.mode, (max(w, 0), max(h, 0)))
    fx = focus[0] if 0.0 <= focus[0] <= 1.0 else 0.5
    fy = focus[1] if 0.0 <= focus[1] <= 1.0 else 0.5
    if img.width / img.height >= w / h:        # wider than the box: crop the sides
        crop_w, crop_h = w / h * img.height, float(img.height)
    else:
        crop_w, crop_h = float(img.width), img.width / (w / h)
    left, top = (img.width - crop_w) * fx, (img.height - crop_h) * fy
    method = Image.Resampling.BILINEAR if w < crop_w else Image.Resampling.BICUBIC
    return img.resize(size, method, box=(left, top, left + crop_w, top + crop_h),
                      reducing_gap=1.5)


def contain(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    return ImageOps.contain(img, size, method=Image.Resampling.LANCZOS)


def paste_image(canvas: Image.Image, img: Image.Image, xy: tuple[int, int],
                mask: Image.Image | None = None, opacity: float = 1.0) -> None:
    """Paste with the image's own alpha, a shape mask and an opacity multiplied together."""
    alpha = img.getchannel("A") if img.mode == "RGBA" else None
    if mask is not None:
        alpha = mask if alpha is None else Image.composite(alpha, Image.new("L", img.size, 0), mask)
    if opacity < 1.0:
        base = alpha or Image.new("L", img.size, 255)
        alpha = base.point(lambda v: int(v * opacity))
    canvas.paste(img.convert("RGB") if img.mode != "RGB" else img, xy, alpha)


def blur(img: Image.Image, radius: float) -> Image.Image:
    return img.filter(ImageFilter.GaussianBlur(radius)) if radius > 0 else img
