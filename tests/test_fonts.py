"""Font resolution (template fonts/ -> system -> embedded Noto Sans CJK KR) and missing glyphs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

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
