"""A fake Kakao chatbot Event API and a fake Solapi (brand-message dealer).

Event API (kakaobusiness.gitbook.io/main/tool/chatbot/main_notions/event-api):
``POST /v2/bots/{botId}/talk`` with ``Authorization: KakaoAK <key>`` and
``{"event": {"name", "data"}, "user": [{"type", "id"}]}`` (≤100 users),
answering ``{"taskId", "status": "SUCCESS", "message"}``; ``GET /v1/tasks/{id}``
answers ``{"taskId", "status": "ALL_COMPLETED", "allRequestCount",
"successCount", "fail": {"count", "list"}}``. ``undeliverable`` users fail;
each ``fail.list`` entry is ``fail_entry(user)`` (default: the user object and a
message). The shape of those entries is not in the public guide we could read
(only taskId/status are), so tests replace ``fail_entry`` to try other shapes.

Solapi, each answer in the shape its documentation gives for that endpoint
(developers.solapi.com/references/..., github.com/solapi/documents):

- every request must carry ``HMAC-SHA256 apiKey=, date=, salt=, signature=``
  (signature = hex HMAC-SHA256(secret, date + salt)); errors as documented in
  authentication/api-key.md, all HTTP 403: ``InvalidAPIKey`` (unknown key),
  ``SignatureDoesNotMatch``, ``RequestTimeTooSkewed`` (date off by more than 15
  minutes), ``DuplicatedSignature`` (a signature used twice);
- ``POST /messages/v4/send-many`` answers the group itself (references/
  messages/sendMany: ``groupId``, ``count``, ``status`` at the top level);
  ``POST /messages/v4/send-many/detail`` wraps it: ``{groupInfo,
  failedMessageList, messageList}`` (references/messages/sendManyDetail);
- groups (references/messages/groups/*): ``POST /messages/v4/groups`` (the new
  group, status ``PENDING``, with its ``customFields``), ``GET
  /messages/v4/groups`` (``{startKey, nextKey, limit, groupList: {groupId:
  group}}``; ``startDate``/``endDate``, ``limit`` ≤500, ``startKey``), ``GET
  /messages/v4/groups/{id}`` (the group, or 404 ``ResourceNotFound``), ``PUT
  /messages/v4/groups/{id}/messages`` (``{errorCount, resultList}``; a
  ``refused_numbers`` entry is refused with 1060 차단된 수신번호, message-status-codes),
  ``POST /messages/v4/groups/{id}/send`` (the group, now ``SENDING``; 409
  ``GroupInProcessing`` / ``AlreadySent``, 400 ``InvalidStatus``, 402
  ``NotEnoughBalance`` as sendGroupMessage documents);
- ``GET /cash/v1/balance`` (``{balance, point, ...}``, cash/getBalance).

State: ``events``, ``tasks``, ``groups`` (id -> group), ``group_messages`` (id
-> messages), ``solapi_messages`` (messages that actually went out), ``balance``
and ``price`` (KRW per message). ``error_after_send`` (a dict) makes the next
group send go out and then answer 200 with that body: an error that came after
the messages left.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
from datetime import datetime, timedelta, timezone
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
        self.groups: dict[str, dict[str, Any]] = {}
        self.group_messages: dict[str, list[dict[str, Any]]] = {}
        self.refused_numbers: set[str] = set()
        self.error_after_send: dict[str, Any] | None = None
        self.clock_skew = timedelta(0)            # Solapi's clock minus ours
        self.balance = 50_000
        self.price = 20
        self._signatures: set[str] = set()
        self._ids = itertools.count(1)
        self.route("POST", r"/v2/bots/(?P<bot>[^/]+)/talk", self._talk)
        self.route("GET", r"/v1/tasks/(?P<task>[^/]+)", self._task)
        self.route("POST", r"/messages/v4/send-many(?:/detail)?", self._send_many)
        self.route("POST", r"/messages/v4/groups/?", self._create_group)
        self.route("GET", r"/messages/v4/groups/?", self._list_groups)
        self.route("GET", r"/messages/v4/groups/(?P<gid>[^/]+)", self._get_group)
        self.route("PUT", r"/messages/v4/groups/(?P<gid>[^/]+)/messages", self._add_messages)
        self.route("POST", r"/messages/v4/groups/(?P<gid>[^/]+)/send", self._send_group)
        self.route("GET", r"/cash/v1/balance", self._balance)

    # -- Event API ----------------------------------------------------------
    def fail_entry(self, user: dict[str, Any]) -> dict[str, Any]:
        """One ``fail.list`` entry of a task result (replace to model other shapes)."""
        return {"user": user, "message": "blocked the channel"}

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
                                        "list": [self.fail_entry(u) for u in failed]}}
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
            return Answer(403, {"errorCode": "InvalidAPIKey", "errorMessage": "유효하지 않은 API Key 입니다."})
        expected = hmac.new(self.solapi_secret.encode(), (parts.get("date", "") + parts.get("salt", "")).encode(),
                            hashlib.sha256).hexdigest()
        if parts.get("signature") != expected:
            return Answer(403, {"errorCode": "SignatureDoesNotMatch",
                                "errorMessage": "Signature가 일치하지 않습니다."})
        try:
            when = datetime.fromisoformat(parts.get("date", "").replace("Z", "+00:00"))
            server_now = datetime.now(timezone.utc) + self.clock_skew
            skewed = abs((server_now - when).total_seconds()) > 15 * 60
        except ValueError:
            skewed = True
        if skewed:
            return Answer(403, {"errorCode": "RequestTimeTooSkewed",
                                "errorMessage": "시간 값이 서버 시간을 15분 이상 벗어났습니다."})
        if parts["signature"] in self._signatures:
            return Answer(403, {"errorCode": "DuplicatedSignature",
                                "errorMessage": "15분 안에 동일한 signature 값이 사용되었습니다."})
        self._signatures.add(parts["signature"])
        return None

    def _new_group(self, custom: dict[str, Any] | None = None) -> dict[str, Any]:
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        gid = f"G4V2026{next(self._ids):08d}ABCDEFGHIJK"
        group = {"groupId": gid, "_id": gid, "accountId": "12925149", "apiVersion": "4",
                 "status": "PENDING", "allowDuplicates": False, "isRefunded": False,
                 "customFields": dict(custom or {}), "dateCreated": now, "dateUpdated": now,
                 "dateSent": None, "dateCompleted": None, "scheduledDate": None,
                 "count": {"total": 0, "sentTotal": 0, "sentFailed": 0, "sentSuccess": 0,
                           "sentPending": 0, "sentReplacement": 0, "refund": 0,
                           "registeredFailed": 0, "registeredSuccess": 0},
                 "log": [{"createAt": now, "message": "메시지 그룹이 생성되었습니다."}]}
        self.groups[gid] = group
        self.group_messages[gid] = []
        return group

    def _register(self, gid: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Add messages to a group: each gets a result (2000 accepted, else refused)."""
        results = []
        for msg in messages:
            ok = bool((msg.get("kakaoOptions") or {}).get("pfId")) and msg.get("to") not in self.refused_numbers
            result = {"to": msg.get("to"), "from": msg.get("from"), "type": msg.get("type", "SMS"),
                      "country": "82", "messageId": f"M4V2026{next(self._ids):08d}",
                      "statusCode": "2000" if ok else "1060",
                      "statusMessage": "정상 접수(이통사로 접수 예정)" if ok else "차단된 수신번호",
                      "accountId": "12925149"}
            results.append(result)
            self.group_messages[gid].append({**msg, "_ok": ok})
        count = self.groups[gid]["count"]
        count["total"] += len(results)
        count["registeredSuccess"] += sum(r["statusCode"] == "2000" for r in results)
        count["registeredFailed"] += sum(r["statusCode"] != "2000" for r in results)
        return results

    def _dispatch_group(self, gid: str) -> Answer | None:
        """Send a pending group (the paid step): None when it went out, else the refusal."""
        group = self.groups[gid]
        if group["status"] == "SENDING":
            return Answer(409, {"errorCode": "GroupInProcessing", "errorMessage": "이미 발송 요청된 그룹입니다."})
        if group["status"] == "COMPLETE":
            return Answer(409, {"errorCode": "AlreadySent", "errorMessage": "이미 발송이 완료된 그룹입니다."})
        if group["status"] != "PENDING":
            return Answer(400, {"errorCode": "InvalidStatus",
                                "errorMessage": "'PENDING' 상태의 그룹만 전송 가능합니다."})
        going = [m for m in self.group_messages[gid] if m["_ok"]]
        if self.balance < self.price * len(going):
            return Answer(402, {"errorCode": "NotEnoughBalance", "errorMessage": "현재보유 잔액이 부족합니다."})
        self.balance -= self.price * len(going)
        self.solapi_messages += [{k: v for k, v in m.items() if k != "_ok"} for m in going]
        group["status"] = "SENDING"
        group["dateSent"] = datetime.now(timezone.utc).isoformat()
        group["count"]["sentTotal"] = len(going)
        group["count"]["sentPending"] = len(going)
        group["log"].append({"createAt": group["dateSent"], "message": "메시지를 발송했습니다."})
        return None

    def _send_many(self, req: Request, m: Any) -> Answer:
        denied = self._solapi_denied(req)
        if denied:
            return denied
        messages = req.json().get("messages") or []
        if not messages:
            return Answer(400, {"errorCode": "ValidationError", "errorMessage": "messages 는 필수입니다."})
        group = self._new_group()
        results = self._register(group["groupId"], messages)
        if not group["count"]["registeredSuccess"]:
            failed = [r for r in results if r["statusCode"] != "2000"]
            return Answer(400, {"errorCode": "FailedToAddMessage",
                                "errorMessage": f"메시지 접수에 실패했습니다. ({failed[0]['statusMessage']})"})
        refused = self._dispatch_group(group["groupId"])
        if refused:
            return refused
        if req.path.endswith("/detail"):
            failed = [r for r in results if r["statusCode"] != "2000"]
            return Answer(200, {"groupInfo": dict(group), "failedMessageList": failed,
                                "messageList": [{"messageId": r["messageId"], "statusCode": r["statusCode"],
                                                 "statusMessage": r["statusMessage"]} for r in results]})
        return Answer(200, dict(group))

    def _create_group(self, req: Request, m: Any) -> Answer:
        denied = self._solapi_denied(req)
        if denied:
            return denied
        body = req.json() or {}
        custom = body.get("customFields") or {}
        if any(len(k) > 30 or len(str(v)) > 100 for k, v in custom.items()):
            return Answer(400, {"errorCode": "ValidationError",
                                "errorMessage": "customFields 는 키 30자, 값 100자까지 가능합니다."})
        return Answer(200, dict(self._new_group(custom)))

    def _list_groups(self, req: Request, m: Any) -> Answer:
        denied = self._solapi_denied(req)
        if denied:
            return denied
        limit = min(int(req.query.get("limit") or 20), 500)
        start = req.query.get("startDate")
        groups = sorted(self.groups.values(), key=lambda g: g["groupId"], reverse=True)
        if start:
            groups = [g for g in groups if g["dateCreated"] >= start.replace("Z", "")[:19]]
        if req.query.get("startKey"):
            groups = [g for g in groups if g["groupId"] <= req.query["startKey"]]
        page, rest = groups[:limit], groups[limit:]
        return Answer(200, {"startKey": req.query.get("startKey"), "limit": limit,
                            "nextKey": rest[0]["groupId"] if rest else None,
                            "groupList": {g["groupId"]: dict(g) for g in page}})

    def _get_group(self, req: Request, m: Any) -> Answer:
        denied = self._solapi_denied(req)
        if denied:
            return denied
        group = self.groups.get(m["gid"])
        if group is None:
            return Answer(404, {"errorCode": "ResourceNotFound", "errorMessage": "해당 그룹아이디가 존재하지 않습니다."})
        return Answer(200, dict(group))

    def _add_messages(self, req: Request, m: Any) -> Answer:
        denied = self._solapi_denied(req)
        if denied:
            return denied
        group = self.groups.get(m["gid"])
        if group is None:
            return Answer(404, {"errorCode": "ResourceNotFound", "errorMessage": "해당 그룹아이디가 존재하지 않습니다."})
        if group["status"] != "PENDING":
            return Answer(400, {"errorCode": "InvalidStatus",
                                "errorMessage": "'PENDING' 상태의 그룹에만 메시지를 추가할 수 있습니다."})
        results = self._register(group["groupId"], req.json().get("messages") or [])
        return Answer(200, {"errorCount": sum(r["statusCode"] != "2000" for r in results),
                            "resultList": results})

    def _send_group(self, req: Request, m: Any) -> Answer:
        denied = self._solapi_denied(req)
        if denied:
            return denied
        group = self.groups.get(m["gid"])
        if group is None:
            return Answer(404, {"errorCode": "ResourceNotFound", "errorMessage": "해당 그룹아이디가 존재하지 않습니다."})
        refused = self._dispatch_group(group["groupId"])
        if refused:
            return refused
        if self.error_after_send is not None:
            body, self.error_after_send = self.error_after_send, None
            return Answer(200, body)
        return Answer(200, dict(group))

    def _balance(self, req: Request, m: Any) -> Answer:
        denied = self._solapi_denied(req)
        if denied:
            return denied
        return Answer(200, {"lowBalanceAlert": {"enabled": False}, "point": 0, "minimumCash": 0,
                            "rechargeTo": 0, "rechargeTryCount": 0, "autoRecharge": 0,
                            "accountId": "12925149", "balance": self.balance})
