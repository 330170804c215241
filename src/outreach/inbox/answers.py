"""Answer an item through its channel, exactly once, and record it.

The answer row (with an idempotency key derived from item and text) is
committed *before* the platform call, like the publication ledger: a retried
command finds it and does not send again; a call whose outcome is unknown is
recorded as ``unknown`` and shown to staff instead of being sent twice.
Hand-off channels (no answer API) record answers given by hand (``manual``).
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..channels import channel_label
from ..errors import ChannelError, ConfigError, InboxError, Retryable, UnknownOutcome
from ..filecache import ParsedFiles
from ..model import Capability
from ..store import inbox as store
from .items import Inbox, ItemView, reply_of
from .yamlfile import LineDict, load_yaml
from ..i18n import _, use_language
from ..i18n import text as i18n_text

PLACEHOLDERS = {"ticket": "접수번호", "department": "담당 부서", "due": "1차 답변 기한",
                "resolve_due": "처리 기한", "author": "작성자", "channel": "채널",
                "date": "오늘 날짜"}


@dataclass(frozen=True)
class AnswerOutcome:
    answer_id: int
    status: str                 # sent, manual, unknown, failed
    remote_id: str | None = None
    url: str | None = None
    already: bool = False       # found from an earlier run; nothing was sent now


def answer_key(item_id: int, text: str) -> str:
    """Same item + same text = same key, so a retried command is recognised."""
    digest = hashlib.sha256(f"{item_id}\n{' '.join(text.split())}".encode()).hexdigest()
    return f"inbox-{item_id}-{digest[:24]}"


def load_saved(path: Path) -> dict[str, str]:
    """Saved replies: ``name: text`` with placeholders such as {ticket}; checked on load."""
    data = load_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, LineDict):
        raise ConfigError(_("expected lines of the form 이름: 답변 내용"), file=path, line=1)
    saved = {}
    for name, value in data.items():
        line = data.line_of(name)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(_("expected the answer text"), file=path, line=line, key=str(name))
        problem = placeholder_problem(value)
        if problem:
            raise ConfigError(problem, file=path, line=line, key=str(name))
        saved[str(name)] = value.strip()
    return saved


_CURRENT: ParsedFiles[dict[str, str]] = ParsedFiles(load_saved)


def current_saved(path: Path) -> dict[str, str]:
    """``load_saved(path)`` as the file is now, read again only when it changed on disk
    (a save from the web editor or by hand is seen on the next call); the item page asks
    for it on every request. Shared between callers: do not modify it."""
    return _CURRENT.get(path)


def placeholder_problem(text: str) -> str | None:
    """What is wrong with the placeholders of a saved reply's text (None: nothing)."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        return _("broken placeholder ({exc}): write {{ticket}}; a literal brace "
                 "is written {{{{ or }}}}", exc=exc)
    unknown = [f for f in fields if f not in PLACEHOLDERS]
    if unknown:
        return _("unknown placeholder {{{name}}}: use one of {known}",
                 name=unknown[0], known=", ".join(f"{{{k}}}" for k in PLACEHOLDERS))
    return None


def fill_saved(inbox: Inbox, saved: dict[str, str], name: str, item_id: int | str,
               file: Path | None = None) -> str:
    if name not in saved:
        known = ", ".join(saved) or "none"
        raise InboxError(_("no saved reply {name!r} in {file} (saved replies: {known})",
                           name=name, file=file or 'inbox/replies.yaml', known=known))
    row = inbox.row(item_id)
    return saved[name].format(**saved_values(inbox, row, inbox.view(row)))


def fill_all_saved(inbox: Inbox, saved: dict[str, str], row: Any, view: ItemView
                   ) -> dict[str, str]:
    """Every saved reply filled in for one item (the item page): what ``fill_saved`` gives
    for each name, with the item read and shown once instead of once per reply."""
    values = saved_values(inbox, row, view)
    return {name: text.format(**values) for name, text in saved.items()}


def saved_values(inbox: Inbox, row: Any, view: ItemView) -> dict[str, Any]:
    """The fields a saved reply may use, for the item ``row`` (``view``: its view)."""
    local_now = inbox.now().astimezone(inbox.settings.timezone)
    with use_language("ko"):        # the answers are Korean, whoever sends them
        channel = channel_label(row.channel, inbox.settings, distinct=False)
    return {
        "ticket": view.ticket or row.id, "department": row.assignee or "담당 부서",
        "due": _korean_time(view.first_due_at), "resolve_due": _korean_time(view.resolve_due_at),
        "author": row.author_name or "시민", "channel": channel,
        "date": f"{local_now.month}월 {local_now.day}일"}


def _korean_time(iso: str | None) -> str:
    if not iso:
        return "-"
    day, _, clock = iso.partition("T")
    _, month, dom = day.split("-")
    return f"{int(month)}월 {int(dom)}일 {clock[:5]}"


def send_answer(inbox: Inbox, item_id: int | str, text: str, *, manual: bool = False,
                resend: bool = False, seen_answers: int | None = None) -> AnswerOutcome:
    """Send ``text`` as the answer to the item (or record it as given by hand).

    ``seen_answers`` (the web's reply form): how many answers the officer saw on the
    item's page; if another officer's answer arrived meanwhile, nothing is sent (checked
    in the claiming transaction, so two officers answering at once send one answer)."""
    text = text.strip()
    if not text:
        raise InboxError(_("the answer is empty: write the text or use --saved NAME"))
    row = inbox.row(item_id)
    if row.deleted_at is not None and not manual:
        raise InboxError(_("item {id} was deleted on the platform: it cannot be answered there",
                           id=row.id))
    key = answer_key(row.id, text)
    earlier = _earlier_status(inbox, key) if resend and not manual else None
    channel = None
    if not manual:
        channel = _open(inbox, row)
    try:
        claimed = _claim(inbox, row, key, text, manual=manual, resend=resend,
                         seen_answers=seen_answers)
        if isinstance(claimed, AnswerOutcome):
            return claimed
        if manual:           # recorded as answered in the claiming transaction
            return AnswerOutcome(claimed, "manual")
        assert channel is not None
        if earlier in ("sending", "unknown"):
            found = _look_first(inbox, channel, row, claimed, text, key)
            if found is not None:
                return found
        try:
            receipt = channel.reply(reply_of(row), text, key)
        except Retryable as exc:
            _finish(inbox, claimed, "failed", error=str(exc))
            raise
        except UnknownOutcome as exc:
            _finish(inbox, claimed, "unknown", error=str(exc))
            raise
        except ChannelError as exc:
            _finish(inbox, claimed, "failed", error=str(exc))
            raise
        _answered(inbox, row, claimed, "sent", receipt.remote_id, receipt.url)
        return AnswerOutcome(claimed, "sent", receipt.remote_id, receipt.url)
    finally:
        if channel is not None:
            channel.close()


def _earlier_status(inbox: Inbox, key: str) -> str | None:
    """The status of an earlier attempt at this very answer, if any."""
    with inbox.db.read() as conn:
        found = store.find_answer(conn, key)
    return found.status if found is not None else None


def _look_first(inbox: Inbox, channel, row, answer_id: int, text: str,
                key: str) -> AnswerOutcome | None:
    """Before sending again after an unknown outcome: is our earlier answer already there?"""
    try:
        found = channel.find_reply(reply_of(row), text, key)
    except ChannelError as exc:
        _finish(inbox, answer_id, "unknown", error=str(exc))   # still unknown; nothing sent
        raise
    if found is None:
        return None
    _answered(inbox, row, answer_id, "sent", found.remote_id, found.url)
    return AnswerOutcome(answer_id, "sent", found.remote_id, found.url, already=True)


def _open(inbox: Inbox, row):
    from ..channels import open_channel

    if row.channel not in inbox.settings.channels:
        raise InboxError(_("item {id} came from channel {channel!r}, which is not configured in "
                           "outreach.toml: answer by hand and record it with --manual", id=row.id,
                           channel=row.channel))
    channel = open_channel(inbox.settings, row.channel)
    if Capability.REPLY not in channel.capabilities:
        channel.close()
        raise InboxError(_("channel {channel} has no answer API: answer on the platform by "
                           "hand, then record it with --manual", channel=row.channel))
    return channel


def _claim(inbox: Inbox, row, key: str, text: str, *, manual: bool, resend: bool,
           seen_answers: int | None = None) -> int | AnswerOutcome:
    """Commit the answer row before any platform call; an earlier row decides what happens."""
    now = store.to_db(inbox.now())
    with inbox.db.begin() as conn:
        found = store.find_answer(conn, key)
        if seen_answers is not None and found is None:
            from ..store.inbox_queries import live_answers, lock_item

            lock_item(conn, row.id)     # PostgreSQL: one claimer per item at a time
            if live_answers(conn, row.id) > seen_answers:
                raise InboxError(f"item {row.id} got another answer while you were writing: "
                                 "read it on the item's page before answering again")
        if found is not None:
            if found.status in ("sent", "manual"):
                return AnswerOutcome(found.id, found.status, found.remote_id, found.url,
                                     already=True)
            if found.status in ("sending", "unknown") and not resend:
                raise InboxError(
                    _("answer {id} to item {id2} may already be on the platform (its outcome is "
                      "unknown): look on the platform, then record it with --manual if it is "
                      "there, or send it again with --resend", id=found.id, id2=row.id))
            store.update_answer(conn, found.id, status="manual" if manual else "sending",
                                actor=inbox.actor, created_at=now, error=None)
            answer_id = found.id
        else:
            answer_id = store.add_answer(conn, item_id=row.id, key=key, text=text,
                                         status="manual" if manual else "sending",
                                         actor=inbox.actor, created_at=now)
        if manual:   # nothing goes out: the answer, the item's state and the audit row at once
            _answered_in(conn, inbox, row, answer_id, "manual", None, None)
        return answer_id


def _finish(inbox: Inbox, answer_id: int, status: str, *, error: str | None = None) -> None:
    with inbox.db.begin() as conn:
        store.update_answer(conn, answer_id, status=status, error=error)
        found = store.get_answer(conn, answer_id)
        inbox.audit(conn, "inbox.answer", found.item_id, {"answer": answer_id, "status": status})


def _answered(inbox: Inbox, row, answer_id: int, status: str, remote_id: str | None,
              url: str | None) -> None:
    with inbox.db.begin() as conn:
        _answered_in(conn, inbox, row, answer_id, status, remote_id, url)


def _answered_in(conn, inbox: Inbox, row, answer_id: int, status: str, remote_id: str | None,
                 url: str | None) -> None:
    """Record an answer as given, in the caller's transaction: the answer row, the item's
    first answer and status, its history and the audit row."""
    now = inbox.now()
    store.update_answer(conn, answer_id, status=status, remote_id=remote_id, url=url,
                        sent_at=store.to_db(now))
    current = store.get_item(conn, row.id)
    values: dict[str, Any] = {}
    if current.first_answered_at is None:
        values["first_answered_at"] = store.to_db(now)
    if current.status in ("new", "open"):
        values["status"] = "answered"
    if values:
        store.update_item(conn, row.id, **values)
    store.add_events(conn, [store.event(row.id, "answer", inbox.actor,
                                        i18n_text("answer {id} {status}", id=answer_id,
                                                  status=status), now)])
    inbox.audit(conn, "inbox.answer", row.id, {"answer": answer_id, "status": status})
