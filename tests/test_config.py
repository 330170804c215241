"""Config loading: defaults, validation errors with file/line/key, secrets from env."""

from __future__ import annotations

import pytest

from outreach.config import load_settings
from outreach.errors import ConfigError


def test_defaults_without_config_file(tmp_path):
    settings = load_settings(tmp_path)
    assert settings.file is None
    assert str(settings.timezone) == "Asia/Seoul"
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'outreach.db'}"
    assert list(settings.channels) == ["outbox"]


def test_unknown_channel_type_names_file_line_and_key(tmp_path):
    (tmp_path / "outreach.toml").write_text(
        'timezone = "Asia/Seoul"\n\n[channels.fb]\ntype = "myspace"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path)
    assert "outreach.toml:4: channels.fb.type" in str(err.value)
    assert "facebook" in str(err.value)


def test_toml_syntax_error_names_line(tmp_path):
    (tmp_path / "outreach.toml").write_text('timezone = "Asia/Seoul"\n[channels\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"outreach.toml:2"):
        load_settings(tmp_path)


def test_secret_in_config_refused(tmp_path):
    (tmp_path / "outreach.toml").write_text(
        '[channels.fb]\ntype = "facebook"\naccess_token = "EAAB..."\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="access_token_env"):
        load_settings(tmp_path)


def test_secret_read_from_dotenv_and_environment_wins(tmp_path, monkeypatch):
    (tmp_path / "outreach.toml").write_text('[channels.o]\ntype = "outbox"\n', encoding="utf-8")
    (tmp_path / ".env").write_text("FB_TOKEN=from-dotenv\nOTHER=x\n", encoding="utf-8")
    monkeypatch.delenv("FB_TOKEN", raising=False)
    assert load_settings(tmp_path).secret("FB_TOKEN", key="k") == "from-dotenv"
    monkeypatch.setenv("FB_TOKEN", "from-environment")
    assert load_settings(tmp_path).secret("FB_TOKEN", key="k") == "from-environment"
    with pytest.raises(ConfigError, match="MISSING_VAR is not set"):
        load_settings(tmp_path).secret("MISSING_VAR", key="channels.o.token_env")


def test_bad_timezone(tmp_path):
    (tmp_path / "outreach.toml").write_text('timezone = "Seoul"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"outreach.toml:1: timezone: unknown time zone"):
        load_settings(tmp_path)
