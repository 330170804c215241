"""A fake Kakao chatbot Event API and a fake Solapi (brand-message dealer).

Event API: ``POST /v2/bots/{botId}/talk`` with ``Authorization: KakaoAK <key>``
and ``{"event": {"name", "data"}, "user": [{"type", "id"}]}`` (≤100 users),
answering ``{"taskId", "status": "SUCCESS", "message"}``; ``GET /v1/tasks/{id}``
answers ``{"taskId", "status": "ALL_COMPLETED", "allRequestCount",
"successCount", "fail": {"count", "list"}}``. ``undeliverable`` users fail.

Solapi: every request must carry a valid ``HMAC-SHA256 apiKey=, date=, salt=,
signature=`` header (signature = hex HMAC-SHA256(secret, date + salt), each
signature accepted once); ``POST /messages/v4/send-many`` and
``GET /cash/v1/balance``; errors ``{"errorCode", "errorMessage"}``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
from typing import Any

from .base import Answer, FakeServer, Request


class KakaoFake(FakeServer):
    def __init__(self, *, bot_id: str = "64f0cheonanbot", rest_key: str = "kakao-rest-key-0001",
                 solapi_key: str = "NCSAYU7YDBXYORXC", solapi_secret: str = "solapi-secret-0001") -> None:
        super().__init__()
        self.bot_id, self.rest_key = bot_id, rest_key
        self.solapi_key, self.solapi_secret = solapi_key, solapi_secret
        self.events: list[dict[str, Any]] = []
        self.tasks: dict[str, dict[str, Any]] = {}
        self.undeliverable: set[str] = set()
        self.solapi_messages: list[dict[str, Any]] = []
        self.balance = 50_000
        self._signatures: set[str] = set()
        self._ids = itertools.count(1)
        self.route("POST", r"/v2/bots/(?P<bot>[^/]+)/talk", self._talk)
        self.route("GET", r"/v1/tasks/(?P<task>[^/]+)", self._task)
        self.route("POST", r"/messages/v4/send-many(?:/detail)?", self._send_many)
        self.route("GET", r"/cash/v1/balance", self._balance)

    # -- Event API ----------------------------------------------------------
    def _talk(self, req: Request, m: Any) -> Answer:
        if req.headers.get("authorization") != f"KakaoAK {self.rest_key}":
            return Answer(401, {"code": -401, "msg": "invalid api key"})
        if m["bot"] != self.bot_id:
            return Answer(404, {"code": -404, "msg": "bot not found"})
        body = req.json()
        users = body.get("user") or []
        if not users or len(users) > 100:
            return Answer(400, {"taskId": None, "status": "FAIL",
                                "message": "user must have 1 to 100 entries"})
        task_id = f"task-{next(self._ids):05d}"
        self.events.append(body)
        failed = [u for u in users if u["id"] in self.undeliverable]
        self.tasks[task_id] = {"taskId": task_id, "status": "ALL_COMPLETED",
                               "allRequestCount": len(users), "successCount": len(users) - len(failed),
                               "fail": {"count": len(failed),
                                        "list": [{"user": u, "message": "blocked the channel"} for u in failed]}}
        return Answer(200, {"taskId": task_id, "status": "SUCCESS", "message": ""})

    def _task(self, req: Request, m: Any) -> Answer:
        if req.headers.get("authorization") != f"KakaoAK {self.rest_key}":
            return Answer(401, {"code": -401, "msg": "invalid api key"})
        task = self.tasks.get(m["task"])
        return Answer(200, task) if task else Answer(404, {"code": -404, "msg": "task not found"})

    # -- Solapi -------------------------------------------------------------
    def _solapi_denied(self, req: Request) -> Answer | None:
        header = req.headers.get("authorization", "")
        parts = dict(re.findall(r"(\w+)=([^,\s]+)", header))
        if not header.startswith("HMAC-SHA256 ") or parts.get("apiKey") != self.solapi_key:
            return Answer(403, {"errorCode": "InvalidApiKey", "errorMessage": "유효하지 않은 API Key 입니다."})
        expected = hmac.new(self.solapi_secret.encode(), (parts.get("date", "") + parts.get("salt", "")).encode(),
                            hashlib.sha256).hexdigest()
        if parts.get("signature") != expected or parts["signature"] in self._signatures:
            return Answer(403, {"errorCode": "SignatureDoesNotMatch",
                                "errorMessage": "Signature가 일치하지 않습니다."})
        self._signatures.add(parts["signature"])
        return None

    def _send_many(self, req: Request, m: Any) -> Answer:
        denied = self._solapi_denied(req)
        if denied:
            return denied
        messages = req.json().get("messages") or []
        bad = [msg for msg in messages if not (msg.get("kakaoOptions") or {}).get("pfId")]
        if bad:
            return Answer(400, {"errorCode": "ValidationError", "errorMessage": "kakaoOptions.pfId 는 필수입니다."})
        self.solapi_messages += messages
        group = f"G4V2026{next(self._ids):08d}"
        return Answer(200, {"groupInfo": {"groupId": group, "status": "SENDING",
                                          "count": {"total": len(messages), "registeredSuccess": len(messages),
                                                    "registeredFailed": 0}},
                            "failedMessageList": []})

    def _balance(self, req: Request, m: Any) -> Answer:
        denied = self._solapi_denied(req)
        if denied:
            return denied
        return Answer(200, {"balance": self.balance, "point": 0})
