"""KakaoTalk channel: posts (소식) by hand, brand messages via a dealer, chatbot answers.

- Channel posts (소식) have no public API: with ``publish = "handoff"`` (the
  default) outreach prepares the post for staff to paste in the Kakao
  Business partner centre.
- ``publish = "brand_message"`` sends the ``kakao`` text as a brand message
  (브랜드 메시지, FriendTalk's successor) to the phone numbers listed in
  ``recipients_file`` through the dealer named by ``dealer`` (Solapi for now,
  see ``kakao_dealers``). Each message is paid for, so the dealer tags the
  message group with the delivery key and ``find`` / a retried ``publish``
  look that group up before anything is sent again.
- Answers to people who wrote to the chatbot go out through the Open Builder
  Event API (``POST /v2/bots/{botId}/talk``, ``Authorization: KakaoAK``), at
  most 100 users per request, 15 KRW per message; ``GET /v1/tasks/{taskId}``
  tells how it went. The bot needs a block with the event ``answer_event``
  (default "answer") that shows the event data ``text``.
- Chat messages reach outreach by the skill webhook (the inbox's server), so
  ``replies`` reads nothing here.

Settings: ``publish``, ``bot_id``, ``rest_api_key_env``, ``api_base``
(default https://bot-api.kakao.com), ``answer_event``; for brand messages
``dealer``, ``recipients_file`` and the dealer's own keys.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..errors import ChannelError, ConfigError, Rejected
from ..i18n import _
from ..model import Capability, CheckResult, Limits, Receipt, RenderedPost, Reply, ReplyBatch
from .base import Channel, ChannelContext
from .handoff import find_handoff, prepare_handoff
from .http import HttpClient, client_from, error_json

BOT_API = "https://bot-api.kakao.com"
MAX_USERS = 100
USER_TYPES = ("botUserKey", "plusfriendUserKey", "appUserId")


@dataclass(frozen=True)
class EventResult:
    """One Event API request: the task id and the users it covered."""

    task_id: str
    status: str
    users: tuple[str, ...]


class KakaoEventClient:
    """Kakao chatbot Event API: send an event to users who talked to the bot."""

    def __init__(self, http: HttpClient, bot_id: str) -> None:
        self.http, self.bot_id = http, bot_id

    def send(self, event: str, users: Iterable[str], data: Mapping[str, Any] | None = None, *,
             user_type: str = "botUserKey") -> list[EventResult]:
        """Send ``event`` to every user, 100 per request; one ``EventResult`` per request."""
        if user_type not in USER_TYPES:
            raise Rejected(_("unknown Kakao user type {user_type!r}; use one of {user_types}",
                             user_type=user_type, user_types=', '.join(USER_TYPES)),
                           channel=self.http.channel)
        ids = list(dict.fromkeys(users))   # each user once
        results = []
        for start in range(0, len(ids), MAX_USERS):
            chunk = ids[start:start + MAX_USERS]
            body = {"event": {"name": event, "data": dict(data or {})},
                    "user": [{"type": user_type, "id": u} for u in chunk]}
            try:
                answer = self.http.json(self.http.post(f"/v2/bots/{self.bot_id}/talk",
                                                       json_body=body))
            except Rejected as exc:   # 4xx: say who was not reached, and why in words
                reason = exc.reason
                raise Rejected(_("Kakao Event API refused the event for {users}: {reason}",
                                 users=_who(chunk), reason=reason),
                               channel=self.http.channel, reason=reason) from None
            if not isinstance(answer, dict):
                answer = {}
            status = str(answer.get("status") or "")
            if not answer.get("taskId") or status.upper() in ("FAIL", "FAILED", "ERROR"):
                reason = _words(answer.get("message") or answer.get("msg")) or status or \
                    _("no reason given")
                raise Rejected(_("Kakao Event API refused the event for {users}: {reason}",
                                 users=_who(chunk), reason=reason),
                               channel=self.http.channel, reason=reason)
            results.append(EventResult(str(answer["taskId"]), status, tuple(chunk)))
        return results

    def task(self, task_id: str) -> dict[str, Any]:
        """The result of one event task (status, allRequestCount, successCount, fail)."""
        return self.http.json(self.http.get(f"/v1/tasks/{task_id}"))


def _words(value: Any) -> str:
    """A reason as words: a string as it is, a code or a nested object as its readable parts."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        for key in ("message", "msg", "reason", "description", "errorMessage"):
            if value.get(key):
                return _words(value[key])
        code = value.get("code") or value.get("errorCode")
        return _("error code {code}", code=code) if code not in (None, "") else ""
    if isinstance(value, (list, tuple)):
        return "; ".join(w for w in (_words(v) for v in value) if w)
    return str(value)


def _event_refusal(resp: Any, create: bool, channel: str) -> ChannelError | None:
    """A 4xx answer of the Event API as a refusal whose reason is words, not a dict."""
    body = error_json(resp)
    if body is None or resp.status_code in (401, 408, 429) or resp.status_code >= 500:
        return None
    reason = _words(body) or _("HTTP {status}", status=resp.status_code)
    return Rejected(_("Kakao Event API answered HTTP {status}: {reason}", status=resp.status_code,
                      reason=reason), channel=channel, reason=reason)


def _who(users: Iterable[str]) -> str:
    """'user bu-1' or 'users bu-1, bu-2 and 3 more' for a message."""
    ids = list(users)
    shown = ", ".join(ids[:3]) + (_(" and {n} more", n=len(ids) - 3) if len(ids) > 3 else "")
    return _("user {id}", id=shown) if len(ids) == 1 else _("users {ids}", ids=shown)


def _count(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def failure_reasons(entries: Any, *, default_user: str = "") -> str:
    """'user bu-999: blocked the channel; ...' from a task's ``fail.list``.

    The public guide does not spell out these entries (only ``taskId`` and
    ``status`` are), so each entry is read defensively: the user from ``user.id`` / ``userId`` / ``id`` (else
    the one we wrote to), the reason from ``message`` / ``msg`` / ``reason``
    (else the code); never the raw entry.
    """
    parts = []
    for entry in (entries if isinstance(entries, list) else [])[:3]:
        if isinstance(entry, dict):
            who = entry.get("user")
            user = (who.get("id") if isinstance(who, dict) else who) or entry.get("userId") \
                or entry.get("id") or entry.get("botUserKey") or default_user
            reason = _words(entry) or _("no reason given")
        else:
            user, reason = default_user, _words(entry) or _("no reason given")
        parts.append(_("{who}: {reason}", who=_who([str(user)]) if user else _("an unnamed user"),
                       reason=reason))
    if not parts:
        parts.append(_("{who}: {reason}", who=_who([default_user]) if default_user
                       else _("an unnamed user"), reason=_("no reason given")))
    more = len(entries) - len(parts) if isinstance(entries, list) else 0
    return "; ".join(parts) + (_(" and {n} more", n=more) if more > 0 else "")


def send_event(channel: "KakaoChannel", users: Iterable[str], text: str) -> list[EventResult]:
    """For the inbox: one answer text to many chatbot users, batched by 100."""
    return channel.events().send(channel.answer_event, users, {"text": text})


class KakaoChannel(Channel):
    type = "kakao"
    display_name = "Kakao Talk Channel"
    description = "카카오톡 채널: 소식은 수동 게시, 브랜드 메시지는 딜러사 API, 챗봇 답변은 Event API"
    capabilities = frozenset({Capability.HANDOFF, Capability.TEXT, Capability.IMAGE, Capability.FIND,
                              Capability.REPLY})
    limits = Limits(max_text=1000, max_images=10, max_image_bytes=5_000_000)
    text_name = "kakao"

    def __init__(self, ctx: ChannelContext) -> None:
        if "platform" not in ctx.settings:
            ctx = dataclasses.replace(ctx, settings={**ctx.settings, "platform": "카카오톡 채널 소식"})
        super().__init__(ctx)
        self.mode = ctx.setting("publish", "handoff", type_=str)
        if self.mode not in ("handoff", "brand_message"):
            raise ConfigError(_("expected \"handoff\" or \"brand_message\""),
                              file=ctx.config_file or "outreach.toml", key=f"channels.{ctx.name}.publish")
        self.answer_event = ctx.setting("answer_event", "answer", type_=str)
        self._events: KakaoEventClient | None = None
        self._dealer: Any = None

    def post_cost(self) -> "PostCost":
        """Brand messages are paid per recipient to the dealer: ``price_per_message`` (KRW,
        the dealer's contract price; none is published for every contract) × recipients.
        Hand-off posts (소식) are free."""
        from .base import PostCost

        if self.mode == "handoff":
            return PostCost(0.0)
        price = self.ctx.setting("price_per_message", None, type_=(int, float, type(None)))
        count = len(self.recipients())
        if price is None:
            return PostCost(None, _("{count} recipients × ? KRW: set price_per_message in "
                                    "[channels.{name}]", count=count, name=self.name))
        return PostCost(float(price) * count, _("{count} recipients × {price} KRW", count=count,
                                                price=format(price, "g")))

    # -- publishing ---------------------------------------------------------
    def publish(self, post: RenderedPost, key: str) -> Receipt:
        text = self.text_for(post)
        if self.mode == "handoff":
            return prepare_handoff(self.ctx, post, key, text=text, title=post.title,
                                   fields={"links": list(post.links)})
        from .kakao_dealers import BrandMessage

        buttons = [{"name": "자세히 보기", "url": post.links[0]}] if post.links else []
        receipt = self.dealer().send(BrandMessage(text=text, recipients=self.recipients(),
                                                  buttons=buttons), key)
        return self._receipt(receipt)

    def find(self, key: str) -> Receipt | None:
        """Hand-off: the prepared folder. Brand message: the dealer's group for ``key``, if sent."""
        if self.mode == "handoff":
            return find_handoff(self.ctx, key)
        found = self.dealer().find(key)
        return self._receipt(found) if found is not None else None

    def _receipt(self, receipt: Any) -> Receipt:
        extra: dict[str, Any] = {"dealer": self.dealer().name, "accepted": receipt.accepted,
                                 "failed": len(receipt.failed), "status": receipt.status}
        if receipt.already:
            extra["existing"] = True
        if receipt.note:
            extra["note"] = receipt.note
        return Receipt(remote_id=receipt.group_id, extra=extra)

    def metrics(self, target: Any, now: Any) -> list[Any]:
        """Brand messages: the dealer's delivery results for the post's message group
        (Solapi getMessageGroupInfo ``count.sentSuccess`` / ``sentFailed``; provisional while
        ``sentPending`` > 0). Hand-off posts (소식) have no statistics API: nothing."""
        from ..metrics.model import Figure

        group_of = getattr(self.dealer(), "group", None) if self.mode == "brand_message" else None
        if not target.remote_id or group_of is None:
            return []
        group = group_of(target.remote_id)
        if group is None:
            return [Figure.missing("delivered", _("the dealer no longer has this message group"))]
        count = group.get("count") or {}
        pending = int(count.get("sentPending") or 0) > 0
        return [Figure(name, int(count[key]), key, provisional=pending) if isinstance(
                    count.get(key), int) else Figure.missing(name, _("the dealer gave no {key}", key=key), key)
                for name, key in (("delivered", "sentSuccess"), ("failed", "sentFailed"))]

    def recipients(self) -> list[str]:
        """Phone numbers from ``recipients_file`` (one per line, # comments, dashes allowed)."""
        name = self.ctx.setting("recipients_file", required=True, type_=str)
        root = self.ctx.config_file.parent if self.ctx.config_file else self.ctx.var_dir.parent
        path = Path(name) if Path(name).is_absolute() else root / name
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(_("cannot read recipients file {path} ({strerror}): create it "
                                "with one phone number per line", path=path,
                                strerror=exc.strerror), file=self.ctx.config_file or "outreach.toml",
                              key=f"channels.{self.name}.recipients_file") from None
        numbers = []
        for no, line in enumerate(lines, 1):
            line = line.split("#", 1)[0].strip().replace("-", "")
            if not line:
                continue
            if not line.isdigit() or not 9 <= len(line) <= 12:
                raise ConfigError(_("not a phone number: {line!r}; write digits like "
                                    "010-1234-5678", line=line),
                                  file=path, line=no)
            numbers.append(line)
        return list(dict.fromkeys(numbers))

    def dealer(self) -> Any:
        if self._dealer is None:
            from .kakao_dealers import open_dealer

            self._dealer = open_dealer(self.ctx)
        return self._dealer

    # -- chatbot answers ----------------------------------------------------
    def events(self) -> KakaoEventClient:
        if self._events is None:
            key = self.ctx.secret("rest_api_key_env")
            http = client_from(self.ctx, default_base=BOT_API, platform="Kakao Event API",
                               secrets=[key], headers={"Authorization": f"KakaoAK {key}"},
                               classify=lambda r, c: _event_refusal(r, c, self.name))
            self._events = KakaoEventClient(http, str(self.ctx.setting("bot_id", required=True,
                                                                       type_=(str, int))))
        return self._events

    def replies(self, cursor: str | None) -> ReplyBatch:
        return ReplyBatch(items=[], cursor=cursor,
                          notes=("Kakao chat messages arrive through the chatbot skill webhook, "
                                 "not by polling",))

    def reply(self, to: Reply, text: str, key: str) -> Receipt:
        user = (to.ref or {}).get("bot_user_key") or to.author_id
        if not user:
            raise Rejected(_("message {remote_id} carries no Kakao user key to answer",
                             remote_id=to.remote_id),
                           channel=self.name)
        [result] = self.events().send(self.answer_event, [user], {"text": text})
        try:
            task = self.events().task(result.task_id)
        except ChannelError:
            task = {}   # the event was accepted; its result can be looked up later
        fail = task.get("fail") if isinstance(task.get("fail"), dict) else {}
        if task and _count(task.get("successCount"), 1) == 0 and _count(fail.get("count"), 0) > 0:
            reason = failure_reasons(fail.get("list"), default_user=str(user))
            raise Rejected(_("Kakao could not deliver the answer to {reason}", reason=reason),
                           channel=self.name, reason=reason)
        return Receipt(remote_id=result.task_id, extra={"status": task.get("status", result.status)})

    # -- health -------------------------------------------------------------
    def check(self) -> list[CheckResult]:
        results = []
        if self.mode == "handoff":
            results.append(CheckResult(True, _("channel posts (소식) have no API: they are "
                                               "prepared for staff")))
        else:
            try:
                results.append(CheckResult(True, _("{n} brand-message recipients",
                                                   n=len(self.recipients()))))
                results += self.dealer().check()
            except ConfigError as exc:
                results.append(CheckResult(False, str(exc), fix=_("fix the setting named above")))
        if "bot_id" in self.ctx.settings:
            try:
                self.events()
                results.append(CheckResult(True, _("chatbot Event API key is set (Kakao offers no "
                                                   "call to verify it without sending a message)")))
            except ConfigError as exc:
                results.append(CheckResult(False, str(exc), fix=_("set the environment variable")))
        return results

    def close(self) -> None:
        if self._events:
            self._events.http.close()
        if self._dealer:
            self._dealer.close()
