"""YouTube: community posts by hand, comments through the Data API v3.

There is no API for community posts (activities.insert "is no longer
supported"), so ``publish`` is a hand-off. Uploading videos (videos.insert)
is out of scope: card news are images. Comments on the channel's videos are
read with commentThreads.list, answered with comments.insert and moderated
with comments.setModerationStatus, through google-api-python-client with its
bundled (static) discovery document and an OAuth refresh token.

Quota: the project has 10,000 units a day (reset at midnight Pacific time).
Every call is counted in ``var/quota/<channel>.json``; a harvest stops before
``daily_quota - reserve_units`` so answers and moderation (50 units each)
still fit, and an answer is refused before it would pass ``daily_quota``.

Settings: ``channel_id``, ``client_id_env``, ``client_secret_env``,
``refresh_token_env``, ``api_base`` (default https://youtube.googleapis.com/),
``token_uri`` (default https://oauth2.googleapis.com/token), ``daily_quota``
(10000), ``reserve_units`` (1000), ``hide_as`` (rejected | heldForReview).
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import socket
import re
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from ..errors import AuthExpired, ChannelError, ConfigError, Rejected, Retryable, UnknownOutcome
from ..i18n import _
from ..failures import failure_words
from ..logs import redact, register_secret
from ..model import Capability, CheckResult, Limits, Receipt, RenderedPost, Reply, ReplyBatch
from .base import Channel, ChannelContext
from .handoff import find_handoff, prepare_handoff
from .textmatch import same_text

API_BASE = "https://youtube.googleapis.com/"
TOKEN_URI = "https://oauth2.googleapis.com/token"
SCOPE = "https://www.googleapis.com/auth/youtube.force-ssl"
COST = {"videos.list": 1, "channels.list": 1, "commentThreads.list": 1, "comments.list": 1, "channels.list": 1,
        "comments.insert": 50, "comments.setModerationStatus": 50}
PACIFIC = ZoneInfo("America/Los_Angeles")


class QuotaBudget(Retryable):
    """Our own daily budget would be passed: nothing was sent."""


class QuotaMeter:
    """Units spent today (Pacific day, as Google counts), kept in a small JSON file."""

    def __init__(self, path: Path, daily: int) -> None:
        self.path, self.daily = path, daily

    @staticmethod
    def today() -> str:
        return datetime.now(PACIFIC).date().isoformat()

    def used(self) -> int:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return 0
        return int(data.get("used", 0)) if data.get("day") == self.today() else 0

    def spend(self, units: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"day": self.today(), "used": self.used() + units}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".quota.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, self.path)

    def exhaust(self) -> None:
        """Google says the day's quota is gone: count it as spent until the reset."""
        used = self.used()
        if used < self.daily:
            self.spend(self.daily - used)

    def seconds_to_reset(self) -> float:
        now = datetime.now(PACIFIC)
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), PACIFIC)
        return (midnight - now).total_seconds()


def _when(text: str | None) -> datetime:
    return datetime.fromisoformat((text or "").replace("Z", "+00:00")) if text else datetime.now(timezone.utc)


class YouTubeChannel(Channel):
    type = "youtube"
    display_name = "YouTube"
    description = "YouTube: community posts by hand (no API); video comments through the Data API"
    capabilities = frozenset({Capability.HANDOFF, Capability.TEXT, Capability.IMAGE, Capability.FIND,
                              Capability.REPLIES, Capability.REPLY, Capability.HIDE})
    limits = Limits(max_images=5, max_image_bytes=16_000_000)
    text_name = "youtube"

    def __init__(self, ctx: ChannelContext) -> None:
        if "platform" not in ctx.settings:
            ctx = dataclasses.replace(ctx, settings={**ctx.settings, "platform": "YouTube 커뮤니티"})
        super().__init__(ctx)
        self.channel_id = str(ctx.setting("channel_id", required=True, type_=str))
        self.daily = int(ctx.setting("daily_quota", 10_000, type_=int))
        self.reserve = int(ctx.setting("reserve_units", 1_000, type_=int))
        self.meter = QuotaMeter(ctx.var_dir / "quota" / f"{ctx.name}.json", self.daily)
        self._service: Any = None
        self._secrets: list[str] = []

    # -- publishing: hand-off -----------------------------------------------
    def publish(self, post: RenderedPost, key: str) -> Receipt:
        return prepare_handoff(self.ctx, post, key, text=self.text_for(post), title=post.title,
                               fields={"channel": f"https://www.youtube.com/channel/{self.channel_id}",
                                       "tags": list(post.tags)})

    def find(self, key: str) -> Receipt | None:
        return find_handoff(self.ctx, key)

    # -- API plumbing -------------------------------------------------------
    def service(self) -> Any:
        """The googleapiclient resource, built once, offline (static discovery)."""
        if self._service is None:
            import google_auth_httplib2
            import httplib2
            from google.oauth2.credentials import Credentials
            from googleapiclient.discovery import build

            names = ("client_id_env", "client_secret_env", "refresh_token_env")
            client_id, client_secret, refresh = (self.ctx.secret(n) for n in names)
            self._secrets = [client_secret, refresh]
            creds = Credentials(None, refresh_token=refresh, client_id=client_id,
                                client_secret=client_secret, scopes=[SCOPE],
                                token_uri=self.ctx.setting("token_uri", TOKEN_URI, type_=str))
            timeout = float(self.ctx.setting("timeout", 30, type_=(int, float)))
            authed = google_auth_httplib2.AuthorizedHttp(creds, http=httplib2.Http(timeout=timeout))
            self._creds = creds
            self._service = build("youtube", "v3", http=authed, static_discovery=True,
                                  cache_discovery=False,
                                  client_options={"api_endpoint": self.ctx.setting(
                                      "api_base", API_BASE, type_=str)})
        return self._service

    def call(self, name: str, request_of: Any, *, budget: int | None = None) -> Any:
        """Execute one API call, counting its quota units and typing its failures."""
        units = COST[name]
        limit = self.daily if budget is None else budget
        used = self.meter.used()
        if used + units > limit:
            raise QuotaBudget(_("YouTube quota: {used} of {daily} units used today; {name} needs "
                              "{units}. It resets at midnight Pacific time", used=used,
                              daily=self.daily, name=name, units=units), channel=self.name,
                            retry_after=self.meter.seconds_to_reset())
        create = units >= 50
        request = request_of(self.service())
        try:
            result = request.execute(num_retries=0)   # no hidden sleeps; the caller decides
        except Exception as exc:   # every failure below is typed; anything else is re-raised
            error = self._typed(exc, name, create)
            if error is None:
                raise
            if getattr(error, "quota_exceeded", False):
                self.meter.exhaust()      # Google's count wins: nothing more today
            elif type(exc).__name__ == "HttpError" or isinstance(error, UnknownOutcome):
                self.meter.spend(units)   # Google counts refused calls, and a lost answer may have cost
            raise error from None
        finally:
            token = getattr(getattr(self, "_creds", None), "token", None)
            if token:
                register_secret(token)
        self.meter.spend(units)
        if result not in (None, "") and not isinstance(result, dict):   # a 2xx body that is not JSON
            what = _("YouTube {name} answered with a body that is not JSON", name=name)
            raise (UnknownOutcome(_("{what}; it may have gone through", what=what), channel=self.name) if create
                   else Retryable(what, channel=self.name))
        return result

    def _typed(self, exc: Exception, name: str, create: bool) -> ChannelError | None:
        from google.auth import exceptions as gauth
        from googleapiclient.errors import HttpError

        def clean(text: str) -> str:
            return redact(text, self._secrets)

        ch = self.name
        if isinstance(exc, gauth.RefreshError):
            return AuthExpired(clean(f"Google refused the YouTube refresh token ({exc.args[0] if exc.args else exc}): "
                                     f"authorize outreach again and set "
                                     f"{self.ctx.settings.get('refresh_token_env')}"), channel=ch)
        if isinstance(exc, gauth.TransportError):
            return Retryable(clean(f"could not reach Google's token endpoint ({exc}); nothing was sent"),
                             channel=ch)
        if isinstance(exc, HttpError):
            status = int(exc.resp.status)
            try:
                err = json.loads(exc.content.decode("utf-8")).get("error", {})
                reason = (err.get("errors") or [{}])[0].get("reason", "")
                message = err.get("message", "")
            except (ValueError, AttributeError):
                reason, message = "", exc.content[:200].decode("utf-8", "replace")
            what = clean(f"YouTube {name} answered HTTP {status} {reason}: {message}")
            if status == 401:
                return AuthExpired(_("{what}; authorize outreach again and set the refresh token",
                                     what=what),
                                   channel=ch)
            if reason in ("quotaExceeded", "dailyLimitExceeded"):
                error = Retryable(what, channel=ch, retry_after=self.meter.seconds_to_reset())
                error.quota_exceeded = True   # type: ignore[attr-defined]
                return error
            if status == 429 or reason in ("rateLimitExceeded", "userRateLimitExceeded"):
                wait = exc.resp.get("retry-after")
                return Retryable(what, channel=ch,
                                 retry_after=float(wait) if wait and wait.isdigit() else 60)
            if status >= 500:
                if create:
                    return UnknownOutcome(_("{what}; it may have gone through", what=what), channel=ch)
                return Retryable(what, channel=ch)
            return Rejected(what, channel=ch, reason=reason or message)
        if isinstance(exc, ValueError):   # malformed JSON in a 2xx answer
            what = _("YouTube {name} answered with a body that is not JSON", name=name)
            return UnknownOutcome(what, channel=ch) if create else Retryable(what, channel=ch)
        if isinstance(exc, (ConnectionRefusedError, socket.gaierror)) or \
                type(exc).__name__ == "ServerNotFoundError":
            return Retryable(_("could not reach YouTube for {name} ({error}); nothing was sent",
                               name=name, error=failure_words(exc)), channel=ch)
        if isinstance(exc, (TimeoutError, ConnectionError, http.client.HTTPException, OSError)):
            what = _("YouTube {name}: the answer was lost ({error})", name=name, error=failure_words(exc))
            return UnknownOutcome(_("{what}; it may have gone through", what=what), channel=ch) if create \
                else Retryable(what, channel=ch)
        return None

    # -- conversation -------------------------------------------------------
    # -- analytics: developers.google.com/youtube/v3/docs/videos/list (part=statistics, 1 unit)
    def metrics(self, target: Any, now: datetime) -> list[Any]:
        """Statistics of the videos the post is about or links to, summed; none: nothing."""
        from ..metrics.model import Figure

        ids = video_ids((target.remote_id or "",) + tuple(target.links) + (target.url or "",))
        if not ids:
            return []
        found = self.call("videos.list", lambda s: s.videos().list(
            part="statistics", id=",".join(ids[:50]), maxResults=50))
        stats = [item.get("statistics") or {} for item in found.get("items", [])]
        out = []
        for name, key in (("views", "viewCount"), ("likes", "likeCount"), ("comments", "commentCount")):
            given = [int(s[key]) for s in stats if str(s.get(key, "")).isdigit()]
            out.append(Figure(name, sum(given), key) if given else Figure.missing(
                name, _("YouTube did not give {key} (hidden by the owner or no such video)", key=key), key))
        return out

    def replies(self, cursor: str | None) -> ReplyBatch:
        since = _when(cursor) if cursor else datetime.now(timezone.utc) - \
            timedelta(days=int(self.ctx.setting("replies_lookback_days", 7, type_=int)))
        budget = self.daily - self.reserve
        items: list[Reply] = []
        token: str | None = None
        complete = False
        try:
            for _page in range(int(self.ctx.setting("max_pages", 20, type_=int))):
                page = self.call("commentThreads.list", lambda s: s.commentThreads().list(
                    part="snippet,replies", allThreadsRelatedToChannelId=self.channel_id,
                    maxResults=100, order="time", textFormat="plainText", pageToken=token),
                    budget=budget)
                fresh = False
                for thread in page.get("items", []):
                    found = self._thread(thread, since, budget)
                    fresh = fresh or bool(found)
                    items += found
                token = page.get("nextPageToken")
                if not token or not fresh:
                    complete = True
                    break
        except QuotaBudget:
            note = _("stopped early: {used} of {daily} quota units used today (keeping {reserve} "
                     "for answers); kept the {n} comments read, the rest comes after the reset",
                     used=self.meter.used(), daily=self.daily, reserve=self.reserve, n=len(items))
            return ReplyBatch(items=items, cursor=cursor, notes=(note,))
        except Retryable as exc:
            if not getattr(exc, "quota_exceeded", False) or not items:
                raise
            # Google says the day's quota is gone (other users of the project, or a
            # meter that was reset): keep what was read; the cursor stays for the rest.
            note = _("stopped early: YouTube says today's quota is used up ({detail}); kept the "
                     "{n} comments read, the rest comes after the reset", detail=exc.detail,
                     n=len(items))
            return ReplyBatch(items=items, cursor=cursor, notes=(note,))
        newest = max((r.created_at for r in items), default=since) if complete else since
        return ReplyBatch(items=items, cursor=newest.isoformat(),
                          notes=() if complete else ("stopped after max_pages; older comments next time",))

    def _thread(self, thread: dict[str, Any], since: datetime, budget: int) -> list[Reply]:
        snippet = thread["snippet"]
        top = snippet["topLevelComment"]
        out = [self._reply_of(top, thread["id"], None)]
        replies = (thread.get("replies") or {}).get("comments", [])
        if int(snippet.get("totalReplyCount") or 0) > len(replies):
            replies, token = [], None
            while True:
                page = self.call("comments.list", lambda s: s.comments().list(
                    part="snippet", parentId=top["id"], maxResults=100, textFormat="plainText",
                    pageToken=token), budget=budget)
                replies += page.get("items", [])
                token = page.get("nextPageToken")
                if not token:
                    break
        out += [self._reply_of(c, thread["id"], top["id"]) for c in replies]
        return [r for r in out if (r.edited_at or r.created_at) > since]

    def _reply_of(self, comment: dict[str, Any], thread_id: str, parent: str | None) -> Reply:
        s = comment["snippet"]
        created, updated = _when(s.get("publishedAt")), _when(s.get("updatedAt"))
        video = s.get("videoId")
        author = (s.get("authorChannelId") or {}).get("value")
        return Reply(channel=self.name, remote_id=comment["id"],
                     text=s.get("textOriginal") or s.get("textDisplay") or "", created_at=created,
                     thread_id=thread_id, parent_id=parent, post_remote_id=video,
                     author_id=author, author_name=s.get("authorDisplayName"),
                     url=f"https://www.youtube.com/watch?v={video}&lc={comment['id']}" if video else None,
                     edited_at=updated if updated != created else None,
                     hidden=s.get("moderationStatus") in ("heldForReview", "rejected"),
                     # written as the city's channel (staff on youtube.com, or our answers)
                     ref={"own": bool(author) and author == self.channel_id})

    def find_reply(self, to: Reply, text: str, key: str) -> Receipt | None:
        """Our own reply with ``text`` in the thread of ``to``, before an answer is sent again.

        ``comments.list(parentId=<top comment>)`` pages (1 unit each, counted
        like every call); a reply is ours when ``snippet.authorChannelId.value``
        is ``channel_id``, and the same answer when its ``textOriginal`` (which
        YouTube returns to the comment's author) equals ``text`` after
        ``same_text`` normalisation.
        """
        parent = to.thread_id or to.parent_id or to.remote_id
        token: str | None = None
        for _page in range(int(self.ctx.setting("find_pages", 5, type_=int))):
            page = self.call("comments.list", lambda s: s.comments().list(
                part="snippet", parentId=parent, maxResults=100, textFormat="plainText",
                pageToken=token))
            for comment in page.get("items", []):
                snippet = comment.get("snippet") or {}
                author = (snippet.get("authorChannelId") or {}).get("value")
                if author == self.channel_id and any(
                        same_text(text, snippet.get(k) or "") for k in ("textOriginal", "textDisplay")):
                    video = snippet.get("videoId")
                    return Receipt(remote_id=comment["id"], extra={"existing": True},
                                   url=f"https://www.youtube.com/watch?v={video}&lc={comment['id']}"
                                   if video else None)
            token = page.get("nextPageToken")
            if not token:
                break
        return None

    def reply(self, to: Reply, text: str, key: str) -> Receipt:
        parent = to.thread_id or to.parent_id or to.remote_id   # YouTube replies go to the top comment
        made = self.call("comments.insert", lambda s: s.comments().insert(
            part="snippet", body={"snippet": {"parentId": parent, "textOriginal": text}}))
        if not isinstance(made, dict) or "id" not in made:
            raise UnknownOutcome(_("YouTube answered comments.insert without a comment id; the "
                                   "answer may have gone out"), channel=self.name)
        return Receipt(remote_id=made["id"], url=f"https://www.youtube.com/watch?v="
                       f"{made['snippet'].get('videoId')}&lc={made['id']}")

    def hide(self, to: Reply) -> None:
        status = self.ctx.setting("hide_as", "rejected", type_=str)
        if status not in ("rejected", "heldForReview"):
            raise ConfigError(_("expected \"rejected\" or \"heldForReview\""),
                              file=self.ctx.config_file or "outreach.toml",
                              key=f"channels.{self.name}.hide_as")
        self.call("comments.setModerationStatus", lambda s: s.comments().setModerationStatus(
            id=to.remote_id, moderationStatus=status))

    # -- health -------------------------------------------------------------
    def check(self) -> list[CheckResult]:
        try:
            mine = self.call("channels.list", lambda s: s.channels().list(part="id,snippet", mine=True))
        except ConfigError:
            raise
        except AuthExpired as exc:
            return [CheckResult(False, _("YouTube authorization expired or was revoked"),
                                fix=_("authorize outreach again and set {env} ({detail})",
                                      env=self.ctx.settings.get('refresh_token_env'),
                                      detail=exc.detail))]
        except ChannelError as exc:
            return [CheckResult(False, _("YouTube could not be checked: {detail}", detail=exc.detail),
                                fix=_("try again later; check api_base and the network"))]
        ids = [c["id"] for c in mine.get("items", [])]
        results = [CheckResult(self.channel_id in ids,
                               _("YouTube channel {id} is the authorized account", id=self.channel_id)
                               if self.channel_id in ids else
                               _("YouTube channel {id} is not the authorized account ({ids})",
                                 id=self.channel_id, ids=', '.join(ids) or '-'),
                               fix=None if self.channel_id in ids else
                               _("authorize with the city's channel account or fix channel_id"))]
        used = self.meter.used()
        results.append(CheckResult(used + self.reserve < self.daily,
                                   _("YouTube quota: {used} of {daily} units used today",
                                     used=used, daily=self.daily),
                                   fix=None if used + self.reserve < self.daily else
                                   _("wait for the reset at midnight Pacific time")))
        results.append(CheckResult(True, _("community posts have no API: they are prepared for "
                                           "staff")))
        return results

    def close(self) -> None:
        if self._service is not None:
            self._service.close()


_VIDEO = re.compile(r"(?:youtube\.com/(?:watch\?(?:.*&)?v=|shorts/|embed/)|youtu\.be/)([A-Za-z0-9_-]{11})")


def video_ids(texts: Iterable[str]) -> list[str]:
    """YouTube video ids in addresses (watch, shorts, embed, youtu.be) or given bare."""
    found: list[str] = []
    for text in texts:
        ids = _VIDEO.findall(text) or ([text] if re.fullmatch(r"[A-Za-z0-9_-]{11}", text) else [])
        found += [i for i in ids if i not in found]
    return found
