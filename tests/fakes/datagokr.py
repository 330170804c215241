"""What the data.go.kr gateway answers before a request reaches the service.

Shapes from the portal's published error codes (data.go.kr 15084084 and
15101578 guides, "OpenAPI 에러 코드"): a refused key is XML even when JSON was
asked for, with HTTP 200. The fake receives the query already decoded once, as
the gateway does: a key the client encoded twice arrives as '...%2B...' and is
not registered.
"""

from __future__ import annotations

from .base import Answer

REASONS = {
    "11": "NO_MANDATORY_REQUEST_PARAMETERS_ERROR",
    "22": "LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR",
    "30": "SERVICE_KEY_IS_NOT_REGISTERED_ERROR",
    "31": "DEADLINE_HAS_EXPIRED_ERROR",
}
# a decoded key as the portal issues them: base64-like, with + / and =
KEY = "q7Ri+Z0a/5yLm3Xw8uVd2Tg1Kp4Hs6Je9Nc0Bf7Ao2Wx5Qv8Me1Ly4Di3Gu6Zt9Rk0Pj2Ha5Sb8Nw1Ec4Xf7Yq=="


def gateway_error(code: str) -> Answer:
    body = ("<OpenAPI_ServiceResponse>\n\t<cmmMsgHeader>\n\t\t<errMsg>SERVICE ERROR</errMsg>\n"
            f"\t\t<returnAuthMsg>{REASONS[code]}</returnAuthMsg>\n"
            f"\t\t<returnReasonCode>{code}</returnReasonCode>\n"
            "\t</cmmMsgHeader>\n</OpenAPI_ServiceResponse>")
    return Answer(200, body, content_type="text/xml;charset=UTF-8")


class Gateway:
    """Key checks shared by the TourAPI and KMA fakes."""

    def __init__(self, key: str = KEY) -> None:
        self.key = key
        self.expired = False
        self.limit_reached = False

    def check(self, query: dict[str, str]) -> Answer | None:
        if query.get("serviceKey") != self.key:
            return gateway_error("30")
        if self.expired:
            return gateway_error("31")
        if self.limit_reached:
            return gateway_error("22")
        return None
