"""The complaint officer's desk: what the inbox pages show and do, as services.

A route parses the request and calls one method here; the CLI's services
(``Inbox``, ``send_answer``, ``Transfers``) do the work, so the web and the
command line behave the same. Everything shown is masked (``Inbox.view``);
the original text is given only by ``reveal``, to a role allowed to, and
that is written to the audit log.

Scope: an officer works on the items of their departments (the item's
``assignee`` is its department); every other role that may see the inbox
sees all departments (supervisors, approvers, admins, viewers). A
department's *supervisor* is a member of it whose role is approver or
admin; overdue notices go to its officers and supervisors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Sequence

from ..config import Settings
from ..errors import InboxError, OutreachError
from ..i18n import _
from ..store import inbox as store
from ..store import inbox_queries as queries
from ..store.db import Database
from .answers import AnswerOutcome, fill_saved, load_saved, send_answer
from .items import Inbox, ItemView
from .masking import mask
from .settings import inbox_config
from .transfers import Transfers

SUPERVISOR_ROLES = ("approver", "admin")
REVEAL_ROLES = ("approver", "admin")
BULK_ACTIONS = ("assign", "tag", "resolve", "spam")
# What a platform accepts as one answer (characters), from each platform's documentation:
# Facebook comment 8,000; Instagram comment 2,200; YouTube comment 10,000; a Kakao
# chatbot text bubble 1,000 (simpleText). WordPress and hand-off channels: no fixed limit.
REPLY_LIMITS = {"facebook": 8000, "instagram": 2200, "youtube": 10000, "kakao": 1000}


def audit(conn, actor: Any, action: str, item_id: int | str, detail: dict | None = None) -> None:
    """One audit row in the caller's transaction (the staff app's audit log)."""
    from ..users.audit import record

    record(conn, actor, action, "inbox_item", item_id, detail or {})


@dataclass
class QueuePage:
    items: list[ItemView]
    kinds: dict[int, str]
    counts: dict[str, tuple[int, int]]          # department -> (open, overdue)
    pending_transfers: int
    newest_id: int
    departments: tuple[str, ...] | None


@dataclass
class ItemPage:
    item: ItemView
    kind: str | None
    answers: list[dict]
    notes: list[dict]
    history: list[dict]
    thread: list[ItemView]
    same_author: list[ItemView]
    publication: dict | None
    cover: Path | None
    transfers: list[Any]
    stays: list[Any]
    saved: dict[str, str]
    channel_type: str | None
    reply_limit: int | None
    can_send: bool                               # the channel has an answer API
    answer_count: int
    pending_transfer: Any | None
    extras: dict = field(default_factory=dict)


class Desk:
    """One officer's desk; ``actor`` is an ``outreach.users.audit.Actor``."""

    def __init__(self, settings: Settings, db: Database, actor: Any,
                 departments: Sequence[str] | None, *, role: str | None = None,
                 now: Callable[[], datetime] = store.utcnow) -> None:
        self.settings, self.db, self.actor, self.now = settings, db, actor, now
        self.departments = tuple(departments) if departments is not None else None
        self.role = role if role is not None else getattr(actor, "role", None)
        self.inbox = Inbox(settings, db, actor=actor.label() if hasattr(actor, "label")
                           else str(actor), now=now)

    # -- scope ---------------------------------------------------------------------
    def _check(self, row) -> None:
        if self.departments is not None and row.assignee not in self.departments:
            raise InboxError(_("item {id} is not in one of your departments", id=row.id))

    def row(self, item_id: int | str):
        row = self.inbox.row(item_id)
        self._check(row)
        return row

    # -- reading ---------------------------------------------------------------------
    def queue(self, f: queries.QueueFilter) -> QueuePage:
        f.now = self.now()
        if self.departments is not None:
            f.departments = self.departments
        with self.db.read() as conn:
            rows = queries.queue(conn, f)
            counts = _counts(conn, self.db, self.departments, f.now)
            pending = len(queries.pending_transfers(conn, self.departments))
            newest = queries.newest_id(conn)
        kinds = {r.id: r.kind for r in rows} if queries.has_kind() else {}
        return QueuePage([self.inbox.view(r) for r in rows], kinds, counts, pending, newest,
                         self.departments)

    def item(self, item_id: int | str) -> ItemPage:
        row = self.row(item_id)
        detail = self.inbox.detail(row.id)
        with self.db.read() as conn:
            thread = queries.same_thread(conn, row)
            author = queries.same_author(conn, row)
            transfers = queries.item_transfers(conn, row.id)
            history = _audit_history(conn, row.id, self.inbox)
        cfg = inbox_config(self.settings)
        try:
            saved = load_saved(cfg.replies_file)
            filled = {name: fill_saved(self.inbox, saved, name, row.id) for name in saved}
        except OutreachError:
            filled = {}
        ctype = _channel_type(self.settings, row.channel)
        answers = detail["answers"]
        return ItemPage(
            item=self.inbox.view(row), kind=getattr(row, "kind", None), answers=answers,
            notes=detail["notes"], history=sorted(detail["history"] + history,
                                                  key=lambda h: h["at"] or ""),
            thread=[self.inbox.view(r) for r in thread],
            same_author=[self.inbox.view(r) for r in author],
            publication=detail["publication"], cover=self.cover(row),
            transfers=transfers, stays=Transfers(self.inbox, cfg).stays(row.id), saved=filled,
            channel_type=ctype, reply_limit=REPLY_LIMITS.get(ctype or ""),
            can_send=_can_send(self.settings, row.channel),
            answer_count=sum(1 for a in answers if a["status"] != "failed"),
            pending_transfer=next((t for t in transfers if t.status == "pending"), None),
            extras={"survey": detail.get("survey")})

    def cover(self, row) -> Path | None:
        """The first slide of the publication the item answers, if its draft is on disk."""
        if not row.post_remote_id:
            return None
        from ..store.ledger import Ledger

        found = Ledger(self.db).delivery_by_remote(row.channel, row.post_remote_id)
        if not found:
            return None
        var = self.settings.var_dir.resolve()
        for key in ("draft_dir", "location"):
            folder = found.get(key)
            if not folder:
                continue
            path = Path(folder).resolve()
            if not path.is_dir() or var not in path.parents:
                continue
            images = sorted(p for p in path.iterdir()
                            if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
            if images:
                return images[0]
        return None

    # -- acting ------------------------------------------------------------------------
    def answer(self, item_id: int | str, text: str, *, manual: bool = False,
               seen_answers: int | None = None) -> AnswerOutcome:
        row = self.row(item_id)
        outcome = send_answer(self.inbox, row.id, text, manual=manual, seen_answers=seen_answers)
        if not outcome.already:
            with self.db.begin() as conn:
                audit(conn, self.actor, "inbox.answer", row.id,
                      {"answer": outcome.answer_id, "status": outcome.status})
        return outcome

    def set_kind(self, item_id: int | str, kind: str) -> str:
        row = self.row(item_id)
        name = self.inbox.set_kind(row.id, kind)
        with self.db.begin() as conn:
            audit(conn, self.actor, "inbox.kind", row.id, {"kind": name})
        return name

    def by_ticket(self, text: str) -> int | None:
        """The item a ticket number (``20261130-4K7QZP``) names, when it is in scope."""
        from .kinds import parse_ticket

        found = parse_ticket(self.inbox.ticket_key, text)
        if found is None:
            return None
        try:
            return self.row(found[0]).id
        except InboxError:
            return None

    def note(self, item_id: int | str, text: str) -> None:
        row = self.row(item_id)
        self.inbox.note(row.id, text)
        with self.db.begin() as conn:
            audit(conn, self.actor, "inbox.note", row.id)

    def set_status(self, item_id: int | str, status: str, reason: str = "") -> None:
        row = self.row(item_id)
        self.inbox.set_status(row.id, status, reason)
        with self.db.begin() as conn:
            audit(conn, self.actor, "inbox.status", row.id, {"status": status})

    def bulk(self, item_ids: Sequence[int | str], action: str, value: str = "") -> int:
        """Assign, tag, resolve or mark spam many items; each must be in scope (checked
        before any change, so a bulk action is all or nothing about scope)."""
        if action not in BULK_ACTIONS:
            raise InboxError(_("unknown action {action}", action=action))
        ids = list(dict.fromkeys(int(str(i)) for i in item_ids if str(i).strip().isdigit()))
        if not ids:
            raise InboxError(_("choose at least one item"))
        if len(ids) > 500:
            raise InboxError(_("at most 500 items at once"))
        if action in ("assign", "tag") and not value.strip():
            raise InboxError(_("say which department or category"))
        rows = [self.row(i) for i in ids]
        for row in rows:
            if action == "assign":
                self.inbox.assign(row.id, value)
            elif action == "tag":
                self.inbox.tag(row.id, [value], [])
            else:
                self.inbox.set_status(row.id, "resolved" if action == "resolve" else "spam")
        with self.db.begin() as conn:
            for row in rows:
                audit(conn, self.actor, f"inbox.bulk_{action}", row.id,
                      {"value": value} if value else {})
        return len(rows)

    def transfers(self) -> Transfers:
        return Transfers(self.inbox)

    def transfer(self, item_id: int | str, to_department: str, reason: str) -> int:
        row = self.row(item_id)
        tid = self.transfers().request(row.id, to_department, reason,
                                       may_act_for=self.departments)
        with self.db.begin() as conn:
            audit(conn, self.actor, "inbox.transfer", row.id,
                  {"transfer": tid, "to": to_department})
        return tid

    def decide(self, transfer_id: int, accept: bool, note: str = "") -> int:
        service = self.transfers()
        with self.db.read() as conn:
            t = queries.get_transfer(conn, transfer_id)
        if t is None:
            raise InboxError(_("no transfer {id}", id=transfer_id))
        if accept:
            service.accept(transfer_id, note, may_act_for=self.departments)
        else:
            service.send_back(transfer_id, note, may_act_for=self.departments)
        with self.db.begin() as conn:
            audit(conn, self.actor, "inbox.transfer_" + ("accept" if accept else "return"),
                  t.item_id, {"transfer": transfer_id})
        return t.item_id

    def pending_transfers(self) -> list[Any]:
        with self.db.read() as conn:
            return queries.pending_transfers(conn, self.departments)

    def reveal(self, item_id: int | str, reason: str) -> str:
        """The item's original text, unmasked, for a role allowed to see it; audited."""
        row = self.row(item_id)
        if not reason.strip():
            raise InboxError(_("say why you need the original text (it is logged)"))
        if self.role not in REVEAL_ROLES:
            from ..errors import PermissionDenied

            raise PermissionDenied(_("only supervisors may reveal an original text"))
        with self.db.begin() as conn:
            audit(conn, self.actor, "inbox.reveal", row.id, {"reason": reason.strip()})
        return row.text


_COUNTS: dict[tuple, tuple[float, dict]] = {}
COUNTS_SECONDS = 20.0


def _counts(conn, db: Database, departments: tuple[str, ...] | None, now: datetime) -> dict:
    """Open and overdue items per department, kept for ``COUNTS_SECONDS`` per process: with
    a large open backlog the count reads every open item's index entry (about 30 ms per
    40,000 on PostgreSQL), too much for every page view; the rows themselves are never
    cached."""
    import time

    key = (id(db), departments)
    found = _COUNTS.get(key)
    if found is not None and time.monotonic() - found[0] < COUNTS_SECONDS:
        return found[1]
    counts = queries.count_open(conn, departments, now)
    if len(_COUNTS) > 256:
        _COUNTS.clear()
    _COUNTS[key] = (time.monotonic(), counts)
    return counts


def _audit_history(conn, item_id: int, inbox: Inbox) -> list[dict]:
    """The audit log's entries for this item (web actions), shaped like item history."""
    try:
        from ..store.users import AuditFilter, list_audit
    except ImportError:   # the staff app's audit log is not installed
        return []
    rows = list_audit(conn, AuditFilter(target_type="inbox_item", target_id=str(item_id),
                                        limit=200))
    return [{"at": inbox.local(r.at), "by": r.actor_name, "kind": r.action,
             "detail": mask(r.detail or "")} for r in rows]


def _channel_type(settings: Settings, name: str) -> str | None:
    cfg = settings.channels.get(name)
    if cfg is None:
        return None
    return cfg.get("type") if isinstance(cfg, dict) else getattr(cfg, "type", None)


def _can_send(settings: Settings, name: str) -> bool:
    from ..channels import channel_class
    from ..model import Capability

    kind = _channel_type(settings, name)
    if not kind:
        return False
    try:
        return Capability.REPLY in channel_class(kind).capabilities
    except (KeyError, OutreachError):
        return False


def department_recipients(conn, department: str | None) -> list[str]:
    """Who hears that an item of ``department`` is overdue: its officers and supervisors
    (members whose role is officer, approver or admin); without a department, the admins."""
    return queries.department_members(conn, department, ("officer", *SUPERVISOR_ROLES))
