"""Meta Graph insights read one metric per batch item, so one failing metric never sinks the rest.

Why per item: one invalid metric name fails a whole ``/insights?metric=a,b,c`` request
(developers.facebook.com/docs/graph-api/reference/page-post/insights/). A batch request
(developers.facebook.com/docs/graph-api/batch-requests) carries one ``insights?metric=X``
per figure in ONE HTTP call and answers each with its own body or error. A retired name
(error code 100, "invalid metric") is tried again under its documented successor from
the Pages API's deprecated-metrics page
(developers.facebook.com/documentation/pages-api/platforminsights/page/deprecated-metrics).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping, Sequence

from ..errors import AuthExpired, ChannelError, Retryable
from ..i18n import _
from ..metrics.model import Figure
from .graph import GraphApi

#: retired Page insights name -> documented successor (deprecated-metrics page, 2025-06/11)
RETIRED = {
    "post_impressions": "post_media_view",
    "post_impressions_unique": "post_total_media_view_unique",
    "page_impressions_unique": "page_total_media_view_unique",
    "page_fans": "page_follows",
    "impressions": "views",          # Instagram media, retired 2025-04-21
    "plays": "views",
}


def _value(body: Any, pick: str | None) -> int | None:
    data = body.get("data") if isinstance(body, dict) else None
    if not data:
        return None
    values = data[0].get("values") or [{}]
    raw = values[-1].get("value") if values else None
    if raw is None and "total_value" in data[0]:
        raw = (data[0]["total_value"] or {}).get("value")
    if isinstance(raw, dict):
        return int(raw.get(pick, 0)) if pick else int(sum(v for v in raw.values() if isinstance(v, (int, float))))
    return int(raw) if isinstance(raw, (int, float)) else None


def _invalid_metric(err: ChannelError) -> bool:
    text = str(err).lower()
    return "error 100" in text and "metric" in text


def read_insights(api: GraphApi, node: str, wanted: Mapping[str, str], *, period: str | None,
                  pick: Mapping[str, str] | None = None,
                  provisional: bool = False) -> list[Figure]:
    """``wanted``: our figure name -> platform metric name. An expired token or a rate limit
    is raised (the caller stops this channel for now); anything else becomes a reason."""
    pick = pick or {}
    names = dict(wanted)
    figures: dict[str, Figure] = {}
    for _round in range(2):       # the second round: successors of names found retired
        todo = [f for f in names if f not in figures]
        if not todo:
            break
        query = {f: f"{node}/insights?metric={names[f]}" + (f"&period={period}" if period else "")
                 for f in todo}
        bodies = api.batch(list(query.values()))
        for fig, body in zip(todo, bodies):
            metric = names[fig]
            if isinstance(body, (AuthExpired, Retryable)):
                raise body
            if isinstance(body, ChannelError):
                successor = RETIRED.get(metric)
                if _invalid_metric(body) and successor and _round == 0:
                    names[fig] = successor
                    continue
                reason = (_("{metric} is retired and has no documented successor", metric=metric)
                          if _invalid_metric(body) else body.detail)
                figures[fig] = Figure.missing(fig, reason, metric)
                continue
            value = _value(body, pick.get(fig))
            figures[fig] = (Figure(fig, value, metric, provisional=provisional) if value is not None
                            else Figure.missing(fig, _("the platform gave no value yet"), metric))
    return [figures[f] for f in wanted if f in figures]


def is_provisional(sent_at: datetime, now: datetime, hours: int = 48) -> bool:
    """Instagram: "data used to calculate metrics can be delayed up to 48 hours"
    (developers.facebook.com/documentation/instagram-platform/reference/instagram-media/insights)."""
    return now - sent_at < timedelta(hours=hours)


def count_field(api: GraphApi, node: str, fields: Sequence[tuple[str, str]]) -> list[Figure]:
    """Plain counts on the node itself (``followers_count``, ``comments.summary``, ``shares``)."""
    spec = ",".join(f for _n, f in fields)
    body = api.get(node, {"fields": spec})
    out = []
    for name, field in fields:
        key = field.split(".")[0].split("{")[0]
        raw = body.get(key)
        if isinstance(raw, dict):
            raw = (raw.get("summary") or {}).get("total_count", raw.get("count"))
        if raw is None and key == "shares":
            raw = 0        # Graph omits "shares" on a post nobody shared
        out.append(Figure(name, int(raw), key) if isinstance(raw, (int, float))
                   else Figure.missing(name, _("the platform gave no value"), key))
    return out
