"""KakaoTalk channel: posts (소식) by hand, brand messages via a dealer, chatbot answers.

- Channel posts (소식) have no public API: with ``publish = "handoff"`` (the
  default) outreach prepares the post for staff to paste in the Kakao
  Business partner centre.
- ``publish = "brand_message"`` sends the ``kakao`` text as a brand message
  (브랜드 메시지, FriendTalk's successor) to the phone numbers listed in
  ``recipients_file`` through the dealer named by ``dealer`` (Solapi for now,
  see ``kakao_dealers``). Each message is paid for; there is no way to look a
  sent group up by our key, so a lost answer stays "unknown" for staff.
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
from ..model import Capability, CheckResult, Limits, Receipt, RenderedPost, Reply, ReplyBatch
from .base import Channel, ChannelContext
from .handoff import find_handoff, prepare_handoff
from .http import HttpClient, client_from

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
            raise Rejected(f"unknown Kakao user type {user_type!r}; use one of {', '.join(USER_TYPES)}",
                           channel=self.http.channel)
        ids = list(dict.fromkeys(users))   # each user once
        results = []
        for start in range(0, len(ids), MAX_USERS):
            chunk = ids[start:start + MAX_USERS]
            body = {"event": {"name": event, "data": dict(data or {})},
                    "user": [{"type": user_type, "id": u} for u in chunk]}
            answer = self.http.json(self.http.post(f"/v2/bots/{self.bot_id}/talk", json_body=body))
            status = str(answer.get("status") or "")
            if not answer.get("taskId") or status.upper() in ("FAIL", "FAILED", "ERROR"):
                raise Rejected(f"Kakao Event API refused the event: {answer.get('message') or status}",
                               channel=self.http.channel, reason=answer.get("message") or status)
            results.append(EventResult(str(answer["taskId"]), status, tuple(chunk)))
        return results

    def task(self, task_id: str) -> dict[str, Any]:
        """The result of one event task (status, allRequestCount, successCount, fail)."""
        return self.http.json(self.http.get(f"/v1/tasks/{task_id}"))


def send_event(channel: "KakaoChannel", users: Iterable[str], text: str) -> list[EventResult]:
    """For the inbox: one answer text to many chatbot users, batched by 100."""
    return channel.events().send(channel.answer_event, users, {"text": text})


class KakaoChannel(Channel):
    type = "kakao"
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
            raise ConfigError("expected \"handoff\" or \"brand_message\"",
                              file=ctx.config_file or "outreach.toml", key=f"channels.{ctx.name}.publish")
        self.answer_event = ctx.setting("answer_event", "answer", type_=str)
        self._events: KakaoEventClient | None = None
        self._dealer: Any = None

    # -- publishing ---------------------------------------------------------
    def publish(self, post: RenderedPost, key: str) -> Receipt:
        text = self.text_for(post)
        if self.mode == "handoff":
            return prepare_handoff(self.ctx, post, key, text=text, title=post.title,
                                   fields={"links": list(post.links)})
        from .kakao_dealers import BrandMessage

        buttons = [{"name": "자세히 보기", "url": post.links[0]}] if post.links else []
        receipt = self.dealer().send(BrandMessage(text=text, recipients=self.recipients(),
                                                  buttons=buttons))
        return Receipt(remote_id=receipt.group_id,
                       extra={"dealer": self.dealer().name, "accepted": receipt.accepted,
                              "failed": len(receipt.failed)})

    def find(self, key: str) -> Receipt | None:
        return find_handoff(self.ctx, key) if self.mode == "handoff" else None

    def recipients(self) -> list[str]:
        """Phone numbers from ``recipients_file`` (one per line, # comments, dashes allowed)."""
        name = self.ctx.setting("recipients_file", required=True, type_=str)
        root = self.ctx.config_file.parent if self.ctx.config_file else self.ctx.var_dir.parent
        path = Path(name) if Path(name).is_absolute() else root / name
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"cannot read recipients file {path} ({exc.strerror}): create it with "
                              "one phone number per line", file=self.ctx.config_file or "outreach.toml",
                              key=f"channels.{self.name}.recipients_file") from None
        numbers = []
        for no, line in enumerate(lines, 1):
            line = line.split("#", 1)[0].strip().replace("-", "")
            if not line:
                continue
            if not line.isdigit() or not 9 <= len(line) <= 12:
                raise ConfigError(f"not a phone number: {line!r}; write digits like 010-1234-5678",
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
                               secrets=[key], headers={"Authorization": f"KakaoAK {key}"})
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
            raise Rejected(f"message {to.remote_id} carries no Kakao user key to answer",
                           channel=self.name)
        [result] = self.events().send(self.answer_event, [user], {"text": text})
        try:
            task = self.events().task(result.task_id)
        except ChannelError:
            task = {}   # the event was accepted; its result can be looked up later
        fail = task.get("fail") or {}
        if task and int(task.get("successCount", 1)) == 0 and int(fail.get("count", 0) or 0) > 0:
            reason = "; ".join(str(f.get("message") or f) for f in fail.get("list", [])[:3])
            raise Rejected(f"Kakao could not deliver the answer: {reason or 'no reason given'}",
                           channel=self.name, reason=reason or "delivery failed")
        return Receipt(remote_id=result.task_id, extra={"status": task.get("status", result.status)})

    # -- health -------------------------------------------------------------
    def check(self) -> list[CheckResult]:
        results = []
        if self.mode == "handoff":
            results.append(CheckResult(True, "channel posts (소식) have no API: they are prepared "
                                             "for staff"))
        else:
            try:
                results.append(CheckResult(True, f"{len(self.recipients())} brand-message recipients"))
                results += self.dealer().check()
            except ConfigError as exc:
                results.append(CheckResult(False, str(exc), fix="fix the setting named above"))
        if "bot_id" in self.ctx.settings:
            try:
                self.events()
                results.append(CheckResult(True, "chatbot Event API key is set (Kakao offers no "
                                                 "call to verify it without sending a message)"))
            except ConfigError as exc:
                results.append(CheckResult(False, str(exc), fix="set the environment variable"))
        return results

    def close(self) -> None:
        if self._events:
            self._events.http.close()
        if self._dealer:
            self._dealer.close()
