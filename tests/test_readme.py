"""The README's two commands are the project's promise: keep them true.

The main command's `outreach ...` part runs here against a copy of the sample
workspace (the install part is what .ci/run itself does), and the test command
must be exactly what .ci/run runs.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORKSPACE = ("outreach.toml", "templates", "schedules", "content", "inbox")


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Two commands.*?```sh\n(.*?)```", text, re.S)
    assert block, "README.md lost its '## Two commands' sh block"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_has_exactly_two_commands_and_ci_runs_the_second():
    main, tests = _readme_commands()
    assert "pip install" in main and "pip install" in tests
    ci_lines = [line for line in (REPO / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.lstrip().startswith(("#", "set ", "cd ", "export "))]
    assert ci_lines[-1] == tests


def test_readme_main_command_publishes_the_sample_to_the_outbox(tmp_path):
    main, _ = _readme_commands()
    outreach_args = shlex.split(main.split("&&")[-1])
    assert outreach_args[0].endswith("outreach")
    for name in WORKSPACE:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, tmp_path / name)
        else:
            shutil.copy(src, tmp_path / name)
    env = {k: v for k, v in os.environ.items()
           if k not in ("OUTREACH_HOME", "OUTREACH_DATABASE_URL", "OUTREACH_NOW")}
    proc = subprocess.run([sys.executable, "-m", "outreach", *outreach_args[1:]], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    delivered = list((tmp_path / "var" / "outbox").glob("*/*/manifest.json"))
    assert len(delivered) == 1, proc.stdout
    manifest = json.loads(delivered[0].read_text(encoding="utf-8"))
    assert manifest["template"] == "weekend-guide" and len(manifest["slides"]) == 9
    # the sample photos cover every layer without enlarging: the first command warns of nothing
    drafts = list((tmp_path / "var" / "posts").glob("*/manifest.json"))
    assert len(drafts) == 1
    warnings = json.loads(drafts[0].read_text(encoding="utf-8"))["warnings"]
    assert warnings == [], warnings
    assert (tmp_path / "var" / "outreach.db").is_file()
    assert "sent" in proc.stdout
