"""What ``outreach status`` shows: occurrences with each channel's state, problems first.

Anything a person must look at (failed, unknown, held, missed, partial,
awaiting approval or hand-off) is listed in a "needs attention" block, each
line marked ``!!``; times are in the workspace's time zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..i18n import _, format_datetime
from . import model as m
from .service import PublishingService

#: occurrence or delivery states that need a person, even when not an error
_ACTION = frozenset({m.AWAITING_APPROVAL, m.D_AWAITING_HANDOFF})


def collect(service: PublishingService, *, schedule: str | None = None, limit: int = 30,
            days: int = 7) -> list[dict[str, Any]]:
    """Occurrences from ``days`` ago to ``days`` ahead (plus older open problems), newest first."""
    now = service.clock()
    rows = service.ledger.recent(since=now - timedelta(days=days), until=now + timedelta(days=days),
                                 schedule=schedule, limit=limit)
    by_occ: dict[int, list[dict[str, Any]]] = {}
    for d in service.ledger.deliveries(r["id"] for r in rows):
        by_occ.setdefault(d["occurrence_id"], []).append(d)
    out = []
    for r in rows:
        deliveries = by_occ.get(r["id"], [])
        # a draft that failed to render (missing data file, bad photo) stays ``planned`` with
        # its error while it is retried: a person must fix the file before the publish time
        render_failed = r["state"] == m.PLANNED and bool(r.get("error"))
        attention = (r["state"] in m.ATTENTION or r["state"] in _ACTION or render_failed
                     or any(d["state"] in m.ATTENTION or d["state"] in _ACTION for d in deliveries))
        problem = (r["state"] in m.ATTENTION or render_failed
                   or any(d["state"] in m.ATTENTION for d in deliveries))
        out.append({**r, "deliveries": deliveries, "attention": attention, "problem": problem})
    return out


def local(when: datetime | None, tz: ZoneInfo) -> str:
    if when is None:
        return "-"
    return format_datetime(when, tz)


def state_label(state: str) -> str:
    """A ledger state in the reader's language; in English the state name itself."""
    labels = {
        m.PLANNED: _("planned"), m.PREPARED: _("prepared"),
        m.AWAITING_APPROVAL: _("awaiting_approval"), m.APPROVED: _("approved"),
        m.REJECTED: _("rejected"), m.HELD: _("held"), m.PUBLISHING: _("publishing"),
        m.DONE: _("done"), m.PARTIAL: _("partial"), m.FAILED: _("failed"),
        m.MISSED: _("missed"), m.SKIPPED: _("skipped"), m.D_PENDING: _("pending"),
        m.D_ATTEMPTING: _("attempting"), m.D_SENT: _("sent"), m.D_RETRY_WAIT: _("retry_wait"),
        m.D_UNKNOWN: _("unknown"), m.D_AWAITING_HANDOFF: _("awaiting_handoff"),
        m.D_HANDED_OFF: _("handed_off"), m.D_CANCELLED: _("cancelled"),
    }
    return labels.get(state, state)


def _delivery_detail(d: dict[str, Any], tz: ZoneInfo) -> str:
    state = d["state"]
    if state in (m.D_SENT, m.D_HANDED_OFF):
        return d["url"] or d["location"] or d["remote_id"] or ""
    if state == m.D_AWAITING_HANDOFF:
        return _("{location}  (done: outreach handoff done {id} --url URL)",
                 location=d['location'], id=d['id'])
    if state == m.D_RETRY_WAIT:
        return _("retry #{n} after {when}: {error}", n=d['attempts'] + 1,
                 when=local(d['next_attempt_at'], tz), error=d['error'] or '')
    return d["error"] or ""


def _block(items: list[dict[str, Any]], tz: ZoneInfo, mark: bool) -> list[str]:
    lines = []
    for occ in items:
        flag = "!!" if mark else "  "
        head = (f"{flag} #{occ['id']:<5} {occ['schedule']:<16} {local(occ['scheduled_for'], tz)}  "
                f"{state_label(occ['state'])}")
        if occ["state"] in (m.AWAITING_APPROVAL, m.HELD) and occ["draft_dir"]:
            head += _("  draft: {folder}  (outreach approve {id})", folder=occ['draft_dir'],
                      id=occ['id'])
        elif occ["error"]:
            head += f"  {occ['error']}"
        lines.append(head)
        for d in occ["deliveries"]:
            dflag = "!!" if d["state"] in m.ATTENTION else "  "
            lines.append(f"     {dflag} {d['channel']:<14} {state_label(d['state']):<17} "
                         f"{_delivery_detail(d, tz)}".rstrip())
    return lines


def render_text(items: list[dict[str, Any]], tz: ZoneInfo) -> str:
    """The human report: a needs-attention block, then everything else."""
    if not items:
        return _("No publications recorded yet. (outreach publish TEMPLATE, or wait for a "
                 "schedule)")
    urgent = [o for o in items if o["attention"]]
    rest = [o for o in items if not o["attention"]]
    lines = [_("Times in {zone}.", zone=tz.key)]
    if urgent:
        lines += ["", _("Needs attention ({n})", n=len(urgent)), *_block(urgent, tz, True)]
    if rest:
        lines += ["", _("Recent and upcoming"), *_block(rest, tz, False)]
    return "\n".join(lines)


def as_json(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """JSON-ready rows (times as ISO-8601 UTC)."""
    def clean(row: dict[str, Any]) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()
                if k not in ("data_json", "context_json", "lease_until")}

    return [{**clean(o), "deliveries": [clean(d) for d in o["deliveries"]]} for o in items]
