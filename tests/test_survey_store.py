"""The survey tables as declared match migration 0010, and the store round-trips a survey."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, insert, select

from outreach.store import inbox_tables, survey_tables
from outreach.store import surveys as store
from outreach.store.db import open_database

UTC = timezone.utc
T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
TABLES = ("survey", "survey_question", "survey_post", "survey_chat")


def test_declared_tables_match_the_migration(empty_db_url):
    db = open_database(empty_db_url)
    try:
        ours = MetaData()
        for name in ("occurrence",) + TABLES:
            survey_tables.metadata.tables[name].to_metadata(ours)

        def ours_only(name, type_, parents) -> bool:
            if type_ == "schema":
                return True
            table = name if type_ == "table" else parents.get("table_name")
            return table in TABLES

        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={
                "include_name": ours_only,
                "include_object": lambda obj, name, type_, *_: (
                    type_ != "table" or name in TABLES) and getattr(
                        getattr(obj, "table", None), "name", "survey") in TABLES}), ours)
        assert diff == [], diff
        with db.engine.connect() as conn:
            from sqlalchemy import inspect

            cols = {c["name"] for c in inspect(conn).get_columns("inbox_items")}
            fks = {(tuple(f["constrained_columns"]), f["referred_table"])
                   for f in inspect(conn).get_foreign_keys("inbox_items")}
        assert {"survey_id", "survey_question_id"} <= cols
        assert (("survey_id",), "survey") in fks
        assert (("survey_question_id",), "survey_question") in fks
    finally:
        db.dispose()


def _survey(db, slug="2026-q4-live", state="published"):
    with db.begin() as conn:
        return store.add(conn, dict(
            slug=slug, title="4분기 소통 라이브", template="survey-call", intro="질문을 받습니다",
            channels=["facebook", "kakao"], opens_at=T0, closes_at=T0 + timedelta(days=14),
            state=state, created_by="kim", created_at=T0, updated_at=T0),
            [store.Question("traffic", "교통", "버스와 주차"),
             store.Question("welfare", "복지", "")])


def _item(conn, n, **extra):
    now = datetime(2026, 12, 2)
    return conn.execute(insert(inbox_tables.inbox_items).values(
        channel=extra.pop("channel", "kakao"), remote_id=f"r{n}", author_key=f"a{n % 2}",
        text=f"질문 {n}", created_at=now, received_at=now, **extra)).inserted_primary_key[0]


def test_survey_round_trip_open_and_counts(db_url):
    db = open_database(db_url)
    try:
        sid = _survey(db)
        got = store.find(db, "2026-q4-live")
        assert got.id == sid and got.channels == ["facebook", "kakao"]
        assert [q.key for q in got.questions] == ["traffic", "welfare"]
        assert got.opens_at == T0 and got.is_open(T0 + timedelta(days=1))
        assert not got.is_open(T0 + timedelta(days=14))
        with db.read() as conn:
            assert [s.id for s in store.open_at(conn, T0 + timedelta(hours=1))] == [sid]
            assert store.open_at(conn, T0 - timedelta(hours=1)) == []
        traffic = got.question("traffic").id
        with db.begin() as conn:
            ids = [_item(conn, n) for n in range(3)] + [_item(conn, 9, channel="facebook")]
            assert store.link_items(conn, ids[:3], sid, traffic) == 3
            assert store.link_items(conn, ids[3:], sid, None) == 1
        counts = store.answer_counts(db, sid)
        assert counts["total"] == 4 and counts["people"] == 2
        assert counts["channels"] == {"facebook": 1, "kakao": 3}
        assert counts["questions"] == {traffic: 3, None: 1}
        # dropping a theme keeps its answers in the survey, without a theme
        with db.begin() as conn:
            store.change(conn, sid, {"title": "바뀐 제목"}, [store.Question("welfare", "복지")])
        got = store.find(db, sid)
        assert got.title == "바뀐 제목" and [q.key for q in got.questions] == ["welfare"]
        assert store.answer_counts(db, sid)["questions"] == {None: 4}
        with db.begin() as conn:
            assert store.set_state(conn, sid, "closed", ["published"], T0, closed_at=T0)
            assert not store.set_state(conn, sid, "closed", ["published"], T0)
        with db.read() as conn:
            kinds = set(conn.execute(select(inbox_tables.inbox_items.c.kind)).scalars())
        assert kinds == {"survey"}
    finally:
        db.dispose()


def test_chat_choice_expires_and_is_replaced(db_url):
    db = open_database(db_url)
    try:
        sid = _survey(db)
        q = store.find(db, sid).questions
        with db.begin() as conn:
            store.chat_choose(conn, "kakao", "u0", sid, q[0].id, T0 - timedelta(hours=2),
                              T0 - timedelta(hours=1))                      # abandoned
            store.chat_choose(conn, "kakao", "u1", sid, q[0].id, T0, T0 + timedelta(minutes=30))
            store.chat_choose(conn, "kakao", "u1", sid, q[1].id, T0, T0 + timedelta(minutes=30))
            from sqlalchemy import func as f

            assert conn.execute(select(f.count()).select_from(survey_tables.survey_chat)
                                ).scalar() == 1
        with db.read() as conn:
            assert store.chat_pending(conn, "kakao", "u1", T0)["question_id"] == q[1].id
            assert store.chat_pending(conn, "kakao", "u1", T0 + timedelta(hours=1)) is None
            assert store.chat_pending(conn, "kakao", "u2", T0) is None
        with db.begin() as conn:
            store.chat_clear(conn, "kakao", "u1")
        with db.read() as conn:
            assert store.chat_pending(conn, "kakao", "u1", T0) is None
    finally:
        db.dispose()


def test_upgrade_from_0009_keeps_items_and_their_history(empty_db_url):
    """0010 adds the two links to inbox_items in place: on SQLite a table rebuild would
    drop the items and, with foreign keys on, cascade to their events."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from outreach.store.db import MIGRATIONS, current_revision, make_engine, Database, upgrade

    db = Database(make_engine(empty_db_url))
    try:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with db.engine.connect() as conn:
            if db.is_sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0009_metrics")
            conn.commit()
        with db.begin() as conn:
            conn.execute(text("INSERT INTO inbox_items (channel, remote_id, text, created_at, "
                              "received_at, platform_hidden, status, categories, flags, "
                              "priority, ref, source, kind) VALUES ('kakao', 'r1', '질문', "
                              ":t, :t, false, 'new', '', '', 3, '{}', 'poll', 'question')"),
                         {"t": datetime(2026, 11, 1)})
            conn.execute(text("INSERT INTO inbox_events (item_id, at, actor, kind, detail) "
                              "SELECT id, :t, 'kim', 'note', '메모' FROM inbox_items"),
                         {"t": datetime(2026, 11, 1)})
        upgrade(db)
        from alembic.script import ScriptDirectory
        assert current_revision(db) == ScriptDirectory.from_config(cfg).get_current_head()
        with db.read() as conn:
            assert conn.execute(text("SELECT count(*) FROM inbox_events")).scalar() == 1
            row = conn.execute(text("SELECT kind, survey_id, survey_question_id "
                                    "FROM inbox_items")).one()
        assert tuple(row) == ("question", None, None)
    finally:
        db.dispose()
