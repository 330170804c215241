"""Read models of the publishing desk: today, calendar, a run, hand-offs, channels.

Each function returns plain data for a page (or any other shell) from a fixed
number of queries, whatever the size of the ledger: lists are bounded and carry
their total. Words for states come from here so every page says the same.
Nothing here changes anything; the changes are in ``service`` and ``oneoff``.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..config import Settings
from ..i18n import _, current_language, format_datetime
from ..store.db import Database
from ..store.desk import DeskQueries
from ..store.notify import NotificationStore
from . import model as m
from .oneoff import CHANGEABLE

Row = dict[str, Any]
LIST_LIMIT = 50


# -- words ------------------------------------------------------------------
def occurrence_words(state: str) -> str:
    """An occurrence's state as staff say it."""
    return _occurrence_words(current_language()).get(state, state)


@lru_cache(maxsize=None)
def _occurrence_words(language: str) -> dict[str, str]:
    return {
        m.PLANNED: _("planned"), m.PREPARED: _("ready to go out"),
        m.AWAITING_APPROVAL: _("waiting for approval"), m.APPROVED: _("approved"),
        m.REJECTED: _("rejected"), m.HELD: _("held: not approved by its time"),
        m.PUBLISHING: _("going out"), m.DONE: _("published"),
        m.PARTIAL: _("partly published"), m.FAILED: _("failed"), m.MISSED: _("missed"),
        m.SKIPPED: _("skipped"), m.CANCELLED: _("cancelled"),
    }


def delivery_words(row: Mapping[str, Any], tz) -> str:
    """One delivery's state in a sentence, with what to do when something is wrong."""
    state = row["state"]
    if state == m.D_SENT:
        return _("published")
    if state == m.D_HANDED_OFF:
        return _("posted by {name}", name=row.get("handed_off_by") or "-")
    if state == m.D_AWAITING_HANDOFF:
        return _("prepared: waiting for a person to post it")
    if state == m.D_PENDING:
        return _("waiting for its time")
    if state == m.D_ATTEMPTING:
        return _("being sent now")
    if state == m.D_RETRY_WAIT:
        when = row.get("next_attempt_at")
        return _("will try again at {when}: {error}",
                 when=format_datetime(when, tz) if when else "-", error=row.get("error") or "-")
    if state == m.D_FAILED:
        return _("failed: {error}. Fix the cause, then send it again.",
                 error=row.get("error") or "-")
    if state == m.D_UNKNOWN:
        return _("outcome unknown: {error}. Check the platform, then record the address or send "
                 "it again.", error=row.get("error") or "-")
    if state == m.D_CANCELLED:
        return _("not sent: {reason}", reason=row.get("error") or "-")
    return state


def run_title(row: Mapping[str, Any]) -> str:
    """A schedule's name, or for a one-off post what it is made from."""
    if row["schedule"] == m.POST:
        return _("one-off post: {template}", template=row.get("template") or "-")
    if row["schedule"] == m.SURVEY:         # outreach.surveys: the call of survey <slug>
        return _("survey call: {survey}", survey=str(row.get("key") or "").split(":", 1)[-1])
    return row["schedule"]


# -- today ------------------------------------------------------------------
@dataclass
class Section:
    rows: list[Row]
    total: int


@dataclass
class Today:
    awaiting: Section
    render_failed: Section
    data_missing: list[Row]
    problems: Section
    handoffs: Section
    missed: Section
    channels: list[Row]
    # autopilot drafts whose sources failed (the same list the notifications mail)
    drafts_to_check: list[Row] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any([self.awaiting.total, self.render_failed.total, self.data_missing,
                        self.problems.total, self.handoffs.total, self.missed.total,
                        self.channels, self.drafts_to_check])


def today(settings: Settings, db: Database, schedules: Iterable, now: datetime, *,
          token_days: int = 14, data_days: int = 3, missed_days: int = 14) -> Today:
    """Everything that needs a person now, each list bounded (about 8 queries)."""
    q = DeskQueries(db)
    awaiting = Section(*q.occurrences_in([m.AWAITING_APPROVAL, m.HELD], limit=LIST_LIMIT))
    render_failed = Section(*q.render_failures(limit=LIST_LIMIT))
    problems = Section(*q.deliveries_in([m.D_FAILED, m.D_UNKNOWN], limit=LIST_LIMIT))
    handoffs = Section(*q.deliveries_in([m.D_AWAITING_HANDOFF], limit=LIST_LIMIT))
    missed = Section(*q.occurrences_in([m.MISSED], since=now - timedelta(days=missed_days),
                                       limit=LIST_LIMIT, oldest_first=False))
    schedules = list(schedules)
    return Today(awaiting, render_failed, missing_data(settings, schedules, now, data_days),
                 problems, handoffs, missed,
                 [c for c in channel_rows(settings, db, now, token_days=token_days)
                  if c["attention"]], drafts_to_check(settings, schedules, now))


def drafts_to_check(settings: Settings, schedules: Iterable, now: datetime) -> list[Row]:
    """Upcoming autopilot drafts with problems nobody has fixed yet (reads files only)."""
    from ..autopilot.service import open_problems

    schedules = list(schedules)
    templates = {s.name: s.template for s in schedules}
    # template and local day: the studio page (/studio/<template>/<day>) that edits the file
    return [{**item, "file": _relative(settings, item["file"]),
             "template": templates.get(item["schedule"]),
             "day": item["when"].astimezone(settings.timezone).date().isoformat()}
            for item in open_problems(settings, schedules, now)]


def missing_data(settings: Settings, schedules: Iterable, now: datetime,
                 days: int) -> list[Row]:
    """Runs in the next ``days`` whose data file is not there yet (reads files, no database)."""
    from ..autopilot.service import will_draft
    from ..scheduling.runner import occurrence_for

    found = []
    horizon = now + timedelta(days=days)
    # whole local days, so the cached fire times serve every request of the day
    first = datetime.combine(now.astimezone(settings.timezone).date(), time(0), settings.timezone)
    last = first + timedelta(days=days + 1)
    for schedule in schedules:
        if not schedule.enabled or not schedule.data or schedule.feed is not None:
            continue
        for when in _fire_times(schedule.cron, settings.timezone.key, first.astimezone(timezone.utc),
                                last.astimezone(timezone.utc)):
            if when < now or when > horizon:
                continue
            day = when.astimezone(settings.timezone).date()
            if not schedule.in_range(day) or schedule.skip_reason(day):
                continue
            spec = occurrence_for(settings, schedule, when)
            if spec.data_file is not None and not spec.data_file.is_file() \
                    and not will_draft(settings, schedule, when, now):
                found.append({"schedule": schedule.name, "when": when,
                              "file": _relative(settings, spec.data_file)})
    return found


def _relative(settings: Settings, path: Path) -> str:
    try:
        return str(path.relative_to(settings.root))
    except ValueError:
        return str(path)


# -- calendar ---------------------------------------------------------------
@dataclass
class Day:
    day: date
    holiday: str | None
    entries: list[Row] = field(default_factory=list)


def calendar(settings: Settings, db: Database, schedules: Iterable, start: date, end: date,
             now: datetime) -> list[Day]:
    """Days ``start`` to ``end`` (exclusive): recorded runs, projected runs, skips, holidays.

    One query; projected runs of each schedule fill the future (and any day
    the ledger has no record of), marked ``projected`` and, on skip days, with
    the reason.
    """
    from ..scheduling import cron
    from ..scheduling.specs import korean_holiday

    tz = settings.timezone
    lo = datetime.combine(start, time(0), tz).astimezone(timezone.utc)
    hi = datetime.combine(end, time(0), tz).astimezone(timezone.utc)
    days = {start + timedelta(days=i): Day(start + timedelta(days=i),
                                          korean_holiday(start + timedelta(days=i)))
            for i in range((end - start).days)}
    seen: set[tuple[str, str]] = set()
    for row in DeskQueries(db).between(lo, hi):
        seen.add((row["schedule"], row["key"]))
        local = row["scheduled_for"].astimezone(tz)
        days[local.date()].entries.append({
            **row, "when": local, "title": run_title(row), "projected": False,
            "words": occurrence_words(row["state"]),
            "movable": row["schedule"] == m.POST and row["state"] in CHANGEABLE})
    # the past is in the ledger (runs, skips and misses are recorded by every pass); only
    # the future is projected from the schedules
    for schedule in schedules:
        if schedule.feed is not None or not schedule.enabled or now >= hi:
            continue
        for when in _fire_times(schedule.cron, tz.key, lo, hi):
            if when < now or (schedule.name, cron.iso_utc(when)) in seen:
                continue
            local = when.astimezone(tz)
            if not schedule.in_range(local.date()):
                continue
            reason = schedule.skip_reason(local.date())
            days[local.date()].entries.append({
                "id": None, "schedule": schedule.name, "title": schedule.name, "when": local,
                "scheduled_for": when, "template": schedule.template, "projected": True,
                "state": m.SKIPPED if reason else m.PLANNED, "skip_reason": reason,
                "words": (_("skipped: {reason}", reason=reason) if reason
                          else _("scheduled")), "movable": False})
    for day in days.values():
        day.entries.sort(key=lambda e: (e["when"], e["schedule"]))
    return [days[d] for d in sorted(days)]


@lru_cache(maxsize=4096)
def _fire_times(expr: str, zone: str, start: datetime, end: datetime) -> tuple[datetime, ...]:
    """Fire times of a cron expression in [start, end): a pure function, so cached (APScheduler
    takes about 0.3 ms per fire time and the calendar asks for the same weeks again and again)."""
    from zoneinfo import ZoneInfo

    from ..scheduling import cron

    trigger = cron.make_trigger(expr, ZoneInfo(zone))
    return tuple(t for t in cron.fire_times(trigger, start - timedelta(microseconds=1), end)
                 if start <= t < end)


# -- one run ----------------------------------------------------------------
@dataclass
class RunView:
    occurrence: Row
    deliveries: list[Row]
    slides: list[Row]
    title: str
    tags: list[str]
    draft_error: str | None
    can_approve: bool
    can_reject: bool
    can_change: bool            # a one-off post that can still be moved or cancelled
    can_publish_now: bool       # ready (and approved if needed) but due later
    cost: Row | None = None     # budget.RunCost.as_dict() + "lines" (publishing/budget.py)


def run_view(settings: Settings, db: Database, occ_id: int, now: datetime) -> RunView | None:
    """A run's page: slides, each channel's text against its limit, deliveries in words."""
    from ..channels import open_channel
    from .drafts import load_draft

    occ, deliveries, attempts = DeskQueries(db).run(occ_id)
    if occ is None:
        return None
    tz = settings.timezone
    by_delivery: dict[int, list[Row]] = {}
    for a in attempts:
        by_delivery.setdefault(a["delivery_id"], []).append(a)
    post, draft_error = None, None
    if occ["draft_dir"]:
        try:
            post = load_draft(occ["draft_dir"])
        except Exception as exc:  # noqa: BLE001 - the page still shows the ledger
            draft_error = str(exc)
    rows = []
    for d in deliveries:
        text, limit, problem = None, None, None
        if post is not None and d["channel"] in settings.channels:
            channel = open_channel(settings, d["channel"])
            try:
                text = channel.text_for(post)
                limit = channel.limits.max_text
            except Exception as exc:  # noqa: BLE001 - shown next to the channel
                problem = str(exc)
            finally:
                channel.close()
        rows.append({**d, "words": delivery_words(d, tz), "attempt_rows": by_delivery.get(d["id"], []),
                     "text": text, "chars": len(text) if text is not None else None,
                     "limit": limit, "over": bool(limit and text and len(text) > limit),
                     "problem": problem, "retryable": d["state"] in (m.D_FAILED, m.D_UNKNOWN),
                     "completable": d["state"] in (m.D_AWAITING_HANDOFF, m.D_UNKNOWN)})
    slides = [{"index": s.index, "file": s.path.name, "width": s.width, "height": s.height,
               "alt": s.alt_text} for s in post.slides] if post else []
    late = now - occ["scheduled_for"] > timedelta(seconds=occ["grace_seconds"])
    return RunView(cost=run_cost(settings, db, deliveries, now),
        occurrence={**occ, "title": run_title(occ), "words": occurrence_words(occ["state"])},
        deliveries=rows, slides=slides, title=post.title if post else "",
        tags=list(post.tags) if post else [], draft_error=draft_error,
        can_approve=occ["state"] in (m.AWAITING_APPROVAL, m.HELD) and not late,
        can_reject=occ["state"] in (m.PLANNED, m.PREPARED, m.AWAITING_APPROVAL, m.APPROVED,
                                    m.HELD),
        can_change=occ["schedule"] == m.POST and occ["state"] in CHANGEABLE,
        can_publish_now=occ["state"] in (m.PREPARED, m.APPROVED) and occ["scheduled_for"] > now)


def run_cost(settings: Settings, db: Database, deliveries: list[Row], now: datetime) -> Row | None:
    """What the run costs on its channels and, while deliveries are still open, whether the
    budget or a daily quota would refuse them (the cost and quota guard, budget.py)."""
    from ..channels import channel_label
    from ..errors import OutreachError
    from . import budget
    from .service import PublishingService

    names = [d["channel"] for d in deliveries
             if d["channel"] in settings.channels and d["state"] != m.D_CANCELLED]
    if not names:
        return None
    service = PublishingService(settings, db, clock=lambda: now)
    try:
        cost = budget.estimate(service, names)
        still_open = any(d["state"] in m.D_OPEN for d in deliveries)
        lines = budget.summary_lines(cost, lambda c: channel_label(c, settings))
        return {**cost.as_dict(), "lines": lines,
                "refusal": cost.refusal if still_open else None}
    except OutreachError as exc:       # e.g. a bad [budget] value: said on the page
        return {"lines": [], "refusal": str(exc)}
    finally:
        service.close()


# -- hand-offs --------------------------------------------------------------
def handoff_material(location: str | None) -> Row:
    """What a person pastes: title, body as HTML and as text, tags, slides in order."""
    folder = Path(location) if location else None
    meta: dict[str, Any] = {}
    if folder is not None and (folder / "handoff.json").is_file():
        meta = json.loads((folder / "handoff.json").read_text(encoding="utf-8"))
    text_file = meta.get("text_file") or "text.txt"
    body = ""
    if folder is not None and (folder / text_file).is_file():
        body = (folder / text_file).read_text(encoding="utf-8")
    if text_file.endswith(".html"):
        body_html = body
    else:
        body_html = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>"
                            for p in body.split("\n\n") if p.strip())
    fields = meta.get("fields") or {}
    tags = [str(t) for t in fields.get("tags", [])]
    labels = {"category": _("Category"), "blog": _("Blog"), "channel": _("Channel page"),
              "links": _("Links")}
    shown = []
    for key, value in fields.items():
        if key == "tags" or value in (None, "", [], {}):
            continue
        values = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
        shown.append((labels.get(key, key), values))
    return {"title": meta.get("title", ""), "body_html": body_html,
            "body_text": _plain(body_html) if text_file.endswith(".html") else body,
            "tags": tags, "tags_text": " ".join(f"#{t}" for t in tags),
            "slides": meta.get("slides", []), "platform": meta.get("platform", ""),
            "fields": shown,
            "ready": bool(meta)}


def _plain(markup: str) -> str:
    import re

    text = re.sub(r"<br\s*/?>", "\n", markup)
    text = re.sub(r"</p\s*>", "\n\n", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def handoffs(settings: Settings, db: Database, *, limit: int = LIST_LIMIT) -> Section:
    """Hand-offs waiting for a person, oldest first, each with its material (one query)."""
    rows, total = DeskQueries(db).deliveries_in([m.D_AWAITING_HANDOFF], limit=limit)
    rows.sort(key=lambda r: (r["scheduled_for"], r["id"]))
    return Section([{**r, "material": handoff_material(r["location"])} for r in rows], total)


# -- channels ---------------------------------------------------------------
def channel_rows(settings: Settings, db: Database, now: datetime, *,
                 token_days: int = 14) -> list[Row]:
    """Each configured channel with its stored check, token expiry and recent problems."""
    checks = NotificationStore(db).checks()
    stats = DeskQueries(db).channel_stats(list(settings.channels), now - timedelta(days=7))
    costs = channel_costs(settings, db, now)
    out = []
    for name, config in settings.channels.items():
        check = checks.get(name)
        expires = check["expires_at"] if check else None
        expired = expires is not None and expires <= now
        expiring = expires is not None and not expired and expires <= now + timedelta(days=token_days)
        failing = [r for r in (check["results"] if check else []) if not r["ok"]]
        stat = stats.get(name, {})
        out.append({
            "name": name, "type": config.type, "enabled": config.enabled,
            "checked_at": check["checked_at"] if check else None,
            "results": check["results"] if check else [], "failing": failing,
            "expires_at": expires, "expired": expired, "expiring": expiring,
            "days_left": (expires - now).days if expires and not expired else None,
            "last_sent": stat.get("last_sent"), "recent_problems": stat.get("recent_problems") or 0,
            "attention": config.enabled and (expired or expiring or bool(failing)),
            "cost": costs.get(name),
        })
    return out


def channel_costs(settings: Settings, db: Database, now: datetime) -> dict[str, str]:
    """Each enabled paid or capped channel's price and 24-hour quota use, in words
    (budget.py; no platform call)."""
    from ..errors import OutreachError
    from . import budget
    from .service import PublishingService

    service = PublishingService(settings, db, clock=lambda: now)
    try:
        return {c.channel: line for c in budget.today(service).channels
                if (line := budget.channel_line(c))}
    except OutreachError:
        return {}
    finally:
        service.close()


# -- schedules for pages ----------------------------------------------------
_SCHEDULES: dict[Path, tuple[tuple, list]] = {}


def current_schedules(settings: Settings) -> list:
    """The valid schedules, re-read only when a schedule file changed (a stat per file),
    so a page does not parse every YAML file on each request. Bad files are left out
    here; ``outreach schedules`` and the daemon report them."""
    from ..scheduling.specs import load_all, schedule_files

    signature = []
    for path in schedule_files(settings):
        try:
            stat = path.stat()
        except OSError:
            continue
        signature.append((str(path), stat.st_mtime_ns, stat.st_size))
    key = tuple(signature)
    cached = _SCHEDULES.get(settings.schedules_dir)
    if cached is None or cached[0] != key:
        schedules, _errors = load_all(settings)
        cached = (key, schedules)
        _SCHEDULES[settings.schedules_dir] = cached
    return cached[1]
