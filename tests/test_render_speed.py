"""The speed-ups of the renderer keep its pixels: photos prepared in threads, the
direction-dependent photo filter, JPEG's first try. (Timings are in bench/render.py,
never asserted here.)"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageChops, ImageOps

from outreach.render import paint, render_post, textbox
from outreach.render.fonts import FontBook
from outreach.render.jinja import Evaluator, expression_env
from outreach.render.output import JPEG_FIRST, encode
from outreach.render.post import base_context, expand, post_data
from outreach.render.slides import SlidePainter
from outreach.render.template import load_template

REPO = Path(__file__).resolve().parents[1]
CARDS = REPO / "templates" / "cards"


def _cold() -> None:
    paint.PHOTOS.clear()
    textbox.MASKS.clear()
    textbox.WIDTHS.clear()


def test_photos_prepared_in_threads_give_the_pixels_of_painting_one_slide_at_a_time(
        tmp_path) -> None:
    _cold()
    post = render_post(CARDS, "weekend-guide", out_dir=tmp_path / "post", image_format="png")
    _cold()
    tpl = load_template(CARDS, "weekend-guide")
    ev = Evaluator(expression_env(), tpl.file)
    ctx = base_context(tpl, post_data(tpl, None, None), None)
    painter = SlidePainter(tpl, ev, FontBook(tpl.fonts_dir))   # as the studio paints: no prefetch
    instances = list(expand(tpl, ev, ctx))
    assert len(instances) == len(post.slides) == 9
    for n, (spec, slide_ctx) in enumerate(instances, start=1):
        slide_ctx.update(page=n, pages=len(instances))
        alone = painter.paint(spec, slide_ctx, n)
        with Image.open(post.slides[n - 1].path) as written:
            assert written.convert("RGB").tobytes() == alone.tobytes(), f"slide {n}"


def test_cover_enlarges_as_before_and_shrinks_with_a_close_bilinear_filter() -> None:
    photo = Image.open(REPO / "content" / "photos" / "festival.jpg").convert("RGB")
    up = paint.cover(photo, (1080, 1350), (0.3, 0.6))
    assert up.tobytes() == ImageOps.fit(photo, (1080, 1350), Image.Resampling.BICUBIC,
                                        centering=(0.3, 0.6)).tobytes()
    down = paint.cover(photo, (1080, 680), (0.5, 0.35))
    bicubic = ImageOps.fit(photo, (1080, 680), Image.Resampling.BICUBIC, centering=(0.5, 0.35))
    diff = ImageChops.difference(down, bicubic)
    assert down.size == (1080, 680) and max(hi for _, hi in diff.getextrema()) <= 16
    big = photo.resize((4032, 3024))            # over three times the box: reduced first
    reduced = paint.cover(big, (1080, 680), (0.5, 0.5))
    direct = ImageOps.fit(big, (1080, 680), Image.Resampling.BILINEAR)
    assert reduced.size == (1080, 680)
    assert max(hi for _, hi in ImageChops.difference(reduced, direct).getextrema()) <= 4


def test_jpeg_first_try_has_the_pixels_of_optimized_tables() -> None:
    photo = Image.open(REPO / "content" / "photos" / "festival.jpg").convert("RGB")
    plain = encode(photo, "jpeg", None, "slide 1")
    buf = io.BytesIO()
    photo.save(buf, "JPEG", **{**JPEG_FIRST, "optimize": True})
    assert JPEG_FIRST == {"quality": 92, "subsampling": 0, "optimize": False}
    with Image.open(io.BytesIO(plain)) as a, Image.open(buf) as b:
        assert a.tobytes() == b.tobytes()
    # over the budget: the same quality with optimized tables comes before a lower quality
    squeezed = encode(photo, "jpeg", len(plain) - 1, "slide 1")
    with Image.open(io.BytesIO(squeezed)) as a, Image.open(io.BytesIO(plain)) as b:
        assert len(squeezed) < len(plain) and a.tobytes() == b.tobytes()


def test_glyphs_and_masked_fills_are_pasted_with_pillows_own_pixels() -> None:
    from PIL import ImageDraw

    from outreach.render.fonts import EMBEDDED_FAMILY

    font = FontBook(None).get(EMBEDDED_FAMILY, 900, 64)
    for color in ((18, 48, 122, 255), (255, 210, 63, 217)):
        ours, pillows = (Image.new("RGB", (300, 120), (40, 90, 160)) for _ in range(2))
        draw = ImageDraw.Draw(ours, "RGBA")
        textbox._stamp(draw, -12.0, 80.0, "천안 주말", font, draw.draw.draw_ink(color))
        ImageDraw.Draw(pillows, "RGBA").text((-12, 80), "천안 주말", font=font, fill=color,
                                            anchor="ls")
        assert ours.tobytes() == pillows.tobytes()
        ring = paint.shape_mask((90, 60), "ellipse", outline=6)
        filled, pasted = ours.copy(), ours.copy()
        paint.fill(filled, color, (250, 80, 90, 60), ring)       # partly off the canvas
        pasted.paste(color[:3], (250, 80, 340, 140),
                     ring if color[3] == 255 else ring.point(lambda v: v * color[3] // 255))
        assert filled.tobytes() == pasted.tobytes()


def test_plain_lookups_are_evaluated_without_compiling_and_as_jinja_does(tmp_path) -> None:
    from outreach.errors import DataError
    from outreach.render import jinja

    class Thing:
        title = "from an attribute"
        _hidden = "private"

    env = jinja.make_env()
    ev = Evaluator(env, tmp_path / "template.yaml")              # a cache of its own
    ctx = {"item": {"title": "천안", "n": 3, "when": [1, 2]}, "thing": Thing(), "none": "x",
           "headline": "제목"}
    for source, expr in (("{{ item.title }}", "item.title"), ("{{item . n}}", "item.n"),
                         (" {{ item.when }} ", "item.when"), ("{{ thing.title }}", "thing.title"),
                         ("{{ headline }}", "headline")):
        assert ev.value(source, ctx) == env.compile_expression(expr)(**ctx), source
        assert isinstance(ev._cache[source], jinja._Lookup), source     # not compiled
    assert ev.value("{{ item.n }}", ctx) == 3                           # its type kept
    assert ev.value("{{ item.items }}", ctx)() == ctx["item"].items()   # an attribute first
    assert ev.value("{{ none }}", ctx) is None                          # a constant, compiled
    assert ev.value("{{ range }}", ctx) is env.globals["range"]         # a global, compiled
    for source, words in (("{{ item.missing }}", "missing"), ("{{ nothing }}", "nothing"),
                          ("{{ thing._hidden }}", "_hidden")):
        try:
            ev.value(source, ctx, line=7, key="slides[0].text")
        except DataError as exc:
            assert words in str(exc) and exc.line == 7, str(exc)
        else:
            raise AssertionError(source)


def test_widths_added_up_from_characters_are_pillows_widths_to_the_bit() -> None:
    from outreach.render import fonts

    texts = ["천안삼거리공원 능수버들 봄밤 야간 산책과 거리 버스킹 공연", "5월 16일(토) ~ 17일(일) 18:00~21:30",
             "AVATAR Type, WAVE 'quoted' «ok» …", "무료 (전시관 입장 포함)", "1,000원 · 2,000원 — ①②"]
    book = FontBook()
    used = [book.get("Noto Sans CJK KR", w, s) for w in (400, 500, 700, 900) for s in (27, 46, 70, 116)]
    for font in used:
        assert fonts.additive_widths(font)
        for text in texts:
            textbox.WIDTHS.clear()
            assert textbox.text_width(font, text) == font.getlength(text), (font.getname(), text)
    # a face with a legacy kern table is measured whole: its pairs are kerned
    kerned = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if kerned.is_file():
        from PIL import ImageFont

        font = ImageFont.truetype(str(kerned), 48)
        assert not fonts.additive_widths(font)
        assert font.getlength("AV") != font.getlength("A") + font.getlength("V")
        assert textbox.text_width(font, "AVATAR") == font.getlength("AVATAR")


def test_character_widths_stay_within_their_budget_and_are_measured_again_after(
        monkeypatch) -> None:
    """The per-font character dicts take no lock; past ``char_budget`` entries the other
    fonts' are dropped, and a width asked again is measured again, the same float."""
    book = FontBook()
    bold, black = (book.get("Noto Sans CJK KR", w, 46) for w in (700, 900))
    textbox.WIDTHS.clear()
    monkeypatch.setattr(textbox.WIDTHS, "char_budget", 30)
    text = "천안삼거리공원 능수버들 봄밤 야간 산책과"
    assert textbox.text_width(bold, text) == bold.getlength(text)
    first = textbox.WIDTHS.chars[bold]
    assert set(first) == set(text) and len(textbox.WIDTHS) == len(set(text))
    more = "거리 버스킹 공연 5월 16일(토)"
    assert textbox.text_width(black, more) == black.getlength(more)
    assert bold not in textbox.WIDTHS.chars                     # over the budget: dropped
    assert set(textbox.WIDTHS.chars) == {black} and textbox.WIDTHS.char_count == len(set(more))
    assert textbox.text_width(bold, text) == bold.getlength(text)   # measured again
    assert textbox.WIDTHS.chars[bold] is not first
    measure = textbox.measurer(bold, 1.5, more)                 # up front, spacing added
    assert measure(more) == bold.getlength(more) + 1.5 * (len(more) - 1)
    textbox.WIDTHS.clear()
    assert len(textbox.WIDTHS) == 0 and not textbox.WIDTHS.chars


BACKGROUNDS = """\
description: 배경 시험
canvas: {width: 240, height: 300}
slides:
  - {alt: 색, layers: [LEAD{type: background, color: "#12307a"}, TEXT]}
  - {alt: 색과 그라데이션, layers: [LEAD{type: background, color: "#12307a", darken: 0.3,
      gradient: {from: "#ffcc0000", to: "#ffcc00c0", angle: 135}}, TEXT]}
  - {alt: 사진, layers: [LEAD{type: background, image: photo.jpg, darken: 0.2, focus: [0.3, 0.6],
      overlay: {from: "#12307a22", to: "#12307af0", angle: 180}}, TEXT]}
  - {alt: 투명 사진, layers: [LEAD{type: background, color: "#ffcc00", image: logo.png}, TEXT]}
  - {alt: 반투명 색, layers: [LEAD{type: background, color: "#12307a80"}, TEXT]}
"""
_TEXT = '{type: text, box: [20, 200, 200, 80], text: "천안 주말", size: 40, color: "#ffffff"}'


def test_a_slide_starting_as_its_opaque_background_has_the_pixels_of_white_painted_over(
        tmp_path) -> None:
    """A first background layer that covers the canvas becomes the canvas (one full-canvas
    fill less); the reference is the same slide behind a first layer that draws nothing,
    so the background is painted over white as before."""
    photo = Image.open(REPO / "content" / "photos" / "festival.jpg").convert("RGB")
    logo = Image.new("RGBA", (120, 150), (200, 30, 30, 0))
    logo.paste((200, 30, 30, 160), (20, 20, 100, 130))
    outs = {}
    for name, lead in (("start", ""), ("white", '{type: shape, box: [0, 0, 2, 2], '
                                                '"fill": "#00000000"}, ')):
        folder = tmp_path / name / "t"
        folder.mkdir(parents=True)
        photo.save(folder / "photo.jpg", quality=90)
        logo.save(folder / "logo.png")
        (folder / "template.yaml").write_text(
            BACKGROUNDS.replace("LEAD", lead).replace("TEXT", _TEXT), encoding="utf-8")
        _cold()
        post = render_post(tmp_path / name, "t", out_dir=tmp_path / f"{name}-out", data={})
        outs[name] = []
        for slide in post.slides:
            with Image.open(slide.path) as img:
                outs[name].append(img.convert("RGB").tobytes())
    assert len(outs["start"]) == 5
    for n, (a, b) in enumerate(zip(outs["start"], outs["white"]), start=1):
        assert a == b, f"slide {n}"
    assert outs["start"][3] != outs["start"][4]          # the slides differ from each other


def test_malloc_tuning_is_set_once_and_left_to_an_administrator() -> None:
    import subprocess
    import sys

    code = ("from outreach.render import memory; print(memory.tune(), memory.tune())")
    env = {k: v for k, v in __import__("os").environ.items()
           if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    env["PYTHONPATH"] = str(REPO / "src")

    def run(**extra: str) -> str:
        return subprocess.run([sys.executable, "-c", code], env={**env, **extra}, check=True,
                              capture_output=True, text=True).stdout.strip()

    assert run() == ("True True" if sys.platform.startswith("linux") else "False False")
    assert run(OUTREACH_MALLOC_TUNING="0") == "False False"
    assert run(MALLOC_ARENA_MAX="2") == "False False"
    assert run(GLIBC_TUNABLES="glibc.malloc.trim_threshold=1048576") == "False False"


def test_slides_hashed_in_the_encoding_threads_match_the_files_in_the_manifest(tmp_path) -> None:
    import hashlib
    import json

    post = render_post(CARDS, "weekend-guide", out_dir=tmp_path / "post", image_format="jpeg")
    records = json.loads((post.out_dir / "manifest.json").read_text())["slides"]
    assert len(records) == 9
    for record in records:
        blob = (post.out_dir / record["file"]).read_bytes()
        assert record["sha256"] == hashlib.sha256(blob).hexdigest()
        assert record["bytes"] == len(blob)


FAILING = """\
description: 실패 시험
canvas: {width: 200, height: 200}
slides:
  - {alt: 하나, layers: [{type: background, color: "#12307a"}]}
  - {alt: 둘, layers: [{type: background, color: "#ffcc00"}]}
  - {alt: 셋, layers: [{type: text, box: [0, 0, 200, 40], text: "TEXT", size: 30}]}
"""


def test_slide_files_written_by_the_encoding_threads_appear_only_with_a_finished_post(
        tmp_path) -> None:
    """The encoding threads write each slide into the staging folder beside the target
    while the next slide is painted; the target still appears only complete, and a render
    that fails after some slides were written leaves the previous post as it was and no
    staging folder behind."""
    import pytest

    from outreach.errors import TextOverflow

    folder = tmp_path / "cards" / "t"
    folder.mkdir(parents=True)
    template = folder / "template.yaml"
    template.write_text(FAILING.replace("TEXT", "주말"), encoding="utf-8")
    out = tmp_path / "out" / "post"
    out.parent.mkdir()
    good = render_post(tmp_path / "cards", "t", out_dir=out, image_format="jpeg", data={})
    assert [s.path.name for s in good.slides] == ["slide-01.jpg", "slide-02.jpg", "slide-03.jpg"]
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert "manifest.json" in before and len(before) >= 4
    template.write_text(FAILING.replace("TEXT", "아주 긴 글이 상자에 들어가지 않습니다 " * 4),
                        encoding="utf-8")
    with pytest.raises(TextOverflow):
        render_post(tmp_path / "cards", "t", out_dir=out, image_format="jpeg", data={})
    assert [p.name for p in out.parent.iterdir()] == ["post"]      # no staging folder left
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # a target whose parent folder does not exist: a failed render does not make it
    with pytest.raises(TextOverflow):
        render_post(tmp_path / "cards", "t", out_dir=tmp_path / "new" / "post", data={})
    assert not (tmp_path / "new").exists()
