"""Turn platform ``Reply`` objects into inbox items: dedupe, triage, deadlines, history.

The one path every message takes, whether polled by ``harvest`` or pushed by a
webhook, so both converge on the same row: unique per (channel, remote id).
A changed text on the platform updates the item and keeps the old text in the
item's history; a deletion marks the item deleted but keeps it for the record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Sequence

from sqlalchemy import Connection

from ..i18n import text as i18n_text
from ..model import Reply
from ..store import inbox as store
from ..surveys.answers import link_call_comments, survey_answer
from .kinds import is_ticketed
from .masking import mask
from .settings import InboxConfig
from .triage import Rules, Verdict, classify

SYSTEM = "outreach"
# ref keys meant for ingest, not for the channel ("survey": the chatbot's survey answer)
_INGEST_HINTS = ("partial", "hidden_known", "survey")


@dataclass
class IngestResult:
    new: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    unchanged: int = 0
    ids: dict[str, int] = field(default_factory=dict)        # remote id -> item id
    auto_hide: list[int] = field(default_factory=list)       # items a rule says to hide

    def merge(self, other: "IngestResult") -> None:
        self.new += other.new
        self.updated += other.updated
        self.deleted += other.deleted
        self.unchanged += other.unchanged
        self.ids.update(other.ids)
        self.auto_hide += other.auto_hide


def _join(values: Sequence[str]) -> str:
    return ",".join(dict.fromkeys(v for v in values if v))


class Ingestor:
    """Stores replies; holds the rules and deadlines so a batch costs no file reads."""

    def __init__(self, cfg: InboxConfig, rules: Rules,
                 now: Callable[[], datetime] = store.utcnow) -> None:
        self.cfg, self.rules, self.now = cfg, rules, now
        self._prepared: dict[str, Verdict] = {}

    def prepare(self, replies: Sequence[Reply]) -> None:
        """Triage ``replies`` now, before the caller opens its write transaction, so the
        transaction only writes (``ingest`` uses these verdicts, then forgets them)."""
        for reply in replies:
            if reply.text not in self._prepared:
                self._prepared[reply.text] = classify(self.rules, reply.text)

    def verdict(self, text: str) -> Verdict:
        found = self._prepared.pop(text, None)
        return found if found is not None else classify(self.rules, text)

    def ingest(self, conn: Connection, replies: Sequence[Reply], *, source: str = "poll"
               ) -> IngestResult:
        """Store ``replies`` inside the caller's transaction (call ``prepare`` before it)."""
        result = IngestResult()
        by_channel: dict[str, dict[str, Reply]] = {}
        for reply in replies:
            if reply.ref.get("own"):
                continue  # the page's own comments are our answers, not citizens' messages
            by_channel.setdefault(reply.channel, {})[reply.remote_id] = reply  # last one wins
        for channel, batch in by_channel.items():
            result.merge(self._ingest_channel(conn, channel, batch, source))
        self._prepared.clear()       # verdicts of replies that were stored already
        return result

    def _ingest_channel(self, conn: Connection, channel: str, batch: dict[str, Reply],
                        source: str) -> IngestResult:
        result = IngestResult()
        now = self.now()
        # PostgreSQL inserts first: the unique index skips what is stored already (by anyone,
        # concurrent writers included) and only the replies that were not new are read back.
        # SQLite reads first, under the write lock its transactions hold.
        first = store.inserts_first(conn)
        existing, ours = ({}, set()) if first else store.lookup(conn, channel, batch)
        # our own answers come back when polling: they are not citizens' messages
        fresh = [r for rid, r in batch.items()
                 if rid not in existing and rid not in ours and not r.ref.get("partial")]
        rows, hide, masked = [], set(), {}
        for reply in fresh:
            verdict = self.verdict(reply.text)
            rows.append(self._row(reply, verdict, now, source))
            if verdict.masked is not None:
                masked[reply.remote_id] = verdict.masked     # the index never holds it
            if verdict.auto_hide and not reply.hidden:
                hide.add(reply.remote_id)
        link_call_comments(conn, channel, rows)     # comments under a survey's call
        # with their search index entries and the overheat count of their threads
        window = timedelta(minutes=self.rules.overheated_minutes)
        ids, threads = store.insert_new(conn, rows, window, skip_answers=first, indexed=masked)
        result.new = [ids[row["remote_id"]] for row in rows if row["remote_id"] in ids]
        result.ids.update(ids)
        result.auto_hide = [ids[rid] for rid in hide if rid in ids]
        # what was not inserted may be stored already (on SQLite only these were read)
        rest = [rid for rid in (batch if first else (r.remote_id for r in fresh)) if rid not in ids]
        if rest:
            existing.update(store.existing_items(conn, channel, rest))
        events, reindex = [], []
        for rid, row in existing.items():
            result.ids[rid] = row.id
            changed = self._apply_change(conn, row, batch[rid], now, events, reindex)
            if changed == "deleted":
                result.deleted.append(row.id)
            elif changed:
                result.updated.append(row.id)
            else:
                result.unchanged += 1
        store.add_events(conn, events)
        store.unindex_text(conn, [(item_id, mask(old)) for item_id, old, _ in reindex])
        store.index_text(conn, [(item_id, mask(new)) for item_id, _, new in reindex])
        for thread, (since, count) in threads.items():
            # flag a thread (the post commented on, else the conversation) that gets
            # ``replies`` items within ``minutes``
            if count >= self.rules.overheated_replies:
                store.flag_thread(conn, channel, thread, since, "overheated")
        return result

    def _row(self, reply: Reply, verdict: Verdict, now: datetime, source: str) -> dict:
        created = reply.created_at if reply.created_at.tzinfo else \
            reply.created_at.replace(tzinfo=store.UTC)
        work = self.cfg.working
        ticketed = is_ticketed(verdict.kind)      # only complaints and questions get deadlines
        row = {
            "channel": reply.channel, "remote_id": reply.remote_id,
            "thread_id": reply.thread_id or reply.post_remote_id,
            "parent_id": reply.parent_id, "post_remote_id": reply.post_remote_id,
            "author_key": self.cfg.author_key(reply.channel, reply.author_id),
            "author_name": reply.author_name, "text": reply.text, "url": reply.url,
            "created_at": store.to_db(created), "received_at": store.to_db(now),
            "edited_at": store.to_db(reply.edited_at),
            "deleted_at": store.to_db(now) if reply.deleted else None,
            "platform_hidden": reply.hidden, "status": verdict.status or "new",
            "assignee": verdict.department, "categories": _join(verdict.categories),
            "flags": _join(verdict.flags), "priority": verdict.priority,
            "first_due_at": store.to_db(work.add(created, self.cfg.first_answer_hours))
            if ticketed else None,
            "resolve_due_at": store.to_db(work.add_days(created, self.cfg.resolution_days))
            if ticketed else None,
            "kind": verdict.kind,
            "first_answered_at": None, "resolved_at": None,
            "ref": json.dumps({k: v for k, v in reply.ref.items() if k not in _INGEST_HINTS},
                              ensure_ascii=False, default=str) if reply.ref else "{}",
            "source": source, "survey_id": None, "survey_question_id": None,
        }
        hint = reply.ref.get("survey") if reply.ref else None
        return survey_answer(row, hint) if hint and verdict.kind != "spam" else row

    def _apply_change(self, conn: Connection, row, reply: Reply, now: datetime,
                      events: list, reindex: list) -> str | bool:
        values: dict = {}
        if reply.deleted:
            if row.deleted_at is None:
                store.update_item(conn, row.id, deleted_at=store.to_db(now))
                events.append(store.event(row.id, "deleted", SYSTEM,
                                              i18n_text("deleted on the platform"), now))
                return "deleted"
            return False
        if reply.text != row.text and not reply.ref.get("partial"):
            verdict = self.verdict(reply.text)
            values.update(text=reply.text,
                          edited_at=store.to_db(reply.edited_at or now),
                          categories=_join([*row.categories.split(","), *verdict.categories]),
                          flags=_join([*row.flags.split(","), *verdict.flags]))
            events.append(store.event(row.id, "edited", SYSTEM, row.text, now))
            reindex.append((row.id, row.text, reply.text))
        if reply.ref.get("hidden_known", True) and bool(reply.hidden) != bool(row.platform_hidden):
            values["platform_hidden"] = reply.hidden
            events.append(store.event(row.id, "platform_hidden" if reply.hidden
                                      else "platform_shown", SYSTEM, "", now))
        if row.deleted_at is not None:          # it came back (an undo on the platform)
            values["deleted_at"] = None
        if values:
            store.update_item(conn, row.id, **values)
            return True
        return False
