"""``outreach survey``: create, list, show, publish, close, link; bad input is one line and
exit status 2 naming the file, line and field; Korean output through the catalogs."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from outreach.cli import main
from outreach.i18n import use_language
from outreach.store import inbox as store
from outreach.store.db import open_database

from survey_support import add_survey_files
from test_inbox_support import workspace

NOW = "2026-12-02T10:00:00+09:00"


@pytest.fixture
def ws(tmp_path, db_url, monkeypatch):
    settings = workspace(tmp_path, db_url, '[channels.outbox]\ntype = "outbox"\n'
                                           "[publishing]\npost_approval = false\n")
    add_survey_files(settings.root)
    monkeypatch.setenv("OUTREACH_NOW", NOW)
    return settings


def run(ws, *argv) -> int:
    return main(["--root", str(ws.root), *argv])


def test_create_publish_show_close(ws, capsys):
    assert run(ws, "survey", "--as", "김주무관", "create", "2026-q4-live") == 0
    out = capsys.readouterr().out
    assert "survey 2026-q4-live created (#1)" in out and "3 themes" in out
    assert run(ws, "survey", "create", str(ws.root / "content/surveys/2026-q4-live.yaml")) == 0
    assert "updated" in capsys.readouterr().out
    assert run(ws, "survey", "publish", "2026-q4-live") == 0
    out = capsys.readouterr().out
    assert "post #1" in out and "the daemon or run-due sends it" in out
    assert run(ws, "run-due", "--now", "2026-12-02T10:05:00+09:00") == 0
    capsys.readouterr()
    assert run(ws, "survey", "show", "2026-q4-live", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["state"] == "published" and shown["call"]["state"] == "done"
    assert [d["state"] for d in shown["call"]["deliveries"]] == ["sent"]
    assert [t["key"] for t in shown["by_theme"]] == ["traffic", "welfare", "other"]
    assert run(ws, "survey", "list") == 0
    assert "#1 2026-q4-live [published]" in capsys.readouterr().out
    assert run(ws, "survey", "close", "2026-q4-live") == 0
    assert run(ws, "survey", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])[0]["state"] == "closed"


def test_link_by_hand_and_unlink(ws, capsys):
    run(ws, "survey", "create", "2026-q4-live")
    db = open_database(ws.database_url)
    now = datetime(2026, 12, 2, 2, 0)
    with db.begin() as conn:
        from sqlalchemy import insert

        from outreach.store.inbox_tables import inbox_items

        item = conn.execute(insert(inbox_items).values(
            channel="band", remote_id="b1",
            text="소통 라이브에서 주차 문제를 다뤄 주세요 (010-9876-5432)",
            created_at=now, received_at=now, kind="opinion")).inserted_primary_key[0]
    capsys.readouterr()
    assert run(ws, "survey", "link", str(item), "2026-q4-live", "--theme", "traffic") == 0
    assert f"#{item}" in capsys.readouterr().out
    with db.read() as conn:
        row = store.get_item(conn, item)
    assert (row.kind, row.survey_id) == ("survey", 1) and row.survey_question_id
    assert run(ws, "survey", "link", str(item), "2026-q4-live", "--theme", "nope") == 2
    err = capsys.readouterr().err
    assert "theme: survey 2026-q4-live has no theme nope" in err and "traffic" in err
    assert run(ws, "survey", "show", "2026-q4-live", "--answers", "5") == 0
    out = capsys.readouterr().out
    assert f"#{item} band [교통·주차]" in out and "주차 문제" in out
    assert "9876-5432" not in out                                  # masked
    assert run(ws, "survey", "unlink", str(item)) == 0
    with db.read() as conn:
        row = store.get_item(conn, item)
    assert (row.kind, row.survey_id, row.survey_question_id) == ("question", None, None)
    assert run(ws, "survey", "link", "999", "2026-q4-live") == 2
    assert "item: no inbox item #999" in capsys.readouterr().err
    db.dispose()


@pytest.mark.parametrize("edit, where", [
    (("closes: 2026-12-14 18:00", "closes: 2026-11-14 18:00"), ":3: closes: the survey must close"),
    (("label: 복지·돌봄", "label: 복지·돌봄·보건·의료·주거 질문"), ":7: questions[2].label: 17 characters"),
    (("title:", "titel:"), ":1: titel: unknown field"),
    (("{key: other, label: 자유 질문}", "{key: traffic, label: 자유 질문}"),
     ":8: questions[3].key: the key traffic is used twice"),
    (("opens: 2026-12-01 09:00", "opens: next week"), ":2: opens: not a time"),
])
def test_a_bad_survey_file_is_one_line_naming_line_and_field(ws, capsys, edit, where):
    path = ws.root / "content" / "surveys" / "2026-q4-live.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
    assert run(ws, "survey", "create", "2026-q4-live") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "2026-q4-live.yaml" + where in err, err


def test_unknown_survey_and_bad_name(ws, capsys):
    assert run(ws, "survey", "show", "nope") == 2
    assert "survey: no survey nope" in capsys.readouterr().err
    assert run(ws, "survey", "create", "Bad Name") == 2
    assert "slug: 'Bad Name' is not a survey name" in capsys.readouterr().err
    assert run(ws, "survey", "create", "missing") == 2
    assert "missing.yaml: file not found" in capsys.readouterr().err


def test_korean_output(ws, capsys):
    with use_language("ko"):
        (ws.root / "outreach.toml").write_text(
            (ws.root / "outreach.toml").read_text(encoding="utf-8").replace(
                'timezone = "Asia/Seoul"', 'language = "ko"\ntimezone = "Asia/Seoul"'),
            encoding="utf-8")
        assert run(ws, "survey", "create", "2026-q4-live") == 0
        out = capsys.readouterr().out
        assert "설문 2026-q4-live을(를) 만들었습니다" in out
        assert "2026년 12월 1일 (화) 09:00" in out
        assert run(ws, "survey", "show", "nope") == 2
        assert "설문 nope이(가) 없습니다" in capsys.readouterr().err


def test_outreach_check_reads_the_survey_files(ws, capsys):
    path = ws.root / "content" / "surveys" / "2026-q4-live.yaml"
    assert run(ws, "check", "--days", "1") == 0
    assert "survey files 1" in capsys.readouterr().out
    path.write_text(path.read_text(encoding="utf-8").replace("title:", "titel:"),
                    encoding="utf-8")
    assert run(ws, "check", "--days", "1") == 2
    assert "2026-q4-live.yaml:1: titel: unknown field" in capsys.readouterr().out
