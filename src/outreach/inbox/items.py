"""Staff work on inbox items: find, show (always masked), assign, tag, note, resolve, hide.

Everything shown or exported goes through ``view``, which masks personal data
and replaces platform user ids by a pseudonym, so no caller can print the raw
text or the Kakao user key by accident.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Callable, Iterable

from sqlalchemy import Connection
from sqlalchemy.engine import Row

from ..config import Settings
from ..errors import InboxError, OutreachError
from ..i18n import _
from ..i18n import text as i18n_text
from ..model import Capability, Reply
from ..store import inbox as store
from ..store.db import Database
from ..store.inbox_tables import STATUSES
from .kinds import KINDS, KIND_LABELS, is_ticketed, kind_name, parse_ticket, ticket_number
from .masking import mask
from .triage import PRIORITY_NAMES


@dataclass(frozen=True)
class ItemView:
    """One item as staff see it: masked text, pseudonymous author, local times."""

    id: int
    channel: str
    status: str
    priority: str
    assignee: str | None             # the department
    categories: list[str]
    flags: list[str]
    author: str
    text: str
    created_at: str
    url: str | None
    thread_id: str | None
    post_remote_id: str | None
    first_due_at: str | None
    resolve_due_at: str | None
    first_answered_at: str | None
    resolved_at: str | None
    overdue: bool
    deleted: bool
    platform_hidden: bool
    edited: bool
    kind: str = "complaint"
    ticket: str | None = None        # only complaints and questions have one
    person_id: int | None = None     # the staff account the item is assigned to

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def pseudonym(row: Row) -> str:
    """The author as shown: the public display name when the platform shows one, plus a
    stable pseudonym from the keyed hash (never the platform's user id)."""
    tag = f"시민-{row.author_key[:6]}" if row.author_key else "시민"
    # a display name can hold a phone number too ("홍길동 010-1234-5678")
    return f"{mask(row.author_name)} ({tag})" if row.author_name else tag


def is_overdue(row: Row, now: datetime) -> bool:
    return _overdue(row, store.to_db(now))


def _overdue(row: Row, moment: datetime) -> bool:
    """``is_overdue`` with ``now`` already as stored (naive UTC)."""
    if row.status in ("new", "open") and row.first_answered_at is None and row.first_due_at \
            and row.first_due_at < moment:
        return True
    return bool(row.status in store.OPEN_STATUSES and row.resolved_at is None
                and row.resolve_due_at and row.resolve_due_at < moment)


def reply_of(row: Row) -> Reply:
    """Rebuild the channel's ``Reply`` for an answer or a hide call (with its opaque ref)."""
    return Reply(channel=row.channel, remote_id=row.remote_id, text=row.text,
                 created_at=store.from_db(row.created_at), thread_id=row.thread_id,
                 parent_id=row.parent_id, post_remote_id=row.post_remote_id, url=row.url,
                 deleted=row.deleted_at is not None, hidden=bool(row.platform_hidden),
                 ref=store.ref_of(row))


_UTC = store.UTC


def _local(moment: datetime, tz) -> str:
    """A stored time (naive UTC) as local ISO text to the minute (``Inbox.local``)."""
    return moment.replace(tzinfo=_UTC).astimezone(tz).isoformat(timespec="minutes")


def _split(value: str) -> list[str]:
    return [v for v in (value or "").split(",") if v]


# Writes one audit row (action, item id, detail) with the connection of the change's own
# transaction, so the change and its audit row commit or roll back together.
Auditor = Callable[[Connection, str, int, dict], None]


class Inbox:
    """The inbox as staff use it; ``actor`` is who is doing it (kept in the history).

    ``auditor`` (the staff app's audit log, ``outreach.users.audit.record`` bound to
    the acting user) is called inside every changing transaction; without one only
    the item's own history is written."""

    def __init__(self, settings: Settings, db: Database, *, actor: str = "staff",
                 now: Callable[[], datetime] = store.utcnow,
                 auditor: Auditor | None = None) -> None:
        self.settings, self.db, self.actor, self.now = settings, db, actor, now
        self.auditor = auditor
        self._ticket_key: bytes | None = None

    def audit(self, conn: Connection, action: str, item_id: int,
              detail: dict[str, Any] | None = None) -> None:
        """The audit row of a change, in the change's transaction (``conn``)."""
        if self.auditor is not None:
            self.auditor(conn, action, item_id, detail or {})

    # -- tickets -----------------------------------------------------------------
    @property
    def ticket_key(self) -> bytes:
        """The workspace salt, which keys the ticket codes (read once)."""
        if self._ticket_key is None:
            from .settings import inbox_config

            self._ticket_key = inbox_config(self.settings).salt
        return self._ticket_key

    def ticket(self, row: Row) -> str | None:
        """The ticket number shown to the citizen, for complaints and questions."""
        if not is_ticketed(getattr(row, "kind", "complaint")):
            return None
        day = store.from_db(row.created_at).astimezone(self.settings.timezone).date()
        return ticket_number(self.ticket_key, row.id, day)

    # -- reading -----------------------------------------------------------------
    def local(self, moment: datetime | None) -> str | None:
        if moment is None:
            return None
        return store.from_db(moment).astimezone(self.settings.timezone).isoformat(timespec="minutes")

    def view(self, row: Row) -> ItemView:
        return self.views((row,))[0]

    def views(self, rows: Iterable[Row]) -> list[ItemView]:
        """``view`` of each row: the clock, the time zone and the ticket key are looked up
        once for all of them (a queue page shows 50 rows, each with five times and a
        ticket), and each row's receipt time is converted once for its time and its
        ticket's day."""
        tz = self.settings.timezone
        moment = store.to_db(self.now())
        out = []
        for row in rows:
            created = row.created_at.replace(tzinfo=_UTC).astimezone(tz)
            ticket = ticket_number(self.ticket_key, row.id, created.date()) \
                if is_ticketed(getattr(row, "kind", "complaint")) else None
            first_due, resolve_due = row.first_due_at, row.resolve_due_at
            first_answered, resolved = row.first_answered_at, row.resolved_at
            out.append(ItemView(
                id=row.id, channel=row.channel, status=row.status,
                priority=PRIORITY_NAMES.get(row.priority, str(row.priority)),
                assignee=row.assignee, categories=_split(row.categories),
                flags=_split(row.flags), author=pseudonym(row), text=mask(row.text),
                created_at=created.isoformat(timespec="minutes"), url=row.url,
                thread_id=row.thread_id, post_remote_id=row.post_remote_id,
                first_due_at=None if first_due is None else _local(first_due, tz),
                resolve_due_at=None if resolve_due is None else _local(resolve_due, tz),
                first_answered_at=None if first_answered is None else _local(first_answered, tz),
                resolved_at=None if resolved is None else _local(resolved, tz),
                overdue=_overdue(row, moment), deleted=row.deleted_at is not None,
                platform_hidden=bool(row.platform_hidden), edited=row.edited_at is not None,
                kind=row.kind, ticket=ticket, person_id=getattr(row, "assignee_user_id", None)))
        return out

    def row(self, item_id: int | str) -> Row:
        """An item by its number, or by the ticket number a citizen quotes (20261129-7KQ2MX)."""
        ticket = parse_ticket(self.ticket_key, str(item_id)) if "-" in str(item_id) else None
        if ticket is not None:
            number, day = ticket
            with self.db.read() as conn:
                row = store.get_item(conn, number)
            if row is None or self.ticket(row) != ticket_number(self.ticket_key, number, day):
                raise InboxError(_("no item has ticket number {ticket}: check the number the "
                                   "citizen gave", ticket=str(item_id).strip()))
            return row
        try:
            number = int(str(item_id).lstrip("#"))
        except ValueError:
            raise InboxError(_("{item_id!r} is not an item number: use the number from "
                               "`outreach inbox list`", item_id=item_id)) from None
        with self.db.read() as conn:
            row = store.get_item(conn, number)
        if row is None:
            raise InboxError(_("no inbox item {number}: see `outreach inbox list --all`",
                               number=number))
        return row

    def list(self, f: store.ItemFilter) -> list[ItemView]:
        f.now = self.now()
        with self.db.read() as conn:
            return self.views(store.list_items(conn, f))

    def detail(self, item_id: int | str, *, row: Row | None = None) -> dict[str, Any]:
        """Everything about one item: the view, history, notes, answers and the publication
        (``row``: the item's row when the caller has just read it)."""
        row = self.row(item_id) if row is None else row
        with self.db.read() as conn:
            events = store.item_events(conn, row.id)
            answers = store.item_answers(conn, row.id)
        history = [{"at": self.local(e.at), "by": e.actor, "kind": e.kind,
                    "detail": mask(e.detail)} for e in events]
        return {
            "item": self.view(row).as_json(),
            "notes": [h for h in history if h["kind"] == "note"],
            "history": [h for h in history if h["kind"] != "note"],
            "answers": [{"id": a.id, "status": a.status, "text": mask(a.text), "by": a.actor,
                         "at": self.local(a.sent_at or a.created_at), "remote_id": a.remote_id,
                         "url": a.url, "error": a.error} for a in answers],
            "publication": self.publication(row),
            "survey": self.survey_of(row),
        }

    def survey_of(self, row: Row) -> dict[str, Any] | None:
        """The survey an answer belongs to (outreach.surveys), with its theme."""
        survey_id = getattr(row, "survey_id", None)
        if survey_id is None:
            return None
        from ..store import surveys as survey_store

        with self.db.read() as conn:
            survey = survey_store.get(conn, int(survey_id))
        if survey is None:
            return None
        theme = survey.question(row.survey_question_id) if row.survey_question_id else None
        return {"id": survey.id, "slug": survey.slug, "title": survey.title,
                "theme": theme.label if theme else None}

    def publication(self, row: Row) -> dict[str, Any] | None:
        """The publication the item answers, from the ledger when it knows the post."""
        if not row.post_remote_id:
            return None
        found: dict[str, Any] = {"channel": row.channel, "remote_id": row.post_remote_id}
        from ..store.ledger import Ledger

        delivery = Ledger(self.db).delivery_by_remote(row.channel, row.post_remote_id)
        if delivery:
            found.update({k: delivery.get(k) for k in ("schedule", "template", "url", "key",
                                                       "scheduled_for")
                          if delivery.get(k) is not None})
        return found

    # -- changing ---------------------------------------------------------------
    def _change(self, row: Row, event_kind: str, detail: str, *,
                audit: dict[str, Any] | None = None, **values: Any) -> None:
        """Update the item, add its history event and the audit row ``inbox.<event_kind>``,
        in one transaction."""
        with self.db.begin() as conn:
            if values:
                store.update_item(conn, row.id, **values)
            store.add_events(conn, [store.event(row.id, event_kind, self.actor, detail,
                                                self.now())])
            self.audit(conn, f"inbox.{event_kind}", row.id, audit)

    def assign(self, item_id: int | str, department: str) -> None:
        """Route the item to a department (``assignee``). A person assigned within the old
        department is not one of the new department's people: the person is cleared
        (``outreach.inbox.people`` assigns a person)."""
        row = self.row(item_id)
        if department.strip():          # every route goes to a known department
            from .departments import check_department

            with self.db.read() as conn:
                department = check_department(self.settings, conn, department)
        values: dict[str, Any] = {"assignee": department.strip() or None}
        if (row.assignee or None) != values["assignee"]:
            values["assignee_user_id"] = None
        if row.status == "new":
            values["status"] = "open"
        self._change(row, "route", f"{row.assignee or '-'} -> {department}",
                     audit={"department": values["assignee"]}, **values)

    def tag(self, item_id: int | str, add: list[str], remove: list[str]) -> list[str]:
        row = self.row(item_id)
        bad = [t for t in add if "," in t or not t.strip()]
        if bad:
            raise InboxError(_("category {bad!r} is not allowed: use a word without commas",
                               bad=bad[0]))
        current = [c for c in _split(row.categories) if c not in remove]
        current += [t.strip() for t in add if t.strip() not in current]
        self._change(row, "tag", " ".join([*(f"+{t}" for t in add), *(f"-{t}" for t in remove)]),
                     audit={"add": add, "remove": remove}, categories=",".join(current))
        return current

    def set_kind(self, item_id: int | str, kind: str) -> str:
        """Correct an item's kind (the history keeps who did it). A complaint or question gets
        its deadlines counted from the message's time; other kinds lose theirs."""
        name = kind_name(kind)
        if name is None:
            raise InboxError(_("unknown kind {kind!r}: use one of {kinds}", kind=kind,
                               kinds=", ".join(f"{k} ({KIND_LABELS[k]})" for k in KINDS)))
        row = self.row(item_id)
        values: dict[str, Any] = {"kind": name}
        if is_ticketed(name) and not is_ticketed(row.kind):
            from .settings import inbox_config

            cfg = inbox_config(self.settings)
            created = store.from_db(row.created_at)
            values["first_due_at"] = store.to_db(cfg.working.add(created, cfg.first_answer_hours))
            values["resolve_due_at"] = store.to_db(cfg.working.add_days(created,
                                                                        cfg.resolution_days))
        elif not is_ticketed(name):
            values.update(first_due_at=None, resolve_due_at=None)
        if name == "spam" and row.status in store.OPEN_STATUSES:
            values["status"] = "spam"
        self._change(row, "kind", f"{row.kind} -> {name}", audit={"kind": name}, **values)
        return name

    def note(self, item_id: int | str, text: str) -> None:
        if not text.strip():
            raise InboxError(_("the note is empty: write what colleagues should know"))
        self._change(self.row(item_id), "note", text.strip())

    def set_status(self, item_id: int | str, status: str, reason: str = "") -> None:
        if status not in STATUSES:
            raise InboxError(_("unknown status {status!r}: use one of {statuses}", status=status,
                               statuses=', '.join(STATUSES)))
        row = self.row(item_id)
        values: dict[str, Any] = {"status": status}
        now = store.to_db(self.now())
        if status == "resolved" and row.resolved_at is None:
            values["resolved_at"] = now
        if status in ("new", "open", "answered"):
            values["resolved_at"] = None
        self._change(row, "status", f"{row.status} -> {status}" + (f": {reason}" if reason else ""),
                     audit={"status": status}, **values)

    def hide(self, item_id: int | str, *, local_only: bool = False, actor_kind: str = "hide") -> str:
        """Hide the item on its platform (where the platform allows) and in the inbox."""
        row = self.row(item_id)
        if row.platform_hidden:
            return i18n_text("already hidden on the platform")
        where = i18n_text("in the inbox only")
        if not local_only:
            from ..channels import open_channel

            if row.channel not in self.settings.channels:
                raise InboxError(_("item {id} came from channel {channel!r}, which is not "
                                   "configured: hide it by hand, then run with --local",
                                   id=row.id, channel=row.channel))
            channel = open_channel(self.settings, row.channel)
            try:
                if Capability.HIDE not in channel.capabilities:
                    raise InboxError(_("channel {channel} cannot hide messages through its API: "
                                       "hide it by hand on the platform, then run with --local",
                                       channel=row.channel))
                channel.hide(reply_of(row))
            finally:
                channel.close()
            where = i18n_text("on the platform and in the inbox")
        self._change(row, actor_kind, where, status="hidden",
                     platform_hidden=bool(row.platform_hidden) or not local_only)
        return where


def auto_hide(inbox: Inbox, channel: Any, item_ids: list[int]) -> list[str]:
    """Hide items a rule marked ``auto_hide: true`` through an open channel; problems as notes."""
    notes = []
    if not item_ids:
        return notes
    if Capability.HIDE not in channel.capabilities:
        return [f"{len(item_ids)} item(s) should be hidden by rule, but channel {channel.name} "
                "cannot hide: hide them by hand"]
    for item_id in item_ids:
        row = inbox.row(item_id)
        try:
            channel.hide(reply_of(row))
        except OutreachError as exc:
            notes.append(f"item {item_id} not hidden: {exc}")
            continue
        inbox._change(row, "auto_hide", i18n_text("hidden by a rule with auto_hide: true"),
                      status="hidden", platform_hidden=True)
    return notes


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)
