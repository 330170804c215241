"""TourAPI 4.0 (Korea Tourism Organization, KorService2): festivals and events by date and region.

Checked with the search tool against the portal's pages for the service
(data.go.kr 15101578 "한국관광공사_국문 관광정보 서비스_GW", and its English twin
15101753 whose page lists the same operations) and against other projects' code
using KorService2 in 2025-2026:

- base ``https://apis.data.go.kr/B551011/KorService2``; operations
  ``searchFestival2`` (행사정보조회), ``detailCommon2`` (공통정보), ``detailIntro2``
  (소개정보, contentTypeId 15 = festival/event);
- every call needs ``serviceKey``, ``MobileOS`` (IOS, AND, WIN, ETC), ``MobileApp``
  (the service's name, for the portal's usage statistics) and ``_type=json``
  (the default answer is XML); paging is ``numOfRows``/``pageNo`` with
  ``totalCount`` in the body; success is resultCode "0000";
- ``searchFestival2`` takes ``eventStartDate`` (YYYYMMDD, required) and
  ``eventEndDate``, and the legal-dong region codes ``lDongRegnCd`` (시도, 2 digits)
  and ``lDongSignguCd`` (시군구, 3 digits) that replaced ``areaCode``/``sigunguCode``
  in version 2; one project's notes (2026-07) say the legacy ``areaCode`` is
  silently ignored by ``searchFestival2`` (0 results), so we never send it;
- Cheonan: legal-dong codes 4413100000 (동남구) and 4413300000 (서북구), i.e.
  lDongRegnCd 44 with lDongSignguCd 131 and 133 (the legal-dong code's 2 + 3 digit
  split as the Ministry's 법정동코드 service documents it, and the same rows in the KMA
  grid table; see docs/autopilot.md). NOT verified against ``ldongCode2`` itself (no
  key here, no stored copy of its answer): they are settings, so a city checks them
  once with ldongCode2;
- item fields ``contentid contenttypeid title addr1 addr2 tel mapx mapy
  eventstartdate eventenddate firstimage firstimage2 cpyrhtDivCd lDongRegnCd
  lDongSignguCd modifiedtime``; ``detailIntro2`` adds ``eventplace playtime
  usetimefestival sponsor1 sponsor1tel eventhomepage``; ``detailCommon2`` adds
  ``overview`` and ``homepage``;
- photos: the portal page says images are offered under KOGL (공공누리) type 1
  (attribution) and type 3 (attribution, no modification); ``cpyrhtDivCd`` says
  which ("Type1"/"Type3"). A card crops and darkens a photo, which type 3 forbids,
  so only Type1 photos are used, credited; others get the template's default photo.

Not verified: whether ``detailCommon2`` in version 2 still needs the old
``defaultYN``/``overviewYN`` flags (the 4.3 manual is said to have dropped them);
we send only ``contentId`` and treat a missing ``overview`` as "no description".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from . import datagokr

DEFAULT_URL = "https://apis.data.go.kr/B551011/KorService2"
SERVICE = "TourAPI"
OK = ("0000",)
FESTIVAL_TYPE = "15"
PHOTO_LICENCES = {"Type1": "공공누리 제1유형"}   # usable on a card, with credit
# TourAPI's photos are the Korea Tourism Organization's, published on its travel site
PHOTO_SOURCE = "한국관광공사 대한민국 구석구석(korean.visitkorea.or.kr)"


@dataclass
class Festival:
    """One event as TourAPI lists it, plus the details looked up for it."""

    content_id: str
    title: str
    start: date
    end: date
    address: str = ""
    region: str = ""            # lDongRegnCd
    district: str = ""          # lDongSignguCd
    tel: str = ""
    image_url: str = ""         # firstimage, only when its licence allows use on a card
    image_licence: str = ""     # cpyrhtDivCd as given
    details: dict[str, str] = field(default_factory=dict)

    @property
    def photo_allowed(self) -> bool:
        return bool(self.image_url) and self.image_licence in PHOTO_LICENCES

    @property
    def credit(self) -> str:
        """The attribution KOGL type 1 asks for ("" when no photo of ours is used): the
        source (agency and its site, KOGL's own example "출처 - [기관명], [사이트명(URL)]")
        and the licence type."""
        if not self.photo_allowed:
            return ""
        return f"사진: {PHOTO_SOURCE}, {PHOTO_LICENCES[self.image_licence]}"


def _date(text: Any) -> date | None:
    raw = str(text or "").strip()
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8])) if len(raw) >= 8 else None
    except ValueError:
        return None


class TourAPI:
    """A thin client: one method per operation we use."""

    def __init__(self, key: str, *, url: str = DEFAULT_URL, app: str = "outreach",
                 timeout: float = 20.0) -> None:
        self.key = datagokr.normalize_key(key)
        self.url, self.app, self.timeout = url.rstrip("/"), app, timeout

    def _common(self) -> dict[str, str]:
        return {"MobileOS": "ETC", "MobileApp": self.app, "_type": "json"}

    def festivals(self, start: date, end: date, *, region: str,
                  districts: tuple[str, ...] = ()) -> list[Festival]:
        """Events running at some point between ``start`` and ``end`` in the region's
        districts (one search per district; the whole 시도 when none is given)."""
        found: dict[str, Festival] = {}
        for district in districts or ("",):
            params = {**self._common(), "eventStartDate": f"{start:%Y%m%d}",
                      "eventEndDate": f"{end:%Y%m%d}", "lDongRegnCd": region}
            if district:
                params["lDongSignguCd"] = district
            for item in datagokr.get_all(f"{self.url}/searchFestival2", params, key=self.key,
                                         service=SERVICE, ok=OK, timeout=self.timeout):
                festival = _festival(item)
                if festival and festival.start <= end and festival.end >= start:
                    found.setdefault(festival.content_id, festival)
        return list(found.values())

    def details(self, festival: Festival) -> dict[str, str]:
        """detailIntro2 (place, hours, fee) and detailCommon2 (description, homepage)."""
        out: dict[str, str] = {}
        for operation, extra in (("detailIntro2", {"contentTypeId": FESTIVAL_TYPE}),
                                 ("detailCommon2", {})):
            page = datagokr.get(f"{self.url}/{operation}",
                                {**self._common(), "contentId": festival.content_id, **extra},
                                key=self.key, service=SERVICE, ok=OK, timeout=self.timeout)
            for item in page.items[:1]:
                out.update({k: str(v) for k, v in item.items() if v not in (None, "")})
        festival.details = out
        return out


def _festival(item: dict[str, Any]) -> Festival | None:
    start, end = _date(item.get("eventstartdate")), _date(item.get("eventenddate"))
    if not item.get("contentid") or not item.get("title") or start is None:
        return None
    return Festival(
        content_id=str(item["contentid"]), title=str(item["title"]).strip(), start=start,
        end=end or start,
        address=" ".join(str(item.get(k) or "").strip() for k in ("addr1", "addr2")).strip(),
        region=str(item.get("lDongRegnCd") or ""), district=str(item.get("lDongSignguCd") or ""),
        tel=str(item.get("tel") or ""), image_url=str(item.get("firstimage") or ""),
        image_licence=str(item.get("cpyrhtDivCd") or ""))
