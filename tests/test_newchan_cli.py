"""``outreach channels`` and ``channels check`` with the Band and Threads channels on their fakes."""

from __future__ import annotations

import json

from outreach.cli import main

from fakes.band import BandFake
from fakes.threads import ThreadsFake

TH = "THQWcli-threads-token"
BAND = "ZQAAAcli-band-token"


def test_band_and_threads_are_listed_and_checked(tmp_path, capsys):
    with ThreadsFake(token=TH) as threads, BandFake(token=BAND) as band:
        (tmp_path / "outreach.toml").write_text(f"""
timezone = "Asia/Seoul"

[channels.threads]
type = "threads"
threads_user_id = "{threads.user_id}"
token_env = "THREADS_TOKEN"
api_base = "{threads.url}"
public_base_url = "https://media.example.kr"

[channels.band]
type = "band"
band_key = "{band.band_key}"
token_env = "BAND_TOKEN"
api_base = "{band.url}"
public_base_url = "https://media.example.kr"
""", encoding="utf-8")
        (tmp_path / ".env").write_text(f"THREADS_TOKEN={TH}\nBAND_TOKEN={BAND}\n", encoding="utf-8")
        root = ["--root", str(tmp_path)]
        assert main([*root, "channels"]) == 0
        out = capsys.readouterr().out
        assert "threads  [threads]" in out and "band  [band]" in out and "250 posts / 24 h" in out
        assert main([*root, "channels", "--json"]) == 0
        rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
        assert rows["threads"]["limits"]["max_text"] == 500 and rows["threads"]["daily_posts"] == 250
        assert "reply" in rows["band"]["capabilities"] and "hide" not in rows["band"]["capabilities"]

        assert main([*root, "channels", "check"]) == 0
        out = capsys.readouterr().out
        assert "Threads token works for @cheonan_city" in out and "천안 맘카페 밴드" in out
        assert BAND not in out and TH not in out

        band.expired = True
        threads.quota_usage = 250
        assert main([*root, "channels", "check"]) == 1
        out = capsys.readouterr().out
        assert "FAIL Band access token is not valid" in out and "BAND_TOKEN" in out
        assert "250 of 250" in out and BAND not in out
