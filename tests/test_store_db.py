"""The database layer opens and migrates on every backend."""

from outreach.store.db import _head, current_revision, open_database


def test_open_migrates_to_head_and_is_idempotent(db_url):
    db = open_database(db_url)
    assert current_revision(db) == _head()
    db.dispose()
    db = open_database(db_url)  # second open: nothing to do, same revision
    assert current_revision(db) == _head()
    db.dispose()
