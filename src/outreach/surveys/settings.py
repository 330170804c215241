"""``[surveys.kakao]`` in outreach.toml: how the Kakao chatbot asks survey questions.

Every key has a default; the texts are what citizens read, so they are Korean and
editable here (like ``[inbox.kakao]``), not staff-facing catalog messages::

    [surveys.kakao]
    words = ["질문하기", "소통 라이브"]   # utterances that start the survey flow
    block_id = ""                       # optional Open Builder block for theme buttons
    answer_minutes = 30                 # how long a chosen theme waits for the text
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..i18n import _
from ..inbox.settings import _Reader

DEFAULT_WORDS = ("질문하기", "소통 라이브", "설문")
DEFAULT_CHOOSE = "{title}\n{intro}\n\n어떤 주제로 질문하시겠어요? 아래에서 골라 주세요."
DEFAULT_ASK = "'{theme}'에 대해 묻고 싶은 것을 한 번에 적어 보내 주세요."
DEFAULT_THANKS = ("질문이 접수되었습니다. 고맙습니다.\n{title}에서 다룰 질문을 고를 때 꼭 읽겠습니다. "
                  "({closes}까지 받습니다)")
DEFAULT_CLOSED = "{title} 질문 접수는 {closes}에 마감되었습니다. 참여해 주셔서 고맙습니다."
DEFAULT_NONE = "지금은 질문을 받고 있지 않습니다. 다음 소통 라이브 때 다시 알려 드리겠습니다."


@dataclass(frozen=True)
class SurveyChat:
    """The chatbot's survey settings."""

    words: tuple[str, ...] = DEFAULT_WORDS
    block_id: str = ""            # set: theme buttons call this block with ``extra``
    answer_minutes: int = 30
    choose: str = DEFAULT_CHOOSE
    ask: str = DEFAULT_ASK
    thanks: str = DEFAULT_THANKS
    closed: str = DEFAULT_CLOSED
    none: str = DEFAULT_NONE


def chat_config(settings: Settings) -> SurveyChat:
    r = _Reader(settings, "surveys.kakao")
    for key in r.data:
        if key not in ("words", "block_id", "answer_minutes", "choose", "ask", "thanks",
                       "closed", "none"):
            raise r.fail(_("unknown setting; known here: {names}",
                           names="answer_minutes, ask, block_id, choose, closed, none, "
                                 "thanks, words"), key)
    words = r.get("words", list(DEFAULT_WORDS), list, "a list of texts")
    if not all(isinstance(w, str) and w.strip() for w in words):
        raise r.fail(_("expected a list of texts such as [\"질문하기\"]"), "words")
    minutes = r.get("answer_minutes", 30, int, "a whole number of minutes")
    if minutes <= 0:
        raise r.fail(_("expected a positive whole number of minutes, got {value!r}",
                       value=minutes), "answer_minutes")
    texts = {key: r.get(key, default, str, "a text") for key, default in (
        ("choose", DEFAULT_CHOOSE), ("ask", DEFAULT_ASK), ("thanks", DEFAULT_THANKS),
        ("closed", DEFAULT_CLOSED), ("none", DEFAULT_NONE))}
    for key, text in texts.items():
        try:
            text.format(title="", intro="", theme="", closes="")
        except (KeyError, IndexError, ValueError) as exc:
            raise r.fail(_("this text may only use {{title}}, {{intro}}, {{theme}} and "
                           "{{closes}} (problem: {exc})", exc=exc), key) from None
    return SurveyChat(words=tuple(w.strip() for w in words),
                      block_id=r.get("block_id", "", str, "a block id").strip(),
                      answer_minutes=minutes, **texts)
