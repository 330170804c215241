"""Korean typography on cards: NFC, invisible characters, balanced breaks, emphasis markup,
emoji, QR codes, field-named errors and fit warnings, the weight fallback."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import pytest
import segno
import yaml
from PIL import Image, ImageChops

from outreach.errors import FontError, ImageError, TextOverflow
from outreach.i18n import use_language
from outreach.render import fonts, render_post
from outreach.render.fonts import EMBEDDED_FAMILY, FontBook
from outreach.render.linebreak import balanced, break_lines
from outreach.render.markup import normalize, plain, prepare
from outreach.render.warnings import describe

REPO = Path(__file__).resolve().parents[1]

CARD = """\
description: 시험 카드
canvas: {width: 800, height: 400}
colors: {accent: "#ff0000"}
fields:
  title: {type: text, label: 제목}
  link: {type: url, required: false}
slides:
  - name: 표지
    alt: "{{ title }}"
    layers:
      - {type: background, color: "#ffffff"}
      - {type: text, name: 제목, box: [20, 20, 760, 300], text: "{{ title }}", size: 60,
         min_size: 30, weight: Bold, color: "#000000", max_lines: 3%s}
"""


def card(tmp_path: Path, title: str, extra: str = "", layers: str = "", top: str = "") -> Path:
    folder = tmp_path / "cards" / "card"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "template.yaml").write_text(top + CARD % extra + layers, encoding="utf-8")
    (folder / "sample.yaml").write_text(yaml.safe_dump({"title": title}, allow_unicode=True),
                                        encoding="utf-8")
    return tmp_path / "cards"


def pixels(tmp_path: Path, title: str, name: str = "out", **kw) -> Image.Image:
    cards = card(tmp_path / name, title, **kw)
    post = render_post(cards, "card", out_dir=tmp_path / name / "post")
    return Image.open(post.slides[0].path).convert("RGB")


def same(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a, b).getbbox() is None


# --- NFC and invisible characters -------------------------------------------------------------

def test_decomposed_hangul_renders_exactly_like_composed(tmp_path) -> None:
    text = "천안 흥타령 축제, 주말 나들이"
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text and len(nfd) > len(text)      # what a Mac pastes
    assert same(pixels(tmp_path, nfd, "nfd"), pixels(tmp_path, text, "nfc"))


@pytest.mark.parametrize("invisible", ["\u200c", "\u00ad", "\ufeff", "\u2060", "\u200e",
                                       "\ufe0f", "\u200d"])
def test_format_characters_never_draw_a_box(tmp_path, invisible) -> None:
    text = "천안 주말 나들이"
    dirty = f"천{invisible}안 주말{invisible} 나들이"
    assert same(pixels(tmp_path, dirty, "dirty"), pixels(tmp_path, text, "clean"))


def test_zero_width_space_is_a_break_opportunity_that_draws_nothing() -> None:
    width = lambda s: float(len(s))       # noqa: E731 - one unit per character
    assert break_lines("천안\u200b삼거리\u200b공원에서", 5, width) == ["천안삼거리", "공원에서"]
    assert normalize("천안\u200b공원") == "천안\u200b공원"
    assert normalize("a\u2028b") == "a\nb"


def test_characters_normalize_passes_as_they_are_are_the_ones_it_keeps() -> None:
    """normalize skips its character-by-character pass for a text made only of the
    characters in ``markup._AS_IS``: each of them must be one the pass keeps unchanged,
    and a text with any character it drops still goes through the pass."""
    import re

    from outreach.render import markup

    kept = [chr(cp) for cp in range(0x110000)
            if re.fullmatch(f"[{markup._AS_IS}]", chr(cp))]
    assert len(kept) > 30000 and "한" in kept and "①" in kept and "\u200b" not in kept
    slow = markup._KEPT_AS_IS
    try:
        markup._KEPT_AS_IS = re.compile("(?!)")        # the pass for every text
        for i in range(0, len(kept), 500):
            chunk = "".join(kept[i:i + 500])
            assert normalize(chunk) == unicodedata.normalize("NFC", chunk), hex(ord(chunk[0]))
    finally:
        markup._KEPT_AS_IS = slow
    assert normalize("천안\u00ad공원\ufe0f") == "천안공원"


# --- balanced headlines and names kept whole ----------------------------------------------------

def test_balanced_lines_are_of_similar_width_with_the_same_line_count() -> None:
    width = lambda s: float(len(s))       # noqa: E731
    text = "천안삼거리공원 능수버들 봄밤 야간 산책과 거리 버스킹 공연"
    greedy = break_lines(text, 26, width)
    even = balanced(text, 26, width)
    assert len(even) == len(greedy) == 2
    spread = lambda lines: max(map(len, lines)) - min(map(len, lines))   # noqa: E731
    assert spread(greedy) >= 15 and spread(even) <= 3
    assert "".join(even).replace(" ", "") == text.replace(" ", "")


def test_a_short_quoted_name_is_not_split_when_avoidable() -> None:
    width = lambda s: float(len(s))       # noqa: E731
    text = "아라리오광장 주말 야시장 ‘별빛 마켓’과 청년 플리마켓"
    assert break_lines(text, 19, width) == ["아라리오광장 주말 야시장", "‘별빛 마켓’과 청년 플리마켓"]
    # when keeping it whole would overflow the line, it is split like any words
    assert all(len(line) <= 6 for line in break_lines("‘별빛 마켓’과", 6, width))


# --- emphasis markup ------------------------------------------------------------------------------

def red_pixels(img: Image.Image) -> int:
    r, g, b = img.split()
    mask = ImageChops.multiply(r.point(lambda v: 255 if v > 200 else 0), ImageChops.multiply(
        g.point(lambda v: 255 if v < 60 else 0), b.point(lambda v: 255 if v < 60 else 0)))
    return mask.histogram()[255]


def ink(img: Image.Image) -> int:
    return sum((255 - level) * n for level, n in enumerate(img.convert("L").histogram()))


def test_star_emphasis_draws_in_the_accent_colour_and_double_star_in_bold(tmp_path) -> None:
    plain_img = pixels(tmp_path, "이번 주말 천안 빛축제", "plain")
    accent = pixels(tmp_path, "이번 주말 *천안 빛축제*", "accent")
    assert red_pixels(plain_img) == 0 and red_pixels(accent) > 500
    bold = pixels(tmp_path, "이번 주말 **천안 빛축제**", "bold")
    # heavier strokes: more ink than the same words at the layer's own weight
    assert ink(bold) > ink(plain_img) * 1.1
    assert red_pixels(bold) == 0
    # the stars are markup, not text: they are not drawn and not in the alt text
    assert prepare("\\*주의\\* 사항") == "*주의* 사항"
    assert plain("이번 주말 *천안* **빛축제**") == "이번 주말 천안 빛축제"


def test_markup_stays_out_of_alt_and_channel_texts(tmp_path) -> None:
    cards = card(tmp_path, "이번 주말 *천안* **빛축제**")
    (cards / "card" / "texts").mkdir()
    (cards / "card" / "texts" / "facebook.j2").write_text("{{ title }}\n", encoding="utf-8")
    post = render_post(cards, "card", out_dir=tmp_path / "post")
    assert post.texts["facebook"] == "이번 주말 천안 빛축제"
    assert post.slides[0].alt_text == "이번 주말 천안 빛축제"


# --- emoji ------------------------------------------------------------------------------------------

def coloured(img: Image.Image) -> int:
    """Pixels of a clear hue (black text on white has none)."""
    _, sat, value = img.convert("HSV").split()
    vivid = ImageChops.multiply(sat.point(lambda x: 255 if x > 100 else 0),
                                value.point(lambda x: 255 if x > 60 else 0))
    return vivid.histogram()[255]


def test_emoji_are_drawn_in_colour_from_the_packaged_colour_font(tmp_path) -> None:
    with_emoji = pixels(tmp_path, "천안 빛축제 🎄✨", "emoji")
    without = pixels(tmp_path, "천안 빛축제", "none")
    box = ImageChops.difference(with_emoji, without).getbbox()
    assert box is not None and box[0] > 300          # drawn after the words, not as boxes
    assert coloured(without) == 0
    assert coloured(with_emoji.crop(box)) > 500       # the tree is green, the sparkles yellow
    assert fonts.fallback_faces("🎄")[0].family == fonts.COLOR_EMOJI_FAMILY


def test_colour_emoji_come_with_a_credit_notice_naming_the_field(tmp_path) -> None:
    cards = card(tmp_path / "c", "천안 빛축제 🎄")
    post = render_post(cards, "card", out_dir=tmp_path / "c" / "post")
    notes = [w for w in post.warnings if w["kind"] == "emoji_credit"]
    assert [w["field"] for w in notes] == ["title"]
    with use_language("ko"):
        assert "OpenMoji" in describe(notes[0]) and "출처" in describe(notes[0])
    mono = card(tmp_path / "m", "천안 빛축제 🎄", top="emoji: mono\n")
    assert render_post(mono, "card", out_dir=tmp_path / "m" / "post").warnings == ()


def test_a_template_can_ask_for_monochrome_emoji(tmp_path) -> None:
    mono = pixels(tmp_path, "천안 빛축제 🎄✨", "mono", top="emoji: mono\n")
    without = pixels(tmp_path, "천안 빛축제", "none")
    assert ImageChops.difference(mono, without).getbbox() is not None
    assert coloured(mono) == 0                        # Noto Emoji, in the text's colour
    assert fonts.fallback_faces("🎄", color=False)[0].family == "Noto Emoji"


def test_a_symbol_the_text_font_lacks_stays_a_glyph_not_a_picture() -> None:
    assert fonts.fallback_faces("→")[0].family == "Noto Emoji"
    assert fonts.fallback_faces("😀")[0].family == fonts.COLOR_EMOJI_FAMILY


def test_an_unknown_emoji_style_is_a_template_error_naming_the_key(tmp_path) -> None:
    from outreach.errors import TemplateError

    with pytest.raises(TemplateError, match=r"emoji.*color.*mono"):
        pixels(tmp_path, "천안", "bad", top="emoji: rainbow\n")


def test_a_zwj_emoji_sequence_is_one_picture_where_raqm_is_available(tmp_path) -> None:
    from PIL import features

    if not features.check("raqm"):
        pytest.skip("Pillow without Raqm draws a ZWJ sequence as its parts")
    family = pixels(tmp_path, "가족 👨\u200d👩\u200d👧", "zwj")
    parts = pixels(tmp_path, "가족 👨👩👧", "parts")
    right = lambda img: ImageChops.difference(img, Image.new("RGB", img.size, "white")).getbbox()[2]  # noqa: E731,E501
    assert right(family) < right(parts)


def test_a_character_no_font_has_is_refused_naming_the_field(tmp_path) -> None:
    cards = card(tmp_path, "천안 ก")
    with pytest.raises(FontError, match=r"layer 제목\.text, field title: .*no glyph for 'ก'"):
        render_post(cards, "card", out_dir=tmp_path / "post")


# --- QR codes -------------------------------------------------------------------------------------

def test_qr_layer_draws_the_segno_matrix_in_whole_modules(tmp_path) -> None:
    url = "https://www.cheonan.go.kr"
    layers = ('      - {type: qr, name: QR, box: [560, 180, 200, 200], data: "{{ link }}", '
              'color: "#000000", border: 2}\n')
    cards = card(tmp_path, "주말", layers=layers)
    (cards / "card" / "sample.yaml").write_text(f"title: 주말\nlink: {url}\n", encoding="utf-8")
    post = render_post(cards, "card", out_dir=tmp_path / "post")
    img = Image.open(post.slides[0].path).convert("L")
    matrix = segno.make(url, error="m", micro=False).matrix
    modules = len(matrix) + 4
    scale = 200 // modules
    left = 560 + (200 - modules * scale) // 2
    top = 180 + (200 - modules * scale) // 2
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            px = img.getpixel((left + (c + 2) * scale + scale // 2, top + (r + 2) * scale + scale // 2))
            assert (px < 128) == bool(dark), (r, c)


# --- errors and warnings name the data field ----------------------------------------------------

@pytest.fixture
def guide(tmp_path) -> Path:
    """A copy of the weekend guide and its photos, with its data file to edit."""
    shutil.copytree(REPO / "templates" / "cards" / "weekend-guide", tmp_path / "cards" / "weekend-guide")
    shutil.copytree(REPO / "content" / "photos", tmp_path / "photos")
    shutil.copytree(REPO / "content" / "photos", tmp_path / "content" / "photos")
    (tmp_path / "data").mkdir()
    return tmp_path


def write(guide: Path, data: dict) -> Path:
    path = guide / "data" / "week.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def week(guide: Path) -> dict:
    return yaml.safe_load((REPO / "content" / "weekend-guide" / "2026-12-03.yaml").read_text())


def test_a_bad_photo_error_names_the_data_field(guide) -> None:
    data = week(guide)
    (guide / "photos" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    data["events"][2]["photo"] = "../photos/broken.jpg"
    # refused at the data file, named by its field, before any slide is painted
    with pytest.raises(ImageError, match=r"week\.yaml:\d+: events\[2\]\.photo: broken\.jpg is not "
                                         r"a readable image"):
        render_post(guide / "cards", "weekend-guide", out_dir=guide / "post",
                    data_file=write(guide, data))


def test_cut_and_shrunk_text_is_listed_by_field_in_the_manifest(guide) -> None:
    data = week(guide)
    data["events"][1]["place"] = "천안종합운동장 주경기장 북문 광장 앞 임시 무대와 주차장 일대 (서북구 백석동)"
    post = render_post(guide / "cards", "weekend-guide", out_dir=guide / "post",
                       data_file=write(guide, data))
    manifest = json.loads(post.manifest_path.read_text())
    cut = [w for w in manifest["warnings"] if w["kind"] == "cut"]
    assert [(w["field"], w["label"], w["slide"]) for w in cut] == [("events[1].place", "장소", 3)]
    assert cut[0]["chars"] >= 4
    assert post.warnings == tuple(manifest["warnings"])
    with use_language("ko"):
        assert describe(cut[0]) == f"장소: {cut[0]['chars']}글자 잘림"


def test_a_template_can_make_cutting_an_error(guide) -> None:
    data = week(guide)
    data["events"][1]["place"] = "천안종합운동장 주경기장 북문 광장 앞 임시 무대와 주차장 일대 (서북구 백석동)"
    tpl = guide / "cards" / "weekend-guide" / "template.yaml"
    tpl.write_text("on_cut: error\n" + tpl.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(TextOverflow, match=r"layer 장소\.text, field events\[1\]\.place: .* would "
                                           r"lose \d+ characters .*on_cut: error"):
        render_post(guide / "cards", "weekend-guide", out_dir=guide / "post",
                    data_file=write(guide, data))


# --- fonts ------------------------------------------------------------------------------------

def test_the_embedded_font_replaces_a_system_font_without_the_weight(tmp_path, monkeypatch) -> None:
    system = Path("/usr/share/fonts/opentype/noto")
    if not (system / "NotoSansCJK-Regular.ttc").is_file():
        pytest.skip("Debian's fonts-noto-cjk (Regular and Bold only) is not installed")
    share = tmp_path / "share" / "fonts"
    share.mkdir(parents=True)
    for name in ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc"):
        (share / name).symlink_to(system / name)
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "share"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    fonts.system_faces.cache_clear()
    try:
        book = FontBook()
        assert not book.face(EMBEDDED_FAMILY, 700).variable       # the system's Bold
        black = book.face(EMBEDDED_FAMILY, 900)
        assert black.variable and "manimgx_fonts_cjk" in str(black.path)
    finally:
        fonts.system_faces.cache_clear()


def test_the_cli_lists_fit_warnings_after_the_files(guide, capsys) -> None:
    from outreach.cli import main

    data = week(guide)
    data["events"][1]["place"] = "천안종합운동장 주경기장 북문 광장 앞 임시 무대와 주차장 일대 (서북구 백석동)"
    (guide / "outreach.toml").write_text(f'templates_dir = "{guide / "cards"}"\n', encoding="utf-8")
    code = main(["--root", str(guide), "render", "weekend-guide", "--data", str(write(guide, data)),
                 "--out", str(guide / "post")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "fit warning" in out and "slide 3 (행사), events[1].place: 장소:" in out
    assert "characters cut" in out
