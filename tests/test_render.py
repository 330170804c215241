"""Rendering: text fitting, layers inside the canvas, the sample templates, output and budgets."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from outreach.errors import TemplateError
from outreach.render import load_rendered, render_post
from outreach.render.fonts import EMBEDDED_FAMILY, FontBook
from outreach.render.textbox import TextStyle, fit, layout_at
from test_fonts import no_system_fonts  # noqa: F401 - the shared fixture

REPO = Path(__file__).resolve().parents[1]
CARDS = REPO / "templates" / "cards"


def font_at(size: int):
    return FontBook().get(EMBEDDED_FAMILY, 700, size)


def style(**kw) -> TextStyle:
    base = dict(family=EMBEDDED_FAMILY, weight=700, size=90, min_size=30, color=(0, 0, 0, 255),
                line_height=1.2)
    base.update(kw)
    return TextStyle(**base)


# --- shrink-to-fit -------------------------------------------------------------------------

@pytest.mark.parametrize("text,width,height,max_lines", [
    ("천안삼거리공원 능수버들 봄밤 야간 산책과 거리 버스킹 공연", 600, 220, 2),
    ("독립기념관 겨레의 큰마당 가족 역사 탐험 스탬프 투어", 900, 300, None),
    ("이번 주말,\n천안에서 뭐 하지?", 500, 400, 3),
    ("태조산공원", 300, 100, 1),
])
def test_shrink_to_fit_picks_the_largest_size_that_fits(text, width, height, max_lines) -> None:
    s = style(max_lines=max_lines)
    chosen = fit(text, s, width, height, font_at)
    assert chosen.fits and s.min_size <= chosen.size <= s.size
    assert all(w <= width + 0.5 for w in chosen.widths)
    assert chosen.height <= height + 0.5
    if chosen.size < s.size:
        bigger = layout_at(text, s, chosen.size + 1, width, height, font_at)
        assert not bigger.fits


def test_text_that_fits_at_max_size_is_not_shrunk() -> None:
    assert fit("천안", style(), 900, 300, font_at).size == 90


def test_ellipsis_cuts_the_last_line_to_fit() -> None:
    text = "조명이 켜진 능수버들 길을 따라 걷다 보면 지역 청년 음악인들의 어쿠스틱 공연이 이어집니다. " * 3
    s = style(size=32, min_size=28, max_lines=2, ellipsis=True)
    laid = fit(text, s, 600, 200, font_at)
    assert laid.fits and laid.truncated and len(laid.lines) == 2
    assert laid.lines[-1].endswith("…") and laid.size == 28
    assert max(laid.widths) <= 600


def test_letter_spacing_in_percent_widens_lines() -> None:
    plain = layout_at("주말사용설명서", style(), 90, 2000, 500, font_at)
    spaced = layout_at("주말사용설명서", style(letter_spacing=10, spacing_is_em=True), 90, 2000, 500,
                       font_at)
    assert spaced.widths[0] == pytest.approx(plain.widths[0] + 6 * 9.0)


# --- layers stay in their boxes and the canvas -----------------------------------------------

LAYOUT = """\
description: 시험용 카드
canvas: {width: 600, height: 500}
fields:
  title: {type: text}
slides:
  - alt: "{{ title }}"
    layers:
      - {type: background, color: "#ffffff"}
      - {type: text, name: 제목, box: [50, 60, 300, 160], text: "{{ title }}", size: 80, min_size: 20,
         color: "#000000", align: center, valign: middle}
      - {type: shape, box: [400, 300, 150, 150], shape: ellipse, fill: "#ff0000"}
      - {type: page, box: [450, 20, 130, 50], color: "#0000ff"}
"""


def test_text_and_shapes_stay_inside_their_boxes(tmp_path) -> None:
    folder = tmp_path / "cards" / "t"
    folder.mkdir(parents=True)
    (folder / "template.yaml").write_text(LAYOUT, encoding="utf-8")
    data = tmp_path / "d.yaml"
    data.write_text("title: 천안삼거리공원 능수버들 봄밤 야간 산책\n", encoding="utf-8")
    post = render_post(tmp_path / "cards", "t", out_dir=tmp_path / "out", data_file=data)
    img = Image.open(post.slides[0].path).convert("RGB")
    assert img.size == (600, 500)
    white = Image.new("RGB", img.size, "white")
    for box in ((50, 60, 350, 220), (400, 300, 550, 450), (450, 20, 580, 70)):
        inside = ImageChops.difference(img.crop(box), white.crop(box)).getbbox()
        assert inside is not None  # something was drawn there
        img.paste("white", box)
    assert ImageChops.difference(img, white).getbbox() is None  # and nothing anywhere else


# --- the sample templates --------------------------------------------------------------------

def test_readme_main_command_renders_the_weekend_guide_with_only_the_embedded_font(tmp_path) -> None:
    out = tmp_path / "tmp"
    env = {**os.environ, "XDG_DATA_DIRS": str(tmp_path / "none"), "HOME": str(tmp_path / "home"),
           "OUTREACH_HOME": ""}
    proc = subprocess.run([sys.executable, "-m", "outreach", "render", "weekend-guide",
                           "--out", str(out)], capture_output=True, text=True, cwd=REPO, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"folder: {out}" in proc.stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    events = 7
    assert len(manifest["slides"]) == events + 2
    for rec in manifest["slides"]:
        assert (rec["width"], rec["height"]) == (1080, 1350)
        assert (out / rec["file"]).stat().st_size == rec["bytes"]
        assert rec["alt_text"].strip()
    assert set(manifest["texts"]) == {"blog", "facebook", "instagram", "kakao", "youtube", "band", "threads"}
    post = load_rendered(out)
    assert post.title == "5월 셋째 주 천안 주말사용설명서"
    assert "천안삼거리공원" in post.slides[1].alt_text
    assert "#주말사용설명서" in post.texts["instagram"] and len(post.texts["instagram"]) <= 2200
    assert "<h3>1. 천안삼거리공원" in post.texts["blog"]
    assert post.links == ("https://www.cheonan.go.kr", "https://www.i815.or.kr")
    assert "주말사용설명서" in post.tags


def test_now_in_city_renders_one_square_card_without_system_fonts(tmp_path, no_system_fonts) -> None:
    post = render_post(CARDS, "now-in-city", out_dir=tmp_path / "now", image_format="jpeg")
    assert len(post.slides) == 1
    slide = post.slides[0]
    assert (slide.width, slide.height, slide.format) == (1080, 1080, "jpeg")
    assert slide.path.name == "slide-01.jpg"
    with Image.open(slide.path) as img:
        assert img.format == "JPEG" and img.size == (1080, 1080)
    assert "10월 10일(토) 오후 4시 30분" in slide.alt_text
    assert post.texts["kakao"].startswith("[지금 이 시간] 흥타령춤축제")
    assert set(post.texts) == {"facebook", "instagram", "kakao", "band", "threads"}


def test_data_from_a_feed_item_ignores_extra_fields_and_takes_context(tmp_path) -> None:
    photo = REPO / "content" / "photos" / "city-hall.jpg"
    item = {"headline": "시청 앞 광장 분수 오늘부터 가동", "detail": "오전 10시부터 오후 9시까지.",
            "at": "2026-06-01T10:00:00", "photo": str(photo), "guid": "feed-123"}
    post = render_post(CARDS, "now-in-city", out_dir=tmp_path / "o", data=item, image_format="jpeg",
                       context={"now": "ignored"})
    assert post.data["headline"] == "시청 앞 광장 분수 오늘부터 가동"
    assert "guid" not in post.data
    assert post.data["at"] == "2026-06-01T10:00:00"


# --- output and budgets ----------------------------------------------------------------------

def test_jpeg_quality_drops_to_meet_the_budget(tmp_path) -> None:
    free = render_post(CARDS, "now-in-city", out_dir=tmp_path / "a", image_format="jpeg")
    budget = free.slides[0].bytes * 2 // 3
    tight = render_post(CARDS, "now-in-city", out_dir=tmp_path / "b", image_format="jpeg",
                        image_budget=budget)
    assert tight.slides[0].bytes <= budget < free.slides[0].bytes


def test_png_over_budget_suggests_jpeg(tmp_path) -> None:
    with pytest.raises(TemplateError, match=r"slide 1 .* as PNG, over the 50 kB image budget: "
                                            r"render with --format jpeg"):
        render_post(CARDS, "now-in-city", out_dir=tmp_path / "a", image_budget=50_000)
    assert not (tmp_path / "a").exists()


def test_blog_html_is_autoescaped_and_plain_texts_are_not(tmp_path) -> None:
    folder = tmp_path / "cards" / "t"
    (folder / "texts").mkdir(parents=True)
    (folder / "template.yaml").write_text(LAYOUT, encoding="utf-8")
    (folder / "texts" / "blog.j2").write_text("<h2>{{ title }}</h2>", encoding="utf-8")
    (folder / "texts" / "facebook.j2").write_text("{{ title }}", encoding="utf-8")
    post = render_post(tmp_path / "cards", "t", out_dir=tmp_path / "o",
                       data={"title": "<b>천안</b> & 주말"}, image_format="jpeg")
    assert post.texts["blog"] == "<h2>&lt;b&gt;천안&lt;/b&gt; &amp; 주말</h2>"
    assert post.texts["facebook"] == "<b>천안</b> & 주말"
    assert (post.out_dir / "blog.html").is_file() and (post.out_dir / "facebook.txt").is_file()


def test_load_rendered_reads_back_what_render_wrote(tmp_path) -> None:
    post = render_post(CARDS, "now-in-city", out_dir=tmp_path / "o", image_format="jpeg")
    again = load_rendered(tmp_path / "o")
    assert again == post
    (tmp_path / "o" / "slide-01.jpg").unlink()
    with pytest.raises(TemplateError, match="slide-01.jpg is missing: render the post again"):
        load_rendered(tmp_path / "o")


def test_an_unknown_image_format_is_refused(tmp_path) -> None:
    with pytest.raises(TemplateError, match="unknown image format 'gif': use png or jpeg"):
        render_post(CARDS, "now-in-city", out_dir=tmp_path / "o", image_format="gif")


def test_sample_data_keeps_realistic_korean_events() -> None:
    import yaml

    sample = yaml.safe_load((CARDS / "weekend-guide" / "sample.yaml").read_text(encoding="utf-8"))
    assert len(sample["events"]) >= 6
    places = " ".join(e["place"] for e in sample["events"])
    for place in ("천안삼거리공원", "독립기념관", "아라리오광장", "천안종합운동장", "신부문화거리", "태조산공원"):
        assert place in places
    assert all(len(e["title"]) >= 20 for e in sample["events"])


def test_photo_layers_cover_contain_and_circle(tmp_path) -> None:
    folder = tmp_path / "cards" / "t"
    folder.mkdir(parents=True)
    Image.new("RGB", (400, 200), "#ff0000").save(folder / "red.png")
    (folder / "template.yaml").write_text("""\
description: 사진 시험
canvas: {width: 300, height: 300}
slides:
  - alt: 사진 시험
    layers:
      - {type: background, color: "#ffffff"}
      - {type: image, box: [0, 0, 100, 100], src: red.png, shape: circle}
      - {type: image, box: [150, 0, 150, 150], src: red.png, fit: contain}
      - {type: image, box: [0, 150, 150, 150], src: red.png, radius: 30, darken: 0.5}
""", encoding="utf-8")
    post = render_post(tmp_path / "cards", "t", out_dir=tmp_path / "o", data={})
    img = Image.open(post.slides[0].path).convert("RGB")
    assert img.getpixel((50, 50)) == (255, 0, 0)          # circle centre
    assert img.getpixel((2, 2)) == (255, 255, 255)        # circle corner stays background
    assert img.getpixel((225, 75)) == (255, 0, 0)         # contain: 150x75 band in the middle
    assert img.getpixel((225, 10)) == (255, 255, 255)     # ... with background above it
    r, g, b = img.getpixel((75, 225))                     # darkened by half
    assert r in (127, 128) and g == b == 0
    assert img.getpixel((1, 151)) == (255, 255, 255)      # rounded corner


# --- caches shared by the renders of one process ---------------------------------------------

PHOTO_CARD = """\
description: 사진 캐시 시험
canvas: {width: 200, height: 200}
slides:
  - alt: 사진 캐시 시험
    layers:
      - {type: background, image: photo.bmp, darken: 0.5}
      - {type: image, box: [50, 50, 100, 100], src: photo.bmp,
         overlay: {from: "#00000000", to: "#000000ff", angle: 180}}
"""


def test_an_edited_photo_is_read_again_even_with_the_same_size_and_time(tmp_path) -> None:
    folder = tmp_path / "cards" / "t"
    folder.mkdir(parents=True)
    photo = folder / "photo.bmp"
    Image.new("RGB", (300, 300), "#ff0000").save(photo)
    (folder / "template.yaml").write_text(PHOTO_CARD, encoding="utf-8")
    first = render_post(tmp_path / "cards", "t", out_dir=tmp_path / "a", data={})
    with Image.open(first.slides[0].path) as img:
        assert img.convert("RGB").getpixel((10, 10)) == (128, 0, 0)   # red, darkened by half
    stat = photo.stat()
    Image.new("RGB", (300, 300), "#0000ff").save(photo)             # same size (BMP)
    assert photo.stat().st_size == stat.st_size
    os.utime(photo, ns=(stat.st_atime_ns, stat.st_mtime_ns))         # and the same time
    second = render_post(tmp_path / "cards", "t", out_dir=tmp_path / "b", data={})
    with Image.open(second.slides[0].path) as img:
        assert img.convert("RGB").getpixel((10, 10)) == (0, 0, 128)


def test_cached_renders_match_a_cold_render_pixel_for_pixel(tmp_path) -> None:
    from outreach.render import paint, textbox

    def shas(post):
        return [json.loads((post.out_dir / "manifest.json").read_text())["slides"][i]["sha256"]
                for i in range(len(post.slides))]

    for cache in (paint.PHOTOS, textbox.MASKS, textbox.WIDTHS):
        cache.clear()
    cold = render_post(CARDS, "weekend-guide", out_dir=tmp_path / "cold", image_format="jpeg")
    assert len(paint.PHOTOS) and len(textbox.MASKS) and len(textbox.WIDTHS)
    warm = render_post(CARDS, "weekend-guide", out_dir=tmp_path / "warm", image_format="jpeg")
    assert shas(cold) == shas(warm)


def test_photo_cache_drops_the_least_recently_used_past_its_budget() -> None:
    from outreach.render.paint import PhotoCache

    cache = PhotoCache(budget=3 * 100 * 100 * 4)
    for name in "abc":
        cache.put((name,), Image.new("RGB", (100, 100)))
    assert cache.get(("a",)) is not None          # a is now the most recently used
    cache.put(("d",), Image.new("RGB", (100, 100)))
    assert cache.get(("b",)) is None and len(cache) == 3
    assert all(cache.get((k,)) is not None for k in "acd")
    cache.put(("huge",), Image.new("RGB", (1000, 1000)))   # over the whole budget: not kept
    assert cache.get(("huge",)) is None and len(cache) == 3


def test_an_edited_channel_text_template_is_compiled_again(tmp_path) -> None:
    folder = tmp_path / "cards" / "t"
    (folder / "texts").mkdir(parents=True)
    (folder / "template.yaml").write_text(LAYOUT, encoding="utf-8")
    text = folder / "texts" / "facebook.j2"
    text.write_text("첫 번째 {{ title }}", encoding="utf-8")
    first = render_post(tmp_path / "cards", "t", out_dir=tmp_path / "a", data={"title": "주말"},
                        image_format="jpeg")
    stat = text.stat()
    text.write_text("두 번째 {{ title }}", encoding="utf-8")          # same length in bytes
    os.utime(text, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    second = render_post(tmp_path / "cards", "t", out_dir=tmp_path / "b", data={"title": "주말"},
                         image_format="jpeg")
    assert (first.texts["facebook"], second.texts["facebook"]) == ("첫 번째 주말", "두 번째 주말")


def test_png_that_misses_the_budget_at_the_fast_level_is_tried_at_level_9() -> None:
    from outreach.render.output import encode

    img = Image.linear_gradient("L").resize((600, 600)).convert("RGB")
    fast = encode(img, "png", None, "slide 1")
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=9)
    small = buf.getvalue()
    assert len(small) < len(fast)
    assert encode(img, "png", len(small), "slide 1") == small
