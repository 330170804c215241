"""Photos on cards: JPEG, PNG, WebP and HEIC, EXIF rotation, the focal point from the data,
small-photo warnings, reduced-size JPEG decoding, and JPEG for Instagram."""

from __future__ import annotations

import io
from pathlib import Path

import pillow_heif
import pytest
import yaml
from PIL import Image, ImageOps

from outreach.channels.facebook import FacebookChannel
from outreach.channels.instagram import InstagramChannel
from outreach.channels.wordpress import WordPressChannel
from outreach.publishing.drafts import image_options
from outreach.render import paint, render_post

CARD = """\
description: 사진 시험
canvas: {width: 600, height: 400}
fields:
  photo: {type: image, label: 사진}
  focus: {type: list, items: number, required: false}
slides:
  - name: 사진
    alt: 사진 한 장
    layers:
      - {type: background, color: "#ffffff"}
      - {type: image, name: 사진, box: [0, 0, 300, 300], src: "{{ photo }}",
         focus: "{{ focus or [0.5, 0.5] }}"}
"""


def halves(size=(400, 200), left="red", right="blue") -> Image.Image:
    img = Image.new("RGB", size, left)
    img.paste(Image.new("RGB", (size[0] // 2, size[1]), right), (size[0] // 2, 0))
    return img


def render(tmp_path: Path, photo: Path, **data) -> tuple[Image.Image, tuple]:
    folder = tmp_path / "cards" / "card"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "template.yaml").write_text(CARD, encoding="utf-8")
    data_file = tmp_path / "data.yaml"
    data_file.write_text(yaml.safe_dump({"photo": photo.name, **data}), encoding="utf-8")
    post = render_post(tmp_path / "cards", "card", out_dir=tmp_path / "post", data_file=data_file)
    return Image.open(post.slides[0].path).convert("RGB"), post.warnings


def near(color: tuple, want: tuple, tol: int = 40) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(color, want))


@pytest.mark.parametrize("fmt,suffix", [("JPEG", ".jpg"), ("PNG", ".png"), ("WEBP", ".webp"),
                                        ("HEIF", ".heic")])
def test_every_photo_format_staff_upload_renders(tmp_path, fmt, suffix) -> None:
    pillow_heif.register_heif_opener()
    path = tmp_path / f"photo{suffix}"
    Image.new("RGB", (640, 480), (0, 160, 60)).save(path, fmt)
    img, _ = render(tmp_path, path)
    assert near(img.getpixel((150, 150)), (0, 160, 60))


def test_exif_rotation_is_applied_to_phone_photos(tmp_path) -> None:
    # stored sideways (red left, blue right) with "rotate 90 clockwise to display"
    stored = halves((600, 400))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "phone.jpg"
    stored.save(path, "JPEG", exif=exif.tobytes(), quality=95)
    upright = ImageOps.exif_transpose(Image.open(path))
    assert upright.size == (400, 600)            # red on top, blue below once upright
    img, _ = render(tmp_path, path)
    assert near(img.getpixel((150, 20)), (255, 0, 0)) and near(img.getpixel((150, 280)), (0, 0, 255))


def test_the_focal_point_in_the_data_chooses_the_crop(tmp_path) -> None:
    path = tmp_path / "wide.png"
    halves((800, 300)).save(path)
    left, _ = render(tmp_path / "l", _copy(path, tmp_path / "l"), focus=[0.0, 0.5])
    right, _ = render(tmp_path / "r", _copy(path, tmp_path / "r"), focus=[1.0, 0.5])
    assert near(left.getpixel((150, 150)), (255, 0, 0))
    assert near(right.getpixel((150, 150)), (0, 0, 255))


def _copy(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    target.write_bytes(path.read_bytes())
    return target


def test_a_photo_smaller_than_its_layer_is_a_warning_naming_the_field(tmp_path) -> None:
    path = tmp_path / "small.jpg"
    Image.new("RGB", (200, 150), "gray").save(path)
    _, warnings = render(tmp_path, path)
    assert [(w["kind"], w["field"], w["photo"], w["box"]) for w in warnings] == \
        [("small_photo", "photo", [200, 150], [300, 300])]
    # a cached second render still warns
    _, again = render(tmp_path, path)
    assert again == warnings


def test_large_jpegs_are_decoded_at_a_reduced_size() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (4000, 3000), "gray").save(buf, "JPEG")
    img, natural = paint.open_image(buf.getvalue(), (500, 375))
    assert natural == (4000, 3000)
    assert img.size == (500, 375)                # libjpeg's 1/8 scale, never below the target


def test_instagram_gets_jpeg_and_the_smallest_budget_of_the_others() -> None:
    assert image_options([InstagramChannel, FacebookChannel]) == ("jpeg", 4_000_000)
    assert image_options([WordPressChannel, FacebookChannel])[0] == "png"
