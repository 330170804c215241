"""Stats on a known data set: counts, medians and 90th percentiles, overdue."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from outreach.inbox.settings import inbox_config
from outreach.inbox.stats import inbox_stats, percentile
from outreach.store import inbox as store

from test_inbox_support import ingestor, opened, reply

KST = ZoneInfo("Asia/Seoul")
FRI = datetime(2026, 11, 20, 10, 0, tzinfo=KST)


def test_percentile_interpolates_between_ranks():
    assert percentile([1, 2, 3, 72], 0.5) == 2.5
    assert abs(percentile([1, 2, 3, 72], 0.9) - 51.3) < 1e-9
    assert percentile([], 0.9) is None and percentile([4], 0.9) == 4


def test_stats_on_a_known_data_set(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    ing = ingestor(settings)
    items = [reply("a", "가로등 고장", when=FRI), reply("b", "불법주차 신고", when=FRI),
             reply("c", "쓰레기 무단투기", when=FRI, channel="youtube"),
             reply("d", "가로등이 깜빡여요", when=FRI),
             reply("e", "삭제될 댓글", when=FRI),
             reply("f", "제설 부탁드립니다", when=FRI, channel="youtube")]
    with db.begin() as conn:
        ids = ing.ingest(conn, items).ids
    answered = {"a": FRI + timedelta(hours=1), "b": FRI + timedelta(hours=2),
                "c": FRI + timedelta(hours=3), "d": FRI + timedelta(days=3)}   # Monday 10:00
    with db.begin() as conn:
        for key, when in answered.items():
            store.update_item(conn, ids[key], first_answered_at=store.to_db(when), status="answered")
        store.update_item(conn, ids["a"], status="resolved",
                          resolved_at=store.to_db(FRI + timedelta(hours=2)))
        store.update_item(conn, ids["e"], deleted_at=store.to_db(FRI))
    now = datetime(2026, 11, 23, 12, 0, tzinfo=KST)                 # Monday noon
    result = inbox_stats(db, inbox_config(settings).working, now=now)
    assert result["total"] == 5                                        # the deleted one is left out
    assert result["by_channel"] == {"facebook": 3, "youtube": 2}
    assert result["by_category"] == {"가로등": 2, "주차": 1, "환경": 1, "제설": 1}
    assert result["by_status"] == {"answered": 3, "new": 1, "resolved": 1}
    assert result["resolved"] == 1
    # the report's definitions: d was answered late (Monday, due Friday 14:00) and f has no
    # answer yet: both missed a deadline; only f is still open past it
    assert result["overdue"] == 2 and result["overdue_now"] == 1
    assert result["deleted"] == 1
    first = result["first_answer"]
    assert first == {"count": 4, "p50_hours": 2.5, "p90_hours": 51.3,
                     "p50_working_hours": 2.5, "p90_working_hours": 7.2}
    assert result["resolution"]["count"] == 1 and result["resolution"]["p50_hours"] == 2.0
    later = inbox_stats(db, inbox_config(settings).working, since=FRI + timedelta(days=1), now=now)
    assert later["total"] == 0
    db.dispose()


def test_a_month_is_a_calendar_month_in_korea_time(tmp_path, db_url):
    from outreach.inbox.stats import month_bounds

    settings, db = opened(tmp_path, db_url)
    late = datetime(2026, 11, 30, 23, 30, tzinfo=KST)           # 14:30 UTC, still November
    early = datetime(2026, 12, 1, 0, 30, tzinfo=KST)            # 15:30 UTC on 30 November
    with db.begin() as conn:
        ingestor(settings).ingest(conn, [reply("n", "가로등 고장 고쳐주세요", when=late),
                                         reply("d", "불법주차 단속해주세요", when=early)])
    working = inbox_config(settings).working
    november = inbox_stats(db, working, since=month_bounds(2026, 11, KST)[0],
                           until=month_bounds(2026, 11, KST)[1], now=early)
    assert november["complaints"] == 1 and list(november["by_month"]) == ["2026-11"]
    every = inbox_stats(db, working, now=early)
    assert {m: f["received"] for m, f in every["by_month"].items()} == {"2026-11": 1, "2026-12": 1}
    assert month_bounds(2026, 12, KST)[1] == datetime(2027, 1, 1, tzinfo=KST)
    db.dispose()


def test_stats_is_the_report_for_the_same_period(tmp_path, db_url):
    """One implementation: the quick summary of a month says what the monthly report says
    (the known month of tests/inbox_report_data.py, hand-computed there)."""
    from outreach.inbox.report import inbox_report, month_period
    from outreach.inbox.stats import month_bounds

    from inbox_report_data import (APART_DB, APART_KINDS, COMPLAINTS, EXPECTED_COMPLAINTS, NOW,
                                   OUTSIDE, WORKING, db_rows)

    settings, db = opened(tmp_path, db_url)
    with db.begin() as conn:
        store.insert_items(conn, db_rows(COMPLAINTS + APART_DB + APART_KINDS + OUTSIDE, True))
    since, until = month_bounds(2026, 11, KST)
    summary = inbox_stats(db, WORKING, since=since, until=until, now=NOW)
    report = inbox_report(db, WORKING, month_period("2026-11"), now=NOW).as_json()
    figures = {k: summary[k] for k in ("answered", "resolved", "overdue", "overdue_now",
                                       "first_answer", "resolution")}
    assert figures == {k: v for k, v in EXPECTED_COMPLAINTS.items() if k != "received"}
    assert summary["complaints"] == report["complaints"]["received"] == 4
    assert (summary["spam"], summary["hidden"], summary["non_complaints"], summary["deleted"]) \
        == (3, 2, 3, 1) == tuple(report["apart"][k] for k in ("spam", "hidden",
                                                                "non_complaint", "deleted"))
    assert summary["by_department"] == report["by_department"]
    assert summary["total"] == 12 and sum(summary["by_channel"].values()) == 12
    db.dispose()
