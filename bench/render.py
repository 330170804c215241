"""Benchmark the card renderer on the sample weekend guide (not a test: it prints figures).

    .venv/bin/python bench/render.py [--runs 3] [--format png|jpeg]

Prints milliseconds per slide for a full render (template + data -> files on
disk) and the ratio of that to only encoding the same finished images with the
same encoder settings (``output.encode``, one after another), the floor a
renderer encoding one slide at a time cannot beat. Goal: a ratio under 1.5.
The timed renders follow a warm-up render in the same process, so they show
the cross-render caches (photos, glyphs, compiled templates) at work.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from outreach.render import render_post
from outreach.render.output import encode

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", default="png", choices=("png", "jpeg"))
    parser.add_argument("--template", default="weekend-guide")
    args = parser.parse_args()
    templates = REPO / "templates" / "cards"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "post"
        start = time.perf_counter()
        post = render_post(templates, args.template, out_dir=out, image_format=args.format)  # warm-up
        cold = time.perf_counter() - start
        slides = len(post.slides)
        full = []
        for _ in range(args.runs):
            start = time.perf_counter()
            post = render_post(templates, args.template, out_dir=out, image_format=args.format)
            full.append(time.perf_counter() - start)
        images = []
        for slide in post.slides:
            with Image.open(slide.path) as img:
                images.append(img.convert("RGB"))
        floor = []
        for _ in range(args.runs):
            start = time.perf_counter()
            for i, img in enumerate(images):
                encode(img, args.format, None, f"slide {i + 1}")
            floor.append(time.perf_counter() - start)
    best_full, best_floor = min(full), min(floor)
    print(f"template {args.template}: {slides} slides, {args.format}, best of {args.runs} runs")
    print(f"full render : {best_full * 1000 / slides:7.1f} ms per slide "
          f"(median {statistics.median(full) * 1000 / slides:.1f})")
    print(f"encode only : {best_floor * 1000 / slides:7.1f} ms per slide "
          f"(median {statistics.median(floor) * 1000 / slides:.1f})")
    print(f"ratio       : {best_full / best_floor:7.2f}x the encoding floor (goal < 1.5x)")
    print(f"first render: {cold * 1000 / slides:7.1f} ms per slide (fresh process: fonts loaded, "
          "photos decoded, nothing cached)")


if __name__ == "__main__":
    main()
