"""Ingest, dedupe, edits, deletions, search and list filters on every database backend."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from outreach.inbox.items import Inbox
from outreach.store import inbox as store
from outreach.store.inbox import ItemFilter

from test_inbox_support import ingestor, opened, reply

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)        # Friday 10:00 KST


def _ingest(db, ing, replies, source="poll"):
    with db.begin() as conn:
        return ing.ingest(conn, replies, source=source)


def test_poll_and_webhook_converge_on_one_item(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    ing = ingestor(settings)
    first = _ingest(db, ing, [reply("c1", "가로등이 고장났어요", post_remote_id="p1",
                                    author_id="5550001", author_name="김시민")])
    again = _ingest(db, ing, [reply("c1", "가로등이 고장났어요", post_remote_id="p1")], "webhook")
    assert len(first.new) == 1 and again.new == [] and again.unchanged == 1
    assert again.ids["c1"] == first.new[0]
    with db.read() as conn:
        rows = store.list_items(conn, ItemFilter(statuses=()))
        assert len(rows) == 1
        row = rows[0]
    assert row.categories == "가로등" and row.assignee == "도로과" and row.status == "new"
    assert row.author_key and "5550001" not in row.author_key
    view = Inbox(settings, db).view(row)
    assert view.author.startswith("김시민 (시민-") and "5550001" not in json.dumps(view.as_json())
    db.dispose()


def test_edit_keeps_history_and_reindexes(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    ing = ingestor(settings)
    item = _ingest(db, ing, [reply("c1", "주차장 위치가 궁금해요")]).new[0]
    changed = _ingest(db, ing, [reply("c1", "가로등 위치가 궁금해요",
                                      edited_at=T0 + timedelta(minutes=5))])
    assert changed.updated == [item]
    with db.read() as conn:
        row = store.get_item(conn, item)
        events = store.item_events(conn, item)
        assert [r.id for r in store.list_items(conn, ItemFilter(search="가로등"))] == [item]
        assert store.list_items(conn, ItemFilter(search="주차장")) == []
    assert row.text == "가로등 위치가 궁금해요" and row.edited_at is not None
    assert set(row.categories.split(",")) == {"주차", "가로등"}
    assert [(e.kind, e.detail) for e in events] == [("edited", "주차장 위치가 궁금해요")]
    db.dispose()


def test_deleted_on_platform_is_kept_but_hidden_from_default_lists(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    ing = ingestor(settings)
    item = _ingest(db, ing, [reply("c1", "쓰레기 무단투기 신고합니다")]).new[0]
    gone = _ingest(db, ing, [reply("c1", "", deleted=True)])
    assert gone.deleted == [item]
    with db.read() as conn:
        assert store.list_items(conn, ItemFilter()) == []
        kept = store.list_items(conn, ItemFilter(statuses=(), include_deleted=True))
        assert [r.id for r in kept] == [item] and kept[0].text == "쓰레기 무단투기 신고합니다"
    db.dispose()


def test_search_finds_korean_words_inside_longer_words(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    ing = ingestor(settings)
    texts = {"a": "불법주차 차량을 단속해 주세요", "b": "가로등이 깜빡거립니다",
             "c": "골목길이 너무 어두워요", "d": "공원 산책로 정비 감사합니다",
             "e": "연락은 010-2222-3333 으로"}
    result = _ingest(db, ing, [reply(k, v) for k, v in texts.items()])
    ids = result.ids

    def found(q):
        with db.read() as conn:
            return {r.remote_id for r in store.list_items(conn, ItemFilter(statuses=(), search=q))}
    assert found("주차") == {"a"}
    assert found("가로등") == {"b"}
    assert found("길") == {"c"}            # one character, at the end of a word
    assert found("어두워") == {"c"}
    assert found("공원 감사") == {"d"}       # every word must occur
    assert found("3333") == {"e"}
    assert found("주차장") == set() and found("!!") == set()
    assert len(ids) == 5
    db.dispose()


def test_busy_thread_is_flagged_overheated(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    ing = ingestor(settings)
    calm = [reply(f"q{i}", f"질문 {i}", post_remote_id="p-calm", when=T0 + timedelta(hours=i))
            for i in range(25)]
    hot = [reply(f"h{i}", f"반대합니다 {i}", post_remote_id="p-hot",
                 when=T0 + timedelta(minutes=i)) for i in range(19)]
    _ingest(db, ing, calm + hot)
    with db.read() as conn:
        assert store.list_items(conn, ItemFilter(statuses=(), flag="overheated")) == []
    _ingest(db, ing, [reply("h19", "저도 반대", post_remote_id="p-hot",
                            when=T0 + timedelta(minutes=20))])
    with db.read() as conn:
        flagged = store.list_items(conn, ItemFilter(statuses=(), flag="overheated", limit=100))
    assert {r.post_remote_id for r in flagged} == {"p-hot"} and len(flagged) == 20
    db.dispose()


def test_list_filters_and_overdue(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    ing = ingestor(settings)
    res = _ingest(db, ing, [reply("r1", "가로등 고장"), reply("r2", "불법주차 신고"),
                            reply("r3", "시발 진짜 너무하네")])
    inbox = Inbox(settings, db, actor="박주무관", now=lambda: T0 + timedelta(hours=2))
    assert [v.id for v in inbox.list(ItemFilter(category="주차"))] == [res.ids["r2"]]
    assert [v.id for v in inbox.list(ItemFilter(flag="any"))] == [res.ids["r3"]]
    assert [v.id for v in inbox.list(ItemFilter(assignee="도로과"))] == [res.ids["r1"]]
    assert inbox.list(ItemFilter(overdue=True)) == []
    late = Inbox(settings, db, now=lambda: T0 + timedelta(hours=6))   # first answer due 14:00 KST
    # the insult is not a complaint (kind opinion): no ticket, no deadlines
    assert len(late.list(ItemFilter(overdue=True))) == 2
    assert [v.kind for v in late.list(ItemFilter())] == ["opinion", "complaint", "complaint"]
    inbox.assign(res.ids["r1"], "안전총괄과")
    inbox.set_status(res.ids["r2"], "resolved", "현장 조치 완료")
    assert [v.id for v in late.list(ItemFilter(overdue=True))] == [res.ids["r1"]]
    assert [v.id for v in inbox.list(ItemFilter(statuses=("resolved",)))] == [res.ids["r2"]]
    opened_item = inbox.detail(res.ids["r1"])
    assert opened_item["item"]["status"] == "open"
    assert opened_item["history"][0]["by"] == "박주무관"
    db.dispose()


def test_item_shows_the_publication_it_answers_from_the_ledger(tmp_path, db_url):
    from outreach.publishing import model as m
    from outreach.publishing.model import OccurrenceSpec
    from outreach.store.ledger import Ledger

    settings, db = opened(tmp_path, db_url)
    ledger = Ledger(db)
    spec = OccurrenceSpec(schedule="weekend-guide", key="2026-11-20T01:00:00Z", scheduled_for=T0,
                          template="weekend-guide", channels=("facebook",))
    occ, _ = ledger.plan(spec, [("facebook", "k-fb")], T0)
    ledger.set_occurrence_state(occ, m.PREPARED, T0, from_states=[m.PLANNED])
    delivery = ledger.due_deliveries(T0)[0]["id"]
    ledger.claim_delivery(delivery, occ, T0, T0 + timedelta(minutes=5), "w1")
    ledger.finish_delivery(delivery, 1, m.D_SENT, T0, outcome="sent", remote_id="9001_1",
                           url="https://www.facebook.com/9001_1")
    with db.begin() as conn:
        ids = ingestor(settings).ingest(conn, [reply("c1", "주말 축제 주차장 있나요?",
                                                     post_remote_id="9001_1"),
                                               reply("c2", "다른 글 댓글", post_remote_id="x")]).ids
    inbox = Inbox(settings, db)
    linked = inbox.detail(ids["c1"])["publication"]
    assert linked["schedule"] == "weekend-guide" and linked["template"] == "weekend-guide"
    assert linked["url"] == "https://www.facebook.com/9001_1"
    assert inbox.detail(ids["c2"])["publication"] == {"channel": "facebook", "remote_id": "x"}
    db.dispose()


def test_a_row_another_writer_stored_first_is_not_taken_as_ours(tmp_path, db_url):
    """PostgreSQL lets two writers race (SQLite's BEGIN IMMEDIATE serialises them)."""
    import pytest
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: the race cannot happen")
    settings, db = opened(tmp_path, db_url)
    ing = ingestor(settings)
    row = ing._row(reply("race", "가로등 고장"), ing.verdict("가로등 고장"), T0, "poll")
    with db.begin() as slow:
        assert store.existing_items(slow, "facebook", ["race"]) == {}
        with db.begin() as fast:                       # the webhook wins the race
            assert list(store.insert_items(fast, [row])) == ["race"]
        assert store.insert_items(slow, [row]) == {}   # skipped, not claimed as new
        result = ing.ingest(slow, [reply("race", "가로등 고장")])
    assert result.new == [] and result.unchanged == 1
    with db.read() as conn:
        assert len(store.list_items(conn, ItemFilter(statuses=()))) == 1
    db.dispose()


def test_search_pages_newest_first(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    with db.begin() as conn:
        ids = ingestor(settings).ingest(conn, [reply(f"p{i}", f"{i}번째 불법주차 신고")
                                               for i in range(5)]).ids
    with db.read() as conn:
        first = store.list_items(conn, ItemFilter(search="주차", limit=2))
        second = store.list_items(conn, ItemFilter(search="주차", limit=2, offset=2))
    assert [r.id for r in first] == [ids["p4"], ids["p3"]]
    assert [r.id for r in second] == [ids["p2"], ids["p1"]]
    db.dispose()


def test_category_and_flag_filters_match_whole_names(tmp_path, db_url):
    """Category/flag filters match one whole comma-separated name (PostgreSQL: array
    containment over the GIN-indexed split column, SQLite: LIKE), never a part of one."""
    settings, db = opened(tmp_path, db_url)
    ing = ingestor(settings)
    res = _ingest(db, ing, [reply("a", "가로등 고장"), reply("b", "불법주차 신고")])
    with db.begin() as conn:
        store.update_item(conn, res.ids["a"], categories="주차장,도로_공사", flags="abusive")
        store.update_item(conn, res.ids["b"], categories="도로,주차", flags="x%,abusive")
    with db.read() as conn:
        def ids(**kw):
            return [r.id for r in store.list_items(conn, ItemFilter(statuses=(), **kw))]
        assert ids(category="주차") == [res.ids["b"]]
        assert ids(category="주차장") == [res.ids["a"]]
        assert ids(category="도로") == [res.ids["b"]]
        assert ids(category="도로_공사") == [res.ids["a"]]
        assert ids(category="도로%") == [] and ids(category="도로,주차") == [res.ids["b"]]
        assert ids(flag="abusive") == [res.ids["b"], res.ids["a"]]
        assert ids(flag="x%") == [res.ids["b"]] and ids(flag="x") == []
        if conn.dialect.name == "postgresql":
            names = {r[0] for r in conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'inbox_items'")}
            assert {"ix_inbox_items_categories", "ix_inbox_items_flags"} <= names
    db.dispose()
