"""Font resolution (template fonts/ -> system -> embedded Noto Sans CJK KR) and missing glyphs."""

from __future__ import annotations

import shutil
import struct
import unicodedata
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from outreach.errors import FontError
from outreach.render import fonts
from outreach.render.fonts import EMBEDDED_FAMILY, FontBook, missing_glyphs, parse_weight


@pytest.fixture
def no_system_fonts(tmp_path, monkeypatch):
    """A machine with no fonts installed at all (what CI looks like for CJK)."""
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "share"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    fonts.system_faces.cache_clear()
    yield
    fonts.system_faces.cache_clear()


def ink(font, text: str) -> int:
    img = Image.new("L", (600, 120), 0)
    ImageDraw.Draw(img).text((10, 100), text, font=font, fill=255, anchor="ls")
    return sum(img.histogram()[i] * i for i in range(256))


def test_embedded_font_is_the_korean_face_of_the_collection(no_system_fonts) -> None:
    face = FontBook().face(EMBEDDED_FAMILY, 400)
    assert face.variable
    font = FontBook().get(EMBEDDED_FAMILY, 400, 40)
    assert font.getname()[0] == "Noto Sans CJK KR"
    assert not missing_glyphs(font, "천안삼거리공원 흥타령춤축제 2,000원 (토)…")


def test_bold_and_black_are_heavier_than_regular(no_system_fonts) -> None:
    book = FontBook()
    weights = [ink(book.get(EMBEDDED_FAMILY, w, 60), "주말사용설명서") for w in (100, 400, 700, 900)]
    assert weights == sorted(weights) and len(set(weights)) == 4


def test_template_fonts_folder_comes_before_the_system(tmp_path) -> None:
    system = [f for f in fonts.system_faces() if f.path.suffix.lower() == ".ttf"]
    if not system:
        pytest.skip("no .ttf font on this machine to copy into a template")
    face = system[0]
    folder = tmp_path / "fonts"
    folder.mkdir()
    shutil.copy(face.path, folder / face.path.name)
    found = FontBook(folder).face(face.family, face.weight)
    assert found.path == folder / face.path.name


def test_unknown_family_is_an_error_naming_it(no_system_fonts, tmp_path) -> None:
    with pytest.raises(FontError, match="unknown font family 'Cheonan Brand Sans'.*Noto Sans CJK KR"):
        FontBook(tmp_path).face("Cheonan Brand Sans", 400)


def test_characters_the_font_lacks_are_reported(no_system_fonts) -> None:
    font = FontBook().get(EMBEDDED_FAMILY, 700, 48)
    assert missing_glyphs(font, "천안 😀 축제 กข 😀") == ["😀", "ก", "ข"]
    assert missing_glyphs(font, "한글 ABC 123 %·…「」") == []


@pytest.mark.parametrize("value,expected", [("Bold", 700), ("semi bold", 600), ("Black", 900),
                                            (350, 350), ("500", 500), ("regular", 400)])
def test_weight_names_and_numbers(value, expected) -> None:
    assert parse_weight(value) == expected


@pytest.mark.parametrize("value", ["fat", 0, 2000, True, None])
def test_bad_weights_are_refused(value) -> None:
    with pytest.raises(ValueError):
        parse_weight(value)


def test_fonts_in_a_template_folder_are_found_by_family(tmp_path) -> None:
    # the embedded collection copied into fonts/ resolves there before the package copy
    src = fonts.embedded_face().path
    folder = tmp_path / "fonts"
    folder.mkdir()
    (folder / "brand.ttc").symlink_to(src)
    face = FontBook(folder).face("Noto Sans CJK KR", 700)
    assert face.path == folder / "brand.ttc" and face.index == 1
    assert Path(face.path).resolve() == src.resolve()


def test_the_quick_glyph_box_check_agrees_with_comparing_drawn_masks() -> None:
    """A glyph whose box differs from .notdef's is present without drawing it; every
    character of a mixed sample gets the answer drawing both masks gives, in each face."""
    sample = ("천안삼거리공원 흥타령춤축제 ABCxyz 0123 %·…「」°℃☀☁☂☃ → ★ ✓ 😀🌸🎉 กข ابت "
              "\u4e00\u9fa5 \U0001F3F3 \u2603 \u00e9\u00f1")
    faces = [fonts.embedded_face(), *fonts.mono_fallback_faces()]
    if fonts.color_emoji_face() is not None:
        faces.append(fonts.color_emoji_face())
    answers = set()
    for face in faces:
        font = fonts._load(face.path, face.index, 24, 700, face.variable)
        check = fonts._GlyphCheck(font)
        notdef = fonts._signature(font, fonts._NOTDEF_PROBE)
        for ch in dict.fromkeys(sample.replace(" ", "")):
            drawn = fonts._signature(font, ch)
            slow = drawn == notdef if any(notdef[1]) else not any(drawn[1])
            assert check.lacks(ch) == slow, (face.family, ch)
            answers.add(slow)
    assert answers == {True, False}      # the sample has both present and missing glyphs


# --- coverage from the character map (cmap) against what FreeType draws -------------------

DEBIAN_CJK = Path("/usr/share/fonts/opentype/noto")


def _corpus() -> str:
    """Every Hangul syllable, ASCII, Hangul Jamo and compatibility Jamo, common CJK,
    punctuation and brackets, emoji with their ZWJ / VS16 parts, Thai, Arabic, a
    private-use character and U+10FFFF (which no font maps)."""
    ranges = [(0xAC00, 0xD7A4), (0x20, 0x7F), (0x1100, 0x1200), (0x3130, 0x3190),
              (0x4E00, 0x5000), (0x2010, 0x2030), (0x3000, 0x3020), (0xFF01, 0xFF20)]
    chars = [chr(c) for lo, hi in ranges for c in range(lo, hi)]
    chars += list("·…「」『』“”‘’《》〈〉【】〔〕（）［］｛｝、。，！？※★☆○●◎◇◆□■△▲→←↑↓♥♡°℃%~")
    chars += list("😀🌸🎉👍❤☀☁☂☃✓✔✨⭐🇰🇷👨‍👩‍👧🏳️‍🌈©®™‼⁉⌚⬛")
    chars += ["\u200d", "\ufe0f", "\ufe0e", "ก", "ข", "ا", "ب", "é", "ñ", "\u2011", "\u3164",
              "\uffa0", "\u00ad", "\ue000", "\U000f0000", "\U0010ffff"]
    return "".join(dict.fromkeys(chars))


def _shipped_fonts():
    """(label, font) for every face a card uses, loaded as the renderer loads it: the text
    fonts (embedded and Debian's Noto Sans CJK KR) with Pillow's basic layout, the
    fallbacks through ``fallback_font`` (Raqm for the emoji faces, where Pillow has it)."""
    found = []
    embedded = fonts.embedded_face()
    found.append(("embedded", fonts._load(embedded.path, embedded.index, 24, 700, True)))
    for name in ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc"):
        for face in fonts._faces_in(DEBIAN_CJK / name) if (DEBIAN_CJK / name).is_file() else ():
            if face.family == EMBEDDED_FAMILY:
                found.append((name, fonts._load(face.path, face.index, 24, face.weight, False)))
    for face in (*fonts.mono_fallback_faces(), fonts.color_emoji_face()):
        found.append((face.family, fonts.fallback_font(face, 700, 24)))
    return found


@pytest.mark.parametrize("label,font", _shipped_fonts(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_the_character_map_gives_the_answers_drawing_gives(label, font) -> None:
    """The old probe (each character drawn and compared with .notdef) is the reference:
    the cmap answers the same for every character of the corpus, in every face we ship or
    use, both the raw bit and what ``missing_glyphs`` returns."""
    corpus = _corpus()
    fonts._CHECKS.pop(font, None)
    probe = fonts._GlyphCheck(font)
    checked = [ch for ch in corpus if not ch.isspace()
               and unicodedata.category(ch) not in ("Cc", "Cf", "Mn", "Zs")]
    expected = [ch for ch in checked if probe.lacks(ch)]
    coverage = fonts._coverage(font.path, font.index)
    assert coverage is not None, "the cmap of a font we ship must be readable"
    raw = [ch for ch in checked if not coverage[ord(ch) >> 3] >> (ord(ch) & 7) & 1]
    assert raw == expected
    assert missing_glyphs(font, corpus) == expected
    assert isinstance(fonts._CHECKS[font], fonts._CmapCheck)
    assert "\U0010ffff" in expected and len(expected) < len(checked)


def _cmap_record(data: bytes | bytearray, platform: int, encoding: int) -> tuple[int, int]:
    """(where the record's offset field is, where its subtable starts) in a font file."""
    tables = struct.unpack(">H", data[4:6])[0]
    cmap = next(struct.unpack(">I", data[12 + 16 * i + 8:12 + 16 * i + 12])[0]
                for i in range(tables) if data[12 + 16 * i:16 + 16 * i] == b"cmap")
    for i in range(struct.unpack(">H", data[cmap + 2:cmap + 4])[0]):
        at = cmap + 4 + 8 * i
        if struct.unpack(">HH", data[at:at + 4]) == (platform, encoding):
            return at + 4, cmap + struct.unpack(">I", data[at + 4:at + 8])[0]
    raise AssertionError("no such cmap record")


def _symbols() -> tuple[Path, bytearray]:
    symbols = next(f for f in fonts.mono_fallback_faces() if f.family == "Noto Sans Symbols")
    return symbols.path, bytearray(symbols.path.read_bytes())


def test_a_cmap_record_freetype_skips_is_skipped(tmp_path) -> None:
    """A record pointing past the cmap's end: FreeType ignores that subtable and so does
    the reading here; both take (3, 10) all the same."""
    original, data = _symbols()
    field, _ = _cmap_record(data, 0, 3)
    data[field:field + 4] = struct.pack(">I", 0xFFFFFF00)
    path = tmp_path / "symbols.ttf"
    path.write_bytes(bytes(data))
    assert fonts._coverage(str(path), 0) == fonts._coverage(str(original), 0) is not None
    font = ImageFont.truetype(str(path), 24)
    probe = fonts._GlyphCheck(font)
    assert [ch for ch in "☿♃가A⚕ก" if probe.lacks(ch)] == ["가", "ก"]     # what FreeType draws
    assert missing_glyphs(font, "☿♃가A⚕ก") == ["가", "ก"]
    assert isinstance(fonts._CHECKS[font], fonts._CmapCheck)


def test_a_font_whose_cmap_cannot_be_read_is_probed(tmp_path) -> None:
    """The selected (3, 10) subtable claims more groups than it holds: fontTools refuses
    it, FreeType's validator too (it falls back to the (3, 1) subtable), and the drawn
    probe, the fallback, finds what FreeType draws."""
    original, data = _symbols()
    _, body = _cmap_record(data, 3, 10)
    assert struct.unpack(">H", data[body:body + 2])[0] == 12
    data[body + 12:body + 16] = struct.pack(">I", 0x00FFFFFF)    # nGroups
    path = tmp_path / "symbols.ttf"
    path.write_bytes(bytes(data))
    assert fonts._coverage(str(path), 0) is None
    font = ImageFont.truetype(str(path), 24)
    assert missing_glyphs(font, "☿♃가A⚕ก") == ["가", "ก"]
    assert isinstance(fonts._CHECKS[font], fonts._GlyphCheck)
    # the intact file answers the same from its cmap
    intact = ImageFont.truetype(str(original), 24)
    assert missing_glyphs(intact, "☿♃가A⚕ก") == ["가", "ก"]
    assert isinstance(fonts._CHECKS[intact], fonts._CmapCheck)


def _box(x0: int, x1: int, top: int = 700):
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    pen = TTGlyphPen(None)
    pen.moveTo((x0, 0))
    pen.lineTo((x0, top))
    pen.lineTo((x1, top))
    pen.lineTo((x1, 0))
    pen.closePath()
    return pen.glyph()


def _font_with_cmaps(path: Path, subtables: list[tuple[int, int, int, dict[int, str]]]) -> Path:
    """A three-glyph TrueType font (.notdef, A, B: different boxes) whose cmap holds
    exactly ``subtables`` (platform, encoding, format, {code point: glyph})."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "A", "B"])
    fb.setupCharacterMap({})
    fb.setupGlyf({".notdef": _box(50, 450), "A": _box(100, 200, 500), "B": _box(300, 350, 300)})
    fb.setupHorizontalMetrics({name: (500, 0) for name in (".notdef", "A", "B")})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Cmap Test", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    tables = []
    for platform, encoding, fmt, mapping in subtables:
        table = CmapSubtable.newSubtable(fmt)
        table.platformID, table.platEncID, table.language = platform, encoding, 0
        table.cmap = dict(mapping)
        tables.append(table)
    fb.font["cmap"].tables = tables
    fb.save(str(path))
    return path


@pytest.mark.parametrize("subtables,lacking", [
    # no UCS-4 subtable: the last Unicode one in the file, (3, 1), not (0, 3)
    ([(0, 3, 4, {0x41: "A"}), (3, 1, 4, {0x42: "B"})], ["A"]),
    ([(0, 3, 4, {0x41: "A"}), (0, 4, 12, {0x42: "B"})], ["A"]),
    # a Macintosh Roman subtable is no Unicode charmap, whatever it maps
    ([(1, 0, 6, {0x42: "B"}), (3, 1, 4, {0x41: "A"})], ["B"]),
    # (3, 10) wins over a (3, 1) before it
    ([(3, 1, 4, {0x41: "A"}), (3, 10, 12, {0x42: "B"})], ["A"]),
    # (0, 6) is 32-bit only as format 13, and only for FreeType 2.14.2 on; fontTools'
    # getBestCmap prefers (0, 6) to (0, 4) in either format
    ([(0, 4, 12, {0x41: "A"}), (0, 6, 12, {0x42: "B"})], ["B"]),
    ([(0, 4, 12, {0x41: "A"}), (0, 6, 13, {0x42: "B"})],
     ["A"] if fonts._full_unicode_is_32() else ["B"]),
], ids=["3-1 over 0-3", "0-4 over 0-3", "mac roman ignored", "3-10 over 3-1",
        "0-4 over 0-6 format 12", "0-6 format 13 by FreeType version"])
def test_the_subtable_freetype_selects_is_the_one_read(tmp_path, subtables, lacking) -> None:
    path = _font_with_cmaps(tmp_path / "cmaps.ttf", subtables)
    font = ImageFont.truetype(str(path), 40)
    probe = fonts._GlyphCheck(font)
    assert [ch for ch in "AB" if probe.lacks(ch)] == lacking      # what Pillow draws
    assert fonts._coverage(str(path), 0) is not None
    assert missing_glyphs(font, "AB") == lacking


def test_a_font_without_a_unicode_charmap_is_probed(tmp_path) -> None:
    path = _font_with_cmaps(tmp_path / "symbol.ttf", [(3, 0, 4, {0xF041: "A"})])
    assert fonts._coverage(str(path), 0) is None
    font = ImageFont.truetype(str(path), 40)
    expected = [ch for ch in "AB\uf041" if fonts._GlyphCheck(font).lacks(ch)]
    assert missing_glyphs(font, "AB\uf041") == expected


def test_a_glyph_number_past_the_fonts_count_is_missing(tmp_path) -> None:
    """FreeType turns a cmap entry past ``maxp.numGlyphs`` into glyph 0 (.notdef)."""
    path = _font_with_cmaps(tmp_path / "three.ttf", [(3, 1, 4, {0x41: "A", 0x42: "B"})])
    data = bytearray(path.read_bytes())
    tables = struct.unpack(">H", data[4:6])[0]
    maxp = next(struct.unpack(">I", data[12 + 16 * i + 8:12 + 16 * i + 12])[0]
                for i in range(tables) if data[12 + 16 * i:16 + 16 * i] == b"maxp")
    data[maxp + 4:maxp + 6] = struct.pack(">H", 2)      # B is glyph 2 of "2"
    short = tmp_path / "two.ttf"
    short.write_bytes(bytes(data))
    font = ImageFont.truetype(str(short), 40)
    probe = fonts._GlyphCheck(font)
    assert [ch for ch in "AB" if probe.lacks(ch)] == ["B"]
    assert missing_glyphs(font, "AB") == ["B"]
    assert isinstance(fonts._CHECKS[font], fonts._CmapCheck)
