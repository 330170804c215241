"""What a photo's working copy costs at upload time and saves at render time (prints figures).

    .venv/bin/python bench/photos.py [--runs 5]

(from the repository root). Makes, untimed, a 12-megapixel phone photo (4032x3024, a
sample scene enlarged with sensor noise added, baseline JPEG quality 90, stored on its
side with EXIF orientation 6 as phones do) and the same photo as HEIC (pillow-heif,
quality 50, about an iPhone's file size; it stores the turn as HEIF's own rotation, applied on decoding) when
pillow-heif can encode. For each photo and two boxes of the weekend guide (an event
photo, 1080x680; the cover, the whole 1080x1350 canvas) it prints, in ms of the
process's CPU (``os.times``, every thread: libheif decodes in threads of its own),
best of ``--runs``, median in brackets, and wall:

- upload: ``render.working.prepare`` (read, hash, decode at the reduced scale the copy
  allows, scale, encode the baseline JPEG, write it): paid once, when the photo is
  stored;
- render, original: what a new post pays today for that layer (read, hash, decode,
  cover-fit into the box: ``open_image`` + ``cover``, as ``SlidePainter`` does);
- render, working: the same from the working copy (its bytes read and checked, decoded,
  cover-fit).

A render reads and hashes the original either way (the copy is found by the
original's digest); that is included in both render rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from outreach.render import paint, working  # noqa: E402

BOXES = {"event 1080x680": (1080, 680), "cover 1080x1350": (1080, 1350)}


def phone_photos(folder: Path) -> dict[str, Path]:
    from PIL import ImageChops

    with Image.open(REPO / "content" / "photos" / "independence-hall.jpg") as img:
        big = img.convert("RGB").resize((4032, 3024), Image.Resampling.BICUBIC)
    # sensor noise, so the file is as large as a phone's (an enlarged picture is too smooth)
    grain = Image.effect_noise((4032, 3024), 10).convert("RGB")
    big = ImageChops.add(big, grain, scale=1.0, offset=-128)
    sideways = big.transpose(Image.Transpose.ROTATE_90)        # as the sensor stored it
    exif = Image.Exif()
    exif[0x0112] = 6
    out = {"12 MP JPEG": folder / "phone.jpg"}
    sideways.save(out["12 MP JPEG"], "JPEG", quality=90, exif=exif.tobytes())
    try:
        import pillow_heif

        heif = pillow_heif.from_pillow(sideways)
        heif.info["exif"] = exif.tobytes()
        heif.save(folder / "phone.heic", quality=50)
        out["12 MP HEIC"] = folder / "phone.heic"
    except Exception as exc:  # noqa: BLE001 - no HEIF encoder: JPEG only
        print(f"(no HEIC: {exc})")
    return out


def cpu() -> float:
    t = os.times()
    return t.user + t.system


def timed(fn) -> tuple[float, float]:
    wall, used = time.perf_counter(), cpu()
    fn()
    return (time.perf_counter() - wall) * 1000, (cpu() - used) * 1000


def render_from(original: Path, box: tuple[int, int], use_copy: bool) -> None:
    data = original.read_bytes()
    digest = paint.file_digest(data)
    copy = working.find(original, digest) if use_copy else None
    source = copy.data if copy is not None and copy.covers(box) else data
    if use_copy:
        assert source is not data, "the working copy was not used"
    photo, _ = paint.open_image(source, box)
    paint.cover(photo, box, (0.5, 0.5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    paint.register_heif()

    def show(label: str, values: list[tuple[float, float]]) -> str:
        cpu = [c for _, c in values]
        wall = [w for w, _ in values]
        return (f"    {label:<18} CPU {min(cpu):6.1f} ms (median {statistics.median(cpu):6.1f})"
                f"   wall {min(wall):6.1f} (median {statistics.median(wall):6.1f})")

    with tempfile.TemporaryDirectory() as tmp:
        photos = phone_photos(Path(tmp))
        for name, path in photos.items():
            with Image.open(path) as img:
                turn = img.getexif().get(0x0112, 1)
                print(f"{name}: {path.stat().st_size / 1e6:.1f} MB, stored {img.size[0]}x"
                      f"{img.size[1]}, EXIF orientation {turn}")
            for label, box in BOXES.items():
                upload = []
                for _ in range(args.runs):
                    for old in path.parent.glob(f"{working.FOLDER}/*"):
                        old.unlink()
                    upload.append(timed(lambda: working.prepare(path, [box])))
                made = working.find(path, paint.file_digest(path.read_bytes()))
                assert made is not None
                original = [timed(lambda: render_from(path, box, False)) for _ in range(args.runs)]
                fast = [timed(lambda: render_from(path, box, True)) for _ in range(args.runs)]
                print(f"  {label}: working copy {made.size[0]}x{made.size[1]}, "
                      f"{len(made.data) / 1e3:.0f} kB")
                print(show("upload (prepare)", upload))
                print(show("render, original", original))
                print(show("render, working", fast))


if __name__ == "__main__":
    main()
