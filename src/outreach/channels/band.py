"""Naver Band through the BAND Open API (openapi.band.us): posts and their comments.

Many Korean neighbourhoods, apartment complexes and parents' groups live on
Band. The Open API (developers.band.us/develop/guide/api) acts as the person
whose access token it holds, in the bands that person belongs to:

- ``GET /v2.1/bands``: the bands the token can see (``band_key``, ``name``);
  ``GET /v2/band/permissions`` says whether it may post and comment there;
- ``POST /v2.2/band/post/create`` ``band_key``, ``content``, ``do_push``
  (notify members): the one call that makes a post. **The API takes no photos**
  (write_post has text parameters only), so card images go out as links to their
  public addresses (``public_base_url``, as for Instagram) under the text, or
  are left out with ``cards = "omit"``;
- ``GET /v2/band/posts`` (newest first, ``next_params`` paging): ``find`` looks
  for the post's ``게시번호`` line after a lost answer;
- ``GET /v2/band/post/comments`` and ``POST /v2/band/post/comment/create``
  (``body``): comments for the inbox and answers. Creating a comment answers
  no comment key, so the answer is looked up afterwards, and looked for *before*
  it is sent (a retried answer whose response was lost is not posted twice).
  Band has no API to hide a comment (only to delete it), so ``hide`` is refused.

Every answer carries ``result_code`` (1 = success); failures are mapped from
the documented codes (developers.band.us/develop/guide/api/handle_errors) to the
typed failures in ``outreach.errors``, whatever the HTTP status. The token
travels as the documented ``access_token`` query parameter (Band names no
header); it is registered for redaction and never appears in messages, and
``next_params`` (which echo it) are stripped of it.

Settings: ``band_key``, ``token_env``, ``do_push`` (true), ``cards`` ("links" |
``"omit"``), ``cards_label`` (the line above the links, "카드 이미지"), ``public_base_url``, ``locale`` ("ko_KR"), ``api_base``,
``replies_posts`` (recent posts whose comments are read, 20), ``find_pages`` (3),
``daily_posts`` (no documented cap).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator, Mapping

import requests

from ..errors import AuthExpired, ChannelError, Rejected, Retryable, UnknownOutcome
from ..i18n import _
from ..logs import redact
from ..model import Capability, CheckResult, Limits, Receipt, RenderedPost, Reply, ReplyBatch
from .base import Channel, ChannelContext
from .graph import marker_line, public_media_url
from .http import client_from, retry_after

BAND_HOST = "https://openapi.band.us"


class _RedactUrls(logging.Filter):
    """urllib3 logs each request line at DEBUG, query string included; Band's token must
    travel there (``access_token``), so those lines are redacted before any handler sees
    them, whoever turned urllib3's logging on."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), ()
        return True


_URL_LOGGER = logging.getLogger("urllib3.connectionpool")
if not any(isinstance(f, _RedactUrls) for f in _URL_LOGGER.filters):
    _URL_LOGGER.addFilter(_RedactUrls())
#: result_code -> how it is treated (developers.band.us/develop/guide/api/handle_errors)
KINDS: dict[int, str] = {
    211: "rejected", 212: "rejected", 1001: "quota", 1002: "quota", 1003: "cooldown",
    2142: "permission", 2300: "server", 3000: "rejected", 3001: "rejected", 3002: "rejected",
    3003: "rejected", 10401: "auth", 10403: "permission", 60000: "rejected", 60100: "rejected",
    60102: "permission", 60103: "auth",
}


def meaning(code: int) -> str | None:
    """What a documented ``result_code`` means, in the reader's language."""
    return {
        211: _("invalid parameters"),
        212: _("insufficient parameters"),
        1001: _("the app's API quota is exceeded"),
        1002: _("the user's API quota is exceeded"),
        1003: _("too many calls in a short time (cool-down)"),
        2142: _("only band leaders are allowed to do this"),
        2300: _("Band's server answered with an undefined error"),
        3000: _("invalid request"),
        3001: _("the text is longer than Band allows: shorten it"),
        3002: _("an image file is too large"),
        3003: _("too many images"),
        10401: _("the access token is missing or expired"),
        10403: _("access denied: the account lacks the permission"),
        60000: _("invalid parameter"),
        60100: _("the user does not exist"),
        60102: _("the token's account is not a member of this band"),
        60103: _("the account is not connected with the app"),
    }.get(code)


class BandChannel(Channel):
    type = "band"
    display_name = "Band"
    description = "Naver Band (Open API): text posts with card links, member notification; comments"
    capabilities = frozenset({Capability.TEXT, Capability.LINK, Capability.IMAGE, Capability.CAROUSEL,
                              Capability.FIND, Capability.REPLIES, Capability.REPLY})
    limits = Limits()
    text_name = "band"

    def __init__(self, ctx: ChannelContext) -> None:
        super().__init__(ctx)
        self.band_key = str(ctx.setting("band_key", required=True, type_=str))
        self.token_env = str(ctx.settings.get("token_env") or "TOKEN_ENV")
        self.token = ctx.secret("token_env")
        self.public_base_url = str(ctx.setting("public_base_url", "", type_=str)).rstrip("/")
        self.cards = ctx.setting("cards", "links", type_=str)
        if self.cards not in ("links", "omit"):
            from ..errors import ConfigError
            raise ConfigError('expected "links" or "omit"', file=ctx.config_file or "outreach.toml",
                              key=f"channels.{ctx.name}.cards")
        self.http = client_from(ctx, default_base=BAND_HOST, platform="Band", secrets=[self.token],
                                classify=self._classify)
        self._user_key: str | None = None

    # -- calls --------------------------------------------------------------
    def call(self, method: str, path: str, params: Mapping[str, Any], *, create: bool = False) -> Any:
        """One API call; ``result_data`` of a success, a typed failure otherwise."""
        query = {"access_token": self.token}
        if method == "GET":
            resp = self.http.get(path, params={**query, **params})
        else:
            resp = self.http.post(path, params=query, data=dict(params), create=create)
        body = self.http.json(resp, create=create)
        if not isinstance(body, dict) or "result_code" not in body:
            raise self._lost(_("Band answered {path} without a result_code", path=path), create)
        return body.get("result_data") or {}

    def items(self, path: str, params: Mapping[str, Any], *, max_pages: int) -> Iterator[dict[str, Any]]:
        """Every item of a list, following ``paging.next_params`` (token taken out)."""
        query = dict(params)
        for _page in range(max_pages):
            data = self.call("GET", path, query)
            yield from data.get("items") or []
            following = (data.get("paging") or {}).get("next_params")
            if not following:
                return
            query = {**query, **{k: v for k, v in following.items() if k != "access_token"}}

    def _lost(self, what: str, create: bool) -> ChannelError:
        if create:
            return UnknownOutcome(_("{what}; it may have acted: reconcile before retrying", what=what),
                                  channel=self.name)
        return Retryable(what, channel=self.name)

    def _classify(self, resp: requests.Response, create: bool) -> ChannelError | None:
        if resp.status_code >= 500 or resp.status_code == 429:
            return None            # the HTTP layer's rules (Retry-After, unknown on a create)
        try:
            body = resp.json()
        except ValueError:
            return None
        if not isinstance(body, dict) or body.get("result_code") in (None, 1):
            return None
        return self.error_for(body, create, wait=retry_after(resp))

    def error_for(self, body: Mapping[str, Any], create: bool, wait: float | None = None) -> ChannelError:
        """A documented ``result_code`` -> the typed failure (unknown codes: refused)."""
        code = int(body.get("result_code") or 0)
        data = body.get("result_data")
        message = (data.get("message") if isinstance(data, dict) else None) or body.get("message")
        kind = KINDS.get(code, "rejected")
        said = meaning(code) or str(message or _("no reason given"))
        what = _("Band error {code}: {meaning}", code=code, meaning=said)
        if kind == "auth":
            return AuthExpired(_("{what}. Log in to Band again, create a new access token and set "
                                 "{env}", what=what, env=self.token_env), channel=self.name)
        if kind in ("quota", "cooldown"):
            return Retryable(_("{what}; nothing was posted", what=what), channel=self.name,
                             retry_after=wait or (60.0 if kind == "cooldown" else 3600.0))
        if kind == "server":
            return self._lost(what, create)
        if kind == "permission":
            return Rejected(_("{what}: the account of {env} must be a member with posting and "
                              "commenting rights in band {band}", what=what, env=self.token_env,
                              band=self.band_key), channel=self.name, reason=said)
        return Rejected(what, channel=self.name, reason=said)

    # -- publishing ---------------------------------------------------------
    def content(self, post: RenderedPost, key: str) -> str:
        """The text, the cards as links (the API takes no photos), and the ``게시번호`` line."""
        parts = [self.text_for(post)]
        if post.slides and self.cards == "links":
            label = self.ctx.setting("cards_label", "카드 이미지", type_=str)
            parts.append("\n".join([label, *(public_media_url(self.ctx, self.public_base_url, s.path,
                                                               "Band") for s in post.slides)]))
        if self.ctx.setting("mark_posts", True, type_=bool):
            parts.append(marker_line(key))
        return "\n\n".join(parts)

    def publish(self, post: RenderedPost, key: str) -> Receipt:
        content = self.content(post, key)
        push = self.ctx.setting("do_push", True, type_=bool)
        data = self.call("POST", "/v2.2/band/post/create",
                         {"band_key": self.band_key, "content": content,
                          "do_push": "true" if push else "false"}, create=True)
        post_key = data.get("post_key")
        if not post_key:
            raise self._lost(_("Band answered the post without a post_key"), True)
        cards = len(post.slides) if self.cards == "links" else 0
        return Receipt(remote_id=str(post_key), extra={"band_key": self.band_key, "card_links": cards,
                                                       "push": push})

    def posts(self, pages: int) -> Iterator[dict[str, Any]]:
        return self.items("/v2/band/posts", {"band_key": self.band_key,
                                             "locale": self.ctx.setting("locale", "ko_KR", type_=str)},
                          max_pages=pages)

    def find(self, key: str) -> Receipt | None:
        marker = marker_line(key)
        for item in self.posts(int(self.ctx.setting("find_pages", 3, type_=int))):
            if marker in (item.get("content") or ""):
                return Receipt(remote_id=str(item["post_key"]), extra={"band_key": self.band_key})
        return None

    # -- conversation -------------------------------------------------------
    def user_key(self) -> str:
        """The token's own member key in this band (``GET /v2/profile``), asked once."""
        if self._user_key is None:
            self._user_key = str(self.call("GET", "/v2/profile", {"band_key": self.band_key})
                                 .get("user_key") or "")
        return self._user_key

    def comments(self, post_key: str) -> Iterator[dict[str, Any]]:
        return self.items("/v2/band/post/comments", {"band_key": self.band_key, "post_key": post_key,
                                                      "sort": "+created_at"}, max_pages=50)

    def replies(self, cursor: str | None) -> ReplyBatch:
        now = datetime.now(timezone.utc)
        since = datetime.fromisoformat(cursor) if cursor else \
            now - timedelta(days=int(self.ctx.setting("replies_lookback_days", 7, type_=int)))
        wanted = int(self.ctx.setting("replies_posts", 20, type_=int))
        posts = [p for p, _ in zip(self.posts(5), range(wanted)) if int(p.get("comment_count") or 0)]
        items: list[Reply] = []
        notes: list[str] = []
        for post in posts:
            try:
                rows = list(self.comments(str(post["post_key"])))
            except (Rejected, Retryable) as exc:
                notes.append(_("comments of post {post} not read: {detail}", post=post["post_key"],
                               detail=exc.detail))
                continue
            items += [self._reply_of(str(post["post_key"]), row) for row in rows]
        items = [r for r in items if r.created_at > since]
        newest = max((r.created_at for r in items), default=since)
        return ReplyBatch(items=items, cursor=newest.isoformat(), notes=tuple(notes))

    def _reply_of(self, post_key: str, row: dict[str, Any]) -> Reply:
        author = row.get("author") or {}
        return Reply(channel=self.name, remote_id=str(row["comment_key"]), text=row.get("content") or "",
                     created_at=datetime.fromtimestamp(int(row.get("created_at") or 0) / 1000,
                                                       timezone.utc),
                     thread_id=post_key, post_remote_id=post_key, author_id=author.get("user_key"),
                     author_name=author.get("name"),
                     ref={"own": bool(author.get("user_key")) and author.get("user_key") == self.user_key()})

    def find_reply(self, to: Reply, text: str, key: str) -> Receipt | None:
        wanted = text.strip()
        for row in self.comments(self._post_of(to)):
            author = (row.get("author") or {}).get("user_key")
            if author == self.user_key() and (row.get("content") or "").strip() == wanted:
                return Receipt(remote_id=str(row["comment_key"]), extra={"existing": True})
        return None

    def _post_of(self, to: Reply) -> str:
        post_key = to.post_remote_id or to.thread_id
        if not post_key:
            raise Rejected(_("comment {id} does not say which Band post it is under", id=to.remote_id),
                           channel=self.name)
        return post_key

    def reply(self, to: Reply, text: str, key: str) -> Receipt:
        found = self.find_reply(to, text, key)   # look first: a lost answer must not go out twice
        if found:
            return found
        self.call("POST", "/v2/band/post/comment/create",
                  {"band_key": self.band_key, "post_key": self._post_of(to), "body": text}, create=True)
        try:
            made = self.find_reply(to, text, key)   # the answer names no comment key
        except ChannelError:
            made = None
        return Receipt(remote_id=made.remote_id if made else None)

    def hide(self, to: Reply) -> None:
        raise Rejected(_("Band's API cannot hide a comment (it can only delete it): hide or delete "
                         "it in the Band app"), channel=self.name)

    # -- health -------------------------------------------------------------
    def check(self) -> list[CheckResult]:
        try:
            bands = self.call("GET", "/v2.1/bands", {}).get("bands") or []
        except AuthExpired as exc:
            return [CheckResult(False, _("Band access token is not valid ({detail})", detail=exc.detail),
                                fix=_("log in at developers.band.us, create a new token, set {env}",
                                      env=self.token_env))]
        except ChannelError as exc:
            return [CheckResult(False, _("Band could not be asked: {detail}", detail=exc.detail),
                                fix=_("try again later; check api_base and the network"))]
        mine = {str(b.get("band_key")): b.get("name") or "" for b in bands}
        if self.band_key not in mine:
            names = ", ".join(f"{n} ({k})" for k, n in list(mine.items())[:5]) or "-"
            return [CheckResult(False, _("band {band} is not among the token's bands ({names})",
                                         band=self.band_key, names=names),
                                fix=_("set band_key in [channels.{name}] to one of them", name=self.name))]
        results = [CheckResult(True, _("Band token works; band {name} ({band})", name=mine[self.band_key],
                                       band=self.band_key))]
        try:
            granted = self.call("GET", "/v2/band/permissions",
                                {"band_key": self.band_key, "permissions": "posting,commenting"})
            have = set(granted.get("permissions") or granted.get("permission") or [])
            missing = [p for p in ("posting", "commenting") if p not in have]
            results.append(CheckResult(not missing, _("Band permissions: {have}",
                                                      have=", ".join(sorted(have)) or "-"),
                                       fix=None if not missing else
                                       _("ask the band's leader to allow {missing}",
                                         missing=", ".join(missing))))
        except ChannelError as exc:
            results.append(CheckResult(False, _("Band permissions not readable: {detail}",
                                                detail=exc.detail)))
        if self.cards == "links" and not self.public_base_url:
            results.append(CheckResult(False, _("public_base_url is not set: card images cannot be linked"),
                                       fix=_('set public_base_url, or cards = "omit" in [channels.{name}]',
                                             name=self.name)))
        return results

    def close(self) -> None:
        self.http.close()
