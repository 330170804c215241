"""outreach serve: both parts on one address, on two addresses, or one part alone."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from outreach.errors import ConfigError
from outreach.web.listen import listeners
from web_support import web_workspace


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _serve(root, *args):
    proc = subprocess.Popen([sys.executable, "-m", "outreach", "--root", str(root), "serve",
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    return proc


def _addresses(proc, n: int) -> list[tuple[str, str]]:
    lines = [proc.stdout.readline() for _ in range(n)]
    assert all(l.startswith("outreach: serving ") for l in lines), (lines, proc.stderr.read())
    return [(l, l.split()[-1]) for l in lines]


def _wait(url: str) -> None:
    for _ in range(100):
        try:
            _status(url)
            return
        except urllib.error.URLError:
            import time

            time.sleep(0.05)


def test_staff_and_webhooks_on_separate_addresses(tmp_path):
    ws = web_workspace(tmp_path, f"sqlite:///{tmp_path / 'o.db'}",
                       toml='[server]\nport = 0\n[web]\nhost = "127.0.0.1"\nport = 0\n')
    ws.db.dispose()
    proc = _serve(ws.root)
    try:
        (staff_line, staff), (hooks_line, hooks) = _addresses(proc, 2)
        assert "staff app" in staff_line and "webhooks" in hooks_line and staff != hooks
        _wait(staff + "/sign-in")
        assert _status(staff + "/sign-in") == 200
        assert _status(staff + "/health") == 404          # no webhook on the intranet side
        assert _status(hooks + "/health") == 200
        assert _status(hooks + "/sign-in") == 404         # no staff page on the internet side
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_only_staff(tmp_path):
    ws = web_workspace(tmp_path, f"sqlite:///{tmp_path / 'o.db'}")
    ws.db.dispose()
    proc = _serve(ws.root, "--only", "staff", "--port", "0")
    try:
        ((line, base),) = _addresses(proc, 1)
        _wait(base + "/sign-in")
        assert _status(base + "/sign-in") == 200 and _status(base + "/health") == 404
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_listener_plans(tmp_path):
    ws = web_workspace(tmp_path, f"sqlite:///{tmp_path / 'o.db'}",
                       toml='[server]\nport = 8080\n[web]\nport = 8081\n')
    plan = listeners(ws.settings, None, None, None)
    assert [(l.part, l.port) for l in plan] == [("staff", 8081), ("webhooks", 8080)]
    assert [(l.part, l.port) for l in listeners(ws.settings, "staff", None, None)] == \
        [("staff", 8081)]
    assert [(l.part, l.port) for l in listeners(ws.settings, "webhooks", None, 9000)] == \
        [("webhooks", 9000)]
    with pytest.raises(ConfigError, match="--only"):
        listeners(ws.settings, None, None, 9000)
    ws.db.dispose()


def test_a_misspelt_web_setting_is_one_clear_line(tmp_path):
    ws = web_workspace(tmp_path, f"sqlite:///{tmp_path / 'o.db'}")
    ws.db.dispose()
    toml = ws.root / "outreach.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "[web]\nsession_idle_minute = 30\n",
                    encoding="utf-8")
    line = len(toml.read_text(encoding="utf-8").splitlines())
    r = subprocess.run([sys.executable, "-m", "outreach", "--root", str(ws.root), "serve",
                        "--port", "0"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    # caught when outreach.toml loads (config.KNOWN_KEYS), with the nearest key
    assert r.stderr.strip().endswith(
        f"outreach.toml:{line}: web.session_idle_minute: unknown setting; did you mean "
        "session_idle_minutes?")
