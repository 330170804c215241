"""Graph insights on top of ``GraphFake``: Page post insights and Instagram media insights.

As documented (developers.facebook.com/docs/graph-api/reference/page-post/insights/,
/documentation/instagram-platform/reference/instagram-media/insights):
``GET /{id}/insights?metric=a,b&period=lifetime`` answers ``{"data": [{"name", "period",
"values": [{"value": ...}], "title", "id"}], "paging": {...}}``; one retired or unknown
name fails the whole request with ``(#100) ... must be a valid insights metric``; a token
without ``read_insights`` / ``instagram_manage_insights`` gets ``(#10)``; a metric with no
data yet is left out of ``data`` (Instagram: "an empty data set instead of 0").
``GET /{post}?fields=comments.limit(0).summary(true),shares`` gives the post's counts and
``GET /{page}?fields=followers_count`` the follower count.

Seed ``values[node][metric] = value`` (int or dict by type); ``retired`` holds names the
API refuses; ``denied_insights = True`` drops the insights permission; ``counts[node]``
holds comments/shares/followers_count.
"""

from __future__ import annotations

from typing import Any

from .base import Answer, Request
from .graph import GraphFake, graph_error

RETIRED = {"post_impressions", "post_impressions_unique", "page_fans", "impressions", "plays"}


class InsightsFake(GraphFake):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.values: dict[str, dict[str, Any]] = {}
        self.counts: dict[str, dict[str, Any]] = {}
        self.retired = set(RETIRED)
        self.denied_insights = False

    def _get_edge(self, req: Request, m: Any) -> Answer:
        if m["edge"] != "insights":
            return super()._get_edge(req, m)
        denied = self._auth(req)
        if denied:
            return denied
        if self.denied_insights:
            return graph_error(10, "(#10) Application does not have permission for this action: "
                                   "read_insights", status=403)
        node = m["id"]
        if node not in self.values:
            return self._no_such(node)
        names = [n for n in req.query.get("metric", "").split(",") if n]
        if not names:
            return graph_error(100, "(#100) No metric was specified to be fetched", subcode=1504028)
        for name in names:
            if name in self.retired:
                return graph_error(100, f"(#100) The value must be a valid insights metric: {name}")
        data = [{"name": n, "period": req.query.get("period", "lifetime"),
                 "values": [{"value": self.values[node][n]}], "title": n,
                 "id": f"{node}/insights/{n}/lifetime"}
                for n in names if n in self.values[node]]
        return Answer(200, {"data": data, "paging": {"previous": "p", "next": "n"}})

    def _get_node(self, req: Request, m: Any) -> Answer:
        fields = req.query.get("fields", "")
        node = m["id"]
        if node in self.counts and fields:
            denied = self._auth(req)
            if denied:
                return denied
            body: dict[str, Any] = {"id": node}
            have = self.counts[node]
            if "comments" in fields and "comments" in have:
                body["comments"] = {"data": [], "summary": {"total_count": have["comments"]}}
            if "shares" in fields and have.get("shares"):
                body["shares"] = {"count": have["shares"]}
            if "followers_count" in fields and "followers_count" in have:
                body["followers_count"] = have["followers_count"]
            return Answer(200, body)
        return super()._get_node(req, m)
