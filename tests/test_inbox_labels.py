"""Inbox kinds and flags in words (outreach.inbox.labels), never as their codes: English
words (the codes were the message ids, so English pages showed "personal_data"), Korean as
the pages showed it before; the filters keep submitting codes."""

from __future__ import annotations

import re

import pytest

from outreach.i18n import use_language
from outreach.inbox.kinds import KINDS
from outreach.inbox.labels import flag_label, inbox_labels, kind_label
from outreach.inbox.triage import FLAGS

from inbox_web_support import file_items, staff_users
from web_support import sign_in, staff_client, web_workspace

PHONE = "가로등이 꺼졌어요 010-1111-2222"
THANKS = "축제 정말 좋았어요 감사합니다"
#: a code shown as it is: an element's whole text (English words may contain "obscene")
CODES = re.compile(r">\s*(" + "|".join(KINDS + FLAGS) + r")\s*(<|,)")


def _text(html: str) -> str:
    """What a reader sees (attribute values are not text), each piece between > and <."""
    return re.sub(r"<[^>]+>", "><", html)


def test_every_kind_and_flag_has_words_in_both_languages():
    for language in ("en", "ko"):
        with use_language(language):
            words = inbox_labels()
            assert set(words["kind"]) == set(KINDS) and set(words["flag"]) == set(FLAGS)
            for code, text in [*words["kind"].items(), *words["flag"].items()]:
                assert text and text != code and "_" not in text, (language, code)
    with use_language("en"):
        assert flag_label("personal_data") == "Personal data exposed"
        assert kind_label("opinion") == "Opinion or praise"
    with use_language("ko"):          # the Korean the pages showed before
        assert [kind_label(k) for k in KINDS] == ["민원", "문의", "의견·칭찬", "인사·메뉴",
                                                  "설문 응답", "스팸"]
        assert [flag_label(f) for f in FLAGS] == ["정치적 내용", "상업·광고", "욕설·비하", "음란",
                                                  "명예훼손 우려", "개인정보 노출", "과열 스레드"]
    assert kind_label("someday") == "someday" and flag_label("") == ""


def _row(html: str, item_id: int) -> str:
    return re.search(rf'<tr[^>]*id="item-{item_id}".*?</tr>', html, re.S).group(0)


@pytest.mark.parametrize("language, flag, kind", [("en", "Personal data exposed", "Opinion or praise"),
                                                  ("ko", "개인정보 노출", "의견·칭찬")])
def test_queue_item_and_rules_pages_name_kinds_and_flags(tmp_path, db_url, language, flag, kind):
    ws = web_workspace(tmp_path, db_url, language=language)
    try:
        ids = file_items(ws, {"p1": PHONE, "o1": THANKS})
        staff_users(ws)
        with staff_client(ws) as client:
            sign_in(client, "chief")
            queue = client.get("/inbox").text
            flagged, thanks = _row(queue, ids["p1"]), _row(queue, ids["o1"])
            assert f'<span class="badge warn">{flag}</span>' in flagged
            assert f'<span class="badge">{kind}</span>' in thanks
            assert not CODES.search(_text(flagged)) and not CODES.search(_text(thanks))
            # the filters: words as text, codes as values, and filtering by the code works
            flags = re.search(r'<select name="flag">.*?</select>', queue, re.S).group(0)
            assert f'<option value="personal_data">{flag}</option>' in flags
            kinds = re.search(r'<select name="kind">.*?</select>', queue, re.S).group(0)
            assert f'<option value="opinion">{kind}</option>' in kinds
            assert not CODES.search(_text(flags)) and not CODES.search(_text(kinds))
            only = client.get("/inbox", params={"flag": "personal_data"}).text
            assert f'id="item-{ids["p1"]}"' in only and f'id="item-{ids["o1"]}"' not in only
            item = client.get(f"/inbox/{ids['o1']}").text
            assert f'<span class="badge">{kind}</span>' in item
            assert f'<option value="opinion" selected>{kind}</option>' in item
            assert not CODES.search(_text(item))
            item = client.get(f"/inbox/{ids['p1']}").text
            assert f'<span class="badge warn">{flag}</span>' in item
            # 분류 규칙: trying a sentence names its kind and flags
            html = client.get("/inbox/rules").text
            token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
            tried = client.post("/inbox/rules/try", data={"csrf_token": token, "text": "",
                                                          "sample": PHONE}).text
            trial = re.search(r'<dl class="trial".*?</dl>', tried, re.S).group(0)
            assert flag in trial and not CODES.search(_text(trial))
    finally:
        ws.db.dispose()
