"""One pass over the schedules: tell the ledger what is due, then let it work.

``outreach run-due`` runs one pass and exits; the daemon runs one pass when a
schedule fires and once a minute. Both call ``run_pass``, so they decide alike;
the publishing service's atomic claims make concurrent passes publish once.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from ..errors import OutreachError
from ..logs import log
from ..sources.feed import FeedItem, map_fields, read_feed
from ..sources.files import data_path
from . import cron
from .clock import Clock
from .due import due_runs, poll_due
from .specs import Schedule, SchedulingOptions
from ..i18n import _, recording

if TYPE_CHECKING:
    from ..config import Settings
    from ..notify.job import NotifyReport
    from ..publishing.model import OccurrenceSpec, WorkReport
    from ..publishing.service import PublishingService

logger = logging.getLogger("outreach.scheduling")
_WEEKDAY = "월화수목금토일"


@dataclass
class PassReport:
    """What one pass did, for logs and ``run-due``'s output."""

    planned: int = 0
    missed: int = 0
    skipped: int = 0
    feed_items: int = 0
    drafted: int = 0
    refreshed: int = 0
    errors: list[str] = field(default_factory=list)
    work: "WorkReport | None" = None
    notified: "NotifyReport | None" = None


def run_pass(settings: "Settings", service: "PublishingService", schedules: Iterable[Schedule],
             *, clock: Clock, options: SchedulingOptions, only: str | None = None) -> PassReport:
    """Plan what is due for each schedule, then do all due ledger work once."""
    report = PassReport()
    schedules = list(schedules)
    for schedule in schedules:
        if only is not None and schedule.name != only:
            continue
        try:
            if schedule.source is not None:
                _draft_pass(settings, service, schedule, clock(), report)
            with recording():   # missed/skipped reasons read in any language (i18n.Text)
                if schedule.feed is not None:
                    _feed_pass(settings, service, schedule, clock(), options, report)
                else:
                    _time_pass(settings, service, schedule, clock(), report)
        except OutreachError as exc:
            report.errors.append(_("schedule {name}: {error}", name=schedule.name, error=exc))
            log(logger, logging.ERROR, "schedule pass failed", schedule=schedule.name, error=str(exc))
    report.work = service.work(guards=send_guards(settings, service, clock))
    _log_work(report.work)
    report.notified = _notify(settings, service, schedules, clock)
    return report


def send_guards(settings: "Settings", service: "PublishingService",
                clock: Clock) -> dict:
    """The last checks before a post of outreach's own schedules goes out (the publishing
    service's ``SendGuard``s): a survey's call never goes out once the survey is closed,
    even when its close time passes, or a person closes it, during this pass."""
    from ..publishing.model import SURVEY
    from ..surveys.expire import send_guard

    return {SURVEY: send_guard(settings, service.db, clock=clock)}


def _notify(settings: "Settings", service: "PublishingService", schedules: list[Schedule],
            clock: Clock) -> "NotifyReport | None":
    """Mail what happened (each event once); a mail problem never stops publishing."""
    from ..notify.job import run

    try:
        return run(settings, service.db, schedules, clock)
    except OutreachError as exc:
        log(logger, logging.ERROR, "notifications failed", error=str(exc))
        return None


def _draft_pass(settings: "Settings", service: "PublishingService", schedule: Schedule,
                now: datetime, report: PassReport) -> None:
    """The autopilot writes the data files of runs due for drafting (before they are planned)
    and refreshes their weather (a draft nobody approved yet is rendered again)."""
    from ..autopilot.service import draft_pass

    try:
        outcome = draft_pass(settings, schedule, now, ledger=service)
    except OutreachError as exc:          # e.g. a bad [autopilot] table: the run itself goes on
        report.errors.append(f"schedule {schedule.name}: autopilot: {exc}")
        log(logger, logging.ERROR, "autopilot failed", schedule=schedule.name, error=str(exc))
        return
    except Exception:                     # a bug in drafting must not stop the publishing
        logger.exception("autopilot crashed; the schedule's runs go on without a new draft")
        report.errors.append(f"schedule {schedule.name}: autopilot crashed (see the log)")
        return
    report.drafted += len(outcome.written)
    report.refreshed += len(outcome.refreshed)
    report.errors.extend(outcome.problems)


def _time_pass(settings: "Settings", service: "PublishingService", schedule: Schedule,
               now: datetime, report: PassReport) -> None:
    watermark = service.checked_until(schedule.name)
    runs, mark = due_runs(schedule, settings.timezone, watermark, now)
    for run in runs:
        spec = occurrence_for(settings, schedule, run.when)
        if run.action == "plan":
            if spec.data_file is not None and not spec.data_file.is_file():
                log(logger, logging.WARNING, "data file for a planned run is missing",
                    schedule=schedule.name, run=cron.local_label(run.when, settings.timezone),
                    file=str(spec.data_file))
            service.plan(spec)
            report.planned += 1
            log(logger, logging.INFO, "run planned", schedule=schedule.name,
                run=cron.local_label(run.when, settings.timezone))
        else:
            service.record(spec, run.action, run.reason)
            if run.action == "missed":
                report.missed += 1
                report.errors.append(_("schedule {name}: missed run {when}: {reason}",
                                       name=schedule.name, reason=run.reason,
                                       when=cron.local_label(run.when, settings.timezone)))
                log(logger, logging.ERROR, "run missed", schedule=schedule.name,
                    run=cron.local_label(run.when, settings.timezone), reason=run.reason)
            else:
                report.skipped += 1
                log(logger, logging.INFO, "run skipped", schedule=schedule.name,
                    run=cron.local_label(run.when, settings.timezone), reason=run.reason)
    if watermark is None or mark > watermark:
        service.set_checked_until(schedule.name, mark)


def _feed_pass(settings: "Settings", service: "PublishingService", schedule: Schedule,
               now: datetime, options: SchedulingOptions, report: PassReport) -> None:
    assert schedule.feed is not None
    watermark = service.checked_until(schedule.name)
    if poll_due(schedule, settings.timezone, watermark, now) is None:
        return
    try:
        items = read_feed(schedule.feed.url, root=settings.root, tz=settings.timezone,
                          timeout=options.feed_timeout)
    except OutreachError as exc:
        write_feed_state(settings, schedule.name, now, error=str(exc))
        if watermark is not None:      # wait for the next fire time; a baseline retries next pass
            service.set_checked_until(schedule.name, now)
        raise
    baseline = watermark is None and not schedule.feed.backfill
    for item in items:
        spec = feed_occurrence(settings, schedule, item, now)
        if baseline:
            service.record(spec, "skipped", _("already in the feed when the schedule "
                                              "started; set feed.backfill: true to publish "
                                              "such items"))
        else:
            service.plan(spec)
    if baseline:
        log(logger, logging.INFO, "feed baseline taken", schedule=schedule.name, items=len(items))
    else:
        report.feed_items += len(items)
    write_feed_state(settings, schedule.name, now, items=len(items))
    service.set_checked_until(schedule.name, now)


def template_context(settings: "Settings", schedule: Schedule, when: datetime) -> dict[str, Any]:
    """Variables every scheduled post's templates may use besides its data (JSON-able)."""
    local = when.astimezone(settings.timezone)
    return {"date": f"{local:%Y-%m-%d}", "time": f"{local:%H:%M}",
            "weekday": _WEEKDAY[local.weekday()], "scheduled_for": local.isoformat(),
            "schedule": schedule.name}


def occurrence_for(settings: "Settings", schedule: Schedule, when: datetime) -> "OccurrenceSpec":
    """The ledger's description of the run at ``when`` of a data-file schedule."""
    from ..publishing.model import OccurrenceSpec

    local = when.astimezone(settings.timezone)
    data_file = data_path(schedule.data, local, settings.root) if schedule.data else None
    approval = schedule.approval_required
    if schedule.source is not None and not approval:
        from ..autopilot.service import needs_approval

        # a draft the autopilot could not complete never goes out without a person's yes
        approval = needs_approval(settings, schedule.name, data_file)
    return OccurrenceSpec(
        schedule=schedule.name, key=cron.iso_utc(when), scheduled_for=when,
        template=schedule.template, channels=schedule.channels, data_file=data_file,
        context=template_context(settings, schedule, when),
        approval_required=approval,
        prepare_at=when - schedule.prepare_before if schedule.prepare_before else None,
        grace=schedule.misfire_grace)


def feed_occurrence(settings: "Settings", schedule: Schedule, item: FeedItem,
                    now: datetime) -> "OccurrenceSpec":
    """One post per feed item, keyed ``item:<id>``; with approval, staff get prepare_before."""
    from ..publishing.model import OccurrenceSpec

    assert schedule.feed is not None
    data = feed_defaults(settings, schedule.feed.defaults)
    data.update(map_fields(item, schedule.feed.fields) if schedule.feed.fields else item.as_dict())
    publish_at = now + schedule.prepare_before
    return OccurrenceSpec(
        schedule=schedule.name, key=f"item:{item.id}", scheduled_for=publish_at,
        template=schedule.template, channels=schedule.channels, data=data,
        context=template_context(settings, schedule, publish_at),
        approval_required=schedule.approval_required,
        prepare_at=now if schedule.prepare_before else None, grace=schedule.misfire_grace)


def feed_defaults(settings: "Settings", defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``feed.defaults`` with workspace-relative file paths (a photo) made absolute, since
    the template reads inline data from wherever the process happens to run."""
    data: dict[str, Any] = {}
    for key, value in defaults.items():
        if isinstance(value, str) and value and not Path(value).is_absolute() \
                and (settings.root / value).is_file():
            value = str(settings.root / value)
        data[key] = value
    return data


def feed_state_path(settings: "Settings", name: str) -> Path:
    return settings.var_dir / "feeds" / f"{name}.json"


def write_feed_state(settings: "Settings", name: str, when: datetime, *, items: int | None = None,
                     error: str | None = None) -> None:
    """Remember the last feed read (for ``outreach schedules``); written atomically."""
    path = feed_state_path(settings, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"checked_at": when.isoformat(), "items": items, "error": error}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(state, handle, ensure_ascii=False)
    os.replace(tmp, path)


def read_feed_state(settings: "Settings", name: str) -> dict[str, Any] | None:
    try:
        return json.loads(feed_state_path(settings, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _log_work(work: "WorkReport") -> None:
    """One summary line per busy pass (the service logs each delivery and error itself)."""
    if not work.idle:
        log(logger, logging.INFO, "work done", prepared=work.prepared, held=work.held,
            missed=work.missed, reconciled=work.reconciled, deliveries=len(work.outcomes),
            problems=len(work.errors))
