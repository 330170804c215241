"""Staff-edited files: every mistake is one line on stderr naming file and line, exit status 2.

Each test writes a real workspace the way staff would (outreach.toml, schedules/,
content/, .env, inbox/) with one mistake in it and runs the real command line.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from outreach.cli import main

REPO = Path(__file__).resolve().parents[1]
WORKSPACE = ("outreach.toml", "templates", "schedules", "content", "inbox")


@pytest.fixture
def ws(tmp_path) -> Path:
    """A copy of the sample workspace (its SQLite database in its own var/)."""
    root = tmp_path / "ws"
    root.mkdir()
    for name in WORKSPACE:
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    return root


def run(root: Path, *args: str, capsys) -> tuple[int, str, str]:
    code = main(["--root", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(code: int, err: str, pattern: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert re.search(pattern, lines[0]), lines[0]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- outreach.toml ----------------------------------------------------------------

def test_outreach_toml_saved_in_cp949(ws, capsys):
    text = (ws / "outreach.toml").read_text(encoding="utf-8") + '\n# 담당: 홍보과\n'
    (ws / "outreach.toml").write_bytes(text.encode("cp949"))
    first_korean = next(i for i, line in enumerate(text.splitlines(), 1) if not line.isascii())
    code, _, err = run(ws, "schedules", capsys=capsys)
    one_line(code, err, rf"outreach\.toml:{first_korean}: not UTF-8 text .*CP949.*save the file "
                        r"as UTF-8")


@pytest.mark.parametrize("old,new,pattern", [
    ("[scheduling]", "[scheduleing]", r"outreach\.toml:\d+: \[scheduleing\]: unknown section; "
                                      r"did you mean \[scheduling\]\?"),
    ("harvest_minutes = 5", "harvest_minute = 5",
     r"outreach\.toml:\d+: inbox\.harvest_minute: unknown setting; did you mean harvest_minutes\?"),
    ('header = "X-Outreach-Skill-Key"', 'heder = "X"',
     r"outreach\.toml:\d+: server\.kakao\.heder: unknown setting; did you mean header\?"),
    ('timezone = "Asia/Seoul"', 'time_zone = "Asia/Seoul"',
     r"outreach\.toml:4: time_zone: unknown setting; did you mean timezone\?"),
    ("[server.kakao]", "[server.kakaotalk]", r"\[server\.kakaotalk\]: unknown section; "
                                             r"did you mean \[server\.kakao\]\?"),
])
def test_unknown_sections_and_keys_anywhere_with_a_suggestion(ws, capsys, old, new, pattern):
    edit(ws / "outreach.toml", old, new)
    code, _, err = run(ws, "schedules", capsys=capsys)
    one_line(code, err, pattern)
    line = int(re.search(r"outreach\.toml:(\d+)", err).group(1))
    assert new.split("=")[0].strip() in (ws / "outreach.toml").read_text().splitlines()[line - 1]


def test_channel_sections_keep_their_own_keys(ws, capsys):
    (ws / "outreach.toml").write_text((ws / "outreach.toml").read_text(encoding="utf-8") +
                                      '\n[channels.outbox.extra]\nanything = 1\n', encoding="utf-8")
    code, _, err = run(ws, "schedules", capsys=capsys)
    assert code == 0, err


def test_the_known_keys_table_is_extended_by_one_line(ws):
    from outreach.config import KNOWN_KEYS, ConfigError, load_settings

    with open(ws / "outreach.toml", "a", encoding="utf-8") as fh:
        fh.write("\n[reports]\nmonthly = true\n")
    with pytest.raises(ConfigError, match="unknown section"):
        load_settings(ws)
    KNOWN_KEYS["reports"] = frozenset({"monthly"})
    try:
        assert load_settings(ws).section("reports") == {"monthly": True}
    finally:
        del KNOWN_KEYS["reports"]


def test_malformed_env_line(ws, capsys):
    (ws / ".env").write_text("FACEBOOK_TOKEN=abc\nthis is not a setting\n", encoding="utf-8")
    code, _, err = run(ws, "schedules", capsys=capsys)
    one_line(code, err, r"\.env:2: malformed line: write NAME=value")


# -- schedules ----------------------------------------------------------------------

def line_with(path: Path, text: str, nth: int = 1) -> int:
    found = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if text in line]
    return found[nth - 1]


@pytest.mark.parametrize("old,new,at,pattern", [
    ("start: 2026-01-01", "start: 2026-02-30", "2026-02-30",
     r"weekend-guide\.yaml:{line}: impossible date 2026-02-30 \(day is out of range for month\)"),
    ("skip: [2026-12-31]", "skip: [2026-13-01]", "2026-13-01",
     r"weekend-guide\.yaml:{line}: impossible date 2026-13-01"),
    ("approval: required", "approval: required\ncron: \"0 9 * * mon\"", '"0 9 * * mon"',
     r"weekend-guide\.yaml:{line}: duplicate key 'cron' \(first on line \d+\)"),
    ('cron: "0 16 * * thu"', 'cron: "0 16 30 2 *"', "cron:",
     r"weekend-guide\.yaml:{line}: cron: cron '0 16 30 2 \*' never fires"),
    ("start: 2026-01-01", "start: 2026-01-02\nend: 2026-01-07", "cron:",
     r"weekend-guide\.yaml:{line}: cron: .*never fires between start and end"),
])
def test_schedule_mistakes(ws, capsys, old, new, at, pattern):
    path = ws / "schedules" / "weekend-guide.yaml"
    edit(path, old, new)
    code, _, err = run(ws, "schedules", capsys=capsys)
    one_line(code, err, pattern.format(line=line_with(path, at)))


@pytest.mark.parametrize("old,new,pattern", [
    ("url: content/feeds/now-in-city.xml", "url: ftp://city.go.kr/feed.xml",
     r"now-in-city\.yaml:6: feed\.url: feed address 'ftp://city\.go\.kr/feed\.xml' is neither"),
    ("url: content/feeds/now-in-city.xml", "url: www.cheonan.go.kr/rss",
     r"now-in-city\.yaml:6: feed\.url: .*without https://: write https://www\.cheonan\.go\.kr/rss"),
    ("headline: title", "headlin: title",
     r"now-in-city\.yaml:8: feed\.fields\.headlin: template now-in-city has no field 'headlin'; "
     r"did you mean headline\?"),
    ("source: 천안시 새소식", "sorce: 천안시 새소식",
     r"now-in-city\.yaml:14: feed\.defaults\.sorce: .*has no field 'sorce'"),
])
def test_feed_mistakes(ws, capsys, old, new, pattern):
    edit(ws / "schedules" / "now-in-city.yaml", old, new)
    code, _, err = run(ws, "schedules", capsys=capsys)
    one_line(code, err, pattern)


# -- data files and images ------------------------------------------------------------

DATA = "content/weekend-guide/2026-11-26.yaml"


def test_impossible_date_in_a_data_file(ws, capsys):
    path = ws / DATA
    text = path.read_text(encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if re.search(r"\d{4}-\d\d-\d\d", l))
    stamp = re.search(r"\d{4}-\d\d-\d\d", text.splitlines()[line - 1]).group()
    path.write_text(text.replace(stamp, "2026-02-30", 1), encoding="utf-8")
    code, _, err = run(ws, "render", "weekend-guide", "--data", str(path), capsys=capsys)
    one_line(code, err, rf"2026-11-26\.yaml:{line}: .*2026-02-30")


def test_duplicate_key_in_a_data_file_and_in_rules(ws, capsys):
    path = ws / DATA
    path.write_text("headline: 하나\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    code, _, err = run(ws, "render", "weekend-guide", "--data", str(path), capsys=capsys)
    one_line(code, err, rf"2026-11-26\.yaml:{line_with(path, 'headline', 2)}: duplicate key "
                        r"'headline' \(first on line 1\)")
    rules = ws / "inbox" / "rules.yaml"
    first_key = next(l for l in rules.read_text(encoding="utf-8").splitlines()
                     if re.match(r"^[a-z_]+:", l))
    rules.write_text(rules.read_text(encoding="utf-8") + "\n" + first_key + "\n", encoding="utf-8")
    code, _, err = run(ws, "inbox", "triage", "가로등", capsys=capsys)
    one_line(code, err, r"rules\.yaml:\d+: duplicate key")


def _bomb_png(path: Path, side: int = 20000) -> None:
    """A tiny PNG whose header claims side x side pixels (400 million)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    row = b"\x00" + b"\x00" * (side // 8)
    raw = zlib.compress(row * 64, 9)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0,
                                                                        0, 0, 0)) +
                     chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def test_decompression_bomb_image_is_refused_at_its_line(ws, capsys):
    _bomb_png(ws / "content" / "photos" / "bomb.png")
    path = ws / DATA
    text = path.read_text(encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "cover_photo" in l)
    path.write_text(re.sub(r"cover_photo: .*", "cover_photo: content/photos/bomb.png", text),
                    encoding="utf-8")
    code, _, err = run(ws, "render", "weekend-guide", "--data", str(path), capsys=capsys)
    one_line(code, err, rf"2026-11-26\.yaml:{line}: cover_photo: bomb\.png is too large "
                        r"\(more than 80 million pixels")


def test_image_paths_stay_inside_the_workspace(ws, capsys, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(ws / "content" / "photos" / "city-hall.jpg", outside / "x.jpg")
    path = ws / DATA
    text = path.read_text(encoding="utf-8")
    for escape in ("../elsewhere/x.jpg", str(outside / "x.jpg")):
        path.write_text(re.sub(r"cover_photo: .*", f"cover_photo: {escape}", text),
                        encoding="utf-8")
        code, _, err = run(ws, "render", "weekend-guide", "--data", str(path), capsys=capsys)
        one_line(code, err, r"cover_photo: image .* is outside the workspace")
    # a configured media folder is allowed
    edit(ws / "outreach.toml", 'timezone = "Asia/Seoul"',
         f'timezone = "Asia/Seoul"\nmedia_dirs = ["{outside}"]')
    code, _, err = run(ws, "render", "weekend-guide", "--data", str(path), capsys=capsys)
    assert code == 0, err


def test_the_korean_quick_start_renders_literally_wherever_the_data_file_is_saved(ws):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## 빠른 시작 (한국어)")[1].split("\n## ")[0]
    command = re.search(r"`(outreach render [^`]+)`", quick).group(1)
    data = re.search(r"--data (\S+)", command).group(1)
    assert (REPO / data).is_file()                  # the file it names exists
    env_run = [sys.executable, "-m", "outreach", *command.split()[1:]]
    proc = subprocess.run(env_run, cwd=ws, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    # saved elsewhere in the workspace (staff copy it to their own folder): photos still found
    (ws / "내 작업").mkdir()
    shutil.copy(ws / data, ws / "내 작업" / "내데이터.yaml")
    proc = subprocess.run([sys.executable, "-m", "outreach", "render", "weekend-guide", "--data",
                           "내 작업/내데이터.yaml"], cwd=ws, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr


# -- the command line itself ------------------------------------------------------------

def test_argparse_usage_errors_are_one_line(tmp_path):
    for args in (["publsh"], ["inbox", "reply"], ["render", "--format"]):
        proc = subprocess.run([sys.executable, "-m", "outreach", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("outreach: error: "), proc.stderr
        assert "--help" in lines[0]
