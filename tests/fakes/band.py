"""A fake BAND Open API (openapi.band.us).

Which documented behaviour each answer follows (developers.band.us/develop/guide/api/...):

- ``get_band_list``: ``GET /v2.1/bands`` answers ``{"result_code": 1, "result_data":
  {"bands": [{"name", "band_key", "cover", "member_count"}]}}``;
- ``get_post_permission``: ``GET /v2/band/permissions?permissions=posting,commenting``
  answers ``result_data.permission`` (the page's example names the list ``permission``,
  its table ``permissions``: the fake answers the example's spelling);
- ``get_user_information``: ``GET /v2/profile`` answers ``user_key``, ``name``;
- ``write_post``: ``POST /v2.2/band/post/create`` with ``band_key``, ``content``,
  ``do_push`` answers ``result_data {"band_key", "post_key"}``; no photo parameter;
- ``get_posts``: ``GET /v2/band/posts`` (``band_key``, ``locale`` required) newest
  first, 20 a page, ``result_data.paging.next_params`` (``after``, ``limit``,
  ``band_key``, ``access_token``) while more follow, ``previous_params`` null;
  items carry ``content``, ``author``, ``post_key``, ``comment_count``, ``created_at``
  (epoch milliseconds), ``photos``, ``band_key``;
- ``get_comments``: ``GET /v2/band/post/comments`` (``band_key``, ``post_key``,
  ``sort`` ``+created_at``), same paging; items ``comment_key``, ``content``,
  ``created_at`` (ms), ``author {name, user_key, ...}``;
- ``create_comment``: ``POST /v2/band/post/comment/create`` (``band_key``,
  ``post_key``, ``body``) answers ``result_data {"message": "success"}``: no comment key;
- ``handle_errors``: failures carry ``result_code`` (211, 212, 1001-1003, 2142, 2300,
  3000-3003, 10401, 10403, 60000-...) and ``result_data.message``. The page gives no
  HTTP statuses; the fake answers them with HTTP 200, so the adapter must read
  ``result_code`` whatever the status.

The token is the documented ``access_token`` query parameter. Seed with
``add_post(content)``, ``add_comment(post_key, content, own=False)``; state ``posts``,
``comments`` (each with ``id`` = comment key), ``pushes``; ``expired`` answers 10401;
``permissions`` lists what the token may do.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from .base import Answer, FakeServer, Request

BAND_KEY = "AADfTTdHSlp9m7LsNqq0YpXa"
USER_KEY = "AACWh0rGH6gkdEfC8sPfP2Mu"


def band_error(code: int, message: str) -> Answer:
    return Answer(200, {"result_code": code, "result_data": {"message": message}})


class BandFake(FakeServer):
    def __init__(self, *, token: str = "ZQAAAband-token", band_key: str = BAND_KEY,
                 page_size: int = 20) -> None:
        super().__init__()
        self.token, self.band_key, self.page_size = token, band_key, page_size
        self.user_key = USER_KEY
        self.expired = False
        self.permissions = ["posting", "commenting", "contents_deletion"]
        self.posts: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, dict[str, Any]] = {}
        self.pushes: list[str] = []
        self._ids = itertools.count(1)
        self._clock = int(time.time() * 1000) - 3_600_000
        self.route("GET", r"/v2\.1/bands", self._bands)
        self.route("GET", r"/v2/band/permissions", self._permissions)
        self.route("GET", r"/v2/profile", self._profile)
        self.route("POST", r"/v2\.2/band/post/create", self._create_post)
        self.route("GET", r"/v2/band/posts", self._posts)
        self.route("GET", r"/v2/band/post/comments", self._comments)
        self.route("POST", r"/v2/band/post/comment/create", self._create_comment)

    # -- seeding ------------------------------------------------------------
    def _now_ms(self) -> int:
        self._clock += 1000             # every new item one second later than the last
        return max(self._clock, int(time.time() * 1000) - 3_000_000)

    def add_post(self, content: str, *, own: bool = True) -> str:
        key = f"AAB{next(self._ids):08d}"
        self.posts[key] = {"post_key": key, "band_key": self.band_key, "content": content,
                           "created_at": self._now_ms(), "photos": [], "emotion_count": 0,
                           "author": self._author(own)}
        return key

    def add_comment(self, post_key: str, content: str, *, own: bool = False) -> str:
        key = f"AAC{next(self._ids):08d}"
        self.comments[key] = {"id": key, "comment_key": key, "post_key": post_key,
                              "band_key": self.band_key, "content": content,
                              "created_at": self._now_ms(), "emotion_count": 0,
                              "is_audio_included": False, "author": self._author(own)}
        return key

    def _author(self, own: bool) -> dict[str, Any]:
        if own:
            return {"name": "천안시청", "description": "", "role": "leader", "user_key": self.user_key,
                    "profile_image_url": ""}
        return {"name": "김시민", "description": "", "role": "member", "user_key": "AACcitizen0001",
                "profile_image_url": ""}

    # -- common -------------------------------------------------------------
    def _denied(self, req: Request) -> Answer | None:
        if req.query.get("access_token") != self.token or self.expired:
            return band_error(10401, "Unauthorized")
        return None

    def _band(self, req: Request) -> Answer | None:
        p = req.params()
        if not p.get("band_key"):
            return band_error(212, "Insufficient Parameters")
        if p["band_key"] != self.band_key:
            return band_error(60102, "Not Band member")
        return None

    def _page(self, items: list[dict[str, Any]], req: Request) -> Answer:
        limit = int(req.query.get("limit") or self.page_size)
        start = int(req.query.get("after") or 0)
        chunk = items[start:start + limit]
        following = None
        if start + limit < len(items):
            following = {"after": str(start + limit), "limit": str(limit),
                         "band_key": self.band_key, "access_token": self.token}
        return Answer(200, {"result_code": 1, "result_data": {
            "paging": {"previous_params": None, "next_params": following}, "items": chunk}})

    # -- routes -------------------------------------------------------------
    def _bands(self, req: Request, m: Any) -> Answer:
        return self._denied(req) or Answer(200, {"result_code": 1, "result_data": {"bands": [
            {"name": "천안 맘카페 밴드", "band_key": self.band_key, "cover": "", "member_count": 812},
            {"name": "다른 밴드", "band_key": "AAAother000000000000000", "cover": "", "member_count": 3}]}})

    def _permissions(self, req: Request, m: Any) -> Answer:
        denied = self._denied(req) or self._band(req)
        if denied:
            return denied
        asked = [p for p in req.query.get("permissions", "").split(",") if p]
        return Answer(200, {"result_code": 1,
                            "result_data": {"permission": [p for p in asked if p in self.permissions]}})

    def _profile(self, req: Request, m: Any) -> Answer:
        return self._denied(req) or Answer(200, {"result_code": 1, "result_data": {
            "user_key": self.user_key, "name": "천안시청", "profile_image_url": "",
            "is_app_member": True, "message_allowed": True}})

    def _create_post(self, req: Request, m: Any) -> Answer:
        denied = self._denied(req) or self._band(req)
        if denied:
            return denied
        p = req.params()
        if "posting" not in self.permissions:
            return band_error(10403, "Forbidden")
        if not p.get("content"):
            return band_error(212, "Insufficient Parameters")
        key = self.add_post(p["content"])
        if str(p.get("do_push", "false")).lower() == "true":
            self.pushes.append(key)
        return Answer(200, {"result_code": 1, "result_data": {"band_key": self.band_key,
                                                               "post_key": key}})

    def _posts(self, req: Request, m: Any) -> Answer:
        denied = self._denied(req) or self._band(req)
        if denied:
            return denied
        if not req.query.get("locale"):
            return band_error(212, "Insufficient Parameters")
        items = []
        for post in sorted(self.posts.values(), key=lambda p: p["created_at"], reverse=True):
            count = sum(1 for c in self.comments.values() if c["post_key"] == post["post_key"])
            items.append({**post, "comment_count": count, "latest_comments": []})
        return self._page(items, req)

    def _comments(self, req: Request, m: Any) -> Answer:
        denied = self._denied(req) or self._band(req)
        if denied:
            return denied
        post_key = req.query.get("post_key")
        if post_key not in self.posts:
            return band_error(60000, "Invalid Parameter")
        rows = sorted((c for c in self.comments.values() if c["post_key"] == post_key),
                      key=lambda c: c["created_at"], reverse=req.query.get("sort") == "-created_at")
        return self._page([{k: v for k, v in c.items() if k != "id"} for c in rows], req)

    def _create_comment(self, req: Request, m: Any) -> Answer:
        denied = self._denied(req) or self._band(req)
        if denied:
            return denied
        p = req.params()
        if p.get("post_key") not in self.posts or not p.get("body"):
            return band_error(212, "Insufficient Parameters")
        if "commenting" not in self.permissions:
            return band_error(10403, "Forbidden")
        self.add_comment(p["post_key"], p["body"], own=True)
        return Answer(200, {"result_code": 1, "result_data": {"message": "success"}})
