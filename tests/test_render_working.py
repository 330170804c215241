"""Working copies of photos (render/working.py): made when a photo enters (studio upload,
save, ``outreach photos prepare``), used by the renderer only when they match the
original's bytes and cover the layer, and giving the original's pixels within a bound."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from outreach.errors import ImageError
from outreach.render import paint, render_post, working
from outreach.render.data import check_data, load_data, media_rule
from outreach.render.template import load_template

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "templates" / "cards"

CARD = """\
description: 사진 시험
canvas: {width: 600, height: 400}
fields:
  photo: {type: image, label: 사진}
  focus: {type: list, items: number, required: false}
  back: {type: image, label: 배경, required: false}
slides:
  - name: 사진
    alt: 사진 한 장
    layers:
      - {type: background, color: "#ffffff"}
      - {type: background, when: "{{ back }}", image: "{{ back }}", blur: 4}
      - {type: image, name: 사진, box: [0, 0, 300, 300], src: "{{ photo }}",
         focus: "{{ focus or [0.5, 0.5] }}"}
      - {type: image, name: 작은 사진, box: [320, 20, 200, 120], src: "{{ photo }}", fit: contain}
"""


@pytest.fixture(autouse=True)
def cold_caches():
    """Every test starts without decoded photos: the copy or the original is read again."""
    paint.PHOTOS.clear()
    paint.NATURAL.clear()
    yield
    paint.PHOTOS.clear()
    paint.NATURAL.clear()


def card(tmp_path: Path):
    folder = tmp_path / "cards" / "card"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "template.yaml").write_text(CARD, encoding="utf-8")
    return load_template(tmp_path / "cards", "card")


def render(tmp_path: Path, photo: Path, **data) -> tuple[Image.Image, list]:
    card(tmp_path)
    paint.PHOTOS.clear()
    paint.NATURAL.clear()
    data_file = tmp_path / "data.yaml"
    data_file.write_text(yaml.safe_dump({"photo": str(photo), **data}), encoding="utf-8")
    post = render_post(tmp_path / "cards", "card", out_dir=tmp_path / "post", data_file=data_file)
    return Image.open(post.slides[0].path).convert("RGB"), post.warnings


def prepare(tmp_path: Path, photo: Path, **data) -> list:
    tpl = card(tmp_path)
    values = check_data(tpl.fields, {"photo": str(photo), **data}, source=tmp_path / "d.yaml",
                        media=media_rule(tmp_path / "d.yaml", None))
    return working.prepare_data(tpl, values)


def scene(size=(1200, 900), seed: int = 3) -> Image.Image:
    """A photo-like picture (smooth shapes and some texture), deterministic."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size[1], 0:size[0]].astype(np.float32)
    r = 128 + 100 * np.sin(x / 70.0) * np.cos(y / 55.0)
    g = 128 + 90 * np.sin((x + y) / 90.0)
    b = 255 * x / size[0]
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 6, (size[1], size[0], 3))
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")


def progressive(path: Path, img: Image.Image) -> Path:
    img.save(path, "JPEG", quality=90, progressive=True)
    return path


def tamper(copy: Path, color: tuple[int, int, int]) -> None:
    """Paint the working copy one colour, keeping its tag: shows whether a render used it."""
    with Image.open(copy) as img:
        size, comment = img.size, img.info["comment"]
    Image.new("RGB", size, color).save(copy, "JPEG", quality=95, comment=comment)


def diff(a: Image.Image, b: Image.Image, box=None) -> tuple[float, int]:
    x = np.asarray(a.crop(box) if box else a, dtype=np.int16)
    y = np.asarray(b.crop(box) if box else b, dtype=np.int16)
    d = np.abs(x - y)
    return float(d.mean()), int(d.max())


# --- sizes ------------------------------------------------------------------------------

def test_the_copy_covers_the_largest_layer_at_any_focal_point_and_never_grows() -> None:
    assert working.needed_size((1800, 1350), [(1080, 680)]) == (1080, 810)
    assert working.needed_size((1800, 1350), [(1080, 680), (1080, 1350)]) == (1800, 1350)
    assert working.needed_size((4032, 3024), [(1080, 1350)]) == (1800, 1350)
    assert working.needed_size((3024, 4032), [(1080, 680)]) == (1080, 1440)
    assert working.needed_size((800, 600), [(1080, 680)]) == (800, 600)   # never larger
    assert working.needed_size((2400, 1200), [(1080, 680)]) == (1360, 680)
    assert working.needed_size((1000, 333), [(300, 100)]) == (301, 100)


def test_the_weekend_guide_draws_the_cover_photo_full_canvas_and_event_photos_in_a_band() -> None:
    boxes = working.photo_boxes(load_template(TEMPLATES, "weekend-guide"))
    assert boxes == {"cover_photo": [(1080, 1350)], "events.photo": [(1080, 680)]}
    assert working.field_key("events[2].photo") == "events.photo"


# --- made, used, ignored ----------------------------------------------------------------

def test_a_copy_is_upright_baseline_beside_the_original_and_the_original_is_untouched(
        tmp_path) -> None:
    stored = scene((900, 1200))                       # stored on its side, as phones do
    exif = Image.Exif()
    exif[0x0112] = 6
    photo = tmp_path / "phone.jpg"
    stored.save(photo, "JPEG", quality=92, progressive=True, exif=exif.tobytes())
    before = photo.read_bytes()
    [(fields, done)] = prepare(tmp_path, photo)
    assert fields == "photo" and done.made and done.natural == (1200, 900)
    assert done.copy == photo.parent / ".working" / f"{paint.file_digest(before)}.jpg"
    assert done.size == (400, 300)                    # covers 300x300 (and 200x120)
    with Image.open(done.copy) as img:
        assert img.size == (400, 300) and not img.info.get("progressive")
        assert img.getexif().get(0x0112, 1) == 1
    assert photo.read_bytes() == before
    [(_, again)] = prepare(tmp_path, photo)           # up to date: kept, not rewritten
    assert again.copy == done.copy and not again.made


def test_the_renderer_uses_a_valid_copy(tmp_path) -> None:
    photo = progressive(tmp_path / "p.jpg", scene())
    [(_, done)] = prepare(tmp_path, photo)
    tamper(done.copy, (0, 200, 0))
    img, _ = render(tmp_path, photo)
    assert img.getpixel((150, 150)) == pytest.approx((0, 200, 0), abs=3)


def test_a_replaced_original_ignores_its_old_copy(tmp_path) -> None:
    photo = progressive(tmp_path / "p.jpg", scene())
    [(_, done)] = prepare(tmp_path, photo)
    tamper(done.copy, (0, 200, 0))
    # same name, same size and time stamp, other pixels: the digest tells them apart
    stat = photo.stat()
    Image.new("RGB", (1200, 900), (200, 30, 30)).save(photo, "JPEG", quality=90)
    os.utime(photo, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    img, _ = render(tmp_path, photo)
    assert img.getpixel((150, 150)) == pytest.approx((200, 30, 30), abs=6)
    assert done.copy.is_file()                        # still there, never used again


def test_a_copy_smaller_than_the_layer_is_ignored(tmp_path) -> None:
    photo = progressive(tmp_path / "p.jpg", scene())
    done = working.prepare(photo, [(120, 90)])        # made for a smaller layer elsewhere
    assert done.size == (120, 90)
    tamper(done.copy, (0, 200, 0))
    img, _ = render(tmp_path, photo)                  # the card's layer is 300x300
    assert img.getpixel((150, 150)) != pytest.approx((0, 200, 0), abs=40)
    # preparing for the card replaces it by one covering both
    [(_, bigger)] = prepare(tmp_path, photo)
    assert bigger.made and bigger.size == (400, 300)


def test_a_missing_or_damaged_copy_falls_back_to_the_original(tmp_path) -> None:
    photo = progressive(tmp_path / "p.jpg", scene())
    plain, _ = render(tmp_path / "plain", photo)
    [(_, done)] = prepare(tmp_path, photo)
    done.copy.write_bytes(b"\xff\xd8 not a jpeg any more")
    damaged, _ = render(tmp_path / "damaged", photo)
    assert diff(plain, damaged) == (0.0, 0)
    done.copy.unlink()
    missing, _ = render(tmp_path / "missing", photo)
    assert diff(plain, missing) == (0.0, 0)


# --- same pixels, same behaviour --------------------------------------------------------

def test_the_weekend_guide_from_copies_matches_the_originals(tmp_path) -> None:
    """The bound: each slide within 0.5/255 on average, each event photo band (1080x680)
    within 1.0/255 on average; no pixel more than 32/255 off (single pixels at sharp
    edges: the copy is scaled once more and re-encoded at JPEG quality 95). Measured:
    at most 0.30 per slide, 0.59 per band, 13 for one pixel."""
    spaces = {}
    for kind in ("originals", "working"):
        ws = tmp_path / kind
        shutil.copytree(REPO / "content" / "photos", ws / "content" / "photos",
                        ignore=shutil.ignore_patterns(".working"))
        spaces[kind] = ws
    tpl = load_template(TEMPLATES, "weekend-guide")
    values = check_data(tpl.fields, load_data(tpl.sample), source=tpl.sample,
                        media=media_rule(tpl.sample, spaces["working"], (), TEMPLATES))
    made = working.prepare_data(tpl, values)
    assert sorted(d.size for _, d in made)[0] == (1080, 810)
    slides = {}
    for kind, ws in spaces.items():
        paint.PHOTOS.clear()
        paint.NATURAL.clear()
        post = render_post(TEMPLATES, "weekend-guide", out_dir=tmp_path / f"out-{kind}",
                           image_format="png", workspace=ws)
        slides[kind] = [Image.open(s.path).convert("RGB") for s in post.slides]
        assert not [w for w in post.warnings if w["kind"] == "small_photo"]
    for n, (a, b) in enumerate(zip(slides["originals"], slides["working"]), start=1):
        mean, worst = diff(a, b)
        assert mean <= 0.5 and worst <= 32, (n, mean, worst)
        if 2 <= n <= 8:                               # the event slides
            band, _ = diff(a, b, (0, 0, 1080, 680))
            assert band <= 1.0, (n, band)


def test_focus_contain_and_blur_behave_the_same_with_copies(tmp_path) -> None:
    photo = progressive(tmp_path / "p.jpg", scene((1600, 600)))
    back = progressive(tmp_path / "back.jpg", scene((1500, 1000), seed=5))
    data = {"back": str(back)}
    for focus in ([0.0, 0.5], [1.0, 0.5]):
        shutil.rmtree(tmp_path / ".working", ignore_errors=True)
        plain, _ = render(tmp_path / "plain", photo, focus=focus, **data)
        prepare(tmp_path, photo, focus=focus, **data)
        assert len(list((tmp_path / ".working").iterdir())) == 2
        fast, _ = render(tmp_path / "fast", photo, focus=focus, **data)
        for box in ((0, 0, 300, 300), (320, 20, 520, 140), (300, 150, 600, 400)):
            mean, _ = diff(plain, fast, box)          # cover at the focus, contain, blur
            assert 0 < mean <= 1.5, (focus, box, mean)


def test_a_small_photo_still_warns_with_its_own_size_from_a_copy(tmp_path) -> None:
    photo = progressive(tmp_path / "small.jpg", scene((240, 180)))
    [(_, done)] = prepare(tmp_path, photo)
    assert done.size == done.natural == (240, 180)    # a baseline copy, never enlarged
    _, warnings = render(tmp_path, photo)
    assert [(w["field"], w["photo"], w["box"]) for w in warnings
            if w["kind"] == "small_photo"] == [("photo", [240, 180], [300, 300])]


def test_a_baseline_jpeg_already_small_enough_gets_no_copy(tmp_path) -> None:
    photo = tmp_path / "fit.jpg"
    scene((400, 300)).save(photo, "JPEG", quality=90)
    [(_, done)] = prepare(tmp_path, photo)
    assert done.copy is None and not (tmp_path / ".working").exists()


def test_a_photo_with_alpha_gets_a_png_copy(tmp_path) -> None:
    photo = tmp_path / "logo.png"
    img = scene().convert("RGBA")
    img.putalpha(128)
    img.save(photo)
    [(_, done)] = prepare(tmp_path, photo)
    assert done.copy.suffix == ".png"
    with Image.open(done.copy) as copy:
        assert copy.mode == "RGBA" and copy.size == (400, 300)
    found = working.find(photo, paint.file_digest(photo.read_bytes()))
    assert found is not None and found.natural == (1200, 900)


def test_an_unreadable_photo_is_an_image_error_naming_the_field(tmp_path) -> None:
    photo = tmp_path / "broken.jpg"
    good = io.BytesIO()
    scene().save(good, "JPEG")
    photo.write_bytes(good.getvalue()[:2000])         # the header reads, the pixels do not
    with pytest.raises(ImageError, match=r"^photo: cannot make a working copy of .*broken.jpg"):
        prepare(tmp_path, photo)
    tpl = card(tmp_path)
    values = check_data(tpl.fields, {"photo": str(photo)}, source=tmp_path / "d.yaml",
                        media=media_rule(tmp_path / "d.yaml", None))
    assert working.prepare_data(tpl, values, strict=False) == []


# --- the CLI ----------------------------------------------------------------------------

def outreach(root: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OUTREACH_LANGUAGE": "en",
           "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "outreach", "--root", str(root), *argv],
                          capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def workspace(tmp_path) -> Path:
    root = tmp_path / "ws"
    for folder in ("templates", "schedules", "content"):
        shutil.copytree(REPO / folder, root / folder,
                        ignore=shutil.ignore_patterns(".working", ".history"))
    (root / "outreach.toml").write_text('timezone = "Asia/Seoul"\n[channels.outbox]\ntype = "outbox"\n',
                                        encoding="utf-8")
    return root


def test_photos_prepare_makes_the_copies_once(workspace) -> None:
    first = outreach(workspace, "photos", "prepare", "weekend-guide")
    assert first.returncode == 0, first.stderr
    assert "content/photos/independence-hall.jpg (events.photo): made content/photos/.working/" \
        in first.stdout
    assert "1080x810 of 1800x1350" in first.stdout
    copies = sorted((workspace / "content" / "photos" / ".working").glob("*.jpg"))
    assert len(copies) == 8
    again = outreach(workspace, "photos", "prepare", "weekend-guide",
                     str(workspace / "templates/cards/weekend-guide/sample.yaml"))
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == "0 working copies made, 7 already up to date"


@pytest.mark.parametrize("argv,said", [
    (("nope",), "unknown template 'nope'"),
    (("weekend-guide", "missing.yaml"), "missing.yaml: data file not found"),
])
def test_photos_prepare_bad_input_is_one_line_and_exit_2(workspace, argv, said) -> None:
    result = outreach(workspace, "photos", "prepare", *argv)
    assert result.returncode == 2
    assert result.stdout == "" and len(result.stderr.splitlines()) == 1
    assert said in result.stderr


def test_photos_prepare_names_the_field_of_an_unreadable_photo(workspace) -> None:
    photo = workspace / "content" / "photos" / "taejosan.jpg"
    photo.write_bytes(photo.read_bytes()[:3000])
    result = outreach(workspace, "photos", "prepare", "weekend-guide")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "events.photo: cannot make a working copy of" in result.stderr
    assert "taejosan.jpg" in result.stderr
