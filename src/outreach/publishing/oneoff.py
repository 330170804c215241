"""One-off scheduled posts: a template and a data file, for chosen channels, at a chosen time.

A one-off post is an occurrence of the pseudo-schedule ``post`` (key
``post:<random>``), so the publisher, approvals, ``status``, reconcile and
notifications treat it exactly like a scheduled run. What is particular to it:

* it is checked when it is made (template found, data file valid, channels
  configured, time in the future), so a bad request leaves no ledger row;
* its draft is rendered by the next pass of the daemon or ``run-due`` (never
  inside a browser request); the CLI renders it at once with ``prepare``;
* it can be moved to another time or cancelled until it starts going out.
  Moving keeps the rendered draft and an approval (one-off posts get no
  time-dependent template variables, so the content cannot change); a draft
  held for missing its time waits for approval again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Sequence

from ..errors import ConfigError, LedgerError
from ..i18n import _
from ..logs import log
from . import model as m
from .audit import ActorLike, actor_of, audit
from .manual import choose_channels
from .service import PublishingService

logger = logging.getLogger("outreach.publishing")

#: states in which a one-off post can still be moved or cancelled
CHANGEABLE = m.NOT_STARTED



@dataclass(frozen=True)
class PostRequest:
    """What a person asks for: from ``outreach publish --at`` or the 새 게시물 page."""

    template: str
    at: datetime                          # aware
    channels: Sequence[str] | None = None # None: every enabled channel
    data_file: Path | None = None         # None: the template's sample data
    approval: bool | None = None          # None: [publishing] post_approval (default true)


def approval_default(service: PublishingService) -> bool:
    """``[publishing] post_approval``: one-off posts wait for an approver unless it is false."""
    value = service.settings.section("publishing").get("post_approval", True)
    if not isinstance(value, bool):
        raise ConfigError(_("expected true or false, got {value!r}", value=value),
                          file=service.settings.file or "outreach.toml",
                          key="publishing.post_approval")
    return value


def grace(service: PublishingService) -> timedelta:
    minutes = service.settings.section("publishing").get("post_grace_minutes", 120)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise ConfigError(_("expected a positive whole number of minutes, got {value!r}",
                            value=minutes), file=service.settings.file or "outreach.toml",
                          key="publishing.post_grace_minutes")
    return timedelta(minutes=minutes)


def _check_content(service: PublishingService, template: str, data_file: Path | None) -> None:
    """Template exists and the data file is valid for it: cheap, no images painted."""
    from ..render.post import post_data
    from ..render.template import load_template

    tpl = load_template(service.settings.templates_dir, template)
    post_data(tpl, None, data_file)


def _check_time(service: PublishingService, at: datetime) -> None:
    if at.tzinfo is None:
        raise LedgerError(_("the time must carry a time zone"))
    if at <= service.clock():
        raise LedgerError(_("{when} is in the past: choose a time from now on",
                            when=_local(service, at)))


def _local(service: PublishingService, when: datetime) -> str:
    from ..i18n import format_datetime

    return format_datetime(when, service.settings.timezone)


def schedule_post(service: PublishingService, request: PostRequest, by: ActorLike) -> int:
    """Record a one-off post for ``request.at``; its occurrence id. Nothing is sent now."""
    actor = actor_of(by)
    names = choose_channels(service.settings, request.channels)
    data_file = request.data_file.resolve() if request.data_file else None
    if data_file is not None and not data_file.is_file():
        raise ConfigError(_("data file {file} does not exist: give a YAML or JSON file",
                            file=request.data_file), key="--data")
    _check_time(service, request.at)
    _check_content(service, request.template, data_file)
    approval = approval_default(service) if request.approval is None else request.approval
    spec = m.OccurrenceSpec(
        schedule=m.POST, key=f"post:{uuid.uuid4().hex[:12]}", scheduled_for=request.at,
        template=request.template, channels=tuple(names), data_file=data_file,
        approval_required=approval, prepare_at=service.clock(), grace=grace(service),
        created_by=actor.name)
    occ_id = service.plan(spec, audit=audit(actor, "post.schedule", "occurrence", None, {
        "template": request.template, "at": request.at.isoformat(), "channels": names,
        "approval": approval}))
    log(logger, logging.INFO, "post scheduled", occurrence=occ_id, by=actor.label(),
        at=request.at.isoformat(), template=request.template)
    return occ_id


def _post(service: PublishingService, occ_id: int) -> dict[str, Any]:
    row = service.occurrence(occ_id)
    if row["schedule"] != m.POST:
        raise LedgerError(_("#{id} is a run of schedule {schedule}: only one-off posts can be "
                            "moved or cancelled; reject a scheduled run instead",
                            id=occ_id, schedule=row["schedule"]))
    if row["state"] not in CHANGEABLE:
        raise LedgerError(_("post #{id} is {state}: it can no longer be changed",
                            id=occ_id, state=row["state"]))
    return row


def move_post(service: PublishingService, occ_id: int, at: datetime,
              by: ActorLike) -> dict[str, Any]:
    """Give a one-off post that has not started a new time."""
    actor = actor_of(by)
    row = _post(service, occ_id)
    _check_time(service, at)
    prepare_at = None
    if row["state"] == m.PLANNED and row["prepare_at"] and row["prepare_at"] > at:
        prepare_at = at
    if not service.ledger.move_occurrence(
            occ_id, at, service.clock(), from_states=CHANGEABLE, prepare_at=prepare_at,
            audit=audit(actor, "post.move", "occurrence", occ_id,
                        {"from": row["scheduled_for"].isoformat(), "to": at.isoformat()})):
        raise LedgerError(_("post #{id} started going out meanwhile; it was not moved",
                            id=occ_id))
    log(logger, logging.INFO, "post moved", occurrence=occ_id, by=actor.label(),
        old=row["scheduled_for"].isoformat(), new=at.isoformat())
    return service.occurrence(occ_id)


def cancel_post(service: PublishingService, occ_id: int, by: ActorLike,
                reason: str | None = None) -> dict[str, Any]:
    """Withdraw a one-off post that has not started; none of its channels gets it."""
    actor = actor_of(by)
    _post(service, occ_id)
    text = reason or _("cancelled by {name}", name=actor.name)
    if not service.ledger.close_occurrence(
            occ_id, m.CANCELLED, text, service.clock(), from_states=CHANGEABLE, by=actor.name,
            audit=audit(actor, "post.cancel", "occurrence", occ_id, {"reason": text})):
        raise LedgerError(_("post #{id} started going out meanwhile; it was not cancelled",
                            id=occ_id))
    log(logger, logging.INFO, "post cancelled", occurrence=occ_id, by=actor.label())
    return service.occurrence(occ_id)


def publish_now(service: PublishingService, occ_id: int, by: ActorLike) -> dict[str, Any]:
    """Make a ready (and, if required, approved) run due now: the next pass sends it.

    Works for scheduled runs and one-off posts alike; nothing is sent inside the call.
    """
    row = service.occurrence(occ_id)
    if row["state"] not in (m.PREPARED, m.APPROVED):
        raise LedgerError(_("#{id} is {state}: only a ready draft (approved, if it needs "
                            "approval) can be published now", id=occ_id, state=row["state"]))
    now = service.clock()
    if row["scheduled_for"] <= now:
        return row
    actor = actor_of(by)
    if not service.ledger.move_occurrence(
            occ_id, now, now, from_states=[m.PREPARED, m.APPROVED],
            audit=audit(actor, "post.publish_now", "occurrence", occ_id,
                        {"was": row["scheduled_for"].isoformat()})):
        raise LedgerError(_("#{id} changed meanwhile; look at it again", id=occ_id))
    log(logger, logging.INFO, "publish now", occurrence=occ_id, by=actor.label(),
        was=row["scheduled_for"].isoformat())
    return service.occurrence(occ_id)
