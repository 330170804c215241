"""The operator's and the officer's path: exit statuses, notes and refusals that staff rely on."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from outreach.cli import main

from test_inbox_support import ingestor, opened, reply

REPO = Path(__file__).resolve().parents[1]
WORKSPACE = ("outreach.toml", "templates", "schedules", "content", "inbox")
DATA = "content/weekend-guide/2026-11-26.yaml"


@pytest.fixture
def ws(tmp_path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    for name in WORKSPACE:
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    return root


def run(root: Path | None, *args: str, capsys) -> tuple[int, str, str]:
    code = main([*(["--root", str(root)] if root else []), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_run_due_exits_1_when_a_run_is_missed(ws, capsys):
    # the draft is prepared a day ahead and waits for approval that never comes
    assert run(ws, "run-due", "--now", "2026-11-25T15:00:00+09:00", capsys=capsys)[0] == 0
    assert run(ws, "run-due", "--now", "2026-11-25T16:30:00+09:00", capsys=capsys)[0] == 0
    code, _, err = run(ws, "run-due", "--now", "2026-11-26T19:00:00+09:00", capsys=capsys)
    assert code == 1
    assert "outreach: warning: 1 run missed: not published within its grace window" in err


def test_status_flags_a_draft_that_failed_to_render(ws, capsys, monkeypatch):
    (ws / DATA).unlink()
    run(ws, "run-due", "--now", "2026-11-25T15:00:00+09:00", capsys=capsys)
    assert run(ws, "run-due", "--now", "2026-11-25T16:30:00+09:00", capsys=capsys)[0] == 1
    monkeypatch.setenv("OUTREACH_NOW", "2026-11-25T16:31:00+09:00")
    code, out, _ = run(ws, "status", capsys=capsys)
    assert code == 1
    attention = out.split("Needs attention")[1].split("Recent and upcoming")[0]
    assert re.search(r"!! #\d+ +weekend-guide .* planned +the draft could not be rendered: .*"
                     r"2026-11-26\.yaml: data file not found", attention)


def test_outside_a_workspace_says_which_folder_was_used(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OUTREACH_HOME", raising=False)
    code, _, err = run(None, "schedules", capsys=capsys)
    assert code == 0
    assert err.strip() == (f"outreach: note: no outreach.toml in {tmp_path.resolve()} or the "
                           f"folders above it; using the defaults with {tmp_path.resolve()} as "
                           "the workspace (use --root or $OUTREACH_HOME)")
    code, _, err = run(None, "check", capsys=capsys)
    assert "no outreach.toml in" in err


def test_publishing_the_same_post_twice_in_a_day_asks_for_again(ws, capsys):
    args = ("publish", "weekend-guide", "--data", str(ws / DATA), "--channel", "outbox")
    code, out, err = run(ws, *args, capsys=capsys)
    assert code == 0, err
    first = re.search(r"occurrence #(\d+)", out).group(1)
    code, _, err = run(ws, *args, capsys=capsys)
    assert code == 2
    assert err.strip() == (f"outreach: error: this template and data already went to outbox "
                           f"within the last day (occurrence #{first}, see outreach status): "
                           "add --again to publish it once more")
    # the same content under another name is the same post
    copy = ws / "copy.yaml"
    shutil.copy(ws / DATA, copy)
    assert run(ws, "publish", "weekend-guide", "--data", str(copy), capsys=capsys)[0] == 2
    assert run(ws, *args, "--again", capsys=capsys)[0] == 0
    outbox = [p for p in (ws / "var" / "outbox" / "outbox").iterdir() if p.is_dir()]
    assert len(outbox) == 2


def test_inbox_reply_manual_in_either_order(tmp_path, db_url, capsys):
    settings, db = opened(tmp_path, db_url)
    with db.begin() as conn:
        ids = ingestor(settings).ingest(conn, [reply("m1", "가로등이 꺼졌어요"),
                                               reply("m2", "불법주차 신고합니다")]).ids
    db.dispose()
    root = settings.root
    for item, order in ((ids["m1"], "before"), (ids["m2"], "after")):
        args = (["--manual", "전화로 안내했습니다"] if order == "before"
                else ["전화로 안내했습니다", "--manual"])
        code, out, err = run(root, "inbox", "reply", str(item), *args, capsys=capsys)
        assert code == 0, err
        assert "manual" in out
    with pytest.raises(SystemExit) as stop:        # two texts: a one-line usage error
        main(["--root", str(root), "inbox", "reply", str(ids["m1"]), "--manual", "a", "b"])
    assert stop.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_cron_mode_harvests_quietly(ws, capsys):
    crontab = (REPO / "docs" / "systemd" / "crontab.example").read_text(encoding="utf-8")
    lines = [l for l in crontab.splitlines() if l and not l.startswith("#") and "=" not in l]
    assert any(l.endswith("outreach run-due") for l in lines)
    harvest = next(l for l in lines if " harvest" in l)
    assert re.match(r"^\*/\d+ \* \* \* \* \S+/outreach harvest --quiet$", harvest)
    code, out, err = run(ws, "harvest", "--quiet", capsys=capsys)
    assert (code, out) == (0, "")
