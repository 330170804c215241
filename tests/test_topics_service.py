"""Topic runs stored on every backend: rank a quarter, edits, re-rank keeps them, XLSX, CLI."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from outreach.errors import TopicError
from outreach.topics import labelled, service
from outreach.users.audit import Actor

from test_inbox_support import ingestor, opened, reply

DATA = Path(__file__).parent / "data" / "topics" / "messages.txt"
T0 = datetime(2026, 10, 5, 1, 0, tzinfo=timezone.utc)
ACTOR = Actor.cli("tester")
TOPICS = ("parking", "bus", "snow", "library", "streetlight")


def _fill(db, settings, start=T0, prefix="m", topics=TOPICS):
    messages, labels = labelled.load(DATA)
    chosen = [(m, l) for m, l in zip(messages, labels) if l in topics]
    replies = [reply(f"{prefix}{m.item_id}", m.text, author_id=m.author,
                     when=start + timedelta(minutes=n)) for n, (m, _) in enumerate(chosen)]
    with db.begin() as conn:
        ingestor(settings, now=lambda: start + timedelta(days=1)).ingest(conn, replies)
    return chosen


def _keys_of(view, words):
    return [g.key for g in view.groups if any(w in g.keywords for w in words)]


def test_rank_edit_rerank_export(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    _fill(db, settings)
    scope = service.quarter_scope("2026Q4", settings.timezone)
    run1 = service.rank_scope(settings, db, scope, ACTOR)
    view = service.run_view(db, run1, with_members=True)
    assert view.messages >= 60 and view.groups
    assert sum(g.messages for g in view.groups) == view.messages
    for g in view.groups:           # representatives are masked texts of the group
        assert all(i in g.item_ids for i, _ in g.representatives)

    parking = _keys_of(view, ("주차", "주차장"))
    assert parking
    top = parking[0]
    others = [k for k in parking[1:]] or [next(g.key for g in view.groups if g.key != top)]
    service.merge(db, run1, top, others[:1], ACTOR)
    service.rename(db, run1, top, "주차 문제", ACTOR)
    service.choose(db, run1, top, True, ACTOR)
    merged = service.run_view(db, run1, with_members=True)
    g = next(g for g in merged.groups if g.key == top)
    assert g.name == "주차 문제" and g.chosen
    assert all(x.key != others[0] for x in merged.groups)
    # split two messages out of the merged group
    moved = g.item_ids[:2]
    new_key = service.split(db, run1, top, moved, ACTOR, label="별도 주제")
    after_split = service.run_view(db, run1, with_members=True)
    split_group = next(x for x in after_split.groups if x.key == new_key)
    assert sorted(split_group.item_ids) == sorted(moved)
    assert split_group.citizens == len(split_group.item_ids) or split_group.citizens >= 1
    with pytest.raises(TopicError):
        service.merge(db, run1, top, [top], ACTOR)

    # a re-rank of the same quarter keeps the name, the mark, the merge and the split
    run2 = service.rank_scope(settings, db, scope, ACTOR)
    view2 = service.run_view(db, run2, with_members=True)
    named = [x for x in view2.groups if x.name == "주차 문제"]
    assert len(named) == 1 and named[0].chosen
    kept = set(g.item_ids) - set(moved)
    assert len(kept & set(named[0].item_ids)) * 2 > len(kept)
    apart = next(x for x in view2.groups if x.name == "별도 주제")
    assert set(moved) <= set(apart.item_ids)

    # XLSX: same numbers as the view
    from openpyxl import load_workbook

    from outreach.topics.export import write_xlsx

    out = write_xlsx(view2, tmp_path / "topics.xlsx")
    sheet = load_workbook(out).active
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]]
    assert [(r[1], r[3], r[4]) for r in rows] == [(x.key, x.citizens, x.messages)
                                                 for x in view2.groups]
    assert rows[[r[1] for r in rows].index(named[0].key)][9] == "O"

    # the audit log has every edit
    from outreach.store.users import AuditFilter
    from outreach.users.audit import entries

    with db.read() as conn:
        actions = {e.action for e in entries(conn, AuditFilter())}
    assert {"topics.rank", "topics.merge", "topics.rename", "topics.choose",
            "topics.split"} <= actions
    db.dispose()


def test_change_since_last_quarter_and_follow_up(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    _fill(db, settings, start=datetime(2026, 7, 10, 1, 0, tzinfo=timezone.utc), prefix="q3",
          topics=("parking", "bus"))
    _fill(db, settings)
    q3 = service.rank_scope(settings, db, service.quarter_scope("2026Q3", settings.timezone),
                            ACTOR)
    q4 = service.rank_scope(settings, db, service.quarter_scope("2026 Q4", settings.timezone),
                            ACTOR)
    view = service.run_view(db, q4)
    assert view.previous_label == "2026Q3"
    bus = next(g for g in view.groups if "버스" in g.keywords or "배차" in g.keywords)
    assert bus.previous is not None and bus.change == bus.citizens - bus.previous
    assert any(g.previous is None for g in view.groups)   # snow, library: new this quarter

    from outreach.topics import followup

    with pytest.raises(TopicError):
        followup.text(view)
    service.choose(db, q4, bus.key, True, ACTOR)
    service.settle(db, q4, bus.key, ACTOR, answer="내년 1월부터 출근 시간 증차합니다.")
    text = followup.text(service.run_view(db, q4))
    assert "내년 1월부터 출근 시간 증차합니다." in text and bus.name in text
    service.settle(db, q4, bus.key, ACTOR, covered=True)
    with pytest.raises(TopicError):
        followup.text(service.run_view(db, q4))
    db.dispose()


def test_bad_quarter_is_one_clear_error():
    from zoneinfo import ZoneInfo

    with pytest.raises(TopicError, match="2026Q4"):
        service.quarter_scope("2026-13", ZoneInfo("Asia/Seoul"))


def test_survey_scope_ranks_only_the_survey_answers(tmp_path, db_url):
    from outreach.store import surveys as survey_store

    from survey_support import add_survey_files, saved_survey

    settings, db = opened(tmp_path, db_url)
    add_survey_files(settings.root)
    saved_survey(settings, db)
    _fill(db, settings)                                     # the quarter's inbox
    with db.read() as conn:
        survey_id = survey_store.get(conn, "2026-q4-live").id
        ids = [r.id for r in store_items(conn)]
    answers = ids[:20]
    with db.begin() as conn:
        survey_store.link_items(conn, answers, survey_id, None)
    scope = service.scope_of(settings, db, survey="2026-q4-live")
    assert scope.survey_id == survey_id and scope.key == "survey:2026-q4-live"
    run = service.rank_scope(settings, db, scope, ACTOR)
    view = service.run_view(db, run, with_members=True)
    assert view.messages == 20
    assert sorted(i for g in view.groups for i in g.item_ids) == sorted(answers)
    with pytest.raises(TopicError):
        service.scope_of(settings, db, survey="no-such-survey")
    with pytest.raises(TopicError):
        service.scope_of(settings, db)
    # the survey's answers together with the quarter's other messages
    both = service.scope_of(settings, db, survey="2026-q4-live", quarter="2026Q4")
    assert both.key == "survey:2026-q4-live+2026Q4"
    run_both = service.rank_scope(settings, db, both, ACTOR)
    assert service.run_view(db, run_both).messages == len(ids)
    db.dispose()


def store_items(conn):
    from sqlalchemy import select

    from outreach.store.inbox_tables import inbox_items

    return list(conn.execute(select(inbox_items.c.id).order_by(inbox_items.c.id)))


def test_personal_data_never_reaches_the_ranking_or_its_outputs(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    _fill(db, settings, topics=("parking",))
    phone = "010-2345-6789"
    with db.begin() as conn:
        ingestor(settings, now=lambda: T0 + timedelta(days=1)).ingest(conn, [
            reply(f"pd{i}", f"불법주차 차량 신고합니다 연락은 {phone} 으로 주세요 주차 단속",
                  author_id=f"pd{i}", when=T0 + timedelta(hours=5 + i)) for i in range(3)])
    run = service.rank_scope(settings, db, service.quarter_scope("2026Q4", settings.timezone),
                             ACTOR)
    view = service.run_view(db, run)
    shown = [t for g in view.groups for _, t in g.representatives]
    shown += [t for g in view.groups for _, _, t in service.group_items(db, run, g.key)]
    assert any("010-****-6789" in t for t in shown)     # the masked form is there
    assert not any("2345" in t for t in shown)
    assert not any("2345" in k for g in view.groups for k in g.keywords)
    db.dispose()
