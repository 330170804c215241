"""Saved replies and triage rules edited from the web (outreach.inbox.editing): checks,
history and restore, two editors at once, and new messages classified with saved rules
without a restart (the webhook server and the daemon's harvest)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from outreach.errors import ConfigError, DataError
from outreach.inbox.answers import load_saved
from outreach.inbox.editing import FileChanged, InboxFiles, brace_problem, check_reply
from outreach.inbox.harvest import harvest_all
from outreach.inbox.triage import current_rules
from outreach.users.audit import Actor

from fakes.graph import GraphFake
from test_harvest import ENV as HARVEST_ENV, TOKEN, _all, fb_toml
from test_inbox_support import opened
from test_web import _items, comment, post_fb, served  # noqa: F401  (fixture)

KIM, LEE = Actor.system("kim"), Actor.system("lee")
BENCH = """
  - name: 드론
    department: 정보통신과
    # drones (typed comment, kept)
    keywords: [드론, 무인기]
"""


@pytest.fixture
def ws(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    yield InboxFiles(settings, db)
    db.dispose()


def _with_bench(text: str) -> str:
    return text.replace("\ncategories:\n", "\ncategories:\n" + BENCH, 1)


def test_add_edit_rename_delete_keep_the_header_and_the_other_replies(ws):
    before = ws.replies_file.read_text(encoding="utf-8")
    header = before.split("\n\n")[0]
    saved, fp = ws.replies()
    v = ws.put_reply(None, "단순문의", "{author}님, 문의하신 내용은\n{department}에서 답합니다.",
                     actor=KIM, based_on=fp)
    text = ws.replies_file.read_text(encoding="utf-8")
    assert text.startswith(header + "\n") and v is not None and v.by == "kim"
    now = load_saved(ws.replies_file)
    assert list(now) == [*saved, "단순문의"] and all(now[k] == saved[k] for k in saved)
    assert now["단순문의"] == "{author}님, 문의하신 내용은\n{department}에서 답합니다."
    # the file as it was (typed by hand) is version 1, the web's save version 2
    versions = ws.history(ws.replies_file)
    assert [x.number for x in versions] == [2, 1] and versions[0].changes == ("단순문의",)

    _s, fp = ws.replies()
    ws.put_reply("접수안내", "접수 안내", saved["접수안내"] + " 감사합니다.", actor=LEE, based_on=fp)
    now = load_saved(ws.replies_file)
    assert list(now)[0] == "접수 안내" and "접수안내" not in now       # renamed in place
    assert now["접수 안내"].endswith("감사합니다.")
    _s, fp = ws.replies()
    ws.delete_reply("현장확인", actor=LEE, based_on=fp)
    assert "현장확인" not in load_saved(ws.replies_file)
    assert ws.replies_file.read_text(encoding="utf-8").startswith(header + "\n")

    # restore the hand-typed original: byte for byte, as version 5
    _s, fp = ws.replies()
    restored = ws.restore(ws.replies_file, 1, actor=KIM, based_on=fp)
    assert restored.number == 5 and ws.replies_file.read_text(encoding="utf-8") == before
    with ws.db.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT action, target_id FROM audit_log WHERE target_type = 'inbox_file'"
            " ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["inbox.replies.add", "inbox.replies.rename",
                                    "inbox.replies.delete", "inbox.replies.restore"]
    assert {r[1] for r in rows} == {"inbox/replies.yaml"}


@pytest.mark.parametrize("text, words", [
    ("접수번호 {tiket}번입니다", ["'안내'", "{tiket}", "{ticket}"]),
    ("접수번호 {ticket번입니다", ["'안내'", "{ticket번입니다"]),
    ("접수번호 ticket}번입니다", ["'안내'", "ticket}"]),
    ("빈 자리 {} 입니다", ["'안내'", "{}"]),
])
def test_a_bad_placeholder_names_the_reply_and_writes_nothing(ws, text, words):
    before = ws.replies_file.read_bytes()
    _s, fp = ws.replies()
    with pytest.raises(DataError) as err:
        ws.put_reply(None, "안내", text, actor=KIM, based_on=fp)
    assert all(w in str(err.value) for w in words), str(err.value)
    assert ws.replies_file.read_bytes() == before and ws.history(ws.replies_file) == []


def test_names_are_checked():
    with pytest.raises(DataError, match="already"):
        check_reply("접수안내", "x", {"접수안내": "y"})
    with pytest.raises(DataError):
        check_reply("   ", "x")
    assert check_reply(" 새  답변 ", "a {{괄호}} b\r\n") == ("새 답변", "a {{괄호}} b")
    assert brace_problem("{{ literal }} and {ticket}") is None


def test_two_editors_from_the_same_version_the_second_is_told(ws):
    _s, fp = ws.replies()
    ws.put_reply(None, "김의답변", "김이 쓴 답변", actor=KIM, based_on=fp)
    with pytest.raises(FileChanged, match="kim"):
        ws.put_reply(None, "이의답변", "이가 쓴 답변", actor=LEE, based_on=fp)
    now = load_saved(ws.replies_file)
    assert "김의답변" in now and "이의답변" not in now                 # nothing lost, nothing half
    # a change by hand on the server is noticed too, and kept in history when saving over it
    _s, fp = ws.replies()
    ws.replies_file.write_text(ws.replies_file.read_text(encoding="utf-8")
                               + "\n손으로추가: 서버에서 직접 넣은 답변\n", encoding="utf-8")
    with pytest.raises(FileChanged, match="on the server"):
        ws.put_reply(None, "이의답변", "이가 쓴 답변", actor=LEE, based_on=fp)
    _s, fp = ws.replies()
    ws.put_reply(None, "이의답변", "이가 쓴 답변", actor=LEE, based_on=fp)
    notes = [v.note for v in ws.history(ws.replies_file)]
    assert notes[1] == "the file as found before this save"
    assert {"손으로추가", "이의답변", "김의답변"} <= set(load_saved(ws.replies_file))


def test_rules_are_saved_as_typed_and_checked_by_the_engine(ws):
    text, fp = ws.rules_text()
    edited = _with_bench(text)
    trial = ws.try_rules(edited, "드론이 밤마다 시끄럽게 날아다녀요")      # unsaved: tried, not written
    assert trial.categories == ("드론",) and trial.department == "정보통신과"
    assert trial.kind == "complaint" and trial.priority == "보통"
    assert ws.rules_file.read_text(encoding="utf-8") == text
    v = ws.save_rules(edited.replace("\n", "\r\n"), actor=KIM, based_on=fp)
    assert ws.rules_file.read_text(encoding="utf-8") == edited          # comments and all
    assert "categories.드론" in v.changes
    assert "# drones (typed comment, kept)" in ws.rules_file.read_text("utf-8")

    broken = edited.replace("department: 정보통신과", "departmnt: 정보통신과")
    line = broken.split("\n").index("    departmnt: 정보통신과") + 1
    _t, fp = ws.rules_text()
    with pytest.raises(ConfigError) as err:
        ws.save_rules(broken, actor=KIM, based_on=fp)
    assert str(err.value).startswith(f"inbox/rules.yaml:{line}: categories[0].departmnt: ")
    with pytest.raises(ConfigError, match=r"rules.yaml:\d+: .*RE2|rules.yaml:\d+:"):
        ws.save_rules(edited.replace("keywords: [드론, 무인기]", 'patterns: ["(?<=a)b"]'),
                      actor=KIM, based_on=fp)
    assert ws.rules_file.read_text(encoding="utf-8") == edited          # nothing written
    restored = ws.restore(ws.rules_file, 1, actor=LEE, based_on=fp)
    assert ws.rules_file.read_text(encoding="utf-8") == text and restored.number == 3


def test_the_harvest_classifies_with_the_saved_rules_without_a_restart(tmp_path, db_url):
    with GraphFake(token=TOKEN) as graph:
        settings, db = opened(tmp_path, db_url, fb_toml(graph), HARVEST_ENV)
        try:
            svc = InboxFiles(settings, db)
            now = datetime.now(timezone.utc)
            post = graph.add_post("공원 소식")
            graph.add_comment(post, "드론이 밤마다 시끄럽게 날아다녀요", created=now - timedelta(minutes=9))
            harvest_all(settings, db)                   # the daemon's first cycle: old rules
            assert current_rules(svc.rules_file).categories[0].name != "드론"
            text, fp = svc.rules_text()
            svc.save_rules(_with_bench(text), actor=KIM, based_on=fp)
            graph.add_comment(post, "무인기가 아파트 위를 날아요", created=now - timedelta(minutes=5))
            harvest_all(settings, db)                   # the next cycle, same process
            rows = {r.text: r for r in _all(db)}
            assert rows["드론이 밤마다 시끄럽게 날아다녀요"].assignee != "정보통신과"
            assert rows["무인기가 아파트 위를 날아요"].assignee == "정보통신과"
        finally:
            db.dispose()


def test_the_webhook_server_classifies_with_the_saved_rules_without_a_restart(served):
    client, db = served
    svc = InboxFiles(client.settings, db)
    assert post_fb(client, comment(message="무인기가 아파트 위를 날아요", comment_id="9001_1")
                   ).status_code == 200
    text, fp = svc.rules_text()
    svc.save_rules(_with_bench(text), actor=KIM, based_on=fp)
    assert post_fb(client, comment(message="무인기가 또 아파트 위를 날아요", comment_id="9001_2")
                   ).status_code == 200
    rows = {r.remote_id: r for r in _items(db)}
    assert rows["9001_1"].assignee != "정보통신과"
    assert rows["9001_2"].assignee == "정보통신과"
    # a hand edit that breaks the file: the server keeps classifying with the last good rules
    svc.rules_file.write_text("categories: [", encoding="utf-8")
    assert post_fb(client, comment(message="드론 소음", comment_id="9001_3")).status_code == 200
    assert {r.remote_id: r for r in _items(db)}["9001_3"].assignee == "정보통신과"
