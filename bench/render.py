"""Benchmark the card renderer on the sample weekend guide (not a test: it prints figures).

    .venv/bin/python bench/render.py [--runs 5] [--format png|jpeg|both] [--profile]
    valgrind --tool=callgrind .venv/bin/python bench/render.py --format jpeg --cold 1  # and 0
        [--photos working]   # with the photos' working copies present
    .venv/bin/python bench/render.py --format jpeg --waits 4 --photos working
        # how long the painting thread waits for photos and encodings

(from the repository root: the sample's photo paths are relative to the workspace)

For each format it prints, in milliseconds per slide:

- new post: a full render (template + data -> files on disk) with every render cache
  emptied first (photos, text widths, glyph masks and glyphs, line-breaking tokens,
  compiled template strings and texts) in a warm process (modules imported, fonts opened,
  their files' kern tables and character maps read): what the daemon or the web app pays
  for a post it has never seen. Given twice:

  - "new, originals": the photos as they are (seven progressive 1800x1350 JPEGs), no
    working copies: a hand-edited data file pointing at raw photos, and every figure
    of this bench before working copies existed;
  - "new, working": the same photos with their working copies present
    (``render.working``, as the studio keeps every photo it stores): made once
    before any timing, because that is upload time, not render time; every render
    cache is emptied as for the row above, and the copies are read from disk.

  The two rows alternate within each run, each from its own copy of
  ``content/photos`` in a temporary workspace (so a ``.working/`` folder in this
  checkout never leaks into the originals row);
- compiled: a new post as above, but of a template this process has rendered before:
  its strings and channel texts stay compiled (about a tenth of a new post's CPU);
- re-render: the same post again with the caches warm (a text edited and rendered
  again, as the studio does);
- Pillow encode: ``Image.save`` of the same finished slides with the same settings
  (PNG at zlib level ``output.PNG_LEVEL``; JPEG ``output.JPEG_FIRST``: quality 92,
  4:4:4, plain Huffman tables), one after another into memory: the floor for writing
  these images at all.

Each figure is given twice: wall clock and CPU time (``os.times``: user + system of
the whole process, every thread), both per slide. The renderer uses threads (photos
decoded and scaled beside the painting, encoding beside the next slide), so wall can
be below CPU on an idle 2-core machine; on a shared, loaded machine wall is noisy and
CPU time is the steadier figure. "2-core bound" is the larger of the calling thread's
own CPU and half of all the CPU: no 2-core machine can render faster than that, and an
idle one would come close (a bound computed from CPU times, not a wall measurement).

Goals (issue 12): a new post in JPEG <= 15 ms per slide; PNG new post <= 1.3x Pillow's
encode time at the same compression level. Best of ``--runs`` (median in brackets).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from outreach.render import fonts, jinja, linebreak, paint, render_post, textbox  # noqa: E402
from outreach.render.output import JPEG_FIRST, PNG_LEVEL  # noqa: E402


def empty_caches(keep_compiled: bool = False) -> None:
    """Every cross-render cache, but not the opened fonts (a warm process keeps those, and
    what belongs to a font file: whether it has a kern table, which characters its cmap
    maps: ``fonts._coverage``, read once per file and face); with ``keep_compiled`` the
    template's compiled strings and channel texts stay (a process that rendered the
    template before). ``fonts._CHECKS`` (each opened font's answers, and the drawn probes
    of a font whose cmap cannot be read) is emptied."""
    paint.PHOTOS.clear()
    paint.NATURAL.clear()
    paint.qr_mask.cache_clear()
    paint.gradient_colors.cache_clear()
    textbox.WIDTHS.clear()
    textbox.MASKS.clear()
    textbox.GLYPHS.clear()     # the glyphs drawn; our FreeType faces stay open, as Pillow's
    linebreak._tokens.cache_clear()
    if not keep_compiled:
        with jinja._COMPILED_LOCK:
            jinja._COMPILED.clear()
        jinja.text_env.cache_clear()
    fonts._CHECKS.clear()


def pillow_encode(images: list[Image.Image], fmt: str) -> None:
    for img in images:
        buf = io.BytesIO()
        if fmt == "png":
            img.save(buf, "PNG", compress_level=PNG_LEVEL)
        else:
            img.save(buf, "JPEG", **JPEG_FIRST)


def cpu() -> float:
    t = os.times()
    return t.user + t.system


def timed(fn) -> tuple[float, float, float]:
    """(wall, CPU of every thread, CPU of the calling thread) seconds spent in ``fn``."""
    wall, used, own = time.perf_counter(), cpu(), time.thread_time()
    fn()
    return time.perf_counter() - wall, cpu() - used, time.thread_time() - own


def workspaces(tmp: Path, template: str) -> tuple[Path, Path]:
    """Two workspaces holding copies of ``content/``: the originals only, and the
    originals with the working copies of the template's sample photos (made here,
    untimed: upload time, not render time)."""
    import shutil

    from outreach.render import working
    from outreach.render.data import check_data, load_data, media_rule
    from outreach.render.template import load_template

    plain, prepared = tmp / "originals", tmp / "working"
    for ws in (plain, prepared):
        shutil.copytree(REPO / "content", ws / "content",
                        ignore=shutil.ignore_patterns(working.FOLDER, ".history"))
    tpl = load_template(REPO / "templates" / "cards", template)
    values = check_data(tpl.fields, load_data(tpl.sample), source=tpl.sample,
                        media=media_rule(tpl.sample, prepared, (), tpl.folder.parent))
    working.prepare_data(tpl, values)
    return plain, prepared


def bench(fmt: str, runs: int, template: str) -> None:
    templates = REPO / "templates" / "cards"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "post"
        plain, prepared = workspaces(Path(tmp), template)

        def render(ws: Path):
            return render_post(templates, template, out_dir=out, image_format=fmt, workspace=ws)

        post = render(plain)                      # warm the process
        render(prepared)
        slides = len(post.slides)
        new, fast, compiled, again = [], [], [], []
        for _ in range(runs):
            empty_caches()
            new.append(timed(lambda: render(plain)))
            again.append(timed(lambda: render(plain)))
            empty_caches(keep_compiled=True)
            compiled.append(timed(lambda: render(plain)))
            empty_caches()
            fast.append(timed(lambda: render(prepared)))
        images = []
        for slide in post.slides:
            with Image.open(slide.path) as img:
                images.append(img.convert("RGB"))
        encode = [timed(lambda: pillow_encode(images, fmt)) for _ in range(runs)]

    def show(label: str, values: list[tuple[float, float, float]]) -> tuple[float, float]:
        walls = [w * 1000 / slides for w, _, _ in values]
        cpus = [c * 1000 / slides for _, c, _ in values]
        # what an idle 2-core machine could not beat: the painting thread's own CPU, or
        # half of all the CPU (a bound, not a measurement)
        bound = min(max(own, c / 2) * 1000 / slides for _, c, own in values)
        print(f"  {label:<16}wall {min(walls):6.1f} ms/slide (median {statistics.median(walls):6.1f})"
              f"   CPU {min(cpus):6.1f} (median {statistics.median(cpus):6.1f})"
              f"   2-core bound {bound:6.1f}")
        return min(walls), min(cpus)

    load = os.getloadavg()[0]
    print(f"{template}, {slides} slides, {fmt.upper()}, best of {runs} (load average {load:.1f}):")
    (w_new, c_new), (w_fast, c_fast), _, (w_again, c_again), (w_enc, c_enc) = (
        show("new, originals", new), show("new, working²", fast),
        show("  compiled¹", compiled), show("re-render", again), show("Pillow encode", encode))
    print(f"  new post / encode: wall {w_new / w_enc:.2f}x, CPU {c_new / c_enc:.2f}x;"
          f" re-render / encode: wall {w_again / w_enc:.2f}x, CPU {c_again / c_enc:.2f}x")
    print("  ¹ a new post of a template whose strings and channel texts this process has"
          " compiled before (every other cache emptied); originals")
    print("  ² the same new post with the photos' working copies present (made before timing)")
    if fmt == "jpeg":
        for label, w, c in (("originals", w_new, c_new), ("working copies", w_fast, c_fast)):
            print(f"  goal: new post <= 15 ms/slide, {label}: wall "
                  f"{'met' if w <= 15 else 'NOT met'}, CPU {'met' if c <= 15 else 'NOT met'}")
    else:
        print(f"  goal: new post <= 1.3x Pillow's encode: wall "
              f"{'met' if w_new <= 1.3 * w_enc else 'NOT met'}, CPU "
              f"{'met' if c_new <= 1.3 * c_enc else 'NOT met'}")


def profile(fmt: str, runs: int, template: str, photos: str = "originals") -> None:
    """cProfile of the new-post renders, by own time. It sees the painting thread only:
    the photo and encode threads show as waits (``acquire``); use CPU above, or
    ``valgrind --tool=callgrind`` (docs/render.md), for those."""
    import cProfile
    import pstats

    templates = REPO / "templates" / "cards"
    prof = cProfile.Profile()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "post"
        ws = workspaces(Path(tmp), template)[photos == "working"]
        render_post(templates, template, out_dir=out, image_format=fmt, workspace=ws)
        for _ in range(runs):
            empty_caches()
            prof.enable()
            render_post(templates, template, out_dir=out, image_format=fmt, workspace=ws)
            prof.disable()
    print(f"{template}, {fmt.upper()}, new post ({photos}), {runs} runs, painting thread:")
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def cold(fmt: str, renders: int, template: str, keep_compiled: bool = False,
         photos: str = "originals") -> None:
    """One warm-up render, then ``renders`` new posts, nothing timed: for counting
    instructions, which the load of a shared machine does not change. Run under
    ``valgrind --tool=callgrind`` with ``--cold 1`` and ``--cold 0``: the difference of
    the two totals is one new post."""
    templates = REPO / "templates" / "cards"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "post"
        ws = workspaces(Path(tmp), template)[photos == "working"]
        render_post(templates, template, out_dir=out, image_format=fmt, workspace=ws)
        for _ in range(renders):
            empty_caches(keep_compiled)
            render_post(templates, template, out_dir=out, image_format=fmt, workspace=ws)


def waits(fmt: str, renders: int, template: str, photos: str = "working") -> None:
    """New posts (caches emptied) with the time the painting thread spends waiting on
    other threads (``Future.result``: a photo being prepared, an encoding), per wait
    longer than 2 ms in call order, beside its own CPU and the wall clock."""
    import concurrent.futures._base as futures
    import threading

    waited: list[tuple[int, float]] = []
    result = futures.Future.result

    def timed_result(self, timeout=None):
        start = time.perf_counter()
        try:
            return result(self, timeout)
        finally:
            if threading.current_thread() is threading.main_thread():
                waited.append((len(waited), time.perf_counter() - start))

    futures.Future.result = timed_result        # this bench process only
    templates = REPO / "templates" / "cards"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "post"
        ws = workspaces(Path(tmp), template)[photos == "working"]
        render_post(templates, template, out_dir=out, image_format=fmt, workspace=ws)
        print(f"{template}, {fmt.upper()}, new post ({photos}), painting thread waits "
              f"(load average {os.getloadavg()[0]:.1f}):")
        for _ in range(renders):
            empty_caches()
            waited.clear()
            wall, _, own = timed(lambda: render_post(templates, template, out_dir=out,
                                                     image_format=fmt, workspace=ws))
            long = ", ".join(f"#{i} {w * 1000:.0f}" for i, w in waited if w > 0.002)
            print(f"  wall {wall * 1000:6.0f} ms, painting thread CPU {own * 1000:5.0f} ms,"
                  f" waiting {sum(w for _, w in waited) * 1000:5.0f} ms ({long or 'none'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--format", default="both", choices=("png", "jpeg", "both"))
    parser.add_argument("--template", default="weekend-guide")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of the new-post renders instead of timings")
    parser.add_argument("--cold", type=int, metavar="N",
                        help="render N new posts after a warm-up, untimed (for callgrind)")
    parser.add_argument("--keep-compiled", action="store_true",
                        help="with --cold: keep the template's compiled strings and texts")
    parser.add_argument("--photos", default="originals", choices=("originals", "working"),
                        help="with --cold, --profile or --waits: render from the original photos or "
                             "with their working copies present")
    parser.add_argument("--waits", type=int, metavar="N",
                        help="render N new posts and print how long the painting thread "
                             "waited for the photo and encoding threads")
    args = parser.parse_args()
    for fmt in (("png", "jpeg") if args.format == "both" else (args.format,)):
        if args.cold is not None:
            cold(fmt, args.cold, args.template, args.keep_compiled, args.photos)
        elif args.waits is not None:
            waits(fmt, args.waits, args.template, args.photos)
        elif args.profile:
            profile(fmt, args.runs, args.template, args.photos)
        else:
            bench(fmt, args.runs, args.template)


if __name__ == "__main__":
    main()
