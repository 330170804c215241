"""Benchmark the card renderer on the sample weekend guide (not a test: it prints figures).

    .venv/bin/python bench/render.py [--runs 5] [--format png|jpeg|both]

For each format it prints, in milliseconds per slide:

- new post: a full render (template + data -> files on disk) with every render cache
  emptied first (photos, text widths, glyph masks, compiled template strings and
  texts) in a warm process (modules imported, fonts opened): what the daemon or the
  web app pays for a post it has never seen;
- re-render: the same post again with the caches warm (a text edited and rendered
  again, as the studio does);
- Pillow encode: ``Image.save`` of the same finished slides with the same settings
  (PNG at zlib level ``output.PNG_LEVEL``; JPEG quality 92, 4:4:4, optimized Huffman),
  one after another into memory: the floor for writing these images at all.

Goals (issue 12): a new post in JPEG <= 15 ms per slide; PNG new post <= 1.3x Pillow's
encode time at the same compression level. Best of ``--runs`` (median in brackets).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from outreach.render import fonts, jinja, paint, render_post, textbox  # noqa: E402
from outreach.render.output import PNG_LEVEL  # noqa: E402


def empty_caches() -> None:
    """Every cross-render cache, but not the opened fonts (a warm process keeps those)."""
    paint.PHOTOS.clear()
    paint.NATURAL.clear()
    paint.qr_mask.cache_clear()
    textbox.WIDTHS.clear()
    textbox.MASKS.clear()
    with jinja._COMPILED_LOCK:
        jinja._COMPILED.clear()
    jinja.text_env.cache_clear()
    fonts._CHECKS.clear()


def pillow_encode(images: list[Image.Image], fmt: str) -> float:
    start = time.perf_counter()
    for img in images:
        buf = io.BytesIO()
        if fmt == "png":
            img.save(buf, "PNG", compress_level=PNG_LEVEL)
        else:
            img.save(buf, "JPEG", quality=92, subsampling=0, optimize=True)
    return time.perf_counter() - start


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench(fmt: str, runs: int, template: str) -> None:
    templates = REPO / "templates" / "cards"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "post"
        post = render_post(templates, template, out_dir=out, image_format=fmt)  # warm the process
        slides = len(post.slides)
        new, again = [], []
        for _ in range(runs):
            empty_caches()
            new.append(timed(lambda: render_post(templates, template, out_dir=out,
                                                 image_format=fmt)))
            again.append(timed(lambda: render_post(templates, template, out_dir=out,
                                                   image_format=fmt)))
        images = []
        for slide in post.slides:
            with Image.open(slide.path) as img:
                images.append(img.convert("RGB"))
        encode = [pillow_encode(images, fmt) for _ in range(runs)]

    def show(label: str, values: list[float]) -> float:
        best = min(values) * 1000 / slides
        print(f"  {label:<15}{best:7.1f} ms/slide  (median {statistics.median(values) * 1000 / slides:.1f})")
        return best

    print(f"{template}, {slides} slides, {fmt.upper()}, best of {runs}:")
    b_new = show("new post", new)
    b_again = show("re-render", again)
    b_enc = show("Pillow encode", encode)
    print(f"  new post / encode: {b_new / b_enc:.2f}x, re-render / encode: {b_again / b_enc:.2f}x")
    if fmt == "jpeg":
        print(f"  goal: new post <= 15 ms/slide: {'met' if b_new <= 15 else 'NOT met'}")
    else:
        print(f"  goal: new post <= 1.3x Pillow's encode: {'met' if b_new <= 1.3 * b_enc else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--format", default="both", choices=("png", "jpeg", "both"))
    parser.add_argument("--template", default="weekend-guide")
    args = parser.parse_args()
    for fmt in (("png", "jpeg") if args.format == "both" else (args.format,)):
        bench(fmt, args.runs, args.template)


if __name__ == "__main__":
    main()
