"""The inbox commands end to end through ``outreach.cli.main``: output, --json, errors."""

from __future__ import annotations

import json

import pytest

from outreach.cli import main

from test_inbox_support import ingestor, opened, reply


@pytest.fixture
def ws(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    with db.begin() as conn:
        ids = ingestor(settings).ingest(conn, [
            reply("m1", "가로등이 꺼졌어요. 연락은 010-1234-5678로 주세요", author_id="777",
                  author_name="홍길동"),
            reply("m2", "불법주차 차량 신고합니다"),
            reply("m3", "시발 왜 이렇게 일을 못해")]).ids
    db.dispose()
    return settings.root, ids


def run(root, *args, capsys):
    code = main(["--root", str(root), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_show_and_json_mask_personal_data(ws, capsys):
    root, ids = ws
    code, out, _ = run(root, "inbox", "list", capsys=capsys)
    assert code == 0 and len(out.splitlines()) == 3
    assert "010-****-5678" in out and "1234" not in out
    code, out, _ = run(root, "inbox", "list", "-q", "주차", "--json", capsys=capsys)
    assert [i["id"] for i in json.loads(out)] == [ids["m2"]]
    code, out, _ = run(root, "inbox", "show", str(ids["m1"]), "--json", capsys=capsys)
    shown = json.loads(out)
    assert shown["item"]["text"] == "가로등이 꺼졌어요. 연락은 010-****-5678로 주세요"
    # the platform user id never shows (the pseudonym is a keyed hash: it may hold any digits)
    author = shown["item"]["author"]
    assert "777" not in out.replace(author, "") and author.startswith("홍길동 (시민-")
    code, out, _ = run(root, "inbox", "list", "--flagged", "abusive", capsys=capsys)
    assert f"#{ids['m3']}" in out and len(out.splitlines()) == 1


def test_assign_tag_note_resolve_and_reply_manual(ws, capsys):
    root, ids = ws
    item = str(ids["m2"])
    assert run(root, "inbox", "--as", "정주무관", "assign", item, "교통행정과",
               capsys=capsys)[0] == 0
    assert run(root, "inbox", "tag", item, "학교앞", "--remove", "주차", capsys=capsys)[0] == 0
    assert run(root, "inbox", "note", item, "내일 오전 단속반 출동 예정", capsys=capsys)[0] == 0
    code, out, _ = run(root, "inbox", "reply", item, "단속반이 출동했습니다.", "--manual",
                       capsys=capsys)
    assert code == 0 and "manual" in out
    assert run(root, "inbox", "resolve", item, "--note", "단속 완료", capsys=capsys)[0] == 0
    code, out, _ = run(root, "inbox", "show", item, "--json", capsys=capsys)
    shown = json.loads(out)
    assert shown["item"]["assignee"] == "교통행정과"
    assert shown["item"]["categories"] == ["학교앞"] and shown["item"]["status"] == "resolved"
    assert shown["notes"][0]["detail"] == "내일 오전 단속반 출동 예정"
    assert shown["history"][0]["by"] == "정주무관"
    assert [a["status"] for a in shown["answers"]] == ["manual"]
    code, out, _ = run(root, "inbox", "stats", "--json", capsys=capsys)
    stats = json.loads(out)
    assert stats["total"] == 3 and stats["resolved"] == 1 and stats["first_answer"]["count"] == 1
    code, out, _ = run(root, "inbox", "stats", "--since", "2026-11-01", "--until", "2026-11-30",
                       capsys=capsys)
    assert code == 0 and "3 items: 2 complaints and questions, 1 other" in out
    assert "complaints: 1 resolved" in out


@pytest.mark.parametrize("args, message", [
    (("inbox", "show", "999"), "no inbox item 999"),
    (("inbox", "show", "abc"), "'abc' is not an item number"),
    (("inbox", "list", "--status", "done"), "--status 'done' is not a status"),
    (("inbox", "reply", "1"), "give the answer TEXT or --saved NAME"),
    (("inbox", "stats", "--since", "11/20"), "'11/20' is not a date"),
    (("harvest", "--channel", "nope"), "no channel named 'nope'"),
])
def test_bad_input_is_one_line_and_exit_2(ws, capsys, args, message):
    root, _ = ws
    code, out, err = run(root, *args, capsys=capsys)
    assert code == 2 and err.startswith("outreach: error: ") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_broken_rules_file_names_file_and_line(ws, capsys):
    root, _ = ws
    (root / "inbox" / "rules.yaml").write_text("categories:\n  - name: 도로\n    keywords: 도로\n",
                                               encoding="utf-8")
    code, _, err = run(root, "inbox", "triage", "도로가 파였어요", capsys=capsys)
    assert code == 2 and "rules.yaml:3: categories[0].keywords: expected a list" in err


def test_triage_preview(ws, capsys, monkeypatch):
    monkeypatch.setenv("OUTREACH_LANGUAGE", "ko")   # the preview is read by Korean staff
    root, _ = ws
    code, out, _ = run(root, "inbox", "triage", "눈이 쌓여서 빙판길이에요 010-1111-2222",
                       capsys=capsys)
    assert code == 0 and "분류: 제설" in out and "안전총괄과" in out
    assert "개인정보 노출" in out and "010-****-2222" in out and "보이는 글: " in out


@pytest.mark.parametrize("name, args, text, line, words", [
    ("replies.yaml", ("inbox", "reply", "1", "--saved", "접수"),
     "접수: 접수되었습니다: {ticket}\n", 1, "a ':' followed by a space is not allowed here"),
    ("rules.yaml", ("inbox", "triage", "도로가 파였어요"),
     "categories:\n\t- name: 도로\n", 2, "the line is indented with a tab"),
])
def test_a_yaml_syntax_error_in_an_inbox_file_says_what_to_do(ws, capsys, name, args, text, line,
                                                              words):
    root, _ = ws
    (root / "inbox" / name).write_text(text, encoding="utf-8")
    code, _, err = run(root, *args, capsys=capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"{name}:{line}: not valid YAML: {words}" in err
    assert "mapping values" not in err and "cannot start any token" not in err


def test_a_yaml_syntax_error_in_an_inbox_file_is_explained_in_korean(ws, capsys, monkeypatch):
    monkeypatch.setenv("OUTREACH_LANGUAGE", "ko")
    root, _ = ws
    (root / "inbox" / "replies.yaml").write_text("접수: 접수되었습니다: {ticket}\n",
                                                 encoding="utf-8")
    code, _, err = run(root, "inbox", "reply", "1", "--saved", "접수", capsys=capsys)
    assert code == 2 and "replies.yaml:1: 올바른 YAML이 아닙니다: " in err
    assert "값 안에 ': '가 있으면 값을 따옴표" in err and "mapping values" not in err
