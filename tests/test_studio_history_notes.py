"""The studio history's own notes ("restored version 1", "imported 2 events from …") are
kept language-independent (i18n.Text) and read in each reader's language; old plain notes
and a person's own note read as written."""

from __future__ import annotations

import json
import re
from datetime import date

from outreach.i18n import use_language
from outreach.studio import files
from outreach.users.audit import Actor
from test_spreadsheet import ROWS, studio, workspace, xlsx  # noqa: F401 - the fixture
from test_studio import DAY, EDIT, form_of
from web_support import add_user, csrf, sign_in


def _notes(html: str) -> list[str]:
    return re.findall(r'<span class="muted">\((.*?)\)</span></td>', html)


def test_history_notes_read_in_each_readers_language(staff) -> None:
    add_user(staff.ws.db, "kim", "editor", language="ko")
    add_user(staff.ws.db, "lee", "editor", language="en")
    sign_in(staff, "kim")
    token = csrf(staff, EDIT)
    for title in ("첫 번째 저장", "두 번째 저장"):
        fields = form_of(staff.get(EDIT).text)
        fields["events[0].title"] = title
        assert staff.post(f"{EDIT}/save", data={**fields, "csrf_token": token}).status_code == 303
    assert staff.post(f"{EDIT}/restore",
                      data={"version": "1", "csrf_token": token}).status_code == 303
    file = staff.ws.root / "content/weekend-guide" / f"{DAY}.yaml"
    log = files.history_dir(file) / "log.jsonl"
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert entries[-1]["note"].startswith("i18n:")          # stored without a language
    # an entry written before notes were messages: shown exactly as written
    with log.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({**entries[-1], "version": 4, "note": "restored version 2"}) + "\n")
    assert _notes(staff.get(EDIT).text)[:2] == ["restored version 2", "1번째 판을 되살림"]
    staff.cookies.clear()                                   # the other reader
    sign_in(staff, "lee")
    assert _notes(staff.get(EDIT).text)[:2] == ["restored version 2", "restored version 1"]


def test_import_and_restore_notes_in_both_languages_and_a_typed_note_as_typed(
        workspace) -> None:  # noqa: F811
    svc = studio(workspace)
    day = date(2026, 12, 10)
    svc.import_sheet("weekend-guide", day, xlsx(workspace / "행사.xlsx", ROWS),
                     actor=Actor.cli("kim"))
    svc.restore("weekend-guide", day, 1, actor=Actor.cli("kim"))
    raw = svc.load("weekend-guide", day)[0]
    svc.save("weekend-guide", day, {**raw, "contact": "바뀐 연락처"}, actor=Actor.cli("kim"),
             note="restored version 9 by hand")               # a person's words: never translated
    with use_language("ko"):
        assert [v.note for v in svc.history("weekend-guide", day)] == [
            "restored version 9 by hand", "1번째 판을 되살림", "행사.xlsx에서 events 2건 가져옴"]
    with use_language("en"):
        assert [v.note for v in svc.history("weekend-guide", day)] == [
            "restored version 9 by hand", "restored version 1", "imported 2 events from 행사.xlsx"]
