"""``outreach daemon``: APScheduler 3 in the foreground, for systemd.

APScheduler is only the alarm clock. Each schedule has a cron job that wakes
the daemon at its fire time, and a one-minute housekeeping job catches
everything else (drafts due for preparation, retries, reconciliation, missed
runs, edited schedule files). Every wake-up runs the same ``run_pass`` as
``outreach run-due``, which asks the ledger what is due, so a job APScheduler
skips or a restart loses changes nothing. Jobs live in memory only: the ledger
is the record, never an APScheduler job store.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from ..errors import ConfigError, OutreachError
from ..logs import log
from .clock import Clock
from .runner import run_pass
from .specs import Schedule, SchedulingOptions, load_all, schedule_files
from ..i18n import _

if TYPE_CHECKING:
    from ..config import Settings
    from ..publishing.service import PublishingService
    from ..store.db import Database

logger = logging.getLogger("outreach.daemon")
HOUSEKEEPING = "housekeeping"
HARVEST = "harvest"


def harvest_minutes(settings: "Settings") -> int:
    """``[inbox] harvest_minutes`` (default 5): how often the daemon reads replies."""
    value = settings.section("inbox").get("harvest_minutes", 5)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1440:
        from ..config import line_of

        text = settings.file.read_text(encoding="utf-8") if settings.file else ""
        raise ConfigError(_("expected whole minutes between 1 and 1440, got {value!r}",
                            value=value),
                          file=settings.file or "outreach.toml",
                          line=line_of(text, "harvest_minutes", "inbox"), key="inbox.harvest_minutes")
    return value


class Daemon:
    """The long-running process: owns the scheduler, the schedules and reloads."""

    def __init__(self, settings: "Settings", db: "Database", service: "PublishingService",
                 schedules: list[Schedule], *, clock: Clock, options: SchedulingOptions) -> None:
        self.settings, self.db, self.service = settings, db, service
        self.clock, self.options = clock, options
        self.schedules: dict[str, Schedule] = {s.name: s for s in schedules}
        self._signature = self._files_signature()
        self._pass_lock = threading.Lock()
        self.scheduler = BlockingScheduler(
            timezone=settings.timezone,
            executors={"default": ThreadPoolExecutor(1), HARVEST: ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        self._stopper: threading.Thread | None = None

    # -- jobs ---------------------------------------------------------------
    def tick(self, name: str | None = None) -> None:
        """One pass (all schedules, or the one that fired); errors are logged, never fatal."""
        with self._pass_lock:
            self.withdraw_late_survey_calls()
            try:
                report = run_pass(self.settings, self.service, list(self.schedules.values()),
                                  clock=self.clock, options=self.options, only=name)
            except OutreachError as exc:
                log(logger, logging.ERROR, "pass failed", schedule=name or "*", error=str(exc))
            except Exception:  # a bug or a lost database must not kill the daemon
                logger.exception("pass crashed; the next wake-up tries again")
            else:
                for error in report.errors:
                    log(logger, logging.WARNING, "needs attention", detail=error)

    def withdraw_late_survey_calls(self) -> None:
        """Before publishing: a survey's call must not go out after the survey closed
        (outreach.surveys.expire)."""
        from ..surveys.expire import withdraw_late_calls

        try:
            withdraw_late_calls(self.settings, self.db, clock=self.clock)
        except Exception:  # noqa: BLE001 - must never stop the daemon or its pass
            logger.exception("closing past-due surveys crashed; the next pass tries again")

    def housekeeping(self) -> None:
        self.reload_if_changed()
        self.tick()

    def harvest(self) -> None:
        try:
            from ..inbox.harvest import harvest_all
        except ImportError:
            logger.debug("inbox harvest is not available in this build; skipped")
            return
        try:
            harvest_all(self.settings, self.db)
        except OutreachError as exc:
            log(logger, logging.ERROR, "harvest failed", error=str(exc))
        except Exception:
            logger.exception("harvest crashed; the next run tries again")

    def check_channels(self) -> None:
        """Store each channel's check (tokens, quota) for the channels page and notifications."""
        from ..publishing.health import check_channels

        try:
            check_channels(self.settings, self.db, clock=self.clock)
        except Exception:  # noqa: BLE001 - a check must never stop the daemon
            logger.exception("channel check crashed; the next run tries again")

    def collect_metrics(self) -> None:
        """Post figures at their set ages and follower counts (outreach.metrics.collect)."""
        from ..metrics.collect import collect

        try:
            collect(self.settings, self.db, self.clock())
        except Exception:  # noqa: BLE001 - analytics must never stop the daemon
            logger.exception("metrics collection crashed; the next run tries again")

    def topic_requests(self) -> None:
        """Rankings staff asked for on the 주제 page (outreach.topics.requests): in the slow
        work's thread, so a minute of ranking never holds up a publishing pass."""
        from ..topics.requests import work_pending

        try:
            work_pending(self.settings, self.db, clock=self.clock)
        except Exception:  # noqa: BLE001 - a ranking must never stop the daemon
            logger.exception("topic ranking requests crashed; the next run tries again")

    # -- schedule files -----------------------------------------------------
    def _files_signature(self) -> dict[Path, tuple[int, int]]:
        signature = {}
        for path in schedule_files(self.settings):
            try:
                stat = path.stat()
            except OSError:
                continue
            signature[path] = (stat.st_mtime_ns, stat.st_size)
        return signature

    def reload_if_changed(self, *, force: bool = False) -> bool:
        """Re-read schedules/ when a file changed; a broken file keeps its previous version."""
        signature = self._files_signature()
        if signature == self._signature and not force:
            return False
        self._signature = signature
        fresh, errors = load_all(self.settings, self.options)
        new = {s.name: s for s in fresh}
        for error in errors:
            name = Path(str(error.file)).stem
            kept = self.schedules.get(name)
            if kept is not None:
                new[name] = kept
            log(logger, logging.ERROR, "schedule file not loaded", error=str(error),
                kept_previous=kept is not None)
        for name in sorted(set(self.schedules) | set(new)):
            old, now = self.schedules.get(name), new.get(name)
            if old == now:
                continue
            change = "added" if old is None else "removed" if now is None else "changed"
            log(logger, logging.INFO, f"schedule {change}", schedule=name)
            if now is None:
                self._remove_job(name)
            else:
                self._add_job(now)
        self.schedules = new
        return True

    def _add_job(self, schedule: Schedule) -> None:
        self.scheduler.add_job(self.tick, schedule.trigger, args=[schedule.name],
                               id=f"schedule:{schedule.name}", name=schedule.name,
                               replace_existing=True)

    def _remove_job(self, name: str) -> None:
        if self.scheduler.get_job(f"schedule:{name}"):
            self.scheduler.remove_job(f"schedule:{name}")

    # -- life cycle ---------------------------------------------------------
    def _in_thread(self, fn: Any) -> None:
        """Signal handlers must not take the scheduler's locks on the main thread."""
        threading.Thread(target=fn, daemon=True).start()

    def _on_stop(self, signum: int, _frame: Any) -> None:
        if self._stopper is None:
            log(logger, logging.INFO, "stopping", signal=signal.Signals(signum).name)
            self._stopper = threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True})
            self._stopper.start()

    def _on_reload(self, _signum: int, _frame: Any) -> None:
        log(logger, logging.INFO, "reload requested (SIGHUP)")
        self._in_thread(lambda: self.scheduler.add_job(
            lambda: self.reload_if_changed(force=True), id="reload", replace_existing=True))

    def run(self) -> int:
        """Catch up, then block until SIGTERM/SIGINT. Returns the exit status."""
        for schedule in self.schedules.values():
            self._add_job(schedule)
        self.scheduler.add_job(self.housekeeping, IntervalTrigger(minutes=1), id=HOUSEKEEPING)
        self.scheduler.add_job(self.harvest, IntervalTrigger(minutes=harvest_minutes(self.settings)),
                               id=HARVEST, executor=HARVEST)
        self.scheduler.add_job(self.check_channels, IntervalTrigger(hours=6), id="channel-check",
                               executor=HARVEST, next_run_time=self.clock())
        from ..metrics.settings import metrics_settings

        self.scheduler.add_job(self.collect_metrics, IntervalTrigger(
            minutes=metrics_settings(self.settings).collect_minutes), id="metrics",
            executor=HARVEST)
        self.scheduler.add_job(self.topic_requests, IntervalTrigger(minutes=1), id="topics",
                               executor=HARVEST, next_run_time=self.clock())
        # catch up at once: runs missed while the daemon was down go out (or are recorded missed)
        self.scheduler.add_job(self.tick, id="catch-up")
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_reload)
        log(logger, logging.INFO, "daemon started", schedules=",".join(self.schedules) or "none",
            timezone=str(self.settings.timezone))
        self.scheduler.start()
        if self._stopper is not None:
            self._stopper.join()
        log(logger, logging.INFO, "daemon stopped")
        return 0
