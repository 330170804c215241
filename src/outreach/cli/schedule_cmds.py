"""``outreach schedules``, ``outreach daemon`` and ``outreach run-due``.

Parsing and printing only; the work lives in ``outreach.scheduling``. Heavy
modules are imported inside the handlers so ``outreach --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import settings_from
from ..i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schedules", help=_("list schedules and their next run times"),
                       description=_("Each schedule in schedules/ with its template, channels, "
                                     "approval and next run times in local time. Exits 2 when a "
                                     "schedule file is invalid."))
    p.add_argument("--count", type=int, default=3, help=_("how many upcoming runs to show (3)"))
    p.set_defaults(handler=cmd_schedules)

    p = sub.add_parser("daemon", help=_("run the schedules in the foreground (for systemd)"),
                       description=_("Publish every schedule on time until stopped (SIGTERM or "
                                     "Ctrl-C). Edited schedule files are picked up within a "
                                     "minute, or at once on SIGHUP (systemctl reload outreach). "
                                     "Only one daemon may run per database."))
    p.set_defaults(handler=cmd_daemon)

    p = sub.add_parser("run-due", help=_("do what is due now once and exit (for cron)"),
                       description=_("Plan due runs, publish due posts, retry and reconcile, "
                                     "then exit; run it from crontab every minute. Safe "
                                     "alongside the daemon or another run-due. Quiet unless "
                                     "something needs attention; exits 1 then, 2 on a "
                                     "configuration error."))
    p.add_argument("--schedule", metavar="NAME", help=_("plan only this schedule"))
    p.add_argument("--now", help=argparse.SUPPRESS)   # tests and rehearsals: start the clock here
    p.set_defaults(handler=cmd_run_due)


def cmd_schedules(args: argparse.Namespace) -> int:
    from ..scheduling.listing import describe
    from ..scheduling.clock import make_clock
    from ..scheduling.specs import load_schedules, scheduling_options

    from ..topics.schedule import describe_rank_schedule

    settings = settings_from(args)
    scheduling_options(settings)
    schedules = load_schedules(settings)
    now = make_clock(None, settings.timezone)()
    ranking = describe_rank_schedule(settings, now, count=max(1, args.count))
    if not schedules:
        print(_("no schedules in {schedules_dir} (add one file per schedule, e.g. "
                "weekend-guide.yaml)", schedules_dir=settings.schedules_dir))
    else:
        print("\n\n".join(describe(settings, s, now, count=max(1, args.count))
                          for s in schedules))
    if ranking:
        print("\n" + ranking)
    return 0


def _open(settings, clock):
    from ..publishing.service import PublishingService
    from ..store.db import open_database

    db = open_database(settings.database_url)
    return db, PublishingService(settings, db, clock=clock)


def cmd_run_due(args: argparse.Namespace) -> int:
    from ..errors import ScheduleError
    from ..scheduling.clock import make_clock
    from ..scheduling.runner import run_pass
    from ..scheduling.specs import load_all, scheduling_options

    settings = settings_from(args)
    options = scheduling_options(settings)
    _rank_schedule(settings)
    clock = make_clock(args.now, settings.timezone)
    _sweep(settings)
    schedules, bad = load_all(settings, options)
    if args.schedule and args.schedule not in {s.name for s in schedules}:
        bad_named = [e for e in bad if Path(str(e.file)).stem == args.schedule]
        if bad_named:
            raise bad_named[0]
        raise ScheduleError(_("no schedule named {schedule!r} in {schedules_dir}: see outreach "
                              "schedules", schedule=args.schedule,
                              schedules_dir=settings.schedules_dir))
    db, service = _open(settings, clock)
    try:
        # before publishing: a survey's call must not go out after the survey closed
        withdrawn = [] if args.schedule else _late_survey_calls(settings, db, clock)
        report = run_pass(settings, service, schedules, clock=clock, options=options,
                          only=args.schedule)
        ranked = [] if args.schedule else _topic_requests(settings, db, clock)
    finally:
        db.dispose()
    for error in bad:
        print(_("outreach: error: {message}", message=error), file=sys.stderr)
    work = report.work
    attention = list(report.errors)
    if work is not None:
        attention += [f"delivery {o.delivery_id} ({o.channel}): {o.state}"
                      + (f": {o.detail}" if o.detail else "")
                      for o in work.outcomes if o.state in ("failed", "unknown")]
        attention += work.errors
        if work.held:
            attention.append(f"{work.held} occurrence(s) held: not approved by their publish "
                             "time (see outreach status)")
        if work.missed:      # planned, then not started within its grace window
            from ..i18n import ngettext

            attention.append(ngettext("{n} run missed: not published within its grace window "
                                      "(see outreach status)",
                                      "{n} runs missed: not published within their grace window "
                                      "(see outreach status)", work.missed))
    if report.notified is not None:     # told once: on the pass that recorded it
        attention += [_("notification {key} not delivered to {address}: {reply}", key=key,
                        address=address, reply=reply)
                      for key, address, reply in report.notified.refused]
    attention += [_("survey {slug} closed before its call went out: the call was cancelled",
                    slug=slug) for slug in withdrawn]
    attention += [_("topic ranking request {id} ({scope}) failed: {message}", id=r.id,
                    scope=r.label, message=r.message) for r in ranked if r.message]
    for line in attention:
        print(_("outreach: warning: {line}", line=line), file=sys.stderr)
    if args.verbose and work is not None:
        sent = sum(1 for o in work.outcomes if o.state in ("sent", "awaiting_handoff"))
        print(_("planned {planned}, feed items seen {feed_items}, prepared {prepared}, "
                "delivered {sent}, missed {missed}", planned=report.planned,
                feed_items=report.feed_items, prepared=work.prepared, sent=sent,
                missed=report.missed + work.missed))
    if bad:
        return 2
    return 1 if attention else 0


def _late_survey_calls(settings, db, clock):
    """Surveys past their close time whose call still waits: closed, call cancelled."""
    from ..surveys.expire import withdraw_late_calls

    return withdraw_late_calls(settings, db, clock=clock)


def _rank_schedule(settings) -> None:
    """``[topics] rank_cron`` checked before any work: a mistake is exit status 2 at once,
    not an error logged every minute."""
    from ..topics.schedule import rank_schedule

    rank_schedule(settings)


def _topic_requests(settings, db, clock):
    """The scheduled ranking when due, and the rankings staff asked for on the web (after
    publishing, which must not wait)."""
    from ..topics.requests import work_pending

    return work_pending(settings, db, clock=clock)


def cmd_daemon(args: argparse.Namespace) -> int:
    import logging

    from ..scheduling.clock import make_clock
    from ..scheduling.daemon import Daemon, harvest_minutes
    from ..scheduling.lock import DaemonLock
    from ..scheduling.specs import load_schedules, scheduling_options

    logging.getLogger("outreach").setLevel(min(logging.getLogger("outreach").level, logging.INFO))
    settings = settings_from(args)
    options = scheduling_options(settings)
    harvest_minutes(settings)
    _rank_schedule(settings)
    schedules = load_schedules(settings)
    clock = make_clock(None, settings.timezone)
    _sweep(settings)
    db, service = _open(settings, clock)
    try:
        with DaemonLock(db, _shown_url(db)):
            return Daemon(settings, db, service, schedules, clock=clock, options=options).run()
    finally:
        db.dispose()


def _sweep(settings) -> None:
    """Temporary files and folders a killed run left in var/ and out/ go at the next start."""
    import logging

    from ..logs import log
    from ..storage import sweep_temp

    for root in (settings.var_dir, settings.root / "out"):
        for path in sweep_temp(root):
            log(logging.getLogger("outreach.scheduling"), logging.INFO,
                "removed a temporary file left by a stopped run", path=path)


def _shown_url(db) -> str:
    """The database as staff know it, without a password."""
    if db.is_sqlite:
        return db.engine.url.database or "sqlite"
    return db.engine.url.render_as_string(hide_password=True).replace("+psycopg", "")
