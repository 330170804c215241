"""``outreach metrics show`` and ``[metrics]`` settings from the command line."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from outreach.cli import main
from outreach.config import load_settings
from outreach.metrics.model import Figure
from outreach.store import metrics as q
from outreach.store.db import open_database

from metrics_support import delivered

KST = ZoneInfo("Asia/Seoul")


def workspace(tmp_path, db_url, extra=""):
    (tmp_path / "outreach.toml").write_text(
        f'database_url = "{db_url}"\ntimezone = "Asia/Seoul"\n{extra}', encoding="utf-8")
    settings = load_settings(tmp_path)
    return settings, open_database(settings.database_url)


def test_show_json_per_channel_with_reasons(tmp_path, db_url, capsys):
    _settings, db = workspace(tmp_path, db_url)
    sent = datetime(2026, 11, 3, 9, tzinfo=KST)
    fb = delivered(db, channel="facebook", remote_id="p1", sent=sent)
    delivered(db, channel="instagram", remote_id="m1", sent=sent)
    q.save_snapshot(db, fb, "1h", sent + timedelta(hours=1),
                    [Figure("views", 10, "post_media_view"),
                     Figure.missing("reach", "(#10) read_insights missing")])
    q.save_snapshot(db, fb, "1d", sent + timedelta(days=1), [Figure("views", 90, "post_media_view")])
    assert main(["--root", str(tmp_path), "metrics", "show", "--month", "2026-11",
                 "--channel", "facebook", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["channel"] == "facebook" and row["age"] == "1d" and row["figures"] == {"views": 90}
    assert main(["--root", str(tmp_path), "metrics", "show", "--post", str(row["post"])]) == 0
    text = capsys.readouterr().out
    assert "views 90" in text


def test_bad_metrics_setting_is_one_line_and_status_2(tmp_path, db_url, capsys):
    workspace(tmp_path, db_url, '[metrics]\nages = ["1 hour"]\n')
    assert main(["--root", str(tmp_path), "metrics", "collect"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "metrics.ages" in err and "outreach.toml" in err
