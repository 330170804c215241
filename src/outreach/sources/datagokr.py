"""The Korean public data portal (apis.data.go.kr): service keys, calls and error envelopes.

TourAPI and the KMA forecast both sit behind the portal's gateway, so they share
its habits, checked against the portal's own pages (data.go.kr/data/15084084 and
15101578, and the gateway's published error codes):

- the ``serviceKey`` is issued in two forms ("Encoding" with %2B %2F %3D, and
  "Decoding" with + / =); an HTTP client percent-encodes query values, so pasting
  the encoded one gets encoded twice and the gateway answers
  SERVICE_KEY_IS_NOT_REGISTERED_ERROR (reason 30). ``normalize_key`` unquotes
  whatever staff pasted (repeatedly, for a key encoded twice by hand) and lets
  ``requests`` encode it exactly once, so either form works;
- a normal answer is JSON ``{"response": {"header": {"resultCode", "resultMsg"},
  "body": {...}}}`` with resultCode "0000" (TourAPI) or "00" (KMA);
- a gateway error (bad or expired key, traffic limit, unknown operation) is XML
  ``<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg/><returnAuthMsg/>
  <returnReasonCode/></cmmMsgHeader></OpenAPI_ServiceResponse>`` even when JSON
  was asked for, often with HTTP 200;
- the request URL carries the key, and ``requests``' exception messages carry
  the URL, so no message built here ever includes either: errors name the
  service and say what to do.

Not verified against a live gateway (no key on this machine): the exact HTTP
status that accompanies each XML error; we therefore read the body whatever the
status is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import unquote

from ..errors import SourceError
from ..i18n import _
from ..failures import failure_words
from ..logs import register_secret

# returnReasonCode / resultCode values the portal documents (common to every service);
# shown as the gateway names them, so staff can search the portal's help for them
REASONS = {
    "01": "APPLICATION_ERROR",
    "02": "DB_ERROR",
    "03": "NODATA_ERROR",
    "04": "HTTP_ERROR",
    "05": "SERVICETIME_OUT",
    "10": "INVALID_REQUEST_PARAMETER_ERROR",
    "11": "NO_MANDATORY_REQUEST_PARAMETERS_ERROR",
    "12": "NO_OPENAPI_SERVICE_ERROR",
    "20": "SERVICE_ACCESS_DENIED_ERROR",
    "21": "TEMPORARILY_DISABLE_THE_SERVICEKEY_ERROR",
    "22": "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR",
    "30": "SERVICE_KEY_IS_NOT_REGISTERED_ERROR",
    "31": "DEADLINE_HAS_EXPIRED_ERROR",
    "32": "UNREGISTERED_IP_ERROR",
    "33": "UNSIGNED_CALL_ERROR",
    "99": "UNKNOWN_ERROR",
}
KEY_PROBLEMS = {"20", "21", "30", "31", "32", "33"}


class PortalError(SourceError):
    """The portal or the service refused or failed; ``code`` is its reason code."""

    def __init__(self, message: str, *, code: str = "", service: str = "") -> None:
        super().__init__(message)
        self.code, self.service = code, service

    @property
    def key_problem(self) -> bool:
        return self.code in KEY_PROBLEMS


def normalize_key(raw: str) -> str:
    """The decoded key, whichever form was pasted (even one encoded twice by hand)."""
    key = raw.strip()
    for _ in range(3):
        decoded = unquote(key)
        if decoded == key:
            break
        key = decoded
    register_secret(key)
    register_secret(raw.strip())
    return key


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int
    page: int
    rows: int


_XML_CODE = re.compile(r"<returnReasonCode>\s*(\d+)\s*</returnReasonCode>")
_XML_MSG = re.compile(r"<returnAuthMsg>\s*([^<]*)</returnAuthMsg>|<errMsg>\s*([^<]*)</errMsg>")
_XML_RESULT = re.compile(r"<resultCode>\s*(\d+)\s*</resultCode>")


def short_code(code: str) -> str:
    """'0031' (TourAPI's four digits) and '31' (KMA, the gateway) are the same reason."""
    code = code.strip()
    return code[-2:] if len(code) == 4 and code.startswith("00") else code.zfill(2)


def _advice(code: str) -> str:
    if code == "30":
        return _("check the key in .env (paste the Decoding or the Encoding key exactly as "
                 "data.go.kr shows it; a new key works about an hour after it is issued) and "
                 "that this service is approved for it")
    if code == "31":
        return _("the key has expired: extend the use period on data.go.kr "
                 "(마이페이지 > 오픈API > 활용신청 현황)")
    if code == "32":
        return _("register this server's IP address for the key on data.go.kr")
    if code in KEY_PROBLEMS:
        return _("check the key's application on data.go.kr")
    if code == "22":
        return _("the daily request limit is used up: the next pass tries again tomorrow")
    return _("the next pass tries again")


def _refusal(service: str, code: str, detail: str) -> PortalError:
    code = short_code(code)
    name = REASONS.get(code) or detail or "UNKNOWN_ERROR"
    return PortalError(_("{service}: the data portal refused the request ({code} {name}): "
                         "{advice}", service=service, code=code, name=name,
                         advice=_advice(code)), code=code, service=service)


def parse(body: bytes, *, service: str, ok: tuple[str, ...]) -> Page:
    """A page of items, or the PortalError its envelope describes."""
    text = body.decode("utf-8", errors="replace").strip()
    if text.startswith("<"):
        code = _XML_CODE.search(text) or _XML_RESULT.search(text)
        msg = _XML_MSG.search(text)
        detail = next((g for g in (msg.groups() if msg else ()) if g), "").strip()
        raise _refusal(service, code.group(1) if code else "99", detail)
    try:
        doc = json.loads(text)
        if isinstance(doc, dict) and "response" not in doc and "resultCode" in doc:
            # KorService2 answers a bad parameter with a bare {"resultCode", "resultMsg"}
            raise _refusal(service, str(doc["resultCode"]), str(doc.get("resultMsg", "")))
        header = doc["response"]["header"]
        code = str(header.get("resultCode", "")).strip()
    except (ValueError, KeyError, TypeError):
        raise PortalError(_("{service}: the answer was not the documented JSON envelope: "
                            "the next pass tries again", service=service),
                          service=service) from None
    if code not in ok:
        if short_code(code) == "03":
            return Page([], 0, 1, 0)                     # KMA "NO_DATA": an empty page
        raise _refusal(service, code, str(header.get("resultMsg", "")).strip())
    body_obj = doc["response"].get("body") or {}
    items = body_obj.get("items") or {}
    item = items.get("item", []) if isinstance(items, Mapping) else []
    if isinstance(item, Mapping):                        # one result comes as an object
        item = [item]
    return Page(items=[dict(i) for i in item if isinstance(i, Mapping)],
                total=int(body_obj.get("totalCount") or 0),
                page=int(body_obj.get("pageNo") or 1), rows=int(body_obj.get("numOfRows") or 0))


def get(url: str, params: Mapping[str, Any], *, key: str, service: str, ok: tuple[str, ...],
        timeout: float = 20.0) -> Page:
    """One GET; the key goes in ``serviceKey``, encoded once by requests."""
    import requests

    try:
        response = requests.get(url, params={"serviceKey": key, **params}, timeout=timeout,
                                headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise PortalError(_("{service}: cannot reach the data portal ({error}): the next pass "
                            "tries again", service=service, error=failure_words(exc)),
                          service=service) from None
    enveloped = b"<returnReasonCode>" in response.content or b"<resultCode>" in response.content
    if response.status_code >= 500 and not enveloped:
        raise PortalError(_("{service}: the data portal answered HTTP {status}: the next pass "
                            "tries again", service=service, status=response.status_code),
                          service=service)
    if response.status_code == 404 and not enveloped:
        raise PortalError(_("{service}: HTTP 404: check the service address in outreach.toml "
                            "[autopilot]", service=service), service=service)
    return parse(response.content, service=service, ok=ok)


def get_all(url: str, params: Mapping[str, Any], *, key: str, service: str, ok: tuple[str, ...],
            rows: int = 100, max_pages: int = 20, timeout: float = 20.0) -> list[dict[str, Any]]:
    """Every item, page after page (``pageNo``/``numOfRows``/``totalCount``)."""
    items: list[dict[str, Any]] = []
    for number in range(1, max_pages + 1):
        page = get(url, {**params, "numOfRows": rows, "pageNo": number}, key=key,
                   service=service, ok=ok, timeout=timeout)
        items.extend(page.items)
        if not page.items or len(items) >= page.total or len(page.items) < rows:
            break
    return items
