"""Disk full, temp folders left by a killed run, owner-only var/ and database.

The disk-full tests fill a real (tiny) tmpfs: each runs the real command line in a
private mount namespace (``unshare -m``), so nothing is mounted for anyone else and
the mounts vanish with the process. Without the privilege to mount they are skipped.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
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


def _can_mount() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c",
                            "mount -t tmpfs -o size=64k tmpfs /mnt && umount /mnt"],
                           capture_output=True)
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(not _can_mount(), reason="cannot mount a tmpfs here")


def in_namespace(script: str, cwd: Path) -> subprocess.CompletedProcess:
    """``script`` (sh) in a private mount namespace; ``outreach`` is this interpreter's."""
    env = {k: v for k, v in os.environ.items() if k not in ("OUTREACH_HOME", "OUTREACH_NOW")}
    env["OUTREACH_LANGUAGE"] = "en"
    env["OUTREACH"] = f"{sys.executable} -m outreach"
    return subprocess.run(["unshare", "-m", "sh", "-c", "set -u\n" + script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=240)


@needs_mount
def test_a_full_disk_under_var_is_one_line_naming_the_folder(ws):
    proc = in_namespace("""
mkdir -p var && mount -t tmpfs -o size=96k tmpfs var
$OUTREACH publish weekend-guide --data content/weekend-guide/2026-11-26.yaml; echo "rc=$?"
""", ws)
    lines = [l for l in proc.stderr.splitlines() if l.startswith("outreach:")]
    assert "Traceback" not in proc.stderr, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("outreach: error: no space left on the disk holding "
                               f"{ws / 'var'}"), lines[0]
    assert "cannot open the database" not in lines[0]           # never a configuration error
    assert proc.stdout.strip().endswith("rc=1")


@needs_mount
def test_an_outbox_write_that_failed_is_retried_not_unknown(ws):
    proc = in_namespace("""
mkdir -p full && mount -t tmpfs -o size=16k tmpfs full
printf '\\n[channels.outbox]\\n' > /dev/null
sed -i 's|^type = "outbox"$|type = "outbox"\\nfolder = "full"|' outreach.toml
$OUTREACH publish weekend-guide --data content/weekend-guide/2026-11-26.yaml --channel outbox
echo "rc=$?"
umount full                      # space is free again
$OUTREACH run-due --now "$(date -u -d '+10 min' +%Y-%m-%dT%H:%M:%SZ)" >/dev/null 2>&1
$OUTREACH status --schedule manual --json
""", ws)
    assert "Traceback" not in proc.stderr, proc.stderr
    out = proc.stdout
    assert "retry_wait" in out.split("rc=")[0], out
    assert f"no space left on the disk holding {ws / 'full'}" in out.split("rc=")[0]
    assert out.split("rc=")[1].startswith("1")
    import json

    status = json.loads(out[out.index("["):])
    (delivery,) = status[0]["deliveries"]
    assert delivery["state"] == "sent", delivery
    assert (ws / "full" / delivery["remote_id"] / "manifest.json").is_file()


@needs_mount
def test_a_full_disk_under_the_database_is_not_a_configuration_error(ws):
    proc = in_namespace("""
mkdir -p var && mount -t tmpfs -o size=12k tmpfs var
$OUTREACH status; echo "rc=$?"
""", ws)
    lines = [l for l in proc.stderr.splitlines() if l.startswith("outreach:")]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith(f"outreach: error: no space left on the disk holding {ws / 'var'}")


def test_temp_folders_of_a_killed_run_are_cleaned_at_the_next_start(ws, capsys):
    old = time.time() - 2 * 3600
    stale = [ws / "var" / "outbox" / "outbox" / ".m-1-outbox.ab12cd.tmp",
             ws / "var" / "posts" / ".occ-7.tmp-0123abcd",
             ws / "out" / "weekend-guide" / ".slides.tmp-89abcdef"]
    stale_file = ws / "var" / ".feed-state.json.x1y2.tmp"
    fresh = ws / "var" / "posts" / ".occ-8.tmp-fedcba98"
    for folder in (*stale, fresh):
        folder.mkdir(parents=True)
        (folder / "01.png").write_bytes(b"partial")
    stale_file.write_text("{")
    for path in (*stale, stale_file):
        os.utime(path, (old, old))
    keep = ws / "var" / "posts" / "occ-6"          # a finished draft is not a temp folder
    keep.mkdir()
    os.utime(keep, (old, old))
    assert main(["--root", str(ws), "run-due", "--now", "2026-11-20T09:00:00+09:00"]) == 0
    assert not any(p.exists() for p in (*stale, stale_file))
    assert fresh.is_dir() and keep.is_dir()


def test_database_and_var_are_created_owner_only(ws, capsys):
    previous = os.umask(0o022)
    try:
        assert main(["--root", str(ws), "status"]) == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE((ws / "var").stat().st_mode) == 0o700
    assert stat.S_IMODE((ws / "var" / "outreach.db").stat().st_mode) == 0o600
    for extra in ("outreach.db-wal", "outreach.db-shm"):
        if (ws / "var" / extra).exists():
            assert stat.S_IMODE((ws / "var" / extra).stat().st_mode) & 0o077 == 0


def test_var_created_first_by_the_inbox_is_owner_only_too(ws, capsys):
    previous = os.umask(0o022)
    try:
        assert main(["--root", str(ws), "inbox", "triage", "가로등이 꺼졌어요"]) == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE((ws / "var").stat().st_mode) == 0o700
    assert stat.S_IMODE((ws / "var" / "inbox.salt").stat().st_mode) == 0o600
