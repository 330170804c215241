"""``videos.list?part=statistics`` on top of ``YouTubeFake``
(developers.google.com/youtube/v3/docs/videos/list; 1 quota unit a call).

Seed ``stats[video_id] = {"viewCount": "12", "likeCount": "3", "commentCount": "1"}``
(strings, as the API gives them; leave ``likeCount`` out for a video whose owner hides
likes). Unknown ids are simply absent from ``items``.
"""

from __future__ import annotations

from typing import Any

from .base import Answer, Request
from .youtube import API, YouTubeFake


class YouTubeStatsFake(YouTubeFake):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.stats: dict[str, dict[str, str]] = {}
        self.route("GET", API + r"/videos", self._videos)

    def _videos(self, req: Request, m: Any) -> Answer:
        denied = self._denied(req)
        if denied:
            return denied
        ids = [i for i in req.query.get("id", "").split(",") if i]
        items = [{"kind": "youtube#video", "etag": "e", "id": i, "statistics": self.stats[i]}
                 for i in ids if i in self.stats]
        return Answer(200, {"kind": "youtube#videoListResponse", "etag": "e", "items": items,
                            "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)}})
