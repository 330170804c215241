"""[web], [smtp] and [notifications] keys are known to config.KNOWN_KEYS, so a typo there is
one line with "did you mean" at load time, like every other section."""

from __future__ import annotations

import pytest

from test_staff_files import edit, one_line, run, ws  # noqa: F401  (fixture)

MAIL = """
[notifications]
base_url = "https://desk.example.go.kr"
token_days = 14
data_days = 3
lookback_hours = 48
[notifications.to]
approver = ["pr-lead@example.go.kr"]

[smtp]
host = "127.0.0.1"
port = 2525
security = "none"
username = "outreach"
password_env = "SMTP_PW"
sender = "outreach@example.go.kr"
timeout = 10
"""


@pytest.mark.parametrize("old,new,pattern", [
    ("session_idle_minutes = 120", "session_idle_minute = 120",
     r"outreach\.toml:\d+: web\.session_idle_minute: unknown setting; did you mean "
     r"session_idle_minutes\?"),
    ("trusted_proxies =", "trusted_proxy =",
     r"web\.trusted_proxy: unknown setting; did you mean trusted_proxies\?"),
    ("password_env =", "pasword_env =",
     r"outreach\.toml:\d+: smtp\.pasword_env: unknown setting; did you mean password_env\?"),
    ("sender =", "from =", r"smtp\.from: unknown setting; known here: .*sender"),
    ("lookback_hours =", "look_back_hours =",
     r"notifications\.look_back_hours: unknown setting; did you mean lookback_hours\?"),
    ("[notifications.to]", "[notifications.too]",
     r"\[notifications\.too\]: unknown section; did you mean \[notifications\.to\]\?"),
])
def test_a_typo_in_web_smtp_or_notifications_is_caught(ws, capsys, old, new, pattern):
    toml = ws / "outreach.toml"
    if old in MAIL:                     # the sample's own [smtp] lines are commented out
        toml.write_text(toml.read_text(encoding="utf-8") + MAIL.replace(old, new, 1),
                        encoding="utf-8")
    else:
        toml.write_text(toml.read_text(encoding="utf-8") + MAIL, encoding="utf-8")
        edit(toml, old, new)
    code, _, err = run(ws, "schedules", capsys=capsys)
    one_line(code, err, pattern)
    line = int(err.split("outreach.toml:")[1].split(":")[0])
    assert toml.read_text(encoding="utf-8").splitlines()[line - 1].startswith(
        new.split("=")[0].strip())


def test_every_documented_key_of_those_sections_loads(ws, capsys):
    toml = ws / "outreach.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + MAIL.replace(
        '[notifications.to]', 'enabled = false\n[notifications.to]\neditor = ["a@example.go.kr"]'),
        encoding="utf-8")
    code, _, err = run(ws, "schedules", capsys=capsys)
    assert code == 0, err
