"""The monthly outreach report: what went out, how far it reached, how citizens answered.

Definitions (also printed on the page and in the workbook):

- A post belongs to the month in which it went out (sent, or handed off by staff), Korea time.
- Each post counts with its newest snapshot that holds a figure (30 d where taken).
- **Views**: the platform's views (Facebook ``post_media_view``, Instagram ``views``,
  YouTube ``viewCount``); where a platform gives only reach, reach. Posts without the
  figure are counted apart ("not available"), never as zero.
- **Engagement**: reactions/likes + comments + shares + saves + link clicks, as given.
- **Change**: this month against the previous one, in percent of the previous; none when
  the previous month had no figure.
- **Hand-off time**: from the post being due on a hand-off channel to staff recording it.

What people read (the HTML, the workbook, the charts) names each channel by its platform
(``MonthlyReport.channel_name``); ``as_json`` keeps the channel codes, and the workbook keeps
them in a last column (the name in outreach.toml) for sorting and joining months.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from ..channels import channel_label
from ..config import Settings
from ..inbox.report import Period, month_period, percentile_of
from ..store import metrics as q
from ..store.db import Database
from .figures import PostFigures, post_figures
from .settings import metrics_settings

TOP_N = 5


@dataclass
class ChannelLine:
    channel: str
    posts: int = 0
    views: int | None = None
    views_missing: int = 0
    engagement: int | None = None
    engagement_missing: int = 0
    prev_posts: int = 0
    prev_views: int | None = None
    prev_engagement: int | None = None
    followers_start: int | None = None
    followers_end: int | None = None

    @property
    def views_change(self) -> float | None:
        return change(self.views, self.prev_views)

    @property
    def engagement_change(self) -> float | None:
        return change(self.engagement, self.prev_engagement)


@dataclass
class TopPost:
    post: int
    channel: str
    schedule: str
    sent: datetime
    url: str | None
    views: int | None
    engagement: int | None
    cover: str | None          # the first slide's file, when the draft is still on disk


@dataclass
class HandoffLine:
    channel: str
    count: int
    p50_hours: float | None
    max_hours: float | None


@dataclass
class WeekLine:
    day: date
    channel: str
    posts: int
    views: int | None
    engagement: int | None


@dataclass
class MonthlyReport:
    period: Period
    generated_at: datetime
    channels: list[ChannelLine]
    schedules: list[tuple[str, str, int]]        # (schedule, channel, posts)
    top: list[TopPost]
    handoffs: list[HandoffLine]
    weekly: list[WeekLine]
    weekly_schedule: str
    weekly_age: str
    inbox: dict[str, Any] = field(default_factory=dict)
    #: the workspace, to name channels (``channel_name``); not part of the figures
    settings: Settings | None = field(default=None, repr=False, compare=False)

    def channel_name(self, code: str) -> str:
        """A channel as people read it in the report (its platform, in the language in
        force: outreach.channels.channel_label); the data (``as_json``) keeps the codes."""
        return channel_label(code, self.settings)

    @property
    def totals(self) -> ChannelLine:
        t = ChannelLine("")
        for c in self.channels:
            t.posts += c.posts
            t.prev_posts += c.prev_posts
            t.views_missing += c.views_missing
            t.engagement_missing += c.engagement_missing
            t.views = _add(t.views, c.views)
            t.prev_views = _add(t.prev_views, c.prev_views)
            t.engagement = _add(t.engagement, c.engagement)
            t.prev_engagement = _add(t.prev_engagement, c.prev_engagement)
        return t

    def as_json(self) -> dict[str, Any]:
        def line(c: ChannelLine) -> dict[str, Any]:
            return {**asdict(c), "views_change_pct": c.views_change,
                    "engagement_change_pct": c.engagement_change}

        return {
            "month": self.period.label,
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "channels": [line(c) for c in self.channels], "total": line(self.totals),
            "schedules": [{"schedule": s, "channel": c, "posts": n} for s, c, n in self.schedules],
            "top": [{**asdict(t), "sent": t.sent.isoformat()} for t in self.top],
            "handoffs": [asdict(h) for h in self.handoffs],
            "weekly": {"schedule": self.weekly_schedule, "age": self.weekly_age,
                       "rows": [{**asdict(w), "day": w.day.isoformat()} for w in self.weekly]},
            "inbox": self.inbox,
        }


def _add(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else a + b


def change(now: int | None, before: int | None) -> float | None:
    """Percent change against ``before``; None when there is nothing to compare with."""
    if now is None or not before:
        return None
    return round((now - before) * 100.0 / before, 1)


def _sum(values: list[int | None]) -> tuple[int | None, int]:
    given = [v for v in values if v is not None]
    return (sum(given) if given else None), len(values) - len(given)


def _bounds(period: Period, tz: Any) -> tuple[datetime, datetime]:
    return (datetime.combine(period.first, time(0), tz),
            datetime.combine(period.last + timedelta(days=1), time(0), tz))


def cover_of(draft_dir: str | None) -> str | None:
    """The first slide of a post's draft (manifest.json), if the draft is still there."""
    if not draft_dir:
        return None
    manifest = Path(draft_dir) / "manifest.json"
    try:
        slides = json.loads(manifest.read_text(encoding="utf-8")).get("slides") or []
    except (OSError, ValueError):
        return None
    path = Path(draft_dir) / str(slides[0].get("file", "")) if slides else None
    return str(path) if path and path.is_file() else None


def monthly_report(settings: Settings, db: Database, month: str, *,
                   now: datetime | None = None, with_inbox: bool = True) -> MonthlyReport:
    """Every figure of ``month`` (YYYY-MM) and its change from the month before."""
    tz = settings.timezone
    cfg = metrics_settings(settings)
    period = month_period(month)
    prev = month_period(f"{(period.first - timedelta(days=1)):%Y-%m}")
    start, end = _bounds(period, tz)
    posts = post_figures(db, start, end)
    before = post_figures(db, *_bounds(prev, tz))

    lines: dict[str, ChannelLine] = {}
    for name, group in _by(posts, "channel").items():
        line = lines.setdefault(name, ChannelLine(name))
        line.posts = len(group)
        line.views, line.views_missing = _sum([p.views for p in group])
        line.engagement, line.engagement_missing = _sum([p.engagement for p in group])
    for name, group in _by(before, "channel").items():
        line = lines.setdefault(name, ChannelLine(name))
        line.prev_posts = len(group)
        line.prev_views = _sum([p.views for p in group])[0]
        line.prev_engagement = _sum([p.engagement for p in group])[0]
    for row in q.followers(db, period.first, period.last):
        line = lines.setdefault(row["channel"], ChannelLine(row["channel"]))
        if row["value"] is not None:
            if line.followers_start is None:
                line.followers_start = row["value"]
            line.followers_end = row["value"]

    schedules: dict[tuple[str, str], int] = {}
    for p in posts:
        schedules[(p.schedule, p.channel)] = schedules.get((p.schedule, p.channel), 0) + 1
    ranked = sorted((p for p in posts if p.views is not None),
                    key=lambda p: (-(p.views or 0), -(p.engagement or 0), p.sent))[:TOP_N]
    top = [TopPost(p.occurrence_id, p.channel, p.schedule, p.sent, p.url, p.views, p.engagement,
                   cover_of(p.draft_dir)) for p in ranked]
    handoffs = []
    for name, group in _by([p for p in posts if p.state == "handed_off"], "channel").items():
        hours = sorted(p.handed_off_after for p in group if p.handed_off_after is not None)
        handoffs.append(HandoffLine(name, len(group), _round(percentile_of(hours, 0.5)),
                                    _round(hours[-1]) if hours else None))
    report = MonthlyReport(
        period=period, generated_at=(now or datetime.now(timezone.utc)).astimezone(tz),
        channels=sorted(lines.values(), key=lambda c: c.channel),
        schedules=sorted((s, c, n) for (s, c), n in schedules.items()), top=top,
        handoffs=sorted(handoffs, key=lambda h: h.channel),
        weekly=weekly(db, settings, period, cfg.weekly_schedule, cfg.weekly_age),
        weekly_schedule=cfg.weekly_schedule, weekly_age=cfg.weekly_age, settings=settings)
    if with_inbox:
        report.inbox = _inbox(settings, db, period, now)
    return report


def weekly(db: Database, settings: Settings, period: Period, schedule: str, age: str,
           weeks: int = 8) -> list[WeekLine]:
    """The weekly guide per Thursday and channel, each post at the same age (like with like),
    for the ``weeks`` Thursdays up to the end of the month."""
    tz = settings.timezone
    last = period.last
    while last.weekday() != 3:
        last -= timedelta(days=1)
    first = last - timedelta(weeks=weeks - 1)
    posts = post_figures(db, datetime.combine(first, time(0), tz),
                         datetime.combine(last + timedelta(days=1), time(0), tz), schedule=schedule)
    rows: dict[tuple[date, str], list[PostFigures]] = {}
    for p in posts:
        day = p.sent.astimezone(tz).date()
        if day.weekday() == 3:
            rows.setdefault((day, p.channel), []).append(p)
    out = []
    for (day, channel), group in sorted(rows.items()):
        at = [g.by_age.get(age, {}) for g in group]
        views = _sum([v.get("views") if v.get("views") is not None else v.get("reach") for v in at])[0]
        eng = _sum([_engagement(v) for v in at])[0]
        out.append(WeekLine(day, channel, len(group), views, eng))
    return out


def _engagement(values: dict[str, int | None]) -> int | None:
    from .model import ENGAGEMENT

    return _sum([values.get(n) for n in ENGAGEMENT if n in values])[0] if any(
        values.get(n) is not None for n in ENGAGEMENT) else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _by(posts: list[PostFigures], attr: str) -> dict[str, list[PostFigures]]:
    out: dict[str, list[PostFigures]] = {}
    for p in posts:
        out.setdefault(getattr(p, attr), []).append(p)
    return out


def _inbox(settings: Settings, db: Database, period: Period, now: datetime | None) -> dict[str, Any]:
    """The inbox's civic figures from the inbox report service (same definitions as 민원 통계)."""
    from ..inbox.report import inbox_report
    from ..inbox.settings import inbox_config

    data = inbox_report(db, inbox_config(settings).working, period, now=now).as_json()
    return {k: data[k] for k in ("complaints", "by_channel", "by_department")}
