"""Kakao i Open Builder skill: request -> inbox item, SkillResponse 2.0 back.

Every utterance becomes an inbox item; the conversation with one user is one
thread (keyed by the pseudonym, never the raw user key). The botUserKey is
kept only in the item's ``ref`` so the Kakao channel can answer later through
the Event API. A first contact gets the room's rules; a tap on a quick reply
(or a greeting, or a thank-you: triage's kind) gets the links or a friendly
answer and is closed automatically, without a ticket; a complaint or question
gets an acknowledgement with its ticket number (date plus a keyed code that
does not reveal the inbox's size).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from ..model import Reply
from ..store import inbox as store
from ..inbox.ingest import Ingestor
from ..inbox.kinds import ticket_number
from ..inbox.settings import InboxConfig, KakaoTexts

if TYPE_CHECKING:
    from ..surveys.settings import SurveyChat

SIMPLE_TEXT_MAX = 1000
_WEEKDAYS = "월화수목금토일"


class BadSkillRequest(ValueError):
    """Not an Open Builder skill request; the request gets a 400."""


@dataclass(frozen=True)
class SkillMessage:
    user_key: str
    utterance: str
    plusfriend_key: str | None
    bot_id: str | None
    # ``action.clientExtra``: the ``extra`` of the button or quick reply that called the
    # block (Open Builder skill payload); the survey flow's theme buttons use it
    extra: dict[str, Any] = field(default_factory=dict)


def parse(payload: Any) -> SkillMessage:
    if not isinstance(payload, dict):
        raise BadSkillRequest("expected a JSON object")
    request = payload.get("userRequest")
    if not isinstance(request, dict):
        raise BadSkillRequest("userRequest is missing")
    user = request.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str) or not user["id"]:
        raise BadSkillRequest("userRequest.user.id is missing")
    utterance = request.get("utterance")
    if not isinstance(utterance, str):
        raise BadSkillRequest("userRequest.utterance is missing")
    props = user.get("properties") if isinstance(user.get("properties"), dict) else {}
    bot = payload.get("bot") if isinstance(payload.get("bot"), dict) else {}
    plusfriend = props.get("plusfriendUserKey")
    action = payload.get("action") if isinstance(payload.get("action"), dict) else {}
    extra = action.get("clientExtra")
    return SkillMessage(user_key=user["id"], utterance=utterance.strip(),
                        plusfriend_key=plusfriend if isinstance(plusfriend, str) else None,
                        bot_id=str(bot["id"]) if bot.get("id") else None,
                        extra=extra if isinstance(extra, dict) else {})


def korean_time(moment: datetime, tz) -> str:
    local = moment.astimezone(tz)
    return f"{local.month}월 {local.day}일({_WEEKDAYS[local.weekday()]}) {local:%H:%M}"


def _simple(text: str) -> dict[str, Any]:
    if len(text) > SIMPLE_TEXT_MAX:
        text = text[:SIMPLE_TEXT_MAX - 1] + "…"
    return {"simpleText": {"text": text}}


def response(outputs: list[dict[str, Any]], texts: KakaoTexts,
             quick: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A SkillResponse 2.0; ``quick`` replaces the link menu's quick replies."""
    if quick is None:
        quick = [{"label": label, "action": "message", "messageText": label}
                 for label, _ in texts.links]
    return {"version": "2.0", "template": {"outputs": outputs[:3], "quickReplies": quick[:10]}}


def to_reply(cfg: InboxConfig, texts: KakaoTexts, message: SkillMessage, now: datetime
             ) -> Reply:
    """The inbox ``Reply`` of a skill request (built before any transaction, so the
    caller can triage it first)."""
    author = cfg.author_key(texts.channel, message.user_key)
    ref = {"bot_user_key": message.user_key}
    if message.plusfriend_key:
        ref["plusfriend_user_key"] = message.plusfriend_key
    if message.bot_id:
        ref["bot_id"] = message.bot_id
    return Reply(channel=texts.channel, remote_id=f"skill-{uuid.uuid4().hex}",
                 text=message.utterance, created_at=now, thread_id=author,
                 author_id=message.user_key, ref=ref)


def handle(conn: Connection, ingestor: Ingestor, texts: KakaoTexts, message: SkillMessage,
           now: datetime, reply: Reply | None = None, *,
           surveys: "SurveyChat | None" = None) -> dict[str, Any]:
    """Store the message (``reply``, else built here) and build the answer, inside the
    caller's transaction. With ``surveys`` the survey flow (``outreach.surveys.chat``)
    gets the first word."""
    cfg = ingestor.cfg
    reply = reply or to_reply(cfg, texts, message, now)
    author = reply.thread_id
    first = not store.author_seen(conn, texts.channel, author)
    links = dict(texts.links)
    menu = message.utterance in links or message.utterance.lower() in \
        {g.lower() for g in texts.greetings} or not message.utterance
    step = None
    if surveys is not None and author and not (menu and message.utterance in links):
        from ..surveys.chat import ANSWER, MENU, turn

        step = turn(conn, surveys, texts.channel, author, message.utterance, message.extra,
                    now, cfg.working.tz, casual=menu)
        if step is not None and step.mode == MENU:
            menu = True
        elif step is not None and step.mode == ANSWER:
            reply = replace(reply, ref={**reply.ref, "survey": dict(step.hint or {})})
    result = ingestor.ingest(conn, [reply], source="webhook")
    item_id = result.ids[reply.remote_id]
    outputs = []
    if first:
        outputs.append(_simple(texts.welcome))
    if step is not None:
        outputs.extend(_simple(text) for text in step.texts)
        if step.mode == MENU:
            _auto_answered(conn, item_id, now, "survey")
            return response(outputs, texts, step.quick)
        if step.mode == ANSWER:
            return response(outputs, texts, [])
    row = store.get_item(conn, item_id)
    if not menu and row.kind in ("greeting", "opinion"):
        # a greeting or a thank-you: a friendly answer, no ticket, no deadlines
        store.update_item(conn, item_id, status="resolved", first_answered_at=store.to_db(now),
                          resolved_at=store.to_db(now))
        store.add_events(conn, [store.event(item_id, "auto_answer", "chatbot", row.kind, now)])
        outputs.append(_simple(texts.thanks if row.kind == "opinion" else texts.menu))
        return response(outputs, texts)
    if menu:
        _auto_answered(conn, item_id, now, "menu")
        if message.utterance in links:
            outputs.append(_simple(f"{message.utterance} 바로가기\n{links[message.utterance]}"))
        elif not first:
            outputs.append(_simple(texts.menu))
        return response(outputs, texts)
    due = store.from_db(row.first_due_at) if row.first_due_at else now
    day = store.from_db(row.created_at).astimezone(cfg.working.tz).date()
    ack = texts.ack.format(ticket=ticket_number(cfg.salt, item_id, day),
                           department=row.assignee or "담당 부서",
                           due=korean_time(due, cfg.working.tz))
    outputs.append(_simple(ack))
    return response(outputs, texts)


def _auto_answered(conn: Connection, item_id: int, now: datetime, what: str) -> None:
    """A menu or survey-flow tap: closed at once, no ticket, no deadlines."""
    store.update_item(conn, item_id, status="resolved", first_answered_at=store.to_db(now),
                      resolved_at=store.to_db(now), kind="greeting", first_due_at=None,
                      resolve_due_at=None)
    store.add_events(conn, [store.event(item_id, "auto_answer", "chatbot", what, now)])
