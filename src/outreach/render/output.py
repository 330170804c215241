"""Encode slides within a byte budget, write the output folder atomically, read it back.

The folder is built under a temporary name beside the target and renamed into
place only when everything is written, so a failed render never leaves half a
post behind and never damages the previous good one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Mapping

from PIL import Image

from ..errors import TemplateError
from ..model import RenderedPost, Slide
from .texts import file_name
from ..i18n import _

MANIFEST = "manifest.json"
FORMATS = ("png", "jpeg")
# (quality, chroma subsampling, optimized Huffman tables) tried in order until a JPEG fits
# its budget. Optimized tables give the same pixels in a file about 6 % smaller for 70 %
# more encoding time, so they are only paid for once the plain file is over the budget.
_JPEG_STEPS = ((92, 0, False), (92, 0, True), (88, 0, True), (85, 2, True), (80, 2, True),
               (75, 2, True), (70, 2, True), (60, 2, True), (50, 2, True))
# the first try, which bench/render.py compares with Pillow's own encode
JPEG_FIRST = dict(zip(("quality", "subsampling", "optimize"), _JPEG_STEPS[0]))
PNG_LEVEL = 2
_MEMFD = hasattr(os, "memfd_create")


def encode_hashed(img: Image.Image, fmt: str, budget: int | None, label: str
                  ) -> tuple[bytes, str]:
    """``encode`` and the SHA-256 (hex) of its bytes for the manifest, in the calling
    thread: an encoding thread hashes its slide while the next one is painted, instead of
    the post's last step hashing them all (hashlib releases the GIL for large data)."""
    blob = encode(img, fmt, budget, label)
    return blob, hashlib.sha256(blob).hexdigest()


def encode_into(img: Image.Image, fmt: str, budget: int | None, label: str, path: Path
                ) -> tuple[int, str]:
    """``encode_hashed``, the bytes written to ``path`` (a slide file in the staging folder
    of ``stage``) in the calling thread: (size in bytes, SHA-256). Creating nine files
    cost the painting thread about 0.1 ms each at the end of a post; an encoding thread
    writes its slide while the next one is painted."""
    blob, digest = encode_hashed(img, fmt, budget, label)
    path.write_bytes(blob)
    return len(blob), digest


def encode(img: Image.Image, fmt: str, budget: int | None, label: str) -> bytes:
    """PNG or JPEG bytes for ``img``; JPEG quality drops until it fits ``budget``.

    PNG uses zlib level 2: about four times faster than Pillow's default 6 for
    slides some 15 % larger; one over the budget is tried once more at level 9.
    JPEG starts at quality 92, 4:4:4 (coloured text keeps sharp edges), plain
    Huffman tables.
    """
    with _scratch() as buf:
        if fmt == "png":
            data = _save(buf, img, "PNG", compress_level=PNG_LEVEL)
            if budget is not None and len(data) > budget:
                data = _save(buf, img, "PNG", compress_level=9)
            if budget is not None and len(data) > budget:
                raise TemplateError(_("{label} is {mb} as PNG, over the {mb2} image budget: "
                                      "render with --format jpeg", label=label, mb=_mb(len(data)),
                                      mb2=_mb(budget)))
            return data
        for quality, subsampling, optimize in _JPEG_STEPS:
            data = _save(buf, img, "JPEG", quality=quality, subsampling=subsampling,
                         optimize=optimize)
            if budget is None or len(data) <= budget:
                return data
    raise TemplateError(_("{label} is still {mb} as JPEG at quality 50, over the {mb2} image "
                          "budget: use a simpler background or raise the channel's "
                          "max_image_bytes", label=label, mb=_mb(len(data)), mb2=_mb(budget or 0)))


def _scratch() -> BinaryIO:
    """A scratch file with a real descriptor, in memory where the OS allows.

    Pillow encodes into a file descriptor with the GIL released, but into a
    BytesIO while holding it (libjpeg: the whole slide), so painting the next
    slide can only overlap encoding this one when the target is a real file.
    """
    if _MEMFD:
        try:
            return open(os.memfd_create("outreach-slide", os.MFD_CLOEXEC), "w+b")
        except OSError:
            pass
    return tempfile.TemporaryFile()


def _save(buf: BinaryIO, img: Image.Image, fmt: str, **options: Any) -> bytes:
    buf.seek(0)
    buf.truncate()
    img.save(buf, fmt, **options)
    buf.seek(0)
    return buf.read()


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.2f} MB" if n >= 100_000 else f"{n / 1000:.0f} kB"


def slide_file(index: int, fmt: str) -> str:
    return f"slide-{index:02d}.{'jpg' if fmt == 'jpeg' else 'png'}"


def jsonable(value: Any) -> Any:
    """Data as JSON: dates and times in ISO form, paths as strings."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def stage(out_dir: Path) -> "_staging | None":
    """The staging folder of a post for ``out_dir``, made before the post is painted, so
    that the encoding threads write the slides into it (``encode_into``) and the channel
    texts go in as soon as they are rendered (``write_texts``); ``write_post(...,
    staged=)`` then adds the manifest and swaps it in. None when the target is refused
    or the folder cannot be made, and when the target's parent folder does not exist
    yet (a failed render must not leave it made): ``write_post`` without ``staged``
    then raises any such error where it always did, after any error of the render
    itself. The caller ``discard``s it when the render fails."""
    out_dir = Path(out_dir).resolve()
    if not out_dir.parent.is_dir():
        return None
    try:
        _check_target(out_dir)
        staged = _staging(out_dir)
        staged.open()
    except TemplateError:
        return None
    return staged


def write_texts(folder: Path, texts: Mapping[str, str]) -> None:
    """The channel texts' files (``write_post`` writes them the same way)."""
    for tname, text in texts.items():
        (folder / file_name(tname)).write_text(text + "\n", encoding="utf-8")


def write_post(out_dir: Path, *, template: str, title: str,
               slides: list[tuple[bytes | int, int, int, str, str]], texts: Mapping[str, str],
               tags: tuple[str, ...], links: tuple[str, ...], data: Mapping[str, Any],
               warnings: list[Mapping[str, Any]] = (), digests: list[str] | None = None,
               staged: "_staging | None" = None) -> RenderedPost:
    """Write slides (bytes, width, height, format, alt), texts and manifest.json atomically.

    ``digests``: the slides' SHA-256 (hex), when the caller has them already (the
    renderer hashes each slide in its encoding thread, beside the painting).
    ``staged``: the folder of ``stage`` for this ``out_dir``, which holds the slide files
    and the text files already; each slide's first item is then its file's size in
    bytes, and ``digests`` are required."""
    out_dir = out_dir.resolve()
    _check_target(out_dir)
    if staged is not None and (staged.target != out_dir or digests is None):
        raise ValueError("write_post: staged for another folder, or without digests")
    with (staged or _staging(out_dir)) as tmp:
        records: list[dict[str, Any]] = []
        for index, (blob, width, height, fmt, alt) in enumerate(slides, start=1):
            name = slide_file(index, fmt)
            if staged is None:
                (tmp / name).write_bytes(blob)
            records.append({"index": index, "file": name, "width": width, "height": height,
                            "format": fmt, "bytes": len(blob) if staged is None else blob,
                            "alt_text": alt,
                            "sha256": digests[index - 1] if digests else
                            hashlib.sha256(blob).hexdigest()})
        if staged is None:
            write_texts(tmp, texts)
        text_records = {tname: {"file": file_name(tname), "chars": len(text), "text": text}
                        for tname, text in texts.items()}
        manifest = {"version": 1, "template": template, "title": title, "slides": records,
                    "texts": text_records, "tags": list(tags), "links": list(links),
                    "warnings": jsonable(list(warnings)), "data": jsonable(data)}
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                    encoding="utf-8")
    return load_rendered(out_dir)


def _check_target(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise TemplateError(_("output folder {out_dir} is a file: choose a folder path",
                              out_dir=out_dir))
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MANIFEST).is_file():
        raise TemplateError(_("output folder {out_dir} holds other files (no {manifest}): "
                              "choose a new or empty folder, render output replaces the folder",
                              out_dir=out_dir, manifest=MANIFEST))


class _staging:
    """Context manager: a temp folder beside ``target``, swapped in on success."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.tmp = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
        self._made = False

    def open(self) -> Path:
        """Make the temp folder (once: ``stage`` makes it before the context is entered)."""
        if not self._made:
            try:
                self.tmp.mkdir(parents=True)
            except OSError as exc:
                raise TemplateError(_("cannot create the output folder {parent} ({strerror})",
                                      parent=self.target.parent, strerror=exc.strerror)
                                    ) from None
            self._made = True
        return self.tmp

    def discard(self) -> None:
        """Remove the temp folder (nothing when it was swapped in already)."""
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> Path:
        return self.open()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        old = None
        if self.target.exists():
            old = self.target.parent / f".{self.target.name}.old-{uuid.uuid4().hex[:8]}"
            self.target.rename(old)
        try:
            self.tmp.rename(self.target)
        except OSError:
            if old is not None:
                old.rename(self.target)
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def load_rendered(out_dir: Path) -> RenderedPost:
    """Rebuild the RenderedPost of a rendered folder from its manifest (texts from the files)."""
    out_dir = Path(out_dir).resolve()
    manifest_path = out_dir / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        slides = tuple(_slides(out_dir, manifest["slides"]))
        texts = {}
        for tname, rec in manifest["texts"].items():
            texts[tname] = (out_dir / rec["file"]).read_text(encoding="utf-8").strip()
        return RenderedPost(template=manifest["template"], title=manifest["title"],
                            slides=slides, texts=texts, out_dir=out_dir,
                            manifest_path=manifest_path, data=manifest.get("data") or {},
                            links=tuple(manifest.get("links") or ()),
                            tags=tuple(manifest.get("tags") or ()),
                            warnings=tuple(manifest.get("warnings") or ()))
    except FileNotFoundError as exc:
        raise TemplateError(_("{filename} is missing: render the post again",
                              filename=exc.filename),
                            file=manifest_path) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise TemplateError(_("not a valid render manifest ({error}: {exc}): render the post "
                              "again", error=type(exc).__name__, exc=exc), file=manifest_path) from None


def _slides(out_dir: Path, records: list[dict[str, Any]]) -> Iterator[Slide]:
    for rec in records:
        path = out_dir / rec["file"]
        yield Slide(index=int(rec["index"]), path=path, width=int(rec["width"]),
                    height=int(rec["height"]), format=rec["format"], bytes=path.stat().st_size,
                    alt_text=rec["alt_text"])
