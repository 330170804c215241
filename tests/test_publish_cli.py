"""The publishing commands: outcomes printed per channel, exit codes, one-line errors."""

from __future__ import annotations

import json

import pytest

from outreach.cli import main
from test_publish_helpers import write_template


@pytest.fixture
def root(tmp_path, db_url):
    (tmp_path / "outreach.toml").write_text(
        f'timezone = "Asia/Seoul"\ndatabase_url = "{db_url}"\n\n'
        '[channels.outbox]\ntype = "outbox"\n\n'
        '[channels.kakao]\ntype = "handoff"\nplatform = "카카오톡 채널"\n\n'
        '[channels.tiny]\ntype = "outbox"\nmax_text = 5\n\n'
        '[channels.off]\ntype = "outbox"\nenabled = false\n', encoding="utf-8")
    write_template(tmp_path / "templates" / "cards")
    (tmp_path / "data.yaml").write_text("title: 시민 체육대회\n", encoding="utf-8")
    return tmp_path


def run(root, *argv):
    return main(["--root", str(root), *argv])


def test_publish_sends_and_hands_off_then_status_and_handoff_done(root, capsys):
    assert run(root, "publish", "notice", "--data", str(root / "data.yaml"),
               "--channel", "outbox", "--channel", "kakao") == 0
    out = capsys.readouterr().out
    assert "occurrence #1: done" in out
    assert "outbox" in out and "sent" in out and "file://" in out
    assert "awaiting_handoff" in out and "outreach handoff done" in out
    folder = next((root / "var" / "outbox" / "outbox").iterdir())
    assert "시민 체육대회" in (folder / "text.txt").read_text(encoding="utf-8")

    assert run(root, "handoff", "list") == 0
    listed = capsys.readouterr().out
    assert "kakao" in listed and str(root / "var" / "handoff" / "kakao") in listed

    assert run(root, "status") == 0                  # a waiting hand-off is listed, not an error
    status = capsys.readouterr().out
    assert "Needs attention (1)" in status and "!! #1" in status and "Asia/Seoul" in status

    assert run(root, "handoff", "done", "2", "--url", "https://pf.kakao.com/_x/1", "--by",
               "홍길동") == 0
    assert "홍길동" in capsys.readouterr().out
    assert run(root, "status", "--json") == 0
    (occ,) = json.loads(capsys.readouterr().out)
    assert {d["channel"]: d["state"] for d in occ["deliveries"]} == {
        "outbox": "sent", "kakao": "handed_off"}


def test_dry_run_shows_limits_and_records_nothing(root, capsys):
    assert run(root, "publish", "notice", "--channel", "outbox", "--channel", "tiny",
               "--dry-run") == 1
    out = capsys.readouterr().out
    assert "nothing sent, nothing recorded" in out
    assert "!! the text is" in out and "allows 5" in out
    assert not (root / "var" / "outbox").exists()
    assert run(root, "status") == 0
    assert "No publications recorded yet" in capsys.readouterr().out


def test_failed_delivery_exits_1(root, capsys):
    assert run(root, "publish", "notice", "--channel", "tiny") == 1
    assert "!!" in capsys.readouterr().out
    assert run(root, "status") == 1
    assert "allows 5" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["publish", "nope"], "nope"),
    (["publish", "notice", "--channel", "facebook"], "no channel named 'facebook'"),
    (["publish", "notice", "--data", "missing.yaml"], "missing.yaml does not exist"),
    (["publish", "notice", "--channel", "off"], "channels.off: this channel is disabled"),
    (["approve", "99"], "no occurrence 99"),
    (["handoff", "done", "nope-key"], "no delivery nope-key"),
])
def test_bad_input_is_one_line_exit_2_and_records_nothing(root, capsys, argv, message):
    assert run(root, *argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("outreach: error: ") and message in err and err.count("\n") == 1
    assert "Traceback" not in err
    assert not (root / "var" / "posts").exists() or not any((root / "var" / "posts").iterdir())


def test_reject_and_retry_refuse_wrong_states(root, capsys):
    run(root, "publish", "notice", "--channel", "outbox")
    capsys.readouterr()
    assert run(root, "reject", "1", "--reason", "취소") == 2
    assert "only occurrences that have not started" in capsys.readouterr().err
    assert run(root, "retry", "1") == 2
    assert "only failed or unknown" in capsys.readouterr().err


def test_bad_publishing_setting_names_file_line_and_key(root, capsys):
    toml = root / "outreach.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[publishing]\nmax_attempts = \"many\"\n",
                    encoding="utf-8")
    assert run(root, "status") == 2
    err = capsys.readouterr().err
    line = toml.read_text(encoding="utf-8").splitlines().index('max_attempts = "many"') + 1
    assert f"outreach.toml:{line}: publishing.max_attempts: expected a positive number" in err


def test_status_shows_retry_times_in_the_workspace_time_zone():
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from outreach.publishing.status import render_text

    when = datetime(2026, 11, 26, 7, 5, tzinfo=timezone.utc)   # 16:05 in Seoul
    item = {"id": 3, "schedule": "weekend-guide", "scheduled_for": when, "state": "publishing",
            "draft_dir": None, "error": None, "attention": True,
            "deliveries": [{"id": 9, "channel": "facebook", "state": "retry_wait", "attempts": 1,
                            "next_attempt_at": when, "error": "throttled", "url": None,
                            "location": None, "remote_id": None}]}
    text = render_text([item], ZoneInfo("Asia/Seoul"))
    assert "retry #2 after Thu 26 Nov 2026 16:05: throttled" in text
