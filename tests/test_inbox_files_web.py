"""The 자주 쓰는 답변 and 분류 규칙 pages: who may read and change them, CSRF, 400/409 on bad
input with nothing written, and the answer box seeing a saved reply at once."""

from __future__ import annotations

import re

import pytest

from outreach.inbox.answers import load_saved
from outreach.inbox.editing import InboxFiles

from inbox_web_support import file_items, staff_users
from web_support import csrf, sign_in


def _form(client, page: str) -> dict[str, str]:
    html = client.get(page).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    based_on = re.search(r'name="based_on" value="([^"]*)"', html)   # editors' pages only
    return {"csrf_token": token, "based_on": based_on.group(1) if based_on else ""}


@pytest.fixture
def files(staff):
    staff_users(staff.ws)
    return InboxFiles(staff.ws.settings, staff.ws.db)


def test_officers_read_supervisors_change(staff, files):
    sign_in(staff, "road")
    page = staff.get("/inbox/replies")
    assert page.status_code == 200 and "접수안내" in page.text
    assert "접수번호 20261130-7KQ2MD번으로 도로과에 전달했습니다" in page.text     # preview
    # limits, each channel by its platform's name, never its code
    assert re.search(r"Instagram [\d,]+ / 2,200", page.text)
    assert re.search(r"Kakao Talk Channel [\d,]+ / 1,000", page.text)
    assert not re.search(r"\b(instagram|facebook|kakao|youtube)\b", page.text)
    assert 'action="/inbox/replies/save"' not in page.text                   # no editor
    assert staff.get("/inbox/rules").status_code == 200
    before = files.replies_file.read_bytes()
    refused = staff.post("/inbox/replies/save", data={**_form(staff, "/inbox/replies"),
                                                      "name": "x", "text": "y"})
    assert refused.status_code == 403 and files.replies_file.read_bytes() == before
    rules = files.rules_file.read_bytes()
    assert staff.post("/inbox/rules/save", data={**_form(staff, "/inbox/rules"),
                                                 "text": "{}"}).status_code == 403
    assert files.rules_file.read_bytes() == rules
    # an officer may try a sentence (against the saved rules, whatever was posted)
    tried = staff.post("/inbox/rules/try", data={**_form(staff, "/inbox/rules"),
                                                 "text": "categories: [", "sample": "가로등이 꺼졌어요"})
    assert tried.status_code == 200 and "도로과" in tried.text


def test_supervisor_adds_a_reply_and_the_answer_box_offers_it(staff, files):
    ids = file_items(staff.ws, {"m1": "가로등이 꺼져 있어요"})
    sign_in(staff, "chief")
    first = staff.get(f"/inbox/{ids['m1']}").text     # the saved replies are now kept parsed
    assert ">접수안내</option>" in first and ">야간점검</option>" not in first
    form = _form(staff, "/inbox/replies")
    without = staff.post("/inbox/replies/save", data={"based_on": form["based_on"],
                                                      "name": "야간", "text": "x"})
    assert without.status_code == 403 and "야간" not in load_saved(files.replies_file)
    done = staff.post("/inbox/replies/save", data={**form, "name": "야간점검",
                                                   "text": "{author}님, 오늘 밤 {department}에서 점검합니다.",
                                                   "action": "save"})
    assert done.status_code == 303
    item = staff.get(f"/inbox/{ids['m1']}").text                      # no restart
    assert ">야간점검</option>" in item and "도로과에서 점검합니다." in item
    with staff.ws.db.read() as conn:
        row = conn.exec_driver_sql("SELECT actor_name, action FROM audit_log WHERE "
                                   "target_type = 'inbox_file'").fetchall()
    assert [tuple(r) for r in row] == [("chief", "inbox.replies.add")]


def test_bad_input_is_400_with_the_text_kept_and_nothing_written(staff, files):
    sign_in(staff, "chief")
    before = files.replies_file.read_bytes()
    form = _form(staff, "/inbox/replies")
    bad = staff.post("/inbox/replies/save", data={**form, "name": "안내2",
                                                  "text": "접수번호 {tikcet}번", "action": "save"})
    assert bad.status_code == 400 and files.replies_file.read_bytes() == before
    assert "안내2" in bad.text and "{tikcet}" in bad.text and "접수번호 {tikcet}번</textarea>" in bad.text
    preview = staff.post("/inbox/replies/save", data={**form, "name": "안내3",
                                                      "text": "{ticket}번 접수", "action": "preview"})
    assert preview.status_code == 200 and "20261130-7KQ2MD번 접수" in preview.text
    assert files.replies_file.read_bytes() == before

    rules = files.rules_file.read_text(encoding="utf-8")
    broken = rules.replace("  kind: opinion", "  kind: opinon", 1)
    line = broken.split("\n").index("  kind: opinon        # 아무 신호도 없는 글의 종류") + 1
    page = staff.post("/inbox/rules/save", data={**_form(staff, "/inbox/rules"),
                                                 "text": broken})
    assert page.status_code == 400 and f"inbox/rules.yaml:{line}: default.kind" in page.text
    assert 'id="error-context"' in page.text and "opinon" in page.text
    assert files.rules_file.read_text(encoding="utf-8") == rules
    assert files.history(files.rules_file) == []


def test_the_second_of_two_supervisors_gets_409(staff, files):
    sign_in(staff, "chief")
    form = _form(staff, "/inbox/rules")
    text = files.rules_text()[0]
    first = staff.post("/inbox/rules/save", data={**form, "text": text + "# 첫째\n"})
    assert first.status_code == 303
    second = staff.post("/inbox/rules/save", data={**form, "text": text + "# 둘째\n"})
    assert second.status_code == 409 and "# 둘째" in second.text      # their text stays
    now = files.rules_file.read_text(encoding="utf-8")
    assert now.endswith("# 첫째\n") and "# 둘째" not in now
    # restore from the history list
    restore = staff.post("/inbox/rules/restore", data={**_form(staff, "/inbox/rules"),
                                                       "version": "1"})
    assert restore.status_code == 303 and files.rules_file.read_text(encoding="utf-8") == text


def test_the_inbox_tabs_link_both_pages(staff, files):
    sign_in(staff, "road")
    queue = staff.get("/inbox").text
    assert 'href="/inbox/replies"' in queue and 'href="/inbox/rules"' in queue
    page = staff.get("/inbox/rules").text
    assert re.search(r'href="/inbox/rules" aria-current="page"', page)


def test_a_replies_file_broken_by_hand_is_shown_and_can_be_restored(staff, files):
    sign_in(staff, "chief")
    good = files.replies_file.read_text(encoding="utf-8")
    form = _form(staff, "/inbox/replies")
    assert staff.post("/inbox/replies/save", data={**form, "name": "추가", "text": "추가 답변",
                                                   "action": "save"}).status_code == 303
    files.replies_file.write_text(good + "\n망가짐: 접수 {없는자리}\n", encoding="utf-8")
    page = staff.get("/inbox/replies")
    assert page.status_code == 200 and "replies.yaml" in page.text and "{없는자리}" in page.text
    form = _form(staff, "/inbox/replies")
    edit = staff.post("/inbox/replies/save", data={**form, "name": "또", "text": "또 답변"})
    assert edit.status_code == 400                       # the file must be mended first
    assert "망가짐" in files.replies_file.read_text(encoding="utf-8")
    back = staff.post("/inbox/replies/restore", data={**form, "version": "1"})
    assert back.status_code == 303 and files.replies_file.read_text(encoding="utf-8") == good
    # the broken text is kept in history too (recorded before the restore wrote over it)
    assert [v.note for v in files.history(files.replies_file)][:2] == [
        "restored version 1", "the file as found before this save"]


def test_a_viewer_reads_the_rules_but_cannot_try_them(staff, files):
    """Trying a sentence is a POST, and no POST is open to plain viewing: a viewer sees the
    rules (read-only) without the try box, and a hand-made try is refused."""
    sign_in(staff, "watcher")
    page = staff.get("/inbox/rules")
    assert page.status_code == 200 and "readonly" in page.text
    assert 'id="rules-try"' not in page.text
    tried = staff.post("/inbox/rules/try", data={**_form(staff, "/inbox/rules"),
                                                 "sample": "가로등이 꺼졌어요"})
    assert tried.status_code == 403
