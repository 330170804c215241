"""One-off posts from the shell: publish --at, move, cancel; and run-due sends them once."""

from __future__ import annotations


from outreach.cli import main
from test_publish_cli import root  # noqa: F401 - fixture reuse


def run(root, *argv):
    return main(["--root", str(root), *argv])


def test_publish_at_then_move_then_run_due_sends_once_at_the_new_time(root, capsys, monkeypatch):
    monkeypatch.setenv("OUTREACH_NOW", "2026-12-01T09:00:00+09:00")
    monkeypatch.setenv("OUTREACH_USER", "김주무관")
    (root / "outreach.toml").write_text((root / "outreach.toml").read_text() +
                                        "\n[publishing]\npost_approval = false\n")
    assert run(root, "publish", "notice", "--data", str(root / "data.yaml"), "--channel",
               "outbox", "--at", "2026-12-03 10:00") == 0
    out = capsys.readouterr().out
    assert "post #1 scheduled for Thu 3 Dec 2026 10:00 by 김주무관" in out and "draft:" in out
    assert run(root, "move", "1", "--at", "2026-12-04 11:30") == 0
    assert "moved to Fri 4 Dec 2026 11:30" in capsys.readouterr().out

    monkeypatch.setenv("OUTREACH_NOW", "2026-12-03T10:01:00+09:00")
    assert run(root, "run-due") == 0
    assert not (root / "var" / "outbox" / "outbox").exists()        # not at the old time
    monkeypatch.setenv("OUTREACH_NOW", "2026-12-04T11:30:30+09:00")
    assert run(root, "run-due") == 0
    assert run(root, "run-due") == 0
    assert len(list((root / "var" / "outbox" / "outbox").iterdir())) == 1


def test_cancel_and_bad_time_are_one_line_errors(root, capsys, monkeypatch):
    monkeypatch.setenv("OUTREACH_NOW", "2026-12-01T09:00:00+09:00")
    assert run(root, "publish", "notice", "--channel", "outbox", "--at", "2026-11-30 10:00") == 2
    err = capsys.readouterr().err
    assert "in the past" in err and len(err.strip().splitlines()) == 1
    assert run(root, "publish", "notice", "--channel", "outbox", "--at", "next thursday") == 2
    assert "--at" in capsys.readouterr().err
    assert run(root, "publish", "notice", "--channel", "outbox", "--at", "2026-12-03 10:00") == 0
    assert "waits for approval" in capsys.readouterr().out         # post_approval defaults on
    assert run(root, "cancel", "1", "--reason", "행사 연기", "--by", "이팀장") == 0
    assert "cancelled: 행사 연기" in capsys.readouterr().out
    assert run(root, "move", "1", "--at", "2026-12-05 10:00") == 2
    assert "can no longer be changed" in capsys.readouterr().err
