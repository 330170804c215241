"""Answering from the web: exactly once under a double click (same text twice at once), a
retried request, and two officers answering the same item at once with different texts."""

from __future__ import annotations

import threading
from contextlib import ExitStack
from datetime import datetime, timezone

from outreach.errors import InboxError, OutreachError
from outreach.inbox.answers import send_answer
from outreach.inbox.harvest import harvest_all
from outreach.inbox.items import Inbox
from outreach.store.inbox import ItemFilter

from test_inbox_answers import ANSWER, ENV, _facebook
from test_inbox_support import opened


def _race(calls):
    results: list[object] = []
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            results.append(call())
        except OutreachError as exc:
            results.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_officers_and_a_double_click_send_one_answer(tmp_path):
    with ExitStack() as stack:
        fake, toml, answers, _ = _facebook(stack, datetime.now(timezone.utc))
        settings, db = opened(tmp_path, f"sqlite:///{tmp_path / 'o.db'}", toml, ENV)
        harvest_all(settings, db)
        kim, lee = Inbox(settings, db, actor="김주무관"), Inbox(settings, db, actor="이주무관")
        item = kim.list(ItemFilter())[0]
        results = _race([lambda: send_answer(kim, item.id, ANSWER, seen_answers=0),
                         lambda: send_answer(lee, item.id, "다른 답변입니다.", seen_answers=0)])
        assert len(answers()) == 1                              # one answer on the platform
        refused = [r for r in results if isinstance(r, InboxError)]
        assert len(refused) == 1 and "another answer" in str(refused[0])
        # a double click: the same text twice at once, then the request retried
        sent = answers()[0]
        who = kim if sent == ANSWER else lee
        results = _race([lambda: send_answer(who, item.id, sent, seen_answers=0),
                         lambda: send_answer(who, item.id, sent, seen_answers=0)])
        assert all(getattr(r, "already", False) for r in results)
        assert answers() == [sent]
        db.dispose()
