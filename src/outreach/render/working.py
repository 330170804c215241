"""Working copies of photos: a smaller, quick-to-decode rendition kept beside the original.

A photo enters outreach at full size: a 12-megapixel phone JPEG, an iPhone HEIC
(which libheif cannot decode at a reduced scale), a progressive JPEG. Decoding and
scaling such photos is most of what a new post costs. So when a photo enters the
system (a studio upload, a save or spreadsheet import, ``outreach photos prepare``)
a **working copy** is written once:

- upright (EXIF orientation applied), as a baseline JPEG (quality 95, 4:4:4), or
  a PNG when the photo has an alpha channel;
- scaled to the smallest size that covers the largest box any layer of the
  template draws that field into, at any focal point (cover:
  ``scale = max(box_w / w, box_h / h)``), never larger than the original;
- in ``.working/<digest>.jpg`` (or ``.png``) in the original's own folder, where
  ``<digest>`` is the BLAKE2b digest of the original's bytes (the one the
  renderer already computes). A replaced or edited original has another digest,
  so its old copy is never used, whatever the file times say; the copy also
  carries the digest and the original's full size in its comment (JPEG) or text
  chunk (PNG), for the small-photo warning. The folder travels with the photos,
  not with the data file, and is git-ignorable (``.working/``).

The original stays the source of truth: data files keep naming it, and the renderer
uses the copy only when it exists, matches the original's digest and covers the
layer's box; otherwise it decodes the original, exactly as without copies.
"""

from __future__ import annotations

import io
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

FOLDER = ".working"
_TAG = "outreach-working-copy v1"
_COMMENT = re.compile(rb"^outreach-working-copy v1 ([0-9a-f]{32}) (\d+)x(\d+)$")
JPEG_QUALITY = 95


@dataclass(frozen=True)
class WorkingCopy:
    path: Path
    data: bytes                   # the copy's bytes (the renderer decodes them)
    size: tuple[int, int]         # the copy's size
    natural: tuple[int, int]      # the original's full, upright size

    def covers(self, box: tuple[int, int]) -> bool:
        """Whether cover-fitting (or containing) into ``box`` from this copy needs no more
        pixels than it has: both sides at least the box's, or the copy is full size."""
        return self.size == self.natural or (self.size[0] >= box[0] and self.size[1] >= box[1])


def copy_paths(original: Path, digest: str) -> tuple[Path, Path]:
    folder = original.parent / FOLDER
    return folder / f"{digest}.jpg", folder / f"{digest}.png"


def find(original: Path, digest: str) -> WorkingCopy | None:
    """The working copy of the original whose bytes have ``digest``, or None when there is
    none, it was made from other bytes, or it cannot be read (the caller then decodes the
    original)."""
    from PIL import Image

    for path in copy_paths(original, digest):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        try:
            with Image.open(io.BytesIO(data)) as img:
                meta = img.info.get("comment") or img.info.get("outreach") or b""
                size = img.size
        except Exception:  # noqa: BLE001 - a damaged copy is no copy: the original is used
            continue
        match = _COMMENT.match(meta.encode() if isinstance(meta, str) else bytes(meta))
        if match is None or match.group(1).decode() != digest:
            continue
        return WorkingCopy(path, data, size, (int(match.group(2)), int(match.group(3))))
    return None


def needed_size(natural: tuple[int, int], boxes: Iterable[tuple[int, int]]) -> tuple[int, int]:
    """The smallest size, in the photo's proportions, that covers every box at any focal
    point; never larger than ``natural``."""
    w, h = natural
    scale = max((max(bw / w, bh / h) for bw, bh in boxes), default=1.0)
    if scale >= 1.0:
        return natural
    # 1360.0000000002 is 1360; a side a rounding left short of a box is the box's
    out_w = max(math.ceil(w * scale - 1e-6), *(bw for bw, _ in boxes))
    out_h = max(math.ceil(h * scale - 1e-6), *(bh for _, bh in boxes))
    return min(w, out_w), min(h, out_h)


@dataclass(frozen=True)
class Prepared:
    original: Path
    copy: Path | None             # None: the original serves as it is
    size: tuple[int, int]
    natural: tuple[int, int]
    made: bool                    # False: an existing copy was already large enough


def prepare(original: Path, boxes: Iterable[tuple[int, int]]) -> Prepared:
    """Write (or keep) the working copy of ``original`` that covers ``boxes``.

    An existing copy of the same bytes that covers the boxes is kept; a smaller one is
    replaced by one covering both its own size and the boxes (another template may need
    it). No copy is written when the original is already a baseline JPEG no larger than
    needed and upright (it would decode no faster). Raises OSError / ValueError for a
    missing or unreadable original (callers name the field).
    """
    from PIL import Image

    from . import paint

    boxes = [(int(w), int(h)) for w, h in boxes if w > 0 and h > 0]
    data = original.read_bytes()
    digest = paint.file_digest(data)
    paint.register_heif()
    with Image.open(io.BytesIO(data)) as img:
        fmt = img.format
        progressive = bool(img.info.get("progressive") or img.info.get("progression"))
        upright = paint._orientation(img) == 1
        alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
        natural = img.size if paint._orientation(img) not in (5, 6, 7, 8) else img.size[::-1]
    size = needed_size(natural, boxes)
    existing = find(original, digest)
    if existing is not None:
        if existing.covers(size):
            return Prepared(original, existing.path, existing.size, natural, False)
        size = needed_size(natural, [size, existing.size])
    if size == natural and fmt == "JPEG" and not progressive and upright:
        return Prepared(original, None, natural, natural, False)
    photo, _ = paint.open_image(data, size)
    if photo.size != size:
        photo = photo.resize(size, Image.Resampling.BILINEAR if photo.width > size[0]
                             else Image.Resampling.BICUBIC, reducing_gap=1.5)
    jpg, png = copy_paths(original, digest)
    target = png if alpha or photo.mode == "RGBA" else jpg
    tag = f"{_TAG} {digest} {natural[0]}x{natural[1]}"
    buf = io.BytesIO()
    if target is png:
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("outreach", tag)
        photo.save(buf, "PNG", pnginfo=info, compress_level=6)
    else:
        photo.convert("RGB").save(buf, "JPEG", quality=JPEG_QUALITY, subsampling=0,
                                  optimize=True, progressive=False, comment=tag.encode())
    _atomic_write(target, buf.getvalue())
    return Prepared(original, target, size, natural, True)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_COPY_NAME = re.compile(r"^([0-9a-f]{32})\.(?:jpg|png)$")


def prune(folder: Path) -> list[Path]:
    """Delete the working copies in ``folder/.working/`` whose digest matches no file now in
    ``folder`` (copies of originals since replaced, edited or deleted); the deleted paths.

    Only ``.working/<32 hex digits>.jpg|png`` files are ever deleted: nothing outside
    ``.working/``, no other file in it (a half-written ``.tmp``), no symlinked
    ``.working``. The copies are listed before the originals are hashed, and an original
    is always written before its copy, so a photo uploaded meanwhile keeps its copy."""
    from . import paint

    work = folder / FOLDER
    if work.is_symlink() or not work.is_dir():
        return []
    copies = [(m.group(1), entry) for entry in work.iterdir()
              if (m := _COPY_NAME.match(entry.name)) and entry.is_file()
              and not entry.is_symlink()]
    if not copies:
        return []
    current: set[str] = set()
    for entry in folder.iterdir():
        if entry.name == FOLDER or not entry.is_file():
            continue
        try:
            current.add(paint.file_digest(entry.read_bytes()))
        except OSError:
            # an original that cannot be read now may be what a copy is of: keep them all
            return []
    removed = []
    for digest, entry in copies:
        if digest in current:
            continue
        try:
            entry.unlink()
        except OSError:             # gone meanwhile, or not ours to delete: left alone
            continue
        removed.append(entry)
    return removed


# --- which boxes a template draws each photo field into ---------------------------------

_REFS = re.compile(r"\{\{-?(.*?)-?\}\}", re.S)
_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?")


def photo_boxes(tpl: Any) -> dict[str, list[tuple[int, int]]]:
    """Field (``cover_photo``, ``events.photo`` for every event) -> the boxes of the layers
    that draw it: a background covers the canvas, an image or logo layer its box."""
    out: dict[str, list[tuple[int, int]]] = {}
    for spec in tpl.slides:
        for layer in spec.layers:
            kind = layer.get("type")
            if kind == "background":
                key, box = "image", tpl.canvas
            elif kind in ("image", "logo"):
                key, raw_box = "src", layer.get("box")
                try:
                    box = (int(raw_box[2]), int(raw_box[3]))
                except (TypeError, ValueError, IndexError):
                    box = tpl.canvas          # a computed box: the canvas bounds it
            else:
                continue
            value = layer.get(key)
            if not isinstance(value, str):
                continue
            for expr in _REFS.findall(value):
                for name, attr in _NAME.findall(expr):
                    if spec.repeat and name == spec.item_name and attr:
                        field = f"{spec.repeat}.{attr}"
                    elif name in tpl.fields:
                        field = name
                    else:
                        continue
                    out.setdefault(field, []).append(box)
    return out


def field_key(path: str) -> str:
    """``events[2].photo`` -> ``events.photo`` (the key ``photo_boxes`` uses)."""
    return re.sub(r"\[\d*\]", "", path)


def image_values(fields: Mapping[str, Any], values: Mapping[str, Any], prefix: str = ""
                 ) -> Iterator[tuple[str, Path]]:
    """(field key, path) of every image in checked data (``check_data``'s result)."""
    for spec in fields.values():
        value = values.get(spec.name) if isinstance(values, Mapping) else None
        key = f"{prefix}{spec.name}"
        if value is None:
            continue
        if spec.type == "image":
            yield key, Path(value)
        elif spec.type == "list" and spec.items:
            for item in value:
                if isinstance(item, Mapping):
                    yield from image_values({f.name: f for f in spec.items}, item, f"{key}.")
        elif spec.type == "list" and spec.item_type == "image":
            for item in value:
                yield key, Path(item)


def prepare_data(tpl: Any, values: Mapping[str, Any], *, strict: bool = True
                 ) -> list[tuple[str, Prepared]]:
    """Working copies for every photo of ``values`` (checked data of template ``tpl``), each
    covering the boxes of every field that names it: (field keys, result) per file.

    A photo that cannot be read or written is an ImageError naming the field and the
    file when ``strict``; otherwise it is skipped (the renderer falls back to the
    original, and reports the problem at its layer when it is the original's)."""
    from ..errors import ImageError
    from ..i18n import _

    boxes = photo_boxes(tpl)
    wanted: dict[Path, tuple[list[str], list[tuple[int, int]]]] = {}
    for key, path in image_values(tpl.fields, values):
        if key not in boxes:
            continue                          # a photo the slides never draw
        keys, sizes = wanted.setdefault(path, ([], []))
        keys.append(key)
        sizes.extend(boxes[key])
    out = []
    for path, (keys, sizes) in wanted.items():
        named = ", ".join(dict.fromkeys(keys))
        try:
            out.append((named, prepare(path, sizes)))
        except (OSError, ValueError, SyntaxError) as exc:
            if strict:
                raise ImageError(_("{field}: cannot make a working copy of {path} ({error}): "
                                   "replace it with a working JPEG, PNG, WebP or HEIC file, "
                                   "or make its folder writable", field=named, path=path,
                                   error=exc)) from None
    return out
