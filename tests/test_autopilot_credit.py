"""Photo credits in the weekend guide's texts: every distinct credit the data carries
(TourAPI's KOGL type 1 line or one staff typed), not one fixed line."""

from __future__ import annotations

import yaml

from outreach.render import render_post
from outreach.sources.tourapi import Festival
from test_sched_helpers import REPO


def test_instagram_lists_each_distinct_photo_credit_once(tmp_path):
    from datetime import date

    kto = Festival("1", "축제", date(2026, 12, 5), date(2026, 12, 6), image_url="https://x/1.jpg",
                   image_licence="Type1").credit
    assert kto == "사진: 한국관광공사 대한민국 구석구석(korean.visitkorea.or.kr), 공공누리 제1유형"
    data = yaml.safe_load((REPO / "templates/cards/weekend-guide/sample.yaml")
                          .read_text(encoding="utf-8"))
    data["events"][0]["credit"] = kto
    data["events"][1]["credit"] = kto
    data["events"][2]["credit"] = "사진: 천안시청 홍보담당관실"
    cards = REPO / "templates" / "cards"
    post = render_post(cards, "weekend-guide", out_dir=tmp_path / "post", data=data,
                       image_format="jpeg", workspace=REPO)
    text = post.texts["instagram"]
    assert text.count(kto) == 1 and text.count("사진: 천안시청 홍보담당관실") == 1
    assert "공공누리" not in render_post(
        cards, "weekend-guide", out_dir=tmp_path / "plain",
        data={**data, "events": [{k: v for k, v in e.items() if k != "credit"}
                                 for e in data["events"]]},
        image_format="jpeg", workspace=REPO).texts["instagram"]
