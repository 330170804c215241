"""``outreach check``: every staff-edited file of a workspace validated in one go.

A run that stops at the first mistake makes staff fix files one by one, a
round trip each. ``check_workspace`` loads everything the daemon and the
commands would load (outreach.toml, .env, the inbox and server settings,
every schedule, every template and its sample, the data files of the runs in
the next ``days`` days, the triage rules and the saved replies) and returns
every problem found (each enabled channel is built too, so a missing secret
shows; no request goes out), each as the one-line ``OutreachError`` text the command
that would trip over it prints. Nothing is written and nothing goes out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from .errors import OutreachError

UPCOMING_DAYS = 7


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)   # what was looked at, by kind
    root: Path | None = None                                 # the workspace folder used
    config_file: Path | None = None                          # its outreach.toml, if any

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, kind: str, n: int = 1) -> None:
        self.checked[kind] = self.checked.get(kind, 0) + n


def _attempt(report: CheckReport, work: Callable[[], object]) -> object | None:
    """Run one check; a user-facing error becomes a listed problem."""
    try:
        return work()
    except OutreachError as exc:
        report.problems.append(str(exc))
        return None


def check_workspace(root: Path | None, *, now: datetime | None = None,
                    days: int = UPCOMING_DAYS) -> CheckReport:
    """Every problem in the workspace at ``root`` (found as ``load_settings`` finds it)."""
    from .config import load_settings

    report = CheckReport()
    settings = _attempt(report, lambda: load_settings(root))
    if settings is None:
        return report               # nothing else can be read without the settings
    report.count("config")
    report.root, report.config_file = settings.root, settings.file
    if now is None:
        from .scheduling.clock import make_clock

        clock = _attempt(report, lambda: make_clock(None, settings.timezone))  # $OUTREACH_NOW
        now = clock() if clock else datetime.now(timezone.utc)
    _channels(report, settings)
    _inbox(report, settings)
    if settings.section("autopilot"):
        from .autopilot.settings import autopilot_settings

        _attempt(report, lambda: autopilot_settings(settings))
    templates = _templates(report, settings)
    _schedules(report, settings, templates, now, days)
    _surveys(report, settings)
    from .topics.schedule import rank_schedule

    _attempt(report, lambda: rank_schedule(settings))   # [topics] rank_cron
    return report


def _surveys(report: CheckReport, settings) -> None:
    """Every survey file in content/surveys/ and the chatbot's [surveys.kakao] texts."""
    from .surveys.settings import chat_config
    from .surveys.spec import load_spec

    _attempt(report, lambda: chat_config(settings))
    folder = settings.content_dir / "surveys"
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        report.count("surveys")
        _attempt(report, lambda: load_spec(path, settings.timezone))


def _channels(report: CheckReport, settings) -> None:
    """Every enabled channel built as a publish would build it (settings, secrets present);
    no request is sent: ``outreach channels check`` asks the platforms."""
    from .channels import open_channel

    for name, config in settings.channels.items():
        if not config.enabled:
            continue
        report.count("channels")
        channel = _attempt(report, lambda: open_channel(settings, name))
        if channel is not None:
            channel.close()


def _inbox(report: CheckReport, settings) -> None:
    from .inbox.answers import load_saved
    from .inbox.settings import inbox_config, server_config
    from .inbox.triage import load_rules
    from .scheduling.daemon import harvest_minutes

    _attempt(report, lambda: server_config(settings))
    _attempt(report, lambda: harvest_minutes(settings))
    cfg = _attempt(report, lambda: inbox_config(settings))
    if cfg is None:
        return
    for kind, path, load in (("rules", cfg.rules_file, load_rules),
                             ("saved replies", cfg.replies_file, load_saved)):
        if path.exists():
            report.count(kind)
            _attempt(report, lambda: load(path))


def _templates(report: CheckReport, settings) -> dict:
    """Every template, loaded and its sample.yaml checked; name -> Template."""
    from .render.data import check_data, load_data, media_rule
    from .render.template import load_template, template_names

    loaded = {}
    for name in template_names(settings.templates_dir):
        report.count("templates")
        tpl = _attempt(report, lambda: load_template(settings.templates_dir, name))
        if tpl is None:
            continue
        loaded[name] = tpl
        if tpl.sample.is_file():
            rule = media_rule(tpl.sample, settings.root, settings.media_dirs,
                              settings.templates_dir)
            _attempt(report, lambda: check_data(tpl.fields, load_data(tpl.sample),
                                                source=tpl.sample, media=rule))
    return loaded


def _schedules(report: CheckReport, settings, templates: dict, now: datetime,
               days: int) -> None:
    from .errors import DataError
    from .render.data import check_data, load_data, media_rule
    from .scheduling.specs import load_all, scheduling_options
    from .sources.files import data_path

    options = _attempt(report, lambda: scheduling_options(settings))
    if options is None:
        return
    schedules, errors = load_all(settings, options)
    report.count("schedules", len(schedules) + len(errors))
    report.problems.extend(str(e) for e in errors)
    until = now + timedelta(days=days)
    for schedule in schedules:
        if schedule.feed and not schedule.feed.url.startswith(("http://", "https://")):
            from .sources.feed import read_feed

            report.count("feeds")       # a local feed file is read; web feeds are not fetched
            feed_url = schedule.feed.url
            _attempt(report, lambda: read_feed(feed_url, root=settings.root,
                                               tz=settings.timezone))
        tpl = templates.get(schedule.template)
        if not schedule.data or not schedule.enabled or tpl is None:
            continue
        seen: set[Path] = set()
        for run in schedule.next_runs(now, settings.timezone, count=days * 24 * 6):
            if run > until:
                break
            path = data_path(schedule.data, run.astimezone(settings.timezone), settings.root)
            if path in seen:
                continue
            seen.add(path)
            report.count("data files")

            def check(path: Path = path, run: datetime = run) -> None:
                if not path.is_file():
                    from .i18n import _, format_datetime

                    raise DataError(_("missing data file for the run of {when} (schedule "
                                      "{schedule}): create it before then",
                                      when=format_datetime(run, settings.timezone),
                                      schedule=schedule.name), file=path)
                rule = media_rule(path, settings.root, settings.media_dirs,
                                  settings.templates_dir)
                check_data(tpl.fields, load_data(path), source=path, media=rule)
            _attempt(report, check)
