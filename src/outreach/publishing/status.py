"""What ``outreach status`` shows: occurrences with each channel's state, problems first.

Anything a person must look at (failed, unknown, held, missed, partial,
awaiting approval or hand-off) is listed in a "needs attention" block, each
line marked ``!!``; times are in the workspace's time zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from . import model as m
from .service import PublishingService

_WEEKDAYS = "월화수목금토일"
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
    t = when.astimezone(tz)
    return f"{t:%Y-%m-%d} ({_WEEKDAYS[t.weekday()]}) {t:%H:%M}"


def _delivery_detail(d: dict[str, Any], tz: ZoneInfo) -> str:
    state = d["state"]
    if state in (m.D_SENT, m.D_HANDED_OFF):
        return d["url"] or d["location"] or d["remote_id"] or ""
    if state == m.D_AWAITING_HANDOFF:
        return f"{d['location']}  (done: outreach handoff done {d['id']} --url URL)"
    if state == m.D_RETRY_WAIT:
        return f"retry #{d['attempts'] + 1} after {local(d['next_attempt_at'], tz)}: {d['error'] or ''}"
    return d["error"] or ""


def _block(items: list[dict[str, Any]], tz: ZoneInfo, mark: bool) -> list[str]:
    lines = []
    for occ in items:
        flag = "!!" if mark else "  "
        head = (f"{flag} #{occ['id']:<5} {occ['schedule']:<16} {local(occ['scheduled_for'], tz)}  "
                f"{occ['state']}")
        if occ["state"] in (m.AWAITING_APPROVAL, m.HELD) and occ["draft_dir"]:
            head += f"  draft: {occ['draft_dir']}  (outreach approve {occ['id']})"
        elif occ["error"]:
            head += f"  {occ['error']}"
        lines.append(head)
        for d in occ["deliveries"]:
            dflag = "!!" if d["state"] in m.ATTENTION else "  "
            lines.append(f"     {dflag} {d['channel']:<14} {d['state']:<17} "
                         f"{_delivery_detail(d, tz)}".rstrip())
    return lines


def render_text(items: list[dict[str, Any]], tz: ZoneInfo) -> str:
    """The human report: a needs-attention block, then everything else."""
    if not items:
        return "No publications recorded yet. (outreach publish TEMPLATE, or wait for a schedule)"
    urgent = [o for o in items if o["attention"]]
    rest = [o for o in items if not o["attention"]]
    lines = [f"Times in {tz.key}."]
    if urgent:
        lines += ["", f"Needs attention ({len(urgent)})", *_block(urgent, tz, True)]
    if rest:
        lines += ["", "Recent and upcoming", *_block(rest, tz, False)]
    return "\n".join(lines)


def as_json(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """JSON-ready rows (times as ISO-8601 UTC)."""
    def clean(row: dict[str, Any]) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()
                if k not in ("data_json", "context_json", "lease_until")}

    return [{**clean(o), "deliveries": [clean(d) for d in o["deliveries"]]} for o in items]
