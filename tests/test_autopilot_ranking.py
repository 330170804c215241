"""Ranking under TourAPI's small detail quota: new events are looked up before last week's."""

from __future__ import annotations

import yaml

from test_autopilot import MON, WED_9, make  # noqa: F401  (fixture)


def test_new_events_get_the_detail_look_ups_before_last_weeks(make):
    """Details (and so the fee) are looked up for at most twice the template's places; last
    week's events must not use them up and then outrank the new ones for a known fee."""
    from fakes.tourapi import festival

    ap = make(calendar=False)
    ap.tour.festivals = [festival(str(200 + i), f"천안 동네 음악회 {i}회", "20261205", "20261206",
                                  image=False, intro={"usetimefestival": "무료"})
                         for i in range(20)]
    last_week = ap.file.parent / "2026-11-26.yaml"
    last_week.parent.mkdir(parents=True)
    last_week.write_text("events:\n" + "".join(f"  - title: 천안 동네 음악회 {i}회\n"
                                               for i in range(16)), encoding="utf-8")
    ap.run(MON)
    ap.run(WED_9)
    titles = [e["title"] for e in yaml.safe_load(ap.file.read_text(encoding="utf-8"))["events"]]
    assert titles[:4] == [f"천안 동네 음악회 {i}회" for i in range(16, 20)]
    assert len(titles) == 8
