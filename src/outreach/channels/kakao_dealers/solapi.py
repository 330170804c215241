"""Solapi (솔라피) as brand-message dealer, through its message-group API.

Why groups and not ``send-many``: ``send-many`` creates and sends a group in
one call, so when its answer is lost nobody knows the group's id and a retry
sends every paid message again. The group API splits that into steps of
which only the last one reaches citizens, and Solapi itself refuses to send
one group twice (409 ``GroupInProcessing`` / ``AlreadySent``):

1. ``POST /messages/v4/groups`` with ``customFields.outreachKey`` = the
   delivery key (an empty group costs nothing); its id is kept in
   ``var/solapi/<channel>/<digest>.json``;
2. ``PUT /messages/v4/groups/{id}/messages`` (answers ``{errorCount,
   resultList}``; refused numbers are kept but never sent);
3. ``POST /messages/v4/groups/{id}/send`` (answers the group itself).

Before step 1 the group for the key is looked up: the id on file
(``GET /messages/v4/groups/{id}``), else Solapi's group list
(``GET /messages/v4/groups``, ``groupList`` keyed by group id) searched for our
``customFields``. A group that is ``SENDING``/``COMPLETE``/``SCHEDULED`` went
out and is returned as it is; a ``PENDING`` one is filled and sent. So a
retry after any crash finishes the same group instead of making a second.

Documentation (read 2026-11): developers.solapi.com/references/messages/groups/
(createMessageGroup, addGroupMessages, sendGroupMessage, getMessageGroupInfo,
getMessageGroupList), github.com/solapi/documents api-reference/ and
authentication/api-key.md for the error codes (``InvalidAPIKey``,
``SignatureDoesNotMatch``, ``RequestTimeTooSkewed``, ``DuplicatedSignature``:
403; ``NotEnoughBalance``: 402; ``GroupInProcessing``, ``AlreadySent``,
``ScheduledGroup``: 409 on send). ``send-many`` answers the group itself and
``send-many/detail`` wraps it as ``{groupInfo, failedMessageList,
messageList}``; neither is used here for the reason above.

Auth: every request carries ``Authorization: HMAC-SHA256 apiKey=<key>,
date=<ISO 8601>, salt=<random>, signature=<hex HMAC-SHA256(secret, date +
salt)>``; a signature is valid for 15 minutes and only once, so it is made
fresh per request.

Settings: ``solapi_api_key_env``, ``solapi_api_secret_env``, ``pf_id`` (the
channel's 발신 프로필 ID), ``sender`` (registered number), ``dealer_api_base``
(default https://api.solapi.com), ``message_type`` (default "BMS_FREE"),
``lookup_days`` (how far back Solapi's group list is searched, default 14).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets as pysecrets
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests

from ...errors import AuthExpired, ChannelError, Rejected, Retryable, UnknownOutcome
from ...i18n import _
from ...model import CheckResult
from ..base import ChannelContext
from ..http import client_from, error_json
from . import BrandMessage, DealerReceipt

API_BASE = "https://api.solapi.com"
MAX_RECIPIENTS = 10_000          # per PUT .../messages (documented limit)
KEY_FIELD = "outreachKey"        # customFields: key up to 30 characters, value up to 100
# Documented spellings (authentication/api-key.md): all answered with HTTP 403.
AUTH_CODES = {"InvalidAPIKey", "SignatureDoesNotMatch"}
SENT = {"SENDING", "COMPLETE", "SCHEDULED"}       # the group went out (or will, by schedule)
ALREADY_SENT_CODES = {"GroupInProcessing", "AlreadySent", "ScheduledGroup"}
LIST_LIMIT = 500                 # groups per list page (documented maximum)
LIST_PAGES = 4


def authorization(api_key: str, api_secret: str, *, date: str | None = None, salt: str | None = None) -> str:
    """The Solapi HMAC-SHA256 Authorization header value."""
    date = date or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    salt = salt or pysecrets.token_hex(16)
    signature = hmac.new(api_secret.encode(), (date + salt).encode(), hashlib.sha256).hexdigest()
    return f"HMAC-SHA256 apiKey={api_key}, date={date}, salt={salt}, signature={signature}"


def key_value(key: str) -> str:
    """The delivery key as a customFields value (at most 100 characters)."""
    return key if len(key) <= 100 else hashlib.sha256(key.encode()).hexdigest()


class _SolapiAuth(requests.auth.AuthBase):
    def __init__(self, key: str, secret: str) -> None:
        self.key, self.secret = key, secret

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = authorization(self.key, self.secret)
        return r


class GroupRecords:
    """Which Solapi group belongs to which delivery key, on disk (one small file per key)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, key: str) -> Path:
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.json"

    def get(self, key: str) -> str | None:
        try:
            data = json.loads(self.path(key).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return str(data["group_id"]) if data.get("key") == key and data.get("group_id") else None

    def put(self, key: str, group_id: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"key": key, "group_id": group_id,
                "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".group.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, self.path(key))


class SolapiDealer:
    name = "solapi"

    def __init__(self, ctx: ChannelContext) -> None:
        self.ctx = ctx
        key, secret = ctx.secret("solapi_api_key_env"), ctx.secret("solapi_api_secret_env")
        self.key_env = ctx.settings.get("solapi_api_key_env")
        self.http = client_from(ctx, default_base=API_BASE, platform="Solapi", secrets=[key, secret],
                                auth=_SolapiAuth(key, secret), classify=self._classify,
                                base_key="dealer_api_base")
        self.records = GroupRecords(ctx.var_dir / "solapi" / ctx.name)

    # -- errors -------------------------------------------------------------
    def _classify(self, resp: requests.Response, create: bool) -> ChannelError | None:
        """Solapi's error answer ``{errorCode, errorMessage}`` -> typed failure.

        A 2xx answer is read by the caller: after a send it may carry an error
        although the messages went out, so it is never a plain refusal.
        """
        body = error_json(resp)
        if body is None or not body.get("errorCode"):
            return None
        code = str(body["errorCode"])
        what = f"Solapi {code}: {body.get('errorMessage', '')}"
        name = self.ctx.name
        if resp.status_code == 429 or resp.status_code >= 500:
            return None        # the HTTP layer's rule: wait, or "may have acted" on a create
        if code in AUTH_CODES or resp.status_code == 401:
            return AuthExpired(_("{what}. Check the API key and secret in the Solapi console and "
                                 "set {env}", what=what, env=self.key_env), channel=name)
        if code == "RequestTimeTooSkewed":
            return Rejected(_("{what}. This computer's clock is more than 15 minutes off: fix it "
                              "(NTP)", what=what), channel=name, reason=code)
        if code == "DuplicatedSignature":   # refused before anything happened; a new signature fixes it
            return Retryable(what, channel=name, retry_after=1)
        if code == "NotEnoughBalance":
            return Rejected(_("{what}. Charge the Solapi balance, then retry: nothing was sent",
                              what=what), channel=name, reason=code)
        if code == "Forbidden":
            return Rejected(_("{what}. The API key lacks a permission it needs (message:write, "
                              "message:read, cash:read): grant it in the Solapi console",
                              what=what), channel=name, reason=code)
        return Rejected(what, channel=name, reason=code)

    # -- groups -------------------------------------------------------------
    def group(self, group_id: str) -> dict[str, Any] | None:
        """``GET /messages/v4/groups/{id}``: the group, or None if Solapi has no such group."""
        try:
            body = self.http.json(self.http.get(f"/messages/v4/groups/{group_id}"), create=False)
        except Rejected as exc:
            if exc.reason == "ResourceNotFound":
                return None
            raise
        return body if isinstance(body, dict) and body.get("groupId") else None

    def search(self, key: str) -> dict[str, Any] | None:
        """Solapi's recent groups, searched for the one carrying ``key`` in its customFields."""
        days = int(self.ctx.setting("lookup_days", 14, type_=int))
        since = (datetime.now(timezone.utc) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        params: dict[str, Any] = {"startDate": since, "dateType": "CREATED", "limit": LIST_LIMIT}
        value = key_value(key)
        found: list[dict[str, Any]] = []
        for _page in range(LIST_PAGES):
            body = self.http.json(self.http.get("/messages/v4/groups", params=params), create=False)
            groups = (body or {}).get("groupList") or {}
            for group in groups.values():
                if isinstance(group, dict) and (group.get("customFields") or {}).get(KEY_FIELD) == value:
                    found.append(group)
            if not body.get("nextKey"):
                break
            params["startKey"] = body["nextKey"]
        if not found:
            return None
        # a group that went out wins over one still pending; deleted ones never count
        found = [g for g in found if g.get("status") != "DELETED"] or found
        found.sort(key=lambda g: (g.get("status") in SENT, str(g.get("dateCreated") or "")))
        return found[-1]

    def lookup(self, key: str) -> dict[str, Any] | None:
        """The group made for ``key`` by an earlier attempt, if any: the id on file, else a search."""
        group_id = self.records.get(key)
        group = self.group(group_id) if group_id else None
        if group is None or group.get("status") == "DELETED":
            group = self.search(key)
            if group is not None and group.get("groupId"):
                self.records.put(key, str(group["groupId"]))
        return group

    def find(self, key: str) -> DealerReceipt | None:
        """The group sent for ``key``, or None when none went out (a pending one did not)."""
        group = self.lookup(key)
        if group is None or group.get("status") not in SENT:
            return None
        return self._receipt(group, already=True)

    # -- sending ------------------------------------------------------------
    def send(self, message: BrandMessage, key: str) -> DealerReceipt:
        """Send ``message`` once for ``key``: finish an earlier group, never make a second."""
        if not message.recipients:
            raise Rejected(_("no recipients for the brand message: fill recipients_file"),
                           channel=self.ctx.name)
        if len(message.recipients) > MAX_RECIPIENTS:
            raise Rejected(_("{n} recipients: Solapi takes at most {max} in one group request",
                             n=len(message.recipients), max=MAX_RECIPIENTS), channel=self.ctx.name)
        messages = self._messages(message)
        try:
            group = self.lookup(key)
            if group is None or group.get("status") == "DELETED":
                group = self._create(key)
            status = group.get("status")
            if status in SENT:
                return self._receipt(group, already=True)
            if status != "PENDING":
                log = "; ".join(str(e.get("message")) for e in (group.get("log") or [])[-2:]
                                if isinstance(e, dict))
                raise Rejected(_("Solapi message group {id} is {status} ({log}): nothing was sent; "
                                 "look at it in the Solapi console", id=group.get("groupId"),
                                 status=status, log=log or "no log"),
                               channel=self.ctx.name, reason=f"group {status}")
            failed = self._fill(group, messages)
        except UnknownOutcome as exc:
            # Nothing before the send call reaches citizens: the next attempt looks the
            # group up and carries on from where this one stopped.
            raise Retryable(_("{detail}; nothing was sent yet, the next attempt continues with "
                              "the same message group", detail=exc.detail),
                            channel=self.ctx.name) from None
        return self._send(str(group["groupId"]), failed)

    def _messages(self, message: BrandMessage) -> list[dict[str, Any]]:
        pf_id = self.ctx.setting("pf_id", required=True, type_=str)
        sender = self.ctx.setting("sender", required=True, type_=str)
        bms: dict[str, Any] = {"targeting": "I", "chatBubbleType": "TEXT"}
        if message.buttons:
            bms["buttons"] = [{"name": b["name"], "linkType": "WL", "linkMobile": b["url"],
                               "linkPc": b["url"]} for b in message.buttons]
        kind = self.ctx.setting("message_type", "BMS_FREE", type_=str)
        return [{"to": to, "from": sender, "text": message.text, "type": kind,
                 "kakaoOptions": {"pfId": pf_id, "bms": bms}} for to in message.recipients]

    def _create(self, key: str) -> dict[str, Any]:
        body = self.http.json(self.http.post(
            "/messages/v4/groups",
            json_body={"allowDuplicates": False, "customFields": {KEY_FIELD: key_value(key)}}))
        if not isinstance(body, dict) or not body.get("groupId"):
            raise UnknownOutcome(_("Solapi answered the group creation without a group id"),
                                 channel=self.ctx.name)
        self.records.put(key, str(body["groupId"]))
        return body

    def _fill(self, group: dict[str, Any], messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Add the messages to a pending group unless an earlier attempt already did."""
        count = group.get("count") or {}
        total = int(count.get("total") or 0)
        if total == 0:
            body = self.http.json(self.http.request(
                "PUT", f"/messages/v4/groups/{group['groupId']}/messages",
                json_body={"messages": messages}))
            results = list((body or {}).get("resultList") or [])
            failed = [r for r in results if str(r.get("statusCode")) != "2000"]
            if results and len(failed) == len(results):
                raise Rejected(_("Solapi accepted none of {n} messages: {reasons}", n=len(results),
                                 reasons=_reasons(failed)), channel=self.ctx.name,
                               reason="all messages refused")
            return failed
        if total != len(messages):
            raise Rejected(_("Solapi message group {id} already holds {total} messages but the "
                             "recipients file lists {n}: check the group in the Solapi console "
                             "(delete it there to start over)", id=group["groupId"], total=total,
                             n=len(messages)), channel=self.ctx.name, reason="group holds other messages")
        if int(count.get("registeredSuccess", total) or 0) == 0:
            raise Rejected(_("Solapi refused every message of group {id}: see its log in the "
                             "Solapi console", id=group["groupId"]), channel=self.ctx.name,
                           reason="all messages refused")
        return []

    def _send(self, group_id: str, failed: list[dict[str, Any]]) -> DealerReceipt:
        """The one call that reaches citizens. Solapi refuses to send a group twice."""
        try:
            resp = self.http.post(f"/messages/v4/groups/{group_id}/send")
        except Rejected as exc:
            if exc.reason not in ALREADY_SENT_CODES | {"InvalidStatus"}:
                raise
            group = self.group(group_id) or {}
            if group.get("status") in SENT:
                return self._receipt(group, failed=failed, already=True)
            raise
        body = self.http.json(resp)
        if isinstance(body, dict) and body.get("groupId") and body.get("status") in SENT:
            return self._receipt(body, failed=failed)
        # 200 without a sent group (an error body, or something else): ask Solapi what happened
        group = self.group(group_id) or {}
        said = f"{body.get('errorCode')}: {body.get('errorMessage', '')}" \
            if isinstance(body, dict) and body.get("errorCode") else str(body)[:120]
        if group.get("status") in SENT:
            return self._receipt(group, failed=failed, note=_(
                "Solapi answered the send with an error ({said}) but the group went out",
                said=said))
        if group.get("status") == "PENDING":
            raise Rejected(_("Solapi refused to send group {id}: {said}; nothing was sent",
                             id=group_id, said=said), channel=self.ctx.name,
                           reason=str(body.get("errorCode") if isinstance(body, dict) else said))
        raise UnknownOutcome(_("Solapi answered the send of group {id} with {said} and the group "
                               "is {status}: check the Solapi console", id=group_id, said=said,
                               status=group.get("status") or "unknown"), channel=self.ctx.name)

    def _receipt(self, group: dict[str, Any], *, failed: list[dict[str, Any]] | None = None,
                 already: bool = False, note: str = "") -> DealerReceipt:
        count = group.get("count") or {}
        accepted = int(count.get("registeredSuccess") or 0)
        return DealerReceipt(group_id=str(group.get("groupId") or ""), accepted=accepted,
                             failed=list(failed or []), status=str(group.get("status") or ""),
                             already=already, note=note)

    # -- health -------------------------------------------------------------
    def check(self) -> list[CheckResult]:
        try:
            body = self.http.json(self.http.get("/cash/v1/balance"))
        except AuthExpired as exc:
            return [CheckResult(False, _("Solapi refused the API key"),
                                fix=exc.detail.split(". ", 1)[-1])]
        except ChannelError as exc:
            return [CheckResult(False, _("Solapi could not be checked: {detail}", detail=exc.detail),
                                fix=_("try again later; check dealer_api_base and the network"))]
        balance = float(body.get("balance") or 0) + float(body.get("point") or 0)
        return [CheckResult(balance > 0, _("Solapi balance {balance} KRW", balance=f"{balance:,.0f}"),
                            fix=None if balance > 0 else _("charge the Solapi balance before "
                                                           "sending"))]

    def close(self) -> None:
        self.http.close()


def masked(number: Any) -> str:
    """A phone number as staff may see it in errors and logs: 010****5678."""
    text = str(number or "?")
    return text[:3] + "*" * max(0, len(text) - 7) + text[-4:] if len(text) > 7 else text


def _reasons(failed: list[dict[str, Any]]) -> str:
    """'010****5678: 1060 차단된 수신번호; ...' for the first few refused numbers."""
    parts = [f"{masked(r.get('to'))}: {r.get('statusCode', '')} {r.get('statusMessage') or ''}".strip()
             for r in failed[:3]]
    more = len(failed) - len(parts)
    return "; ".join(parts) + (f" (+{more})" if more > 0 else "")
