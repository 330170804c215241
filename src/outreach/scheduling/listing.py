"""How ``outreach schedules`` shows a schedule: plain lines staff can read at a glance.

Reads only the schedule files (and the last feed read from var/), never the
database, so the listing is instant and works even when the database is down.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..sources.files import data_path
from ..i18n import _, ngettext
from .cron import local_label
from .runner import read_feed_state
from .specs import Schedule

if TYPE_CHECKING:
    from ..config import Settings


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    return "".join(parts) or "0"


def _width(text: str) -> int:
    """Terminal columns of ``text``: Hangul takes two, so the run times line up."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _rel(settings: "Settings", path) -> str:
    try:
        return str(path.relative_to(settings.root))
    except ValueError:
        return str(path)


def describe(settings: "Settings", schedule: Schedule, now: datetime, *, count: int = 3) -> str:
    """A few lines: name and description, settings, then the next runs."""
    tz = settings.timezone
    head = f"{schedule.name}" + (f"  {schedule.description}" if schedule.description else "")
    if not schedule.enabled:
        head += _("  [paused: enabled: false]")
    approval = (_("required, draft {span} before", span=_span(schedule.prepare_before))
                if schedule.approval_required else _("none"))
    lines = [head,
             _("  template {template} | channels {channels} | approval {approval} | cron "
               "\"{cron}\" | misfire grace {grace}", template=schedule.template,
               channels=', '.join(schedule.channels), approval=approval, cron=schedule.cron,
               grace=_span(schedule.misfire_grace))]
    if schedule.start or schedule.end or schedule.skip or schedule.skip_holidays:
        bits = []
        if schedule.start or schedule.end:
            bits.append(_("from {start} to {end}", start=schedule.start or '-',
                          end=schedule.end or '-'))
        if schedule.skip:
            bits.append(_("skips {days}", days=", ".join(str(d) for d in sorted(schedule.skip))))
        if schedule.skip_holidays:
            bits.append(_("skips public holidays"))
        lines.append("  " + "; ".join(bits))
    if schedule.feed is not None:
        lines.append(_("  feed {url}", url=schedule.feed.url)
                     + (_(" (backfill)") if schedule.feed.backfill else ""))
        state = read_feed_state(settings, schedule.name)
        if state:
            checked = datetime.fromisoformat(state["checked_at"])
            when = local_label(checked, tz)
            lines.append(_("  last read {when}: ", when=when)
                         + (_("FAILED: {error}", error=state['error']) if state.get("error")
                            else ngettext("{n} item", "{n} items", int(state.get('items') or 0))))
    if schedule.source is not None:
        lines.append("  " + _autopilot_line(settings, schedule))
    runs = schedule.next_runs(now, tz, count) if schedule.enabled else []
    label = _("next") if schedule.feed is None else _("next read")
    if not runs:
        lines.append(_("  {label}: none", label=label)
                     + (_(" (after the end date)") if schedule.end else ""))
    for i, run in enumerate(runs):
        line = f"  {label if i == 0 else ' ' * _width(label)} {local_label(run, tz)}"
        if schedule.data:
            path = data_path(schedule.data, run.astimezone(tz), settings.root)
            line += _("  data {path}", path=_rel(settings, path)) + (
                "" if path.is_file() else _(" (missing)"))
            if schedule.source is not None and path.is_file():
                line += _draft_mark(settings, schedule, path)
        lines.append(line)
    return "\n".join(lines)


def _autopilot_line(settings: "Settings", schedule: Schedule) -> str:
    """Whether the autopilot drafts this schedule's data, and when."""
    from ..autopilot.settings import autopilot_settings
    from ..errors import ConfigError

    assert schedule.source is not None
    try:
        ap = autopilot_settings(settings)
    except ConfigError as exc:
        return f"autopilot: BROKEN SETTINGS: {exc}"
    when = f"drafts the data file {_span(schedule.source.draft_before)} before each run"
    if schedule.source.refresh_before is not None:
        when += f", refreshes its weather {_span(schedule.source.refresh_before)} before"
    return f"autopilot: {when}" if ap.enabled else f"autopilot: off ({ap.key_env} is not set)"


def _draft_mark(settings: "Settings", schedule: Schedule, path) -> str:
    from ..autopilot.service import digest, read_state

    state = read_state(settings, schedule.name, path)
    if state is None:
        return ""
    if digest(path) != state.get("sha256"):
        return " (autopilot draft, edited by staff)"
    problems = len(state.get("problems") or [])
    return f" (autopilot draft, {problems} problem(s) to check)" if problems else \
        " (autopilot draft)"
