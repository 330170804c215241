"""Read models of collected figures: per post, per channel; the latest age wins."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..store import metrics as q
from ..store.db import Database
from .model import ENGAGEMENT, REACH, VIEWS
from .settings import age_delta


@dataclass
class PostFigures:
    """One delivery with its newest figures (value None: unavailable, reason given)."""

    delivery_id: int
    occurrence_id: int
    channel: str
    schedule: str
    template: str
    sent: datetime
    url: str | None
    state: str
    handed_off_after: float | None        # hours from the delivery being planned to handed off
    draft_dir: str | None
    age: str | None = None
    values: dict[str, int | None] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    provisional: bool = False
    by_age: dict[str, dict[str, int | None]] = field(default_factory=dict)

    def figure(self, name: str) -> int | None:
        return self.values.get(name)

    @property
    def views(self) -> int | None:
        """Views, or reach where a platform counts only people (documented per channel)."""
        return self.values.get(VIEWS) if self.values.get(VIEWS) is not None else self.values.get(REACH)

    @property
    def engagement(self) -> int | None:
        given = [self.values[n] for n in ENGAGEMENT if self.values.get(n) is not None]
        return sum(given) if given else None

    def as_json(self) -> dict[str, Any]:
        return {"delivery": self.delivery_id, "post": self.occurrence_id, "channel": self.channel,
                "schedule": self.schedule, "sent": self.sent.isoformat(), "url": self.url,
                "age": self.age, "provisional": self.provisional,
                "figures": {k: v for k, v in sorted(self.values.items())},
                "unavailable": dict(sorted(self.reasons.items())),
                "engagement": self.engagement}


def post_figures(db: Database, since: datetime, until: datetime, **filters: Any) -> list[PostFigures]:
    """Every delivery out in [since, until) with its newest snapshot's figures."""
    rows = q.posts(db, since, until, **filters)
    out = {r["id"]: PostFigures(
        r["id"], r["occurrence_id"], r["channel"], r["schedule"], r["template"], r["sent"], r["url"],
        r["state"], ((r["handed_off_at"] - r["created_at"]).total_seconds() / 3600
                     if r["handed_off_at"] and r["created_at"] else None), r["draft_dir"])
        for r in rows}
    best: dict[int, Any] = {}
    snaps = q.snapshots(db, list(out))
    order = {}
    valued = {(s["delivery_id"], s["age"]) for s in snaps if s["value"] is not None}
    for s in snaps:   # the newest age that holds a figure; a missed later age never hides it
        order.setdefault(s["age"], age_delta(s["age"]).total_seconds())
        rank = (((s["delivery_id"], s["age"]) in valued), order[s["age"]])
        cur = best.get(s["delivery_id"])
        if cur is None or rank > (((s["delivery_id"], cur) in valued), order[cur]):
            best[s["delivery_id"]] = s["age"]
    for s in snaps:
        post = out[s["delivery_id"]]
        post.by_age.setdefault(s["age"], {})[s["metric"]] = s["value"]
        if s["age"] != best[s["delivery_id"]]:
            continue
        post.age = s["age"]
        post.values[s["metric"]] = s["value"]
        if s["value"] is None and s["reason"]:
            post.reasons[s["metric"]] = s["reason"]
        post.provisional = post.provisional or bool(s["provisional"])
    return list(out.values())
