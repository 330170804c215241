"""Rankings asked for on the web, done by a background pass, on every backend: the
request (audited, not queued twice), the atomic claim, the ranking, a failure's message."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from schema_support import schema_diff
from sqlalchemy import delete, select, update

from outreach.errors import TopicError
from outreach.i18n import use_language
from outreach.store import topic_requests as store
from outreach.store.db import open_database
from outreach.store.topic_request_tables import metadata, topic_request
from outreach.store.users_tables import audit_log
from outreach.topics import labelled, requests, service
from outreach.users.audit import Actor

from test_inbox_support import ingestor, opened, reply

DATA = Path(__file__).parent / "data" / "topics" / "messages.txt"
T0 = datetime(2026, 10, 5, 1, 0, tzinfo=timezone.utc)
KIM = Actor.web(7, "kim", "editor")


def _fill(db, settings, topics=("parking", "bus", "library")):
    messages, labels = labelled.load(DATA)
    chosen = [m for m, l in zip(messages, labels) if l in topics]
    replies = [reply(f"m{m.item_id}", m.text, author_id=m.author,
                     when=T0 + timedelta(minutes=n)) for n, m in enumerate(chosen)]
    with db.begin() as conn:
        ingestor(settings, now=lambda: T0 + timedelta(days=1)).ingest(conn, replies)


def _audits(db, action):
    with db.read() as conn:
        return list(conn.execute(select(audit_log).where(audit_log.c.action == action)))


def test_declared_tables_match_the_migration(empty_db_url):
    assert schema_diff(empty_db_url, metadata, ("topic_request", "worker_beat")) == []


def test_request_is_audited_and_not_queued_twice(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    first, new = requests.request_ranking(settings, db, KIM, quarter=" 2026q4 ")
    assert new and first.state == "pending" and first.label == "2026Q4"
    again, new_again = requests.request_ranking(settings, db, KIM, quarter="2026Q4")
    assert not new_again and again.id == first.id
    audits = _audits(db, "topics.request")
    assert len(audits) == 1 and audits[0].actor_name == "kim" and audits[0].via == "web"
    for bad in ({"quarter": "2026Q5"}, {"survey": "no-such-survey"}, {}):
        with pytest.raises(TopicError):
            requests.request_ranking(settings, db, KIM, **bad)
    with db.read() as conn:
        assert len(store.latest(conn, 10)) == 1
    status = requests.status(db)
    assert [r.id for r in status.open] == [first.id]
    assert status.worker_quiet and status.last_beat is None     # no pass has run yet


def test_two_passes_never_claim_the_same_request(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    other = open_database(db_url)      # a second process's engine: daemon and run-due
    try:
        made, _new = requests.request_ranking(settings, db, KIM, quarter="2026Q4")
        barrier = threading.Barrier(4)
        got: list = []

        def claim(database, name):
            barrier.wait()
            with database.begin() as conn:
                row = store.claim_next(conn, datetime.now(timezone.utc), name)
            got.append(row)

        threads = [threading.Thread(target=claim, args=(d, f"w{i}"))
                   for i, d in enumerate((db, other, db, other))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        claimed = [r for r in got if r is not None]
        assert len(got) == 4 and len(claimed) == 1 and claimed[0].id == made.id
        assert claimed[0].state == "running"
        with db.begin() as conn:                       # and once more, one after another
            assert store.claim_next(conn, datetime.now(timezone.utc), "late") is None
        # while it runs, asking again for the same scope still queues nothing
        assert requests.request_ranking(settings, db, KIM, quarter="2026Q4")[1] is False
    finally:
        other.dispose()


def test_a_pass_ranks_the_request_and_carries_edits(tmp_path, db_url):
    settings, db = opened(tmp_path, db_url)
    _fill(db, settings)
    scope = service.quarter_scope("2026Q4", settings.timezone)
    run1 = service.rank_scope(settings, db, scope, Actor.cli("tester"))
    top = service.run_view(db, run1).groups[0]
    service.rename(db, run1, top.key, "버스 이야기", Actor.cli("tester"))
    service.choose(db, run1, top.key, True, Actor.cli("tester"))

    made, _new = requests.request_ranking(settings, db, KIM, quarter="2026Q4")
    done = requests.work_pending(settings, db)
    assert [d.id for d in done] == [made.id]
    assert done[0].state == "done" and done[0].run_id and done[0].run_id != run1
    view = service.run_view(db, done[0].run_id)
    named = [g for g in view.groups if g.name == "버스 이야기"]
    assert len(named) == 1 and named[0].chosen                    # the edits carried over
    runs = _audits(db, "topics.rank")
    assert runs[-1].actor_name == "kim"                           # ranked on kim's behalf
    status = requests.status(db)
    assert status.open == [] and status.last.state == "done" and status.failed is None
    assert status.last_beat is not None and not status.worker_quiet
    assert requests.work_pending(settings, db) == []              # nothing left
    assert requests.request_ranking(settings, db, KIM, quarter="2026Q4")[1] is True


def test_a_failed_ranking_keeps_its_message(tmp_path, db_url):
    from outreach.store.survey_tables import survey

    from survey_support import add_survey_files, saved_survey

    settings, db = opened(tmp_path, db_url)
    add_survey_files(settings.root)
    saved_survey(settings, db)
    made, _new = requests.request_ranking(settings, db, KIM, survey="2026-q4-live")
    with db.begin() as conn:          # the survey is deleted before the daemon gets to it
        conn.execute(delete(survey).where(survey.c.slug == "2026-q4-live"))
    with use_language("ko"):
        done = requests.work_pending(settings, db)
    assert done[0].id == made.id and done[0].state == "failed" and done[0].run_id is None
    assert "2026-q4-live" in done[0].message and "설문" in done[0].message
    status = requests.status(db)
    assert status.failed is not None and status.failed.message == done[0].message


def test_a_request_left_running_by_a_dead_process_fails_and_can_be_asked_again(tmp_path,
                                                                              db_url):
    settings, db = opened(tmp_path, db_url)
    made, _new = requests.request_ranking(settings, db, KIM, quarter="2026Q3")
    long_ago = datetime.now(timezone.utc) - requests.STALE - timedelta(minutes=1)
    with db.begin() as conn:
        conn.execute(update(topic_request).where(topic_request.c.id == made.id)
                     .values(state="running", started_at=long_ago, worker="gone:1"))
    assert requests.work_pending(settings, db) == []
    left = requests.get(db, made.id)
    assert left.state == "failed" and left.message
    fresh, new = requests.request_ranking(settings, db, KIM, quarter="2026Q3")
    assert new and fresh.id != made.id
