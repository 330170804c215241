"""The publishing service: plans occurrences and does whatever is due, from any process.

APScheduler, cron and ``outreach publish`` only call ``plan``/``record`` and
``work``; the ledger decides what is due. ``work`` may run in many processes at
once: every step claims its row with a conditional update first, commits
``attempting`` before a platform call and the result after it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator, Literal, Mapping

from ..channels import open_channel
from ..channels.base import Channel
from ..config import Settings, line_of
from ..errors import ConfigError, LedgerError, OutreachError, StaleDraft
from ..logs import log, redact
from ..model import Receipt, RenderedPost, utc_now
from ..store.db import Database
from ..store.ledger import Ledger, Row
from . import model as m
from .audit import ActorLike, actor_of, audit
from .deliver import Result, RetryPolicy, publish_once, reconcile
from .drafts import draft_dir, load_draft, render_draft
from ..i18n import _, clip, recorded

logger = logging.getLogger("outreach.publishing")

#: A last word, before a due delivery is claimed, from the package that planned its
#: occurrence: ``guard(row) -> reason | None`` (``row``: the delivery joined with its
#: occurrence). A reason means the post must not go out any more: what has not gone out
#: is cancelled with it. ``work(guards={schedule: guard})`` takes them; the scheduling
#: pass gives the surveys' one (a call for questions of a survey closed meanwhile), so
#: publishing never needs to know what a survey is.
SendGuard = Callable[[Row], "str | None"]
#: who the ledger and the audit log name when a guard cancelled a post
GUARD_ACTOR = "send-guard"


def _number(section: Mapping[str, Any], key: str, default: float, file: Path | None) -> float:
    """A positive number from ``[publishing]``; the error names file, line and key."""
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        line = line_of(file.read_text(encoding="utf-8"), key, "publishing") if file else None
        raise ConfigError(_("expected a positive number, got {value!r}", value=value), file=file or "outreach.toml",
                          line=line, key=f"publishing.{key}")
    return float(value)


class PublishingService:
    """Ledger-backed publishing for one workspace. Cheap to build; one per process or call."""

    def __init__(self, settings: Settings, db: Database, *,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.settings = settings
        self.db = db
        self.ledger = Ledger(db)
        self.clock = clock
        section = settings.section("publishing")
        self.lease = timedelta(minutes=_number(section, "lease_minutes", 10, settings.file))
        self.render_retry = timedelta(minutes=_number(section, "render_retry_minutes", 5,
                                                      settings.file))
        self.policy = RetryPolicy(
            max_attempts=int(_number(section, "max_attempts", 5, settings.file)),
            base_seconds=_number(section, "retry_base_seconds", 60, settings.file),
            cap_seconds=_number(section, "retry_cap_seconds", 3600, settings.file))
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self._channels: dict[str, Channel | OutreachError] = {}

    # -- planning ---------------------------------------------------------
    def _check_spec(self, spec: m.OccurrenceSpec) -> None:
        if spec.scheduled_for.tzinfo is None:
            raise LedgerError(_("{schedule}: scheduled_for must carry a time zone",
                                schedule=spec.schedule))
        if not spec.channels:
            raise LedgerError(_("{schedule}: no channels to publish to", schedule=spec.schedule))
        for name in spec.channels:
            if name not in self.settings.channels:
                known = ", ".join(self.settings.channels) or "none"
                raise ConfigError(_("schedule {schedule} names channel {name!r}, which is not "
                                    "configured (configured: {known})", schedule=spec.schedule,
                                    name=name, known=known),
                                  file=self.settings.file or "outreach.toml", key="channels")

    def _keys(self, spec: m.OccurrenceSpec) -> list[tuple[str, str]]:
        return [(name, m.delivery_key(spec.schedule, spec.key, name))
                for name in dict.fromkeys(spec.channels)]

    @recorded
    def plan(self, spec: m.OccurrenceSpec, *, audit: Any = None) -> int:
        """Record the occurrence and one delivery per channel (idempotent); its id.

        ``audit`` (see ``publishing.audit``) writes the audit row when it is created."""
        self._check_spec(spec)
        occ_id, created = self.ledger.plan(spec, self._keys(spec), self.clock(), audit=audit)
        if created:
            log(logger, logging.INFO, "planned", occurrence=occ_id, schedule=spec.schedule,
                key=spec.key, channels=",".join(spec.channels))
            for name in spec.channels:
                config = self.settings.channels[name]
                if not config.enabled:
                    self._cancel_disabled(occ_id, name)
        return occ_id

    def plan_prepared(self, spec: m.OccurrenceSpec, folder: str) -> int:
        """Record an occurrence whose draft is already rendered in ``folder`` (manual publish)."""
        self._check_spec(spec)
        state = m.AWAITING_APPROVAL if spec.approval_required else m.PREPARED
        occ_id, created = self.ledger.plan(spec, self._keys(spec), self.clock(), state=state,
                                           draft_dir=folder)
        if not created:
            raise LedgerError(_("occurrence {schedule} {key} already exists",
                                schedule=spec.schedule, key=spec.key))
        for name in spec.channels:
            if not self.settings.channels[name].enabled:
                self._cancel_disabled(occ_id, name)
        return occ_id

    def record(self, spec: m.OccurrenceSpec, state: Literal["missed", "skipped"], reason: str) -> int:
        """An occurrence that will never be published, kept so status shows it."""
        if state not in (m.MISSED, m.SKIPPED):
            raise LedgerError(_("record() takes 'missed' or 'skipped', not {state!r}",
                                state=state))
        self._check_spec(spec)
        occ_id, created = self.ledger.plan(spec, self._keys(spec), self.clock(), state=state,
                                           delivery_state=m.D_CANCELLED, error=reason)
        if created:
            log(logger, logging.WARNING if state == m.MISSED else logging.INFO, state,
                occurrence=occ_id, schedule=spec.schedule, key=spec.key, reason=reason)
        return occ_id

    def _cancel_disabled(self, occ_id: int, channel: str) -> None:
        for row in self.ledger.deliveries([occ_id]):
            if row["channel"] == channel:
                self.ledger.set_delivery(row["id"], self.clock(), from_states=[m.D_PENDING],
                                         note=_("channel disabled"), state=m.D_CANCELLED,
                                         error=_("channel {channel} is disabled in "
                                                 "outreach.toml", channel=channel))

    def checked_until(self, schedule: str) -> datetime | None:
        return self.ledger.checked_until(schedule)

    def set_checked_until(self, schedule: str, when: datetime) -> None:
        self.ledger.set_checked_until(schedule, when, self.clock())

    def feed_seen(self, schedule: str) -> bool:
        """Whether this schedule has any occurrence yet (a feed's first run sets a baseline)."""
        return self.ledger.has_schedule(schedule)

    # -- the work loop ----------------------------------------------------
    @recorded   # what it records (errors, reasons) reads in any language later (i18n.Text)
    def work(self, *, schedule: str | None = None,
             guards: Mapping[str, SendGuard] | None = None) -> m.WorkReport:
        """Do everything due now: reconcile, expire, prepare drafts, publish, retry.

        ``guards``: per schedule name, a ``SendGuard`` asked right before each of its
        deliveries is claimed (see ``SendGuard``)."""
        report = m.WorkReport()
        try:
            self._reconcile_stale(report, schedule)
            self._expire(report, schedule)
            self._prepare(report, schedule)
            self._publish_due(report, schedule, guards or {})
        finally:
            self.close()
        return report

    def close(self) -> None:
        for channel in self._channels.values():
            if isinstance(channel, Channel):
                try:
                    channel.close()
                except Exception:  # noqa: BLE001 - closing must not hide the real outcome
                    logger.exception("closing channel %s failed", channel.name)
        self._channels.clear()

    def channel(self, name: str) -> Channel:
        """The opened channel ``name`` (cached for this work call); raises its config error."""
        if name not in self._channels:
            try:
                self._channels[name] = open_channel(self.settings, name)
            except OutreachError as exc:
                self._channels[name] = exc
        found = self._channels[name]
        if isinstance(found, OutreachError):
            raise found
        return found

    def _reconcile_stale(self, report: m.WorkReport, schedule: str | None) -> None:
        for row in self.ledger.stale_attempting(self.clock(), schedule):
            now = self.clock()
            number = self.ledger.claim_stale(row["id"], now, now + self.lease, self.worker)
            if number is None:
                continue
            try:
                result = reconcile(self.channel(row["channel"]), row["key"],
                                   self.ledger.recorded_media(row["id"]))
            except OutreachError as exc:
                result = Result(m.D_UNKNOWN, "unknown", error=_("interrupted, and the channel "
                                                                "cannot be opened to check "
                                                                "({error})",
                                                                error=redact(str(exc))),
                                error_class=type(exc).__name__)
            if result.state == m.D_RETRY_WAIT:
                result = Result(**{**result.__dict__, "next_attempt_at": self.clock()})
            self._finish(row, number, result, report)
            report.reconciled += 1

    def _expire(self, report: m.WorkReport, schedule: str | None) -> None:
        now = self.clock()
        for row in self.ledger.not_started_due(now, schedule):
            late = now - row["scheduled_for"]
            if late > timedelta(seconds=row["grace_seconds"]):
                reason = _("not started within its grace window of {grace} (checked {late} "
                           "after its time)", grace=_ago(timedelta(seconds=row["grace_seconds"])),
                           late=_ago(late))
                if row["state"] in (m.AWAITING_APPROVAL, m.HELD):
                    reason = _("not approved before its publish time; {reason}", reason=reason)
                if self.ledger.close_occurrence(row["id"], m.MISSED, reason, now,
                                                from_states=m.NOT_STARTED):
                    report.missed += 1
                    log(logger, logging.WARNING, "missed", occurrence=row["id"],
                        schedule=row["schedule"], key=row["key"], reason=reason)
            elif row["state"] == m.AWAITING_APPROVAL:
                if self.ledger.set_occurrence_state(row["id"], m.HELD, now,
                                                    from_states=[m.AWAITING_APPROVAL]):
                    report.held += 1
                    log(logger, logging.WARNING, "held: not approved by its publish time",
                        occurrence=row["id"], schedule=row["schedule"], key=row["key"])

    def prepare_one(self, occ_id: int) -> m.WorkReport:
        """Render one planned occurrence's draft now if its time has come (the CLI's one-off post)."""
        report = m.WorkReport()
        try:
            self._prepare(report, None, only=occ_id)
        finally:
            self.close()
        return report

    def _prepare(self, report: m.WorkReport, schedule: str | None, only: int | None = None) -> None:
        for row in self.ledger.to_prepare(self.clock(), schedule):
            if only is not None and row["id"] != only:
                continue
            now = self.clock()
            if not self.ledger.claim_prepare(row["id"], now, now + self.lease):
                continue
            try:
                channels = [self.channel(d["channel"]) for d in self.ledger.deliveries([row["id"]])
                            if d["state"] == m.D_PENDING]
                render_draft(self.settings, row, channels)
            except Exception as exc:  # noqa: BLE001 - one bad occurrence must not stop the others
                if not isinstance(exc, OutreachError):
                    logger.exception("rendering occurrence %s failed", row["id"])
                self._prepare_failed(row, exc, report)
                continue
            state = m.AWAITING_APPROVAL if row["approval_required"] else m.PREPARED
            self.ledger.prepared(row["id"], str(draft_dir(self.settings, row["id"])), state,
                                 self.clock())
            report.prepared += 1
            log(logger, logging.INFO, "draft ready", occurrence=row["id"], state=state,
                folder=draft_dir(self.settings, row["id"]))

    def hold_draft(self, schedule: str, key: str, by: ActorLike,
                   reason: str) -> tuple[int | None, str | None, bool]:
        """Before a run's data file changes under its draft: (occurrence id, state found, held).

        A draft nobody has approved (planned, prepared, awaiting approval) is taken back to
        planned and leased (audited): nobody approves or renders it until ``release_draft``,
        after which the next ``work()`` renders the new data and asks for approval again.
        No occurrence yet: (None, None, True), the file is free. Anything else (approved,
        held, publishing, done) is left exactly as it is: (id, state, False)."""
        row = self.ledger.occurrence_by_key(schedule, key)
        if row is None:
            return None, None, True
        if row["state"] not in (m.PLANNED, m.PREPARED, m.AWAITING_APPROVAL):
            return row["id"], row["state"], False
        actor = actor_of(by)
        now = self.clock()
        held = self.ledger.hold_for_change(
            row["id"], now, now + self.lease,
            from_states=[m.PLANNED, m.PREPARED, m.AWAITING_APPROVAL],
            audit=None if row["state"] == m.PLANNED else audit(
                actor, "post.redraft", "occurrence", row["id"],
                {"schedule": schedule, "from": row["state"], "reason": reason}))
        return row["id"], row["state"], held

    def release_draft(self, occ_id: int) -> None:
        self.ledger.release_hold(occ_id, self.clock())

    def _prepare_failed(self, row: Row, exc: Exception, report: m.WorkReport) -> None:
        now = self.clock()
        error = redact(_("the draft could not be rendered: {error}", error=str(exc)))
        retry_at = now + self.render_retry if now < row["scheduled_for"] else None
        self.ledger.prepare_failed(row["id"], error, now, retry_at=retry_at)
        report.errors.append(f"occurrence {row['id']} ({row['schedule']} {row['key']}): {error}")
        log(logger, logging.ERROR, "render failed", occurrence=row["id"], error=error,
            retry_at=retry_at or "no")

    def _publish_due(self, report: m.WorkReport, schedule: str | None,
                     guards: Mapping[str, SendGuard]) -> None:
        posts: dict[int, RenderedPost | Exception] = {}
        for row in self.ledger.due_deliveries(self.clock(), schedule):
            guard = guards.get(row["schedule"])
            if guard is not None and not self._guard_allows(row, guard, report):
                continue
            now = self.clock()
            number = self.ledger.claim_delivery(row["id"], row["occurrence_id"], now,
                                                now + self.lease, self.worker)
            if number is None:
                continue   # another process took it
            self._finish(row, number, self._attempt(row, number, posts), report)

    def _guard_allows(self, row: Row, guard: SendGuard, report: m.WorkReport) -> bool:
        """Ask ``guard`` about a due delivery; on a reason, cancel what has not gone out:
        the whole occurrence while nothing went out, else this delivery. A guard that
        fails holds the delivery back until the next pass (never sends unchecked)."""
        try:
            reason = guard(row)
        except Exception as exc:  # noqa: BLE001 - one guard must not stop the others
            if not isinstance(exc, OutreachError):
                logger.exception("send guard of %s failed", row["schedule"])
            report.errors.append(f"occurrence {row['occurrence_id']}: not sent, its check "
                                 f"failed: {redact(str(exc))}")
            return False
        if not reason:
            return True
        from ..users.audit import Actor

        now = self.clock()
        actor = Actor.system(GUARD_ACTOR)
        occ_id = row["occurrence_id"]
        cancelled = self.ledger.close_occurrence(
            occ_id, m.CANCELLED, reason, now, from_states=[m.PREPARED, m.APPROVED],
            by=actor.name, audit=audit(actor, "post.cancel", "occurrence", occ_id,
                                       {"reason": reason, "schedule": row["schedule"]}))
        if not cancelled:    # partly out already (or cancelled meanwhile): this one stays in
            cancelled = self.ledger.set_delivery(
                row["id"], now, from_states=[m.D_PENDING, m.D_RETRY_WAIT], note=reason,
                state=m.D_CANCELLED, error=reason,
                audit=audit(actor, "delivery.cancel", "delivery", row["id"],
                            {"reason": reason, "channel": row["channel"]}))
        if cancelled or (self.ledger.delivery(row["id"]) or {}).get("state") == m.D_CANCELLED:
            report.outcomes.append(m.DeliveryOutcome(row["id"], occ_id, row["channel"],
                                                     m.D_CANCELLED, reason))
            log(logger, logging.WARNING, "not sent: its guard refused", occurrence=occ_id,
                delivery=row["id"], schedule=row["schedule"], reason=reason)
        return False

    def _attempt(self, row: Row, number: int, posts: dict[int, RenderedPost | Exception]) -> Result:
        """Run attempt ``number`` of a claimed delivery (never raises)."""
        try:
            channel = self.channel(row["channel"])
            if not self.settings.channels[row["channel"]].enabled:
                return Result(m.D_CANCELLED, "cancelled",
                              error=_("channel {channel} is disabled in outreach.toml",
                                      channel=row['channel']))
            occ = row["occurrence_id"]
            if occ not in posts:
                try:
                    posts[occ] = load_draft(row["draft_dir"] or draft_dir(self.settings, occ))
                except Exception as exc:  # noqa: BLE001
                    posts[occ] = exc
            post = posts[occ]
            if isinstance(post, Exception):
                raise post
            from .budget import refusal_for

            refused = refusal_for(self, row["channel"])   # budget / daily quota, before any call
            if refused:
                return Result(m.D_FAILED, "refused", error=refused, error_class="BudgetExceeded")
        except Exception as exc:  # noqa: BLE001 - nothing was sent: fail this delivery only
            return Result(m.D_FAILED, "failed", error=redact(str(exc)),
                          error_class=type(exc).__name__)
        with self._heartbeat(row["id"]):
            return publish_once(channel, post, row["key"], attempts=number, now=self.clock(),
                                policy=self.policy,
                                recorded=self.ledger.recorded_media(row["id"]) if number > 1 else ())

    @contextmanager
    def _heartbeat(self, delivery_id: int) -> Iterator[None]:
        """Keep the lease alive while a slow platform call runs, so nobody reconciles it early."""
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(self.lease.total_seconds() / 3):
                try:
                    self.ledger.extend_lease(delivery_id, self.clock() + self.lease)
                except Exception:  # noqa: BLE001 - a missed beat only shortens the lease
                    logger.exception("lease heartbeat failed")

        thread = threading.Thread(target=beat, daemon=True, name=f"lease-{delivery_id}")
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _finish(self, row: Row, number: int, result: Result, report: m.WorkReport) -> None:
        if not self.ledger.finish_delivery(
                row["id"], number, result.state, self.clock(), outcome=result.outcome,
                remote_id=result.remote_id, url=result.url, location=result.location,
                error=result.error, error_class=result.error_class,
                next_attempt_at=result.next_attempt_at, media=result.media):
            log(logger, logging.WARNING, "result not recorded: another worker took over",
                delivery=row["id"], channel=row["channel"])
            return
        report.outcomes.append(m.DeliveryOutcome(row["id"], row["occurrence_id"], row["channel"],
                                                 result.state, result.detail))
        level = logging.INFO if result.state in m.D_OUT else logging.WARNING
        log(logger, level, result.state, delivery=row["id"], channel=row["channel"],
            key=row["key"], attempt=number, detail=result.detail)

    # -- people's decisions -----------------------------------------------
    def occurrence(self, occ_id: int) -> Row:
        row = self.ledger.occurrence(occ_id)
        if row is None:
            raise LedgerError(_("no occurrence {occ_id}: see 'outreach status' for ids",
                                occ_id=occ_id), web=_("there is no run #{occ_id}: find the post "
                                                      "again on the Calendar or Today page",
                                                      occ_id=occ_id))
        return row

    def approve(self, occ_id: int, by: "ActorLike", *, revision: int | None = None) -> Row:
        """Approve a prepared draft; it goes out at its time (or now, if held within grace).

        ``revision`` is the draft render the approver looked at (the run page sends it);
        when the draft was rendered again since, StaleDraft says so and nothing changes.
        Concurrent approvals (web and CLI at the same moment) settle once: the conditional
        update lets one win; the other gets "changed meanwhile" and writes no audit row."""
        actor = actor_of(by)
        row = self.occurrence(occ_id)
        now = self.clock()
        if revision is not None and _stale(row, revision):
            raise StaleDraft(_stale_message())
        if row["state"] == m.PLANNED and row["approval_required"]:
            raise LedgerError(_("occurrence {occ_id}: the draft is not ready yet; it is "
                                "prepared at its prepare time, approve it after that",
                                occ_id=occ_id))
        if row["state"] not in (m.AWAITING_APPROVAL, m.HELD):
            raise LedgerError(_("occurrence {occ_id} is {state}; only drafts awaiting approval "
                                "or held can be approved", occ_id=occ_id, state=row['state']))
        if now - row["scheduled_for"] > timedelta(seconds=row["grace_seconds"]):
            raise LedgerError(_("occurrence {occ_id} is past its grace window; publish it now "
                                "with 'outreach publish {template}' instead", occ_id=occ_id,
                                template=row['template']),
                              web=_("run #{occ_id} is past its grace window; use Publish now "
                                    "on its page instead", occ_id=occ_id))
        if not self.ledger.set_occurrence_state(
                occ_id, m.APPROVED, now, by=actor.name,
                from_states=[m.AWAITING_APPROVAL, m.HELD], revision=revision,
                audit=audit(actor, "post.approve", "occurrence", occ_id,
                            {"schedule": row["schedule"], "template": row["template"],
                             "revision": row["draft_revision"]})):
            if revision is not None and _stale(self.occurrence(occ_id), revision):
                raise StaleDraft(_stale_message())
            raise LedgerError(_("occurrence {occ_id} changed meanwhile; look at 'outreach "
                                "status'", occ_id=occ_id),
                              web=_("run #{occ_id} changed meanwhile: reload the page and look "
                                    "again", occ_id=occ_id))
        log(logger, logging.INFO, "approved", occurrence=occ_id, by=actor.label())
        return self.occurrence(occ_id)

    def reject(self, occ_id: int, by: "ActorLike", reason: str) -> Row:
        actor = actor_of(by)
        row = self.occurrence(occ_id)
        allowed = (m.PLANNED, m.PREPARED, m.AWAITING_APPROVAL, m.APPROVED, m.HELD)
        if row["state"] not in allowed:
            raise LedgerError(_("occurrence {occ_id} is {state}; only occurrences that have not "
                                "started publishing can be rejected", occ_id=occ_id,
                                state=row['state']))
        if not self.ledger.close_occurrence(
                occ_id, m.REJECTED, reason, self.clock(), from_states=allowed, by=actor.name,
                audit=audit(actor, "post.reject", "occurrence", occ_id,
                            {"schedule": row["schedule"], "reason": reason})):
            raise LedgerError(_("occurrence {occ_id} changed meanwhile; look at 'outreach "
                                "status'", occ_id=occ_id),
                              web=_("run #{occ_id} changed meanwhile: reload the page and look "
                                    "again", occ_id=occ_id))
        log(logger, logging.INFO, "rejected", occurrence=occ_id, by=actor.label(), reason=reason)
        return self.occurrence(occ_id)

    @recorded
    def resubmit(self, occ_id: int, by: "ActorLike", *, reason: str = "resubmitted") -> Row:
        """Render a run's draft again from its data and ask for approval again.

        For a run that has not started publishing and is within its time and grace window:
        planned, prepared, awaiting approval or held (the draft is replaced), approved (the
        approval is withdrawn: nobody approved the new draft) or rejected (a rejection asks
        for changes; its reason stays on the row and in the audit log). The run is first
        taken to planned and leased in one audited transaction, so nothing publishes or
        approves it while its folder is rewritten; the new render gets the next revision
        and waits for approval (or is ready, when no approval is required)."""
        actor = actor_of(by)
        row = self.occurrence(occ_id)
        now = self.clock()
        redraftable = (m.PREPARED, m.AWAITING_APPROVAL, m.APPROVED, m.HELD)
        if row["state"] not in m.RESUBMITTABLE:
            from .desk import occurrence_words

            raise LedgerError(_("occurrence {occ_id} is {state}; only runs that have not started "
                                "publishing can be submitted again", occ_id=occ_id,
                                state=row["state"]),
                              web=_("Run #{occ_id} is already {state}, so its draft can no "
                                    "longer be changed or submitted again. To publish the "
                                    "corrected content, make it a new post on the New post "
                                    "page.", occ_id=occ_id, state=occurrence_words(row["state"])))
        if now - row["scheduled_for"] > timedelta(seconds=row["grace_seconds"]):
            raise LedgerError(_("occurrence {occ_id} is past its publish time and grace window; "
                                "it cannot be submitted again: make a one-off post instead",
                                occ_id=occ_id),
                              web=_("The publish time of run #{occ_id} has passed (and its "
                                    "grace time too), so it can no longer be submitted for "
                                    "approval. Your data is saved: publish it as a new post on "
                                    "the New post page.", occ_id=occ_id))
        detail = {"schedule": row["schedule"], "from": row["state"], "reason": reason}
        lease = now + self.lease
        if row["state"] == m.PLANNED:
            taken = self.ledger.claim_prepare(occ_id, now, lease)
        elif row["state"] == m.REJECTED:
            enabled = [n for n, c in self.settings.channels.items() if c.enabled]
            taken = self.ledger.reopen_rejected(
                occ_id, now, lease, channels=enabled,
                audit=audit(actor, "post.resubmit", "occurrence", occ_id,
                            {**detail, "rejection": row["decision_reason"]}))
        else:
            taken = self.ledger.hold_for_change(
                occ_id, now, lease, from_states=redraftable,
                audit=audit(actor, "post.redraft", "occurrence", occ_id, detail))
        if not taken:
            raise LedgerError(_("occurrence {occ_id} is being prepared or changed right now; "
                                "try again in a minute", occ_id=occ_id),
                              web=_("The draft of run #{occ_id} is being made right now (by "
                                    "the scheduler or a colleague). Your data is saved: wait a "
                                    "minute, then press Save and submit for approval again.",
                                    occ_id=occ_id))
        row = self.occurrence(occ_id)
        try:
            channels = [self.channel(d["channel"]) for d in self.ledger.deliveries([occ_id])
                        if d["state"] == m.D_PENDING]
            folder = draft_dir(self.settings, occ_id)
            render_draft(self.settings, row, channels, out_dir=folder)
        except Exception as exc:
            # planned and free at once: the editor fixes the data and submits again
            self.ledger.prepare_failed(occ_id, clip(redact(str(exc)), 500), self.clock(),
                                       retry_at=self.clock())
            raise
        finally:
            self.close()
        state = m.AWAITING_APPROVAL if row["approval_required"] else m.PREPARED
        self.ledger.prepared(occ_id, str(folder), state, self.clock())
        log(logger, logging.INFO, "draft rendered again", occurrence=occ_id, state=state,
            by=actor.label())
        return self.occurrence(occ_id)

    def delivery(self, ref: str | int) -> Row:
        row = self.ledger.delivery(ref)
        if row is None:
            raise LedgerError(_("no delivery {ref}: see 'outreach handoff list' or 'outreach "
                                "status' for ids and keys", ref=ref),
                              web=_("there is no delivery {ref}: find the post again on the "
                                    "Calendar or Today page", ref=ref))
        return row

    def pending_handoffs(self, channel: str | None = None) -> list[Row]:
        return self.ledger.deliveries_in([m.D_AWAITING_HANDOFF], channel=channel)

    @recorded
    def handoff_done(self, ref: str | int, by: "ActorLike", url: str | None = None) -> Row:
        """A person says the post is out (a hand-off, or an ``unknown`` they checked)."""
        actor = actor_of(by)
        by = actor.name
        row = self.delivery(ref)
        if row["state"] not in (m.D_AWAITING_HANDOFF, m.D_UNKNOWN):
            raise LedgerError(_("delivery {id} is {state}; only deliveries awaiting hand-off or "
                                "unknown can be marked done", id=row['id'], state=row['state']))
        if not self.ledger.set_delivery(
                row["id"], self.clock(), from_states=[m.D_AWAITING_HANDOFF, m.D_UNKNOWN],
                note=_("confirmed by {name}", name=by), state=m.D_HANDED_OFF, url=url, handed_off_by=by,
                handed_off_at=self.clock(), error=None,
                audit=audit(actor, "handoff.done", "delivery", row["id"],
                            {"channel": row["channel"], "url": url})):
            raise LedgerError(_("delivery {id} changed meanwhile; look at it again", id=row['id']))
        return self.delivery(row["id"])

    @recorded
    def retry(self, ref: str | int, by: "ActorLike") -> Row:
        """Send a failed or unknown delivery again, after a person checked it is not out."""
        actor = actor_of(by)
        by = actor.name
        row = self.delivery(ref)
        if row["state"] not in (m.D_FAILED, m.D_UNKNOWN):
            raise LedgerError(_("delivery {id} is {state}; only failed or unknown deliveries "
                                "can be sent again", id=row['id'], state=row['state']))
        if row["occurrence_state"] not in (m.PUBLISHING, m.DONE, m.PARTIAL, m.FAILED):
            raise LedgerError(_("occurrence {occurrence_id} is {occurrence_state}; it cannot be "
                                "published", occurrence_id=row['occurrence_id'],
                                occurrence_state=row['occurrence_state']))
        if not self.ledger.set_delivery(
                row["id"], self.clock(), from_states=[m.D_FAILED, m.D_UNKNOWN],
                note=_("sent again by {name}", name=by), state=m.D_PENDING, error=None,
                audit=audit(actor, "delivery.retry", "delivery", row["id"],
                            {"channel": row["channel"], "was": row["state"]})):
            raise LedgerError(_("delivery {id} changed meanwhile; look at it again", id=row['id']))
        return self.delivery(row["id"])

    @recorded
    def sync_handoffs(self) -> list[tuple[Row, Receipt]]:
        """Ask each hand-off channel which awaiting posts it can now see online."""
        confirmed: list[tuple[Row, Receipt]] = []
        by_channel: dict[str, list[Row]] = {}
        for row in self.pending_handoffs():
            by_channel.setdefault(row["channel"], []).append(row)
        try:
            for name, rows in by_channel.items():
                try:
                    found = self.channel(name).confirmations(
                        {r["key"]: self._title(r) for r in rows})
                except OutreachError as exc:
                    log(logger, logging.WARNING, "hand-off sync failed", channel=name,
                        error=redact(str(exc)))
                    continue
                for row in rows:
                    receipt = found.get(row["key"])
                    if receipt is not None and self.ledger.set_delivery(
                            row["id"], self.clock(), from_states=[m.D_AWAITING_HANDOFF],
                            note=_("seen online by hand-off sync"), state=m.D_HANDED_OFF,
                            url=receipt.url, remote_id=receipt.remote_id, handed_off_by="sync",
                            handed_off_at=self.clock()):
                        confirmed.append((row, receipt))
        finally:
            self.close()
        return confirmed

    def _title(self, row: Row) -> str:
        try:
            return load_draft(row["draft_dir"]).title
        except Exception:  # noqa: BLE001 - a missing draft only weakens the match
            return ""


def _stale(row: Row, revision: int) -> bool:
    """Whether an approval of draft ``revision`` is of a draft that is no longer current:
    a newer render exists, or one is being made right now (back to planned after a draft)."""
    return row["draft_revision"] != revision or (row["state"] == m.PLANNED
                                                 and row["draft_revision"] > 0)


def _stale_message() -> str:
    return _("The draft changed while you were approving it. Look at the new draft, then "
             "approve again.")


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return (_("{hours} h {minutes} min", hours=minutes // 60, minutes=minutes % 60)
            if minutes >= 60 else _("{minutes} min", minutes=minutes))
