"""render/glyphs.py draws the very masks and offsets Pillow's getmask2 draws, loading each
glyph once; fonts it cannot match stay on Pillow's path."""

from __future__ import annotations

import random
import sys

import pytest
from PIL import ImageFont, features

from outreach.render import fonts, glyphs, textbox

# Linux (the CI and the servers): Pillow's FreeType is found in the process's memory map;
# elsewhere masks stay Pillow's own and there is nothing to compare
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="glyphs.py is Linux-only")

_RND = random.Random(12)
RARE = "".join(chr(_RND.randrange(0xAC00, 0xD7A4)) for _ in range(30))   # any syllable
TEXTS = ["주말 나들이 가이드", "뷁똠횗쀍쒧 햏꿿", RARE[:15], RARE[15:],
         "The quick brown fox, AVAWAT fi ffi", "0123456789 12:30~18:00 ₩5,000",
         "!?.,;:'\"()[]{}<>-–—…·※★→ “인용” ‘작은’", "2026년 11월 30일(월) 오후 2시, 1층 로비",
         "  앞뒤 공백  ", "j", " ", "ㄱㄴㄷ ㅏㅑ", "Hello, 세계! 100% 🎉"]
STARTS = [(0.0, 0.0), (0.5, 0.25), (0.3, 0.7), (0.999, 0.001)]


def _same(font: ImageFont.FreeTypeFont, cache: textbox._Memo, texts=TEXTS, starts=STARTS):
    for text in texts:
        for start in starts:
            want_im, want_off = font.getmask2(text, "L", None, None, None, 0, "ls", 0, start)
            got = glyphs.mask(font, text, start, cache)
            assert got is not None, (text, start)
            im, off = got
            assert (off, im.size) == (want_off, want_im.size), (text, start)
            assert bytes(im) == bytes(want_im), (text, start)


def test_the_library_is_pillows_own():
    ft = glyphs.freetype()
    assert ft is not None, "Pillow's libfreetype was not found: every mask falls back"
    assert ft.version == features.version("freetype2")


@pytest.mark.parametrize("weight", [500, 700, 900])
@pytest.mark.parametrize("size", [24, 57, 116])
def test_masks_of_the_embedded_variable_font_are_pillows(weight, size):
    face = fonts.embedded_face()
    font = fonts._load(face.path, face.index, size, weight, face.variable)
    _same(font, textbox._Memo(2**24))


def test_masks_of_a_static_system_font_are_pillows():
    static = [f for f in fonts.system_faces()
              if f.family == "Noto Sans CJK KR" and not f.variable]
    if not static:
        pytest.skip("no static Noto Sans CJK KR installed (Debian: fonts-noto-cjk)")
    for size in (31, 72):
        font = fonts._load(static[0].path, static[0].index, size, static[0].weight, False)
        _same(font, textbox._Memo(2**24), starts=STARTS[:2])


@pytest.mark.parametrize("size", [24, 48])
def test_overlapping_glyphs_blend_as_pillow(size):
    """Where two glyphs' anti-aliased edges meet (g's descender under j's hook) the pixel is
    blended as Pillow does (src + dst * (255 - src) / 255), not the larger or the last."""
    face = fonts.embedded_face()
    font = fonts._load(face.path, face.index, size, 900, True)
    cache = textbox._Memo(2**24)
    text = "gj"
    glyphs.mask(font, text, (0.0, 0.0), cache)
    fc = glyphs.face(font)
    x, covered, shared = 0, set(), 0
    for ch in text:                  # pixels both glyphs cover partly, at Pillow's pen
        g = cache.get((fc, ch))
        px = (x + 32) >> 6
        x += g.advance
        w, data = g.size[0], bytes(g.image)
        for i, v in enumerate(data):
            if 0 < v < 255:
                at = (px + g.left + i % w, i // w - g.top)
                shared += at in covered
                covered.add(at)
    assert shared                    # the test means something
    _same(font, cache, texts=[text])


def test_each_glyph_is_loaded_once():
    face = fonts.embedded_face()
    font = fonts._load(face.path, face.index, 40, 700, True)
    cache = textbox._Memo(2**24)
    glyphs.mask(font, "가나가나가", (0.0, 0.0), cache)
    glyphs.mask(font, "나가다", (0.5, 0.5), cache)
    assert len(cache) == 3


def test_fonts_it_cannot_match_stay_on_pillows_path():
    face = fonts.embedded_face()
    cache = textbox._Memo(2**24)
    # opened elsewhere: its variation (set or not) is unknown here
    assert glyphs.mask(ImageFont.truetype(str(face.path), 40, index=face.index), "가",
                       (0.0, 0.0), cache) is None
    if features.check("raqm"):
        raqm = fonts._load(face.path, face.index, 41, 700, True, complex_layout=True)
        assert glyphs.mask(raqm, "가", (0.0, 0.0), cache) is None
    kerned = [f for f in fonts.system_faces()
              if fonts._kerning_table(str(f.path), f.index)]
    if kerned:
        font = fonts._load(kerned[0].path, kerned[0].index, 40, kerned[0].weight,
                           kerned[0].variable)
        assert glyphs.mask(font, "AV", (0.0, 0.0), cache) is None
    assert len(cache) == 0
