"""A local KMA short-term forecast (VilageFcstInfoService_2.0 getVilageFcst).

As the portal's guide (data.go.kr 15084084) documents it: serviceKey, pageNo,
numOfRows, dataType (XML unless JSON), base_date, base_time, nx, ny; issues at
02, 05, ..., 23 KST served ten minutes later; resultCode "00" NORMAL_SERVICE,
"03" NO_DATA for an issue not yet served, "10" for a base_time that is no issue;
the 02-14 issues reach the third day after the issue day, 17-23 the fourth.
The weather is made up per date for the tests (``weather`` below).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .base import Answer, FakeServer, Request
from .datagokr import KEY, Gateway

BASE = "/1360000/VilageFcstInfoService_2.0"
KST = ZoneInfo("Asia/Seoul")
ISSUES = (2, 5, 8, 11, 14, 17, 20, 23)


class FakeKMA(FakeServer):
    def __init__(self, now: datetime, key: str = KEY) -> None:
        super().__init__()
        self.gateway = Gateway(key)
        self.now = now
        # date -> {"sky": "1"|"3"|"4", "wet": {hour: pty}, "low": int, "high": int, "pop": int}
        self.weather: dict[date, dict[str, Any]] = {}
        self.route("GET", BASE + "/getVilageFcst", self._forecast)

    @property
    def base(self) -> str:
        return self.url + BASE

    @staticmethod
    def _header(code: str, msg: str) -> Answer:
        return Answer(200, {"response": {"header": {"resultCode": code, "resultMsg": msg}}})

    def _forecast(self, req: Request, _m: Any) -> Answer:
        refusal = self.gateway.check(req.query)
        if refusal:
            return refusal
        q = req.query
        try:
            issued = datetime.strptime(q["base_date"] + q["base_time"], "%Y%m%d%H%M").replace(tzinfo=KST)
            nx, ny = int(q["nx"]), int(q["ny"])
            rows, page = int(q.get("numOfRows", 10)), int(q.get("pageNo", 1))
        except (KeyError, ValueError):
            return self._header("10", "INVALID_REQUEST_PARAMETER_ERROR")
        if issued.minute or issued.hour not in ISSUES:
            return self._header("10", "INVALID_REQUEST_PARAMETER_ERROR")
        if issued + timedelta(minutes=10) > self.now.astimezone(KST):
            return self._header("03", "NO_DATA")
        if q.get("dataType", "XML").upper() != "JSON":
            return Answer(200, "<response><header><resultCode>00</resultCode></header></response>",
                          content_type="text/xml;charset=UTF-8")
        items = self._items(issued, nx, ny)
        chunk = items[(page - 1) * rows: page * rows]
        return Answer(200, {"response": {
            "header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE"},
            "body": {"dataType": "JSON", "items": {"item": chunk}, "pageNo": page,
                     "numOfRows": rows, "totalCount": len(items)}}})

    def _items(self, issued: datetime, nx: int, ny: int) -> list[dict[str, Any]]:
        reach = 3 if issued.hour <= 14 else 4
        out = []
        start = issued + timedelta(hours=1)
        last_day = issued.date() + timedelta(days=reach)
        t = start
        while t.date() <= last_day:
            extended = (t.date() - issued.date()).days >= 3
            if extended and t.hour % 3:
                t += timedelta(hours=1)
                continue
            w = self.weather.get(t.date(), {"sky": "1", "low": 0, "high": 10, "pop": 0})
            pty = str(w.get("wet", {}).get(t.hour, "0"))
            span = w["high"] - w["low"]
            tmp = w["low"] + span * max(0, 1 - abs(t.hour - 15) / 9)
            values = {"TMP": f"{round(tmp)}", "SKY": "4" if pty != "0" else w["sky"],
                      "PTY": pty, "POP": str(80 if pty != "0" else w.get("pop", 0)),
                      "PCP": "1.0mm" if pty in ("1", "2", "4") else "강수없음"}
            if t.hour == 6:
                values["TMN"] = f"{w['low']:.1f}"
            if t.hour == 15:
                values["TMX"] = f"{w['high']:.1f}"
            for category, value in values.items():
                out.append({"baseDate": f"{issued:%Y%m%d}", "baseTime": f"{issued:%H%M}",
                            "category": category, "fcstDate": f"{t:%Y%m%d}",
                            "fcstTime": f"{t:%H}00", "fcstValue": value, "nx": nx, "ny": ny})
            t += timedelta(hours=1)
        return out
