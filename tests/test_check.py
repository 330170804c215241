"""``outreach check``: the whole workspace validated in one go, every problem listed, exit 2."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from outreach.cli import main

REPO = Path(__file__).resolve().parents[1]
WORKSPACE = ("outreach.toml", "templates", "schedules", "content", "inbox")


@pytest.fixture
def ws(tmp_path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    for name in WORKSPACE:
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    return root


def check(root: Path, capsys, *extra: str) -> tuple[int, list[str]]:
    code = main(["--root", str(root), "check", *extra])
    return code, capsys.readouterr().out.strip().splitlines()


def test_the_sample_workspace_is_clean(ws, capsys, monkeypatch):
    monkeypatch.setenv("OUTREACH_NOW", "2026-11-20T09:00:00+09:00")
    code, lines = check(ws, capsys, "--days", "7")
    assert code == 0, lines
    assert lines[-1].startswith("workspace OK (settings 1, channels 1, triage rules 1, "
                                "saved replies 1, templates 4, schedules 2")


def test_several_mistakes_are_all_listed_at_once(ws, capsys, monkeypatch):
    monkeypatch.setenv("OUTREACH_NOW", "2026-11-20T09:00:00+09:00")
    weekend = ws / "schedules" / "weekend-guide.yaml"
    # 1. a second schedule whose cron never fires
    (ws / "schedules" / "leap.yaml").write_text(
        weekend.read_text(encoding="utf-8").replace('"0 16 * * thu"', '"0 9 31 4 *"'),
        encoding="utf-8")
    # 2. a key written twice in the feed schedule
    feed = ws / "schedules" / "now-in-city.yaml"
    feed.write_text(feed.read_text(encoding="utf-8") + "channels: [outbox]\n", encoding="utf-8")
    # 3. an impossible date in the data file of the next run (Thursday 26 November)
    data = ws / "content" / "weekend-guide" / "2026-11-26.yaml"
    text = data.read_text(encoding="utf-8")
    data.write_text(re.sub(r"2026-11-28", "2026-11-31", text, count=1), encoding="utf-8")
    # 4. a triage rules file with a key written twice
    rules = ws / "inbox" / "rules.yaml"
    first = next(l for l in rules.read_text(encoding="utf-8").splitlines() if re.match(r"^\w+:", l))
    rules.write_text(rules.read_text(encoding="utf-8") + "\n" + first + "\n", encoding="utf-8")
    # 5. a template whose sample points outside the workspace
    sample = ws / "templates" / "cards" / "now-in-city" / "sample.yaml"
    outside = ws.parent / "elsewhere.jpg"
    shutil.copy(ws / "content" / "photos" / "festival.jpg", outside)
    sample.write_text(re.sub(r"photo: .*", f"photo: {outside}", sample.read_text(
        encoding="utf-8")), encoding="utf-8")
    code, lines = check(ws, capsys)
    assert code == 2
    problems, summary = lines[:-1], lines[-1]
    assert summary.startswith("5 problems (")
    joined = "\n".join(problems)
    assert re.search(r"leap\.yaml:\d+: cron: .*never fires", joined)
    assert re.search(r"now-in-city\.yaml:\d+: duplicate key 'channels'", joined)
    assert re.search(r"2026-11-26\.yaml:\d+: .*2026-11-31", joined)
    assert re.search(r"rules\.yaml:\d+: duplicate key", joined)
    assert re.search(r"sample\.yaml:\d+: photo: .*outside the workspace", joined)
    code = main(["--root", str(ws), "check", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 2 and report["ok"] is False and len(report["problems"]) == 5


def test_missing_data_file_of_an_upcoming_run(ws, capsys, monkeypatch):
    monkeypatch.setenv("OUTREACH_NOW", "2026-12-05T09:00:00+09:00")
    code, lines = check(ws, capsys)
    assert code == 2
    assert re.search(r"2026-12-10\.yaml: missing data file for the run of .*2026.*weekend-guide",
                     lines[0])


def test_a_broken_outreach_toml_is_the_one_problem(ws, capsys):
    (ws / "outreach.toml").write_text("[schedulng]\n", encoding="utf-8")
    code, lines = check(ws, capsys)
    assert code == 2 and len(lines) == 2
    assert "did you mean [scheduling]?" in lines[0]


def test_a_channel_whose_secret_is_missing(ws, capsys, monkeypatch):
    monkeypatch.delenv("FB_PAGE_TOKEN", raising=False)
    with open(ws / "outreach.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[channels.facebook]\ntype = "facebook"\npage_id = "1"\n'
                 'page_token_env = "FB_PAGE_TOKEN"\n')
    code, lines = check(ws, capsys)
    assert code == 2
    assert "channels.facebook.page_token_env: environment variable FB_PAGE_TOKEN is not set" \
        in lines[0]


def test_a_missing_local_feed_file(ws, capsys, monkeypatch):
    monkeypatch.setenv("OUTREACH_NOW", "2026-11-20T09:00:00+09:00")
    (ws / "content" / "feeds" / "now-in-city.xml").unlink()
    code, lines = check(ws, capsys)
    assert code == 2 and len(lines) == 2
    assert re.search(r"now-in-city\.xml: cannot read", lines[0])
