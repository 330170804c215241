"""A local TourAPI 4.0 (KorService2) answering as its guide documents.

searchFestival2 / detailIntro2 / detailCommon2 with the common parameters
(serviceKey, MobileOS, MobileApp, _type=json), paging (numOfRows, pageNo,
totalCount), legal-dong filters (lDongRegnCd, lDongSignguCd), resultCode "0000".
Learned behaviour kept: the legacy ``areaCode`` is ignored by searchFestival2 and
returns nothing (a project's notes, 2026-07). The festivals are made up for the
tests: realistic Cheonan-area events around the first weekend of December 2026.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from .base import Answer, FakeServer, Request
from .datagokr import KEY, Gateway, gateway_error

BASE = "/B551011/KorService2"


def festival(cid: str, title: str, start: str, end: str, *, district: str = "131",
             region: str = "44", addr: str = "충청남도 천안시 동남구", image: bool = True,
             licence: str = "Type1", intro: dict[str, str] | None = None,
             overview: str = "") -> dict[str, Any]:
    return {"contentid": cid, "contenttypeid": "15", "title": title, "addr1": addr, "addr2": "",
            "tel": "041-521-5114", "mapx": "127.1520", "mapy": "36.8151",
            "eventstartdate": start, "eventenddate": end,
            "firstimage": f"/img/{cid}.jpg" if image else "", "firstimage2": "",
            "cpyrhtDivCd": licence if image else "", "lDongRegnCd": region,
            "lDongSignguCd": district, "modifiedtime": "20261120093000", "areacode": "34",
            "sigungucode": "12", "_intro": intro or {}, "_overview": overview}


SAMPLE = [
    festival("3123401", "천안 흥타령 겨울 빛 축제", "20261127", "20261213",
             intro={"eventplace": "천안삼거리공원 일원", "playtime": "17:30~22:00",
                    "usetimefestival": "무료"},
             overview="능수버들 빛터널과 흥타령 조형물이 삼거리공원을 밝힙니다. 매일 저녁 점등식이 열립니다."),
    festival("3123402", "독립기념관 겨레의 큰마당 겨울 체험", "20261205", "20261206",
             intro={"eventplace": "독립기념관 겨레의 큰마당", "playtime": "10:00~16:00",
                    "usetimefestival": "체험비 3,000원"},
             overview="연날리기, 팽이치기 등 전통 겨울놀이를 가족이 함께 즐깁니다."),
    festival("3123403", "성정동 골목 크리스마스 마켓", "20261205", "20261205", district="133",
             addr="충청남도 천안시 서북구 성정동", licence="Type3",
             intro={"eventplace": "성정동 먹자골목", "playtime": "15:00~21:00",
                    "usetimefestival": "무료"},
             overview="골목 상인들이 준비한 크리스마스 소품과 먹거리 장터입니다."),
    festival("3123404", "아산 곡교천 은행나무길 야경 산책", "20261204", "20261206",
             district="200", addr="충청남도 아산시 염치읍",
             intro={"eventplace": "곡교천 은행나무길", "usetimefestival": "무료"}),
    festival("3123405", "천안예술의전당 송년 가족 음악회", "20261206", "20261206", district="133",
             addr="충청남도 천안시 동남구 삼룡동", image=False,
             intro={"eventplace": "천안예술의전당 대공연장", "playtime": "17:00",
                    "usetimefestival": "R석 20,000원, S석 10,000원"}),
]


def jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (1200, 800), (40, 90, 160)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


class FakeTourAPI(FakeServer):
    def __init__(self, festivals: list[dict[str, Any]] | None = None, key: str = KEY) -> None:
        super().__init__()
        self.gateway = Gateway(key)
        self.festivals = list(SAMPLE if festivals is None else festivals)
        self.detail_down = False
        self.route("GET", BASE + "/searchFestival2", self._search)
        self.route("GET", BASE + "/detailIntro2", self._intro)
        self.route("GET", BASE + "/detailCommon2", self._common)
        self.route("GET", r"/img/(\w+)\.jpg", lambda r, m: Answer(200, jpeg(),
                                                                   content_type="image/jpeg"))

    @property
    def base(self) -> str:
        return self.url + BASE

    def _refuse(self, req: Request) -> Answer | None:
        refusal = self.gateway.check(req.query)
        if refusal:
            return refusal
        if not req.query.get("MobileOS") or not req.query.get("MobileApp"):
            return gateway_error("11")
        return None

    @staticmethod
    def _envelope(items: list[dict[str, Any]], page: int, rows: int, total: int) -> Answer:
        return Answer(200, {"response": {
            "header": {"resultCode": "0000", "resultMsg": "OK"},
            "body": {"items": {"item": items} if items else "", "numOfRows": rows,
                     "pageNo": page, "totalCount": total}}})

    def _public(self, f: dict[str, Any]) -> dict[str, Any]:
        item = {k: v for k, v in f.items() if not k.startswith("_")}
        if item["firstimage"].startswith("/"):
            item["firstimage"] = self.url + item["firstimage"]
        return item

    def _search(self, req: Request, _m: Any) -> Answer:
        refusal = self._refuse(req)
        if refusal:
            return refusal
        q = req.query
        if q.get("_type") != "json":
            return Answer(200, "<response><header><resultCode>0000</resultCode></header></response>",
                          content_type="text/xml;charset=UTF-8")
        if "eventStartDate" not in q:
            return gateway_error("11")
        rows, page = int(q.get("numOfRows", 10)), int(q.get("pageNo", 1))
        if "areaCode" in q and "lDongRegnCd" not in q:
            return self._envelope([], page, rows, 0)
        first = date(int(q["eventStartDate"][:4]), int(q["eventStartDate"][4:6]),
                     int(q["eventStartDate"][6:]))
        last = q.get("eventEndDate")
        last_day = date(int(last[:4]), int(last[4:6]), int(last[6:])) if last else None

        def day(text: str) -> date:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))

        hits = [f for f in self.festivals
                if day(f["eventenddate"]) >= first
                and (last_day is None or day(f["eventstartdate"]) <= last_day)
                and (not q.get("lDongRegnCd") or f["lDongRegnCd"] == q["lDongRegnCd"])
                and (not q.get("lDongSignguCd") or f["lDongSignguCd"] == q["lDongSignguCd"])]
        chunk = hits[(page - 1) * rows: page * rows]
        return self._envelope([self._public(f) for f in chunk], page, rows, len(hits))

    def _find(self, req: Request) -> dict[str, Any] | None:
        return next((f for f in self.festivals if f["contentid"] == req.query.get("contentId")),
                    None)

    def _intro(self, req: Request, _m: Any) -> Answer:
        refusal = self._refuse(req)
        if refusal:
            return refusal
        if self.detail_down:
            return Answer(502, "<html><body>502 Bad Gateway</body></html>",
                          content_type="text/html")
        f = self._find(req)
        items = [{"contentid": f["contentid"], "contenttypeid": "15", **f["_intro"]}] if f else []
        return self._envelope(items, 1, 10, len(items))

    def _common(self, req: Request, _m: Any) -> Answer:
        refusal = self._refuse(req)
        if refusal:
            return refusal
        f = self._find(req)
        items = [{"contentid": f["contentid"], "title": f["title"], "overview": f["_overview"],
                  "homepage": '<a href="https://www.cheonan.go.kr" target="_blank">천안시</a>'}] \
            if f else []
        return self._envelope(items, 1, 10, len(items))
