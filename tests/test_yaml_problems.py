"""PyYAML's English reasons inside "올바른 YAML이 아닙니다: ..." become Korean advice."""

from __future__ import annotations

import pytest

from outreach.errors import TemplateError
from outreach.i18n import use_language
from outreach.render import yamlsrc


def problem(text: str) -> str:
    with use_language("ko"), pytest.raises(TemplateError) as caught:
        yamlsrc.parse(text, "card.yaml")
    return str(caught.value)


@pytest.mark.parametrize("text, line, words", [
    ("title: 안내: 11월\n", 1, "값 안에 ': '가 있으면 값을 따옴표"),
    ("title: x\nbody:\n\tnote: y\n", 3, "탭 문자로 들여썼습니다"),
    ("title: x\n&y\n", 3, "':'가 빠졌습니다"),
    ("time: *x\n", 1, "YAML 별칭(alias)으로 읽힙니다"),
    ("title: \"x\n", 2, "따옴표가 닫히지 않았습니다"),
    ("tags: [a, b\n", 2, "괄호([ ] 또는 { })가 닫히지 않았거나"),
    ("- a\nb: 1\n", 2, "들여쓰기가 맞지 않습니다"),
])
def test_common_problems_are_explained_in_korean_at_their_line(text, line, words):
    message = problem(text)
    assert message.startswith(f"card.yaml:{line}: 올바른 YAML이 아닙니다: ")
    assert words in message and "번째 칸)" in message
    for english in ("mapping values", "cannot start any token", "expected", "alias '", "found"):
        assert english not in message


def test_a_duplicate_key_names_both_lines_in_korean():
    assert problem("title: a\ntitle: b\n").startswith("card.yaml:2: 키 'title'")


def test_an_unknown_problem_keeps_pyyaml_text():
    assert "<document start>" in problem("[a, b]]\n")


def test_english_stays_english():
    with use_language("en"), pytest.raises(TemplateError) as caught:
        yamlsrc.parse("title: 안내: 11월\n", "card.yaml")
    assert "a ':' followed by a space is not allowed here" in str(caught.value)
