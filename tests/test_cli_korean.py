"""Real commands in a Korean workspace: Korean lines, the one date format, English JSON.

Each command runs in a subprocess, as staff run it, so the language chosen for it
(``language = "ko"`` in outreach.toml, or ``$OUTREACH_LANGUAGE``) cannot leak into the
other tests, which run in English.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from test_publish_helpers import write_template

# 2026년 11월 26일 (목) 16:00
KOREAN_DATETIME = re.compile(r"\d{4}년 \d{1,2}월 \d{1,2}일 \([월화수목금토일]\) \d\d:\d\d")
ISO_OR_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|\bUTC\b")

SCHEDULE = """\
template: notice
data: content/notice/{date}.yaml
cron: "0 16 * * thu"
channels: [outbox]
"""


def outreach(root: Path, *argv: str, language: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ}
    env.pop("OUTREACH_LANGUAGE", None)
    if language:
        env["OUTREACH_LANGUAGE"] = language
    return subprocess.run([sys.executable, "-m", "outreach", "--root", str(root), *argv],
                          capture_output=True, text=True, env=env, timeout=120)


def make_workspace(root: Path, *, language: str | None = "ko", extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    top = f'language = "{language}"\n' if language else ""
    (root / "outreach.toml").write_text(
        f'{top}timezone = "Asia/Seoul"\ndatabase_url = "sqlite:///{root / "o.db"}"\n{extra}\n'
        '[channels.outbox]\ntype = "outbox"\n\n'
        '[channels.kakao]\ntype = "handoff"\nplatform = "카카오톡 채널"\n\n'
        '[channels.tiny]\ntype = "outbox"\nmax_text = 5\n', encoding="utf-8")
    write_template(root / "templates" / "cards")
    (root / "schedules").mkdir(exist_ok=True)
    (root / "schedules" / "notice.yaml").write_text(SCHEDULE, encoding="utf-8")
    (root / "data.yaml").write_text("title: 시민 체육대회\n", encoding="utf-8")
    return root


@pytest.fixture
def ko(tmp_path) -> Path:
    return make_workspace(tmp_path / "ko")


def test_config_mistake_is_one_korean_line_with_its_place(tmp_path):
    root = make_workspace(tmp_path / "ws", extra='media_dirs = "photos"\n')
    (root / "outreach.toml").write_text((root / "outreach.toml").read_text(encoding="utf-8")
                                        .replace("Asia/Seoul", "Asia/Busan"), encoding="utf-8")
    done = outreach(root, "status")
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("outreach: 오류: ") and "outreach.toml:2: timezone: " in line
    assert "알 수 없는 시간대 'Asia/Busan'" in line and "IANA" in line
    assert "Traceback" not in done.stderr


def test_schedule_mistake_is_korean(ko):
    (ko / "schedules" / "notice.yaml").write_text(SCHEDULE + "colour: red\n", encoding="utf-8")
    done = outreach(ko, "schedules")
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("outreach: 오류: ") and "notice.yaml:5: colour: " in line
    assert "알 수 없는 키입니다. 일정에서 쓸 수 있는 키:" in line


def test_schedules_lists_runs_in_the_korean_format(ko):
    done = outreach(ko, "schedules")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "템플릿 notice | 채널 outbox | 승인 없음" in out
    runs = [line for line in out.splitlines() if "(목) 16:00" in line]
    assert len(runs) == 3 and all(KOREAN_DATETIME.search(line) for line in runs)
    assert all("(없음)" in line for line in runs)          # the data files are missing
    assert "다음" in runs[0] and not ISO_OR_UTC.search(out)


def test_templates_and_dry_run_are_korean(ko):
    done = outreach(ko, "templates")
    assert done.returncode == 0 and "notice  (" in done.stdout and "채널 글:" in done.stdout
    done = outreach(ko, "publish", "notice", "--data", str(ko / "data.yaml"), "--channel",
                    "outbox", "--channel", "tiny", "--dry-run")
    assert done.returncode == 1, done.stderr              # tiny allows 5 characters
    assert done.stdout.startswith("시험 실행: ") and "(이미지 1장)을 " in done.stdout
    assert "아무것도 보내거나 기록하지 않았습니다" in done.stdout
    assert re.search(r"이 채널은 5자까지 허용합니다: 템플릿의 글을 줄이세요", done.stdout)


def test_publish_then_status_in_korean_with_local_times(ko):
    done = outreach(ko, "publish", "notice", "--data", str(ko / "data.yaml"), "--channel",
                    "outbox", "--channel", "kakao")
    assert done.returncode == 0, done.stderr
    assert "실행 #1: 완료 (초안 " in done.stdout and "넘겨받기 대기" in done.stdout and "올린 뒤: outreach handoff done 2" in done.stdout
    done = outreach(ko, "status")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("시각은 Asia/Seoul 기준입니다.") and "확인 필요 (1건)" in out
    assert KOREAN_DATETIME.search(out) and not ISO_OR_UTC.search(out)
    done = outreach(ko, "handoff", "list")
    assert KOREAN_DATETIME.search(done.stdout) and "올린 뒤: outreach handoff done ID" in done.stdout


def test_json_output_is_byte_identical_in_both_languages(tmp_path):
    root = make_workspace(tmp_path / "ws", language=None)
    assert outreach(root, "publish", "notice", "--data", str(root / "data.yaml"), "--channel",
                    "outbox", "--channel", "kakao", language="en").returncode == 0
    for argv in (("status", "--json"), ("handoff", "list", "--json"), ("channels", "--json")):
        en = outreach(root, *argv, language="en")
        ko = outreach(root, *argv, language="ko")
        assert en.returncode == ko.returncode and en.stdout == ko.stdout, argv
        assert isinstance(json.loads(en.stdout), (list, dict))
    # the human output does change with the language
    assert "Needs attention (1)" in outreach(root, "status", language="en").stdout
    assert "확인 필요 (1건)" in outreach(root, "status", language="ko").stdout


def test_inbox_list_and_show_in_korean(tmp_path):
    from test_inbox_support import ingestor, opened, reply

    settings, db = opened(tmp_path, f"sqlite:///{tmp_path / 'inbox.db'}",
                          toml='language = "ko"\n')
    with db.begin() as conn:
        ids = ingestor(settings).ingest(conn, [
            reply("m1", "가로등이 꺼졌어요", author_name="홍길동"),
            reply("m2", "불법주차 차량 신고합니다")]).ids
    db.dispose()
    root = settings.root
    done = outreach(root, "inbox", "list")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    # created 2026-11-20 01:00 UTC = 10:00 in Seoul, a Friday
    assert all("2026년 11월 20일 (금) 10:00" in line for line in lines)
    done = outreach(root, "inbox", "show", str(ids["m1"]))
    assert "보낸 사람: 홍길동" in done.stdout and "2026년 11월 20일 (금) 10:00" in done.stdout
    assert "첫 답변 기한: " in done.stdout and not ISO_OR_UTC.search(done.stdout)
    en = outreach(root, "inbox", "list", "--json", language="en")
    assert en.stdout == outreach(root, "inbox", "list", "--json").stdout
    done = outreach(root, "inbox", "show", "999999")
    assert done.returncode == 2 and "받은 글 999999번이 없습니다" in done.stderr


def test_help_is_korean_in_a_korean_workspace(ko, tmp_path):
    done = outreach(ko, "--help")
    assert done.returncode == 0
    assert "시청 소셜 미디어 홍보 도구" in done.stdout and "일정과 다음 실행 시각 목록" in done.stdout
    done = outreach(ko, "publish", "--help")
    assert "만들어서 어디로 무엇이 갈지 보여 주기만 하고" in done.stdout
    # the workspace's language wins over the environment, as for every other output
    assert "시청 소셜 미디어" in outreach(ko, "--help", language="en").stdout
    english = make_workspace(tmp_path / "en", language="en")
    assert "A city hall's social media outreach" in outreach(english, "--help",
                                                             language="ko").stdout


def test_audit_json_is_the_same_in_both_languages(tmp_path):
    """``audit --json``: the program's own message in a row's detail (the note of a
    spreadsheet import) reads in English whatever the language; people read it in theirs."""
    import shutil

    from test_spreadsheet import REPO, ROWS, xlsx

    root = tmp_path / "ws"                       # the sample workspace: no language set
    for name in ("templates", "content", "schedules", "inbox"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "outreach.toml", root / "outreach.toml")
    sheet = xlsx(root / "행사.xlsx", ROWS)
    done = outreach(root, "data", "import", "weekend-guide", str(sheet), "--date", "2026-12-10",
                    "--as", "김주무관", language="ko")
    assert done.returncode == 0, done.stderr
    assert outreach(root, "data", "restore", "weekend-guide", "1", "--date", "2026-12-10",
                    language="en").returncode == 0
    en = outreach(root, "audit", "--json", language="en")
    ko = outreach(root, "audit", "--json", language="ko")
    assert en.returncode == ko.returncode == 0 and en.stdout == ko.stdout
    restored, saved = json.loads(en.stdout)
    assert (saved["action"], saved["actor"], restored["action"]) == \
        ("data.save", "김주무관", "data.restore")
    assert saved["detail"]["note"] == "imported 2 events from 행사.xlsx"
    assert restored["detail"] == {"restored": 1, "version": 2}
    # the same stored note, for a person: in the reader's language
    history = outreach(root, "data", "history", "weekend-guide", "--date", "2026-12-10",
                       language="ko").stdout
    assert "행사.xlsx에서 events 2건 가져옴" in history
