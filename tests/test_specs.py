"""schedules/*.yaml: valid files load, every mistake is one line naming file, line and key."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta, timezone

import pytest

from outreach.cli import main
from outreach.errors import ConfigError, ScheduleError
from outreach.scheduling.specs import load_schedule, load_schedules, parse_duration, \
    scheduling_options
from test_sched_helpers import REPO, WEEKEND, run_cli, workspace

KST = timezone(timedelta(hours=9))


def test_sample_schedules_load(tmp_path):
    settings = workspace(tmp_path, {})
    for name in ("weekend-guide.yaml", "now-in-city.yaml"):
        shutil.copy(REPO / "schedules" / name, tmp_path / "schedules" / name)
    by_name = {s.name: s for s in load_schedules(settings)}
    guide, news = by_name["weekend-guide"], by_name["now-in-city"]
    assert guide.data == "content/weekend-guide/{date}.yaml" and guide.feed is None
    assert guide.approval_required and guide.prepare_before == timedelta(days=1)
    assert guide.misfire_grace == timedelta(hours=2) and guide.skip_holidays
    assert news.feed is not None and news.feed.url == "content/feeds/now-in-city.xml"
    assert news.feed.fields and news.feed.fields["headline"] == "title"
    assert not news.feed.backfill and not news.approval_required


def test_weekend_guide_runs_thursdays_at_16_kst(tmp_path):
    settings = workspace(tmp_path, {"weekend-guide.yaml": WEEKEND})
    (schedule,) = load_schedules(settings)
    runs = schedule.next_runs(datetime(2026, 11, 23, tzinfo=KST), settings.timezone, 3)
    assert [r.astimezone(KST) for r in runs] == [
        datetime(2026, 11, 26, 16, tzinfo=KST), datetime(2026, 12, 3, 16, tzinfo=KST),
        datetime(2026, 12, 10, 16, tzinfo=KST)]


def test_crontab_weekday_numbers_mean_sunday_zero(tmp_path):
    # APScheduler 3 counts Monday as 0; staff write crontab, where 4 is Thursday
    settings = workspace(tmp_path, {"a.yaml": WEEKEND.replace("thu", "4"),
                                    "b.yaml": WEEKEND.replace("thu", "0")})
    a, b = load_schedules(settings)
    after = datetime(2026, 11, 23, tzinfo=KST)
    assert a.next_runs(after, settings.timezone, 1)[0].astimezone(KST).weekday() == 3
    assert b.next_runs(after, settings.timezone, 1)[0].astimezone(KST).weekday() == 6


def test_skip_end_and_holidays_shape_next_runs(tmp_path):
    text = WEEKEND + "skip: [2026-12-03]\nend: 2026-12-17\n"
    settings = workspace(tmp_path, {"weekend-guide.yaml": text})
    (schedule,) = load_schedules(settings)
    runs = schedule.next_runs(datetime(2026, 11, 23, tzinfo=KST), settings.timezone, 5)
    assert [r.astimezone(KST).date() for r in runs] == [
        date(2026, 11, 26), date(2026, 12, 10), date(2026, 12, 17)]
    # Chuseok 2026 falls on Thursday 24 September
    settings = workspace(tmp_path / "h", {"weekend-guide.yaml": WEEKEND + "skip_holidays: true\n"})
    (schedule,) = load_schedules(settings)
    runs = schedule.next_runs(datetime(2026, 9, 20, tzinfo=KST), settings.timezone, 1)
    assert runs[0].astimezone(KST).date() == date(2026, 10, 1)
    assert "추석" in (schedule.skip_reason(date(2026, 9, 24)) or "")


@pytest.mark.parametrize("text, line, key, words", [
    (WEEKEND.replace('"0 16 * * thu"', '"0 16 * thu"'), 3, "cron", "expected 5 fields"),
    (WEEKEND.replace('"0 16 * * thu"', '"0 25 * * thu"'), 3, "cron", "0 16 * * thu"),
    (WEEKEND + "colour: blue\n", 5, "colour", "unknown key"),
    (WEEKEND.replace("[outbox]", "[outbox, facebook]"), 4, "channels", "no channel named 'facebook'"),
    (WEEKEND + "misfire_grace: soon\n", 5, "misfire_grace", "2h"),
    (WEEKEND + "approval: maybe\n", 5, "approval", "none or required"),
    (WEEKEND + "approval: required\n", 5, "approval", "prepare_before"),
    (WEEKEND + "start: 2026-12-01\nend: 2026-11-01\n", 6, "end", "before start"),
    (WEEKEND + "skip:\n  - 2026-12-24\n  - christmas\n", 7, "skip", "YYYY-MM-DD"),
    (WEEKEND.replace("{date}", "{datum}"), 2, "data", "{date}"),
    (WEEKEND.replace("weekend-guide\n", "no-such-template\n", 1), 1, "template", "available:"),
    (WEEKEND + "feed: {url: x.xml}\n", 5, "feed", "not both"),
    (WEEKEND.replace("data: content/weekend-guide/{date}.yaml\n",
                     "feed:\n  url: x.xml\n  fields: {headline: titel}\n"),
     4, "feed.fields.headline", "unknown feed item field"),
    (WEEKEND + "enabled: sometimes\n", 5, "enabled", "true or false"),
    (WEEKEND.replace("data: content/weekend-guide/{date}.yaml\n",
                     "feed:\n  url: x.xml\n  defaults:\n    photo: {file: a.jpg}\n"),
     5, "feed.defaults.photo", "text, a number or a list"),
])
def test_mistakes_name_file_line_and_key(tmp_path, text, line, key, words):
    settings = workspace(tmp_path, {"weekend-guide.yaml": text})
    with pytest.raises(ScheduleError) as caught:
        load_schedule(tmp_path / "schedules" / "weekend-guide.yaml", settings)
    message = str(caught.value)
    assert message.startswith(f"schedules/weekend-guide.yaml:{line}: {key}: "), message
    assert words in message
    assert "\n" not in message


def test_yaml_syntax_error_gives_its_line(tmp_path):
    settings = workspace(tmp_path, {"x.yaml": "template: weekend-guide\ncron: */10 * * * *\n"})
    with pytest.raises(ScheduleError) as caught:
        load_schedules(settings)
    assert str(caught.value).startswith("schedules/x.yaml:2: not valid YAML")
    assert "quotes" in str(caught.value)


def test_missing_keys_and_bad_names(tmp_path):
    settings = workspace(tmp_path, {"x.yaml": "template: weekend-guide\n", "Bad Name.yaml": WEEKEND,
                                    "y.yaml": WEEKEND.replace('data: content/weekend-guide/{date}.yaml\n', "")})
    with pytest.raises(ScheduleError, match=r"^schedules/x.yaml: missing: add cron:"):
        load_schedule(tmp_path / "schedules" / "x.yaml", settings)
    with pytest.raises(ScheduleError, match=r"^schedules/Bad Name.yaml: the file name"):
        load_schedule(tmp_path / "schedules" / "Bad Name.yaml", settings)
    with pytest.raises(ScheduleError, match=r"^schedules/y.yaml: missing: add data:"):
        load_schedule(tmp_path / "schedules" / "y.yaml", settings)


def test_durations():
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("1d") == timedelta(days=1)
    assert parse_duration("0") == timedelta(0)
    for bad in ("", "2 hours", "h", "-1h", 5):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_scheduling_section_is_validated(tmp_path):
    settings = workspace(tmp_path, {}, toml_extra='[scheduling]\nmisfire_grace = "3h"\n')
    assert scheduling_options(settings).misfire_grace == timedelta(hours=3)
    (tmp_path / "schedules" / "a.yaml").write_text(WEEKEND, encoding="utf-8")
    assert load_schedules(settings)[0].misfire_grace == timedelta(hours=3)
    settings = workspace(tmp_path / "b", {}, toml_extra='[scheduling]\nmisfire_grace = "3 hours"\n')
    with pytest.raises(ConfigError, match=r"outreach.toml:7: scheduling.misfire_grace: "):
        scheduling_options(settings)
    # a misspelt key is refused when outreach.toml loads, with the nearest known key
    with pytest.raises(ConfigError, match=r"outreach.toml:7: scheduling.feed_timout: unknown "
                                          r"setting; did you mean feed_timeout\?"):
        workspace(tmp_path / "c", {}, toml_extra="[scheduling]\nfeed_timout = 3\n")


def test_schedules_command_lists_next_runs(tmp_path, capsys):
    workspace(tmp_path, {"weekend-guide.yaml": WEEKEND + "description: 천안주말사용설명서\n"})
    (tmp_path / "content" / "weekend-guide").mkdir(parents=True)
    assert main(["--root", str(tmp_path), "schedules"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("weekend-guide  천안주말사용설명서")
    lines = [line for line in out.splitlines() if "Thu " in line and " 16:00 " in line]
    assert len(lines) == 3 and all("(missing)" in line for line in lines)


def test_schedules_command_bad_file_is_one_line_exit_2(tmp_path):
    workspace(tmp_path, {"weekend-guide.yaml": WEEKEND.replace("[outbox]", "[outbx]")})
    result = run_cli(tmp_path, "schedules")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("outreach: error: schedules/weekend-guide.yaml:4: channels: "
                                    "no channel named 'outbx'")
    assert "Traceback" not in result.stderr


def test_bad_outreach_toml_is_one_line_exit_2(tmp_path):
    workspace(tmp_path, {"weekend-guide.yaml": WEEKEND}, toml_extra="[scheduling]\nfeed_timeout = -1\n")
    result = run_cli(tmp_path, "run-due")
    assert result.returncode == 2
    assert result.stderr.strip() == ("outreach: error: " + str(tmp_path / "outreach.toml") +
                                     ":7: scheduling.feed_timeout: expected seconds between 1 and "
                                     "300 (got -1)")
