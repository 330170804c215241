"""The complaint officer's desk: what the inbox pages show and do, as services.

A route parses the request and calls one method here; the CLI's services
(``Inbox``, ``send_answer``, ``Transfers``) do the work, so the web and the
command line behave the same. Everything shown is masked (``Inbox.view``);
the original text is given only by ``reveal``, to a role allowed to, and
that is written to the audit log.

Scope: an officer works on the items of their departments (the item's
``assignee`` is its department; ``assignee_user_id`` the person within it,
``outreach.inbox.people``); every other role that may see the inbox sees all
departments (supervisors, approvers, admins, viewers). A department's
*supervisor* is a member of it whose role is approver or admin; overdue
notices go to the item's person and the department's supervisors.

Every change writes its audit row inside the change's own transaction (the
``Inbox``'s auditor), so a change that rolls back leaves no audit row and a
committed change always has one.
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
from ..store import inbox_people as people_store
from ..store import inbox_queries as queries
from ..store.db import Database
from .answers import AnswerOutcome, current_saved, fill_all_saved, send_answer
from .departments import check_department, known_departments, rules_categories
from .items import Inbox, ItemView
from .masking import mask
from .people import assign_person
from .settings import inbox_config
from .transfers import Transfers

SUPERVISOR_ROLES = ("approver", "admin")
REVEAL_ROLES = ("approver", "admin")
USUAL_TARGETS = 5            # departments offered first on the item page's transfer form
BULK_ACTIONS = ("assign", "route", "tag", "resolve", "spam")
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
    people: dict[int, Any] = field(default_factory=dict)   # person id -> store Person
    # a search looked through items down to this number only (bounded work per page): the
    # page offers to search older items from here; None: nothing left unsearched
    searched_to: int | None = None
    assignable: list[Any] | None = None     # Desk.assignable(), when asked for (offer_people)


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
    person: Any | None = None                    # the assigned store Person
    assignable: list = field(default_factory=list)
    # where the item may be transferred: the workspace's departments but its own, the
    # ones its department usually sends to (accepted transfers, most first) apart
    transfer_usual: list[str] = field(default_factory=list)
    transfer_other: list[str] = field(default_factory=list)


class Desk:
    """One officer's desk; ``actor`` is an ``outreach.users.audit.Actor``."""

    def __init__(self, settings: Settings, db: Database, actor: Any,
                 departments: Sequence[str] | None, *, role: str | None = None,
                 now: Callable[[], datetime] = store.utcnow) -> None:
        self.settings, self.db, self.actor, self.now = settings, db, actor, now
        self.departments = tuple(departments) if departments is not None else None
        self.role = role if role is not None else getattr(actor, "role", None)
        self.inbox = Inbox(settings, db, actor=actor.label() if hasattr(actor, "label")
                           else str(actor), now=now, auditor=self._audit)

    def _audit(self, conn, action: str, item_id: int, detail: dict) -> None:
        audit(conn, self.actor, action, item_id, detail)

    # -- scope ---------------------------------------------------------------------
    def _check(self, row) -> None:
        if self.departments is not None and row.assignee not in self.departments:
            raise InboxError(_("item {id} is not in one of your departments", id=row.id))

    def row(self, item_id: int | str):
        row = self.inbox.row(item_id)
        self._check(row)
        return row

    # -- reading ---------------------------------------------------------------------
    def queue(self, f: queries.QueueFilter, *, offer_people: bool = False) -> QueuePage:
        """One page of the queue. ``offer_people``: also read the people the page offers
        to assign to (``assignable()``, in ``QueuePage.assignable``) in the same
        connection; the rows' people are then taken from them (only others are read)."""
        f.now = self.now()
        if self.departments is not None:
            f.departments = self.departments
        with self.db.read() as conn:
            rows, searched_to = queries.queue_page(conn, f)
            counts = _counts(conn, self.db, self.departments, f.now)
            pending, newest = queries.pending_and_newest(conn, self.departments)
            offered = people_store.assignable(conn, self.departments) if offer_people else None
            persons = _people_of(conn, rows, offered or ())
        kinds = {r.id: r.kind for r in rows} if queries.has_kind() else {}
        return QueuePage(self.inbox.views(rows), kinds, counts, pending, newest,
                         self.departments, persons, searched_to, offered)

    def assignable(self, department: str | None = None) -> list[Any]:
        """The people items may be given to: members of ``department``, else of the
        officer's departments (every department's for supervisors)."""
        scope = (department,) if department else self.departments
        with self.db.read() as conn:
            return people_store.assignable(conn, scope)

    def item(self, item_id: int | str) -> ItemPage:
        row = self.row(item_id)
        detail = self.inbox.detail(row.id, row=row)
        with self.db.read() as conn:
            thread = queries.same_thread(conn, row)
            author = queries.same_author(conn, row)
            transfers = queries.item_transfers(conn, row.id)
            history = _audit_history(conn, row.id, self.inbox)
            assignable = (people_store.assignable(conn, (row.assignee,)) if row.assignee
                          else people_store.assignable(conn, self.departments))
            # the person is nearly always one of those offered; else read by number
            person = next((p for p in assignable if p.id == row.assignee_user_id), None) \
                if row.assignee_user_id else None
            if row.assignee_user_id and person is None:
                person = people_store.by_id(conn, row.assignee_user_id)
            usual, other = _transfer_targets(known_departments(self.settings, conn),
                                             queries.accepted_transfer_counts(conn, row.assignee),
                                             row.assignee)
        cfg = inbox_config(self.settings)
        view = self.inbox.view(row)
        try:
            saved = current_saved(cfg.replies_file)
            # filled from the row and view at hand (no reading of the item per reply)
            filled = fill_all_saved(self.inbox, saved, row, view)
        except OutreachError:
            filled = {}
        ctype = _channel_type(self.settings, row.channel)
        answers = detail["answers"]
        return ItemPage(
            item=view, kind=getattr(row, "kind", None), answers=answers,
            notes=detail["notes"], history=sorted(detail["history"] + history,
                                                  key=lambda h: h["at"] or ""),
            thread=self.inbox.views(thread), same_author=self.inbox.views(author),
            publication=detail["publication"], cover=self.cover(row),
            transfers=transfers, stays=Transfers(self.inbox, cfg).stays(row.id, row=row),
            saved=filled,
            channel_type=ctype, reply_limit=REPLY_LIMITS.get(ctype or ""),
            can_send=_can_send(self.settings, row.channel),
            answer_count=sum(1 for a in answers if a["status"] != "failed"),
            pending_transfer=next((t for t in transfers if t.status == "pending"), None),
            person=person, assignable=assignable, transfer_usual=usual, transfer_other=other,
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
        return send_answer(self.inbox, row.id, text, manual=manual, seen_answers=seen_answers)

    def assign(self, item_id: int | str, who: str | int | None) -> Any:
        """Give the item to a person of its department (empty: nobody)."""
        row = self.row(item_id)
        return assign_person(self.inbox, row.id, who, may_act_for=self.departments)

    def set_kind(self, item_id: int | str, kind: str) -> str:
        row = self.row(item_id)
        return self.inbox.set_kind(row.id, kind)

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

    def set_status(self, item_id: int | str, status: str, reason: str = "") -> None:
        row = self.row(item_id)
        self.inbox.set_status(row.id, status, reason)

    def bulk_suggestions(self) -> tuple[list[str], list[str]]:
        """What the bulk action's "department or category" box suggests: the departments
        an item may be routed to (exactly what ``check_department`` accepts) and the
        categories the triage rules give."""
        with self.db.read() as conn:
            departments = known_departments(self.settings, conn)
        return departments, list(rules_categories(self.settings))

    def bulk(self, item_ids: Sequence[int | str], action: str, value: str = "") -> int:
        """Assign to a person, route to a department, tag, resolve or mark spam many items;
        each must be in scope (checked before any change, so a bulk action is all or
        nothing about scope). Each item's change and its audit row (``bulk: true``)
        commit together."""
        if action not in BULK_ACTIONS:
            raise InboxError(_("unknown action {action}", action=action))
        ids = list(dict.fromkeys(int(str(i)) for i in item_ids if str(i).strip().isdigit()))
        if not ids:
            raise InboxError(_("choose at least one item"))
        if len(ids) > 500:
            raise InboxError(_("at most 500 items at once"))
        if action in ("route", "tag") and not value.strip():
            raise InboxError(_("say which department or category"))
        rows = [self.row(i) for i in ids]
        if action == "route":   # checked before any change, like the scope
            with self.db.read() as conn:
                value = check_department(self.settings, conn, value)
        person = None
        if action == "assign" and value.strip():
            from .people import find_person

            person = find_person(self.inbox, value)
            strangers = [r.id for r in rows if r.assignee and r.assignee not in person.departments]
            if strangers:        # checked before any change, like the scope
                raise InboxError(_("{who} is not a member of the department of item {id}: "
                                   "choose items of their departments", who=person.name,
                                   id=strangers[0]))
        inbox = Inbox(self.settings, self.db, actor=self.inbox.actor, now=self.now,
                      auditor=lambda conn, act, item, detail: audit(
                          conn, self.actor, act, item, {**detail, "bulk": True}))
        for row in rows:
            if action == "assign":
                assign_person(inbox, row.id, person.id if person else None,
                              may_act_for=self.departments)
            elif action == "route":
                inbox.assign(row.id, value)
            elif action == "tag":
                inbox.tag(row.id, [value], [])
            else:
                inbox.set_status(row.id, "resolved" if action == "resolve" else "spam")
        return len(rows)

    def transfers(self) -> Transfers:
        return Transfers(self.inbox)

    def transfer(self, item_id: int | str, to_department: str, reason: str) -> int:
        """Ask a department of the workspace to take the item (the page offers them; a
        name typed or posted by hand must be one of them, or nobody could accept it:
        ``Transfers.request`` refuses it, ``outreach.inbox.departments``)."""
        row = self.row(item_id)
        return self.transfers().request(row.id, to_department, reason,
                                        may_act_for=self.departments)

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


def _people_of(conn, rows: Sequence[Any], known: Sequence[Any]) -> dict[int, Any]:
    """The people the rows are assigned to: those among ``known`` (the people a page
    offers anyway) as they are, the others read by number."""
    wanted = {r.assignee_user_id for r in rows if r.assignee_user_id is not None}
    found = {p.id: p for p in known if p.id in wanted}
    missing = wanted - found.keys()
    if missing:
        found.update(people_store.by_ids(conn, missing))
    return found


def _transfer_targets(names: Sequence[str], counts: dict[str, int], current: str | None
                      ) -> tuple[list[str], list[str]]:
    """(usual, other): the departments an item of ``current`` may go to, the ones it
    usually goes to first (most accepted transfers first, at most ``USUAL_TARGETS``)."""
    targets = [n for n in names if n != current]
    usual = sorted((n for n in targets if counts.get(n)), key=lambda n: (-counts[n], n))
    usual = usual[:USUAL_TARGETS]
    return usual, [n for n in targets if n not in usual]


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
        from ..users.audit import shown_detail_json
    except ImportError:   # the staff app's audit log is not installed
        return []
    rows = list_audit(conn, AuditFilter(target_type="inbox_item", target_id=str(item_id),
                                        limit=200))
    return [{"at": inbox.local(r.at), "by": r.actor_name, "kind": r.action,
             "detail": mask(shown_detail_json(r.detail))} for r in rows]


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


def overdue_recipients(conn, department: str | None, person_id: int | None) -> list[Any]:
    """Who hears that an item is overdue: its person and the department's supervisors
    (members whose role is approver or admin; without a department, the admins). An
    item nobody holds yet goes to the department's officers too, so someone takes it."""
    found = []
    if person_id is not None:
        person = people_store.by_id(conn, person_id)
        if person is not None:
            found.append(person)
    else:
        found += people_store.supervisors(conn, department, ("officer",)) if department else []
    found += people_store.supervisors(conn, department, SUPERVISOR_ROLES)
    return list({p.id: p for p in found}.values())
