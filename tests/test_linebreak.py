"""Korean line breaking (W3C KLREQ) with a fixed-width measure: one unit per character."""

from __future__ import annotations

import random

import pytest

from outreach.render.linebreak import CLOSING, OPENING, atoms, break_lines


def width(text: str) -> float:
    return float(len(text))


def brk(text: str, w: int) -> list[str]:
    return break_lines(text, w, width)


def squash(text: str) -> str:
    return "".join(text.split())


ASCII_AND_FULLWIDTH_CLOSING = list(")]}〕》」』’”.,!?:;·…") + list("）］｝〉】！？，．：；・")
OPENING_CHARS = list("([{〔《「『‘“") + list("（［｛〈【")


def test_breaks_between_words_not_inside_them() -> None:
    assert brk("천안삼거리공원에서 열리는 흥타령춤축제", 9) == ["천안삼거리공원에서", "열리는", "흥타령춤축제"]


def test_a_word_that_fits_a_line_moves_down_whole() -> None:
    # "다라마바" would fit the rest of line 1 only in pieces; it must not be split
    assert brk("가나 다라마바", 5) == ["가나", "다라마바"]


def test_a_word_longer_than_the_line_falls_back_to_syllables() -> None:
    lines = brk("가나다라마바사아자차카타파하", 5)
    assert lines == ["가나다라마", "바사아자차", "카타파하"]


def test_long_word_fills_the_current_line_first() -> None:
    assert brk("가 나다라마바사아", 4) == ["가 나다", "라마바사", "아"]


@pytest.mark.parametrize("ch", ASCII_AND_FULLWIDTH_CLOSING)
@pytest.mark.parametrize("width_", [3, 4])
def test_no_line_starts_with_closing_punctuation(ch: str, width_: int) -> None:
    for text in (f"가나다{ch}", f"가나다{ch} 라마", f"가나다 {ch} 라마바", f"가나다라마바사{ch}{ch}"):
        lines = brk(text, width_)
        assert all(not line or line[0] not in CLOSING for line in lines), (text, lines)
        assert squash("".join(lines)) == squash(text)


@pytest.mark.parametrize("ch", OPENING_CHARS)
@pytest.mark.parametrize("width_", [3, 4])
def test_no_line_ends_with_an_opening_bracket(ch: str, width_: int) -> None:
    for text in (f"가나{ch}다라", f"가나 {ch}다라 마바", f"가나다 {ch} 라마", f"가나다라마바{ch}사아"):
        lines = brk(text, width_)
        assert all(not line or line[-1] not in OPENING for line in lines), (text, lines)
        assert squash("".join(lines)) == squash(text)


@pytest.mark.parametrize("unit", ["30%", "16:00", "2,000원", "3.5km", "₩5,000", "2026년", "10:30~11:00"])
def test_numbers_stay_with_their_separators_and_units(unit: str) -> None:
    head = unit.split("~")[0]
    text = f"가나다라마{unit}바사아"
    for w in range(len(head) + 1, 9):
        lines = brk(text, w)
        assert any(head in line for line in lines), (w, lines)


def test_atoms_keep_digit_runs_units_and_latin_words() -> None:
    assert atoms("2,000원입니다.") == ["2,000원", "입", "니", "다."]
    assert atoms("16:00부터") == ["16:00", "부", "터"]
    assert atoms("30%할인!") == ["30%", "할", "인!"]
    assert atoms("K-POP페스티벌") == ["K-POP", "페", "스", "티", "벌"]
    assert atoms("「천안」") == ["「천", "안」"]


def test_latin_words_inside_korean_break_as_words() -> None:
    lines = brk("천안 Heritage Night 축제 2026 개막", 9)
    assert lines == ["천안", "Heritage", "Night 축제", "2026 개막"]


def test_a_latin_word_longer_than_the_line_is_cut_as_a_last_resort() -> None:
    lines = brk("주소 https://www.cheonan.go.kr", 10)
    assert all(len(line) <= 10 for line in lines)
    assert squash("".join(lines)) == squash("주소 https://www.cheonan.go.kr")
    assert not any(line.startswith((".", ":")) for line in lines)


def test_explicit_newlines_always_break_and_blank_lines_stay() -> None:
    assert brk("이번 주말,\n천안에서 뭐 하지?", 40) == ["이번 주말,", "천안에서 뭐 하지?"]
    assert brk("가\n\n나", 10) == ["가", "", "나"]
    assert brk("가\r\n나", 10) == ["가", "나"]


def test_spaces_collapse_and_lines_never_carry_edge_spaces() -> None:
    lines = brk("  가나   다라  ", 3)
    assert lines == ["가나", "다라"]


def test_empty_text_is_one_empty_line() -> None:
    assert brk("", 10) == [""]


def test_random_korean_text_always_fits_and_keeps_every_character() -> None:
    rng = random.Random(7)
    syllables = "천안삼거리공원독립기념관아라리오광장주말행사체험"
    marks = list("),.!?·…」』") + ["(", "「", "2,000원", "16:00", "30%", "K-POP"]
    for _ in range(300):
        words = []
        for _ in range(rng.randint(1, 10)):
            word = "".join(rng.choice(syllables) for _ in range(rng.randint(1, 9)))
            if rng.random() < 0.4:
                word = rng.choice(marks) + word if rng.random() < 0.3 else word + rng.choice(marks)
            words.append(word)
        text = " ".join(words)
        w = rng.randint(8, 16)
        lines = brk(text, w)
        assert squash("".join(lines)) == squash(text)
        for i, line in enumerate(lines):
            assert len(line) <= w or " " not in line.strip(), (text, w, lines)
            if i > 0:  # the text itself may start with a closing mark
                assert line[0] not in CLOSING, (text, w, lines)
            if i < len(lines) - 1:
                assert line[-1] not in OPENING, (text, w, lines)
