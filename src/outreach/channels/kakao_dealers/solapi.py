"""Solapi (솔라피) as brand-message dealer: ``POST /messages/v4/send-many``.

Auth (docs: developers.solapi.com, "API Key 인증 방식"): every request carries
``Authorization: HMAC-SHA256 apiKey=<key>, date=<ISO 8601>, salt=<random>,
signature=<hex HMAC-SHA256(secret, date + salt)>``; a signature is valid for
15 minutes and only once, so it is made fresh per request.

All recipients go in one request (Solapi takes up to 10,000): splitting would
let a lost second answer resend the first half to citizens on retry.
Settings: ``solapi_api_key_env``, ``solapi_api_secret_env``, ``pf_id`` (the
channel's 발신 프로필 ID), ``sender`` (registered number), ``dealer_api_base``
(default https://api.solapi.com), ``message_type`` (default "BMS_FREE").
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as pysecrets
from datetime import datetime, timezone
from typing import Any

import requests

from ...errors import AuthExpired, ChannelError, Rejected, UnknownOutcome
from ...model import CheckResult
from ..base import ChannelContext
from ..http import client_from, error_json
from . import BrandMessage, DealerReceipt

API_BASE = "https://api.solapi.com"
MAX_RECIPIENTS = 10_000
AUTH_CODES = {"InvalidApiKey", "SignatureDoesNotMatch", "Unauthorized", "InvalidAuthorization",
              "NotFoundApiKey", "DeactivatedApiKey"}


def authorization(api_key: str, api_secret: str, *, date: str | None = None, salt: str | None = None) -> str:
    """The Solapi HMAC-SHA256 Authorization header value."""
    date = date or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    salt = salt or pysecrets.token_hex(16)
    signature = hmac.new(api_secret.encode(), (date + salt).encode(), hashlib.sha256).hexdigest()
    return f"HMAC-SHA256 apiKey={api_key}, date={date}, salt={salt}, signature={signature}"


class _SolapiAuth(requests.auth.AuthBase):
    def __init__(self, key: str, secret: str) -> None:
        self.key, self.secret = key, secret

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = authorization(self.key, self.secret)
        return r


class SolapiDealer:
    name = "solapi"

    def __init__(self, ctx: ChannelContext) -> None:
        self.ctx = ctx
        key, secret = ctx.secret("solapi_api_key_env"), ctx.secret("solapi_api_secret_env")
        self.key_env = ctx.settings.get("solapi_api_key_env")
        self.http = client_from(ctx, default_base=API_BASE, platform="Solapi", secrets=[key, secret],
                                auth=_SolapiAuth(key, secret), classify=self._classify,
                                base_key="dealer_api_base")

    def _classify(self, resp: requests.Response, create: bool) -> ChannelError | None:
        body = error_json(resp)
        if body is None:
            return None
        code = str(body.get("errorCode") or "")
        what = f"Solapi {code}: {body.get('errorMessage', '')}"
        if code in AUTH_CODES or resp.status_code == 401:
            return AuthExpired(f"{what}. Check the API key and secret in the Solapi console and set "
                               f"{self.key_env}", channel=self.ctx.name)
        if code == "RequestTimeTooSkewed":
            return Rejected(f"{what}. This computer's clock is more than 15 minutes off: fix it (NTP)",
                            channel=self.ctx.name, reason=code)
        if code in ("NotEnoughBalance", "NotEnoughPoint"):
            return Rejected(f"{what}. Charge the Solapi balance", channel=self.ctx.name, reason=code)
        return None

    def send(self, message: BrandMessage) -> DealerReceipt:
        if not message.recipients:
            raise Rejected("no recipients for the brand message: fill recipients_file",
                           channel=self.ctx.name)
        if len(message.recipients) > MAX_RECIPIENTS:
            raise Rejected(f"{len(message.recipients)} recipients: Solapi takes at most "
                           f"{MAX_RECIPIENTS} in one request", channel=self.ctx.name)
        pf_id = self.ctx.setting("pf_id", required=True, type_=str)
        sender = self.ctx.setting("sender", required=True, type_=str)
        bms: dict[str, Any] = {"targeting": "I", "chatBubbleType": "TEXT"}
        if message.buttons:
            bms["buttons"] = [{"name": b["name"], "linkType": "WL", "linkMobile": b["url"],
                               "linkPc": b["url"]} for b in message.buttons]
        messages = [{"to": to, "from": sender, "text": message.text,
                     "type": self.ctx.setting("message_type", "BMS_FREE", type_=str),
                     "kakaoOptions": {"pfId": pf_id, "bms": bms}} for to in message.recipients]
        resp = self.http.post("/messages/v4/send-many",
                              json_body={"messages": messages, "allowDuplicates": False})
        body = self.http.json(resp)
        if not isinstance(body, dict) or "groupInfo" not in body:
            if isinstance(body, dict) and body.get("errorCode"):
                raise Rejected(f"Solapi {body['errorCode']}: {body.get('errorMessage', '')}",
                               channel=self.ctx.name, reason=str(body["errorCode"]))
            raise UnknownOutcome("Solapi answered without a message group; the messages may have "
                                 "gone out: check the Solapi console before sending again",
                                 channel=self.ctx.name)
        group = body.get("groupInfo") or {}
        count = group.get("count") or {}
        failed = list(body.get("failedMessageList") or [])
        accepted = int(count.get("registeredSuccess", len(messages) - len(failed)))
        if accepted == 0 and failed:
            first = failed[0]
            raise Rejected(f"Solapi accepted none of {len(messages)} messages: "
                           f"{first.get('statusCode', '')} {first.get('statusMessage') or first.get('errorMessage', '')}",
                           channel=self.ctx.name, reason="all messages refused")
        return DealerReceipt(group_id=str(group.get("groupId") or ""), accepted=accepted, failed=failed)

    def check(self) -> list[CheckResult]:
        try:
            body = self.http.json(self.http.get("/cash/v1/balance"))
        except AuthExpired as exc:
            return [CheckResult(False, "Solapi refused the API key", fix=exc.detail.split(". ", 1)[-1])]
        except ChannelError as exc:
            return [CheckResult(False, f"Solapi could not be checked: {exc.detail}",
                                fix="try again later; check dealer_api_base and the network")]
        balance = float(body.get("balance") or 0) + float(body.get("point") or 0)
        return [CheckResult(balance > 0, f"Solapi balance {balance:,.0f} KRW",
                            fix=None if balance > 0 else "charge the Solapi balance before sending")]

    def close(self) -> None:
        self.http.close()
