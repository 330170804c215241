"""TourAPI client against a local server answering as KorService2 documents."""

from __future__ import annotations

import logging
from datetime import date
from urllib.parse import quote

import pytest
import requests

from fakes.base import refused_url
from fakes.datagokr import KEY
from fakes.tourapi import FakeTourAPI, festival
from outreach.sources import datagokr
from outreach.sources.tourapi import TourAPI

SAT, SUN = date(2026, 12, 5), date(2026, 12, 6)


@pytest.fixture
def fake():
    with FakeTourAPI() as server:
        yield server


def test_festivals_of_the_weekend_in_the_city_districts(fake):
    api = TourAPI(KEY, url=fake.base, app="outreach-test")
    found = api.festivals(SAT, SUN, region="44", districts=("131", "133"))
    assert sorted(f.title for f in found) == sorted([
        "천안 흥타령 겨울 빛 축제", "독립기념관 겨레의 큰마당 겨울 체험", "성정동 골목 크리스마스 마켓",
        "천안예술의전당 송년 가족 음악회"])               # Asan (district 200) is not asked for
    searches = fake.seen("GET", "searchFestival2")
    assert [r.query["lDongSignguCd"] for r in searches] == ["131", "133"]
    for r in searches:
        assert r.query["MobileOS"] == "ETC" and r.query["MobileApp"] == "outreach-test"
        assert r.query["_type"] == "json" and r.query["lDongRegnCd"] == "44"
        assert r.query["eventStartDate"] == "20261205" and r.query["eventEndDate"] == "20261206"
        assert "areaCode" not in r.query           # ignored by searchFestival2 (0 results)
    light = next(f for f in found if f.content_id == "3123401")
    assert (light.start, light.end) == (date(2026, 11, 27), date(2026, 12, 13))


def test_paging_reads_every_page(fake):
    fake.festivals = [festival(str(5000 + i), f"천안 동네 작은 음악회 {i}회", "20261205", "20261206")
                      for i in range(230)]
    found = TourAPI(KEY, url=fake.base).festivals(SAT, SUN, region="44", districts=("131",))
    assert len(found) == 230 and len({f.content_id for f in found}) == 230
    assert [r.query["pageNo"] for r in fake.seen("GET", "searchFestival2")] == ["1", "2", "3"]


def test_details_give_place_hours_fee_and_description(fake):
    api = TourAPI(KEY, url=fake.base)
    (fest,) = [f for f in api.festivals(SAT, SUN, region="44", districts=("131",))
               if f.content_id == "3123402"]
    details = api.details(fest)
    assert details["eventplace"] == "독립기념관 겨레의 큰마당"
    assert details["usetimefestival"] == "체험비 3,000원"
    assert details["overview"].startswith("연날리기")
    intro = fake.seen("GET", "detailIntro2")[0]
    assert intro.query["contentTypeId"] == "15" and intro.query["contentId"] == "3123402"


def test_photos_only_with_a_licence_that_allows_a_card(fake):
    found = {f.content_id: f for f in TourAPI(KEY, url=fake.base).festivals(
        SAT, SUN, region="44", districts=("131", "133"))}
    assert found["3123401"].photo_allowed and "공공누리 제1유형" in found["3123401"].credit
    assert not found["3123403"].photo_allowed and found["3123403"].credit == ""   # Type3: no changes
    assert not found["3123405"].photo_allowed                                    # no photo at all


@pytest.mark.parametrize("pasted", [KEY, quote(KEY, safe=""), quote(quote(KEY, safe=""), safe="")],
                         ids=["decoded", "encoded", "encoded-twice"])
def test_the_key_works_in_whichever_form_it_was_pasted(fake, pasted):
    found = TourAPI(pasted, url=fake.base).festivals(SAT, SUN, region="44", districts=("131",))
    assert found
    assert fake.seen("GET", "searchFestival2")[-1].query["serviceKey"] == KEY


def test_a_key_encoded_twice_on_the_wire_is_what_the_gateway_refuses(fake):
    """The failure the normalisation prevents, shown against the fake gateway."""
    raw = requests.get(fake.base + "/searchFestival2",
                       params={"serviceKey": quote(KEY, safe=""), "MobileOS": "ETC",
                               "MobileApp": "x", "_type": "json", "eventStartDate": "20261205"})
    assert b"SERVICE_KEY_IS_NOT_REGISTERED_ERROR" in raw.content and raw.status_code == 200


def test_unregistered_key_is_reason_30_and_never_shown(fake, caplog):
    wrong = "Zz9" + KEY[3:]
    with caplog.at_level(logging.DEBUG), pytest.raises(datagokr.PortalError) as info:
        TourAPI(wrong, url=fake.base).festivals(SAT, SUN, region="44", districts=("131",))
    assert info.value.code == "30" and info.value.key_problem
    assert "SERVICE_KEY_IS_NOT_REGISTERED_ERROR" in str(info.value) and "data.go.kr" in str(info.value)
    assert wrong not in str(info.value) and quote(wrong, safe="") not in str(info.value)
    assert wrong not in caplog.text


def test_expired_key_is_reason_31_with_what_to_do(fake):
    fake.gateway.expired = True
    with pytest.raises(datagokr.PortalError) as info:
        TourAPI(KEY, url=fake.base).festivals(SAT, SUN, region="44")
    assert info.value.code == "31" and "extend the use period" in str(info.value)
    assert KEY not in str(info.value)


def test_request_limit_is_reason_22(fake):
    fake.gateway.limit_reached = True
    with pytest.raises(datagokr.PortalError) as info:
        TourAPI(KEY, url=fake.base).festivals(SAT, SUN, region="44")
    assert info.value.code == "22" and "tomorrow" in str(info.value)


def test_unreachable_service_names_neither_url_nor_key():
    url = refused_url() + "/B551011/KorService2"
    with pytest.raises(datagokr.PortalError) as info:
        TourAPI(KEY, url=url, timeout=3).festivals(SAT, SUN, region="44")
    text = str(info.value)
    assert "cannot reach" in text and "127.0.0.1" not in text and KEY not in text


def test_detail_gateway_failure_is_a_portal_error(fake):
    fake.detail_down = True
    api = TourAPI(KEY, url=fake.base)
    fest = api.festivals(SAT, SUN, region="44", districts=("131",))[0]
    with pytest.raises(datagokr.PortalError, match="HTTP 502"):
        api.details(fest)


def test_envelopes_parse_as_documented():
    ok = b'{"response":{"header":{"resultCode":"0000","resultMsg":"OK"},"body":{"items":"",' \
         b'"numOfRows":10,"pageNo":1,"totalCount":0}}}'
    assert datagokr.parse(ok, service="T", ok=("0000",)).items == []
    one = b'{"response":{"header":{"resultCode":"0000","resultMsg":"OK"},"body":{"items":' \
          b'{"item":{"contentid":"1"}},"numOfRows":10,"pageNo":1,"totalCount":1}}}'
    assert datagokr.parse(one, service="T", ok=("0000",)).items == [{"contentid": "1"}]
    bad = b'{"response":{"header":{"resultCode":"0010","resultMsg":"INVALID_REQUEST_PARAMETER_ERROR"}}}'
    with pytest.raises(datagokr.PortalError) as info:
        datagokr.parse(bad, service="T", ok=("0000",))
    assert info.value.code == "10"
    with pytest.raises(datagokr.PortalError, match="documented JSON envelope"):
        datagokr.parse(b"{}", service="T", ok=("0000",))


def test_a_bare_result_code_answer_is_a_refusal():
    """KorService2 answers a bad parameter without the response envelope."""
    body = b'{"responseTime":"2026-12-02T09:00:01.123+09:00","resultCode":"10",' \
           b'"resultMsg":"INVALID_REQUEST_PARAMETER_ERROR(MobileApp)"}'
    with pytest.raises(datagokr.PortalError) as info:
        datagokr.parse(body, service="TourAPI", ok=("0000",))
    assert info.value.code == "10" and "INVALID_REQUEST_PARAMETER_ERROR" in str(info.value)
