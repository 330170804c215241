"""Korean morphological analysis with kiwipiepy: the content words of each message.

Kiwi (kiwipiepy, with its model in the kiwipiepy_model wheel) runs offline on the
CPU. A message becomes its nouns, roots and English words as written, and its verb
and adjective stems as lemmas (``단속해주세요`` → 단속, ``늘려주세요`` → 늘리다),
minus the words every complaint shares (해주다, 너무, 민원, 부탁 ...), which say how
people ask, not what about. Each term keeps Kiwi's morpheme id so ``vectors`` can
ask Kiwi's own language model how close two words are.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

# parts of speech that carry the subject: common/proper nouns, roots, foreign words,
# verb and adjective stems (regular and irregular: VV-I, VA-R ...)
_NOUNS = ("NNG", "NNP", "XR", "SL")
_VERBS = ("VV", "VA")

# How people ask, not what about. Kept short on purpose: a word a topic could be
# about (주차, 소음, 설치) never goes here.
STOP_WORDS = frozenset("""
하다 되다 있다 없다 주다 보다 가다 오다 나다 같다 알다 모르다 싶다 않다 이다 아니다 그렇다
많다 넣다 드리다 말씀 생기다 받다 만들다 계속 정말 진짜 너무 좀 더 다 또 왜 어떻게 언제 어디
것 수 때 곳 거 데 분 등 중 점 쪽 번 개 명 년 월 일 시 오늘 어제 내일 매일 매번 요즘 아침 저녁 밤
문의 민원 요청 부탁 답변 신고 확인 검토 건 관련 문제 부분 경우 이유 방법 정도 생각 사람 우리 저희
시 시청 천안 천안시 동네 집 앞 뒤 근처 주변 여기 거기 안내 처리 해결 조치 대책 진행 말 글
감사 수고 고생 제발 빨리 다시 아직 그대로 항상 자꾸 전혀 아예 진짜로 ㅠㅠ ㅋㅋ
안녕 안녕하다 시민 주민 건의 궁금 궁금하다 바라다 부탁드리다 고맙다 꼭
""".split())


@lru_cache(maxsize=1)
def kiwi():
    """One analyser per process: loading the model takes a couple of seconds."""
    from kiwipiepy import Kiwi

    return Kiwi()


def terms(texts: Sequence[str]) -> list[list[tuple[str, int]]]:
    """For each text, its content terms as (term, Kiwi morpheme id), in order.

    Identical texts are analysed once (copies and form letters are common).
    """
    unique = list(dict.fromkeys(texts))
    analysed = dict(zip(unique, kiwi().tokenize(unique)))
    out = []
    for text in texts:
        found = []
        for tok in analysed[text]:
            tag = str(tok.tag)
            if tag.startswith(_NOUNS):
                term = tok.form.lower() if tag == "SL" else tok.form
            elif tag.startswith(_VERBS):
                term = tok.lemma
            else:
                continue
            if len(term) < 2 and tag != "NNG" or term in STOP_WORDS:
                continue
            found.append((term, int(tok.id)))
        out.append(found)
    return out
