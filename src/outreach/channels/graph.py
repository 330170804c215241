"""Meta Graph API plumbing shared by the Facebook Page, Instagram and Threads channels.

Why shared: both speak to graph.facebook.com with the same token style, the
same error body (``{"error": {"code", "error_subcode", "message", ...}}``),
the same usage headers and the same paging. The token travels in an
``Authorization: OAuth`` header, never in the query string we build; paging
follows ``paging.cursors.after`` ourselves instead of the ``next`` URL, which
embeds the token. Docs: developers.facebook.com/docs/graph-api/guides/error-handling
and /overview/rate-limiting.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import datetime, timezone
from typing import Any, Iterator, Mapping
from urllib.parse import urlencode

import requests

from ..errors import AuthExpired, ChannelError, Rejected, Retryable, UnknownOutcome
from ..model import Receipt
from .base import ChannelContext
from .http import HttpClient, client_from, retry_after
from ..i18n import _

GRAPH_HOST = "https://graph.facebook.com"
DEFAULT_VERSION = "v25.0"
THROTTLE_CODES = {4, 17, 32, 613} | set(range(80001, 80015))
THROTTLE_WAIT = 300.0          # when Meta names no time: usage windows are rolling, one hour at most
USAGE_PAUSE_PCT = 95           # stop calling before Meta throttles us
BATCH_MAX = 50


def key_marker(key: str) -> str:
    """A short, stable code for a delivery key, printed on the post so find() can spot it."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]


def marker_line(key: str) -> str:
    return f"게시번호 {key_marker(key)}"


def parse_time(text: str | None) -> datetime:
    """Graph timestamps look like 2026-11-20T07:00:00+0000."""
    if not text:
        return datetime.now(timezone.utc)
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")


class GraphApi:
    """Graph API calls for one channel: versioned paths, typed errors, usage-aware."""

    def __init__(self, ctx: ChannelContext, *, token_key: str, platform: str,
                 host: str = GRAPH_HOST, default_version: str = DEFAULT_VERSION) -> None:
        """``host`` / ``default_version``: Threads speaks the same dialect at graph.threads.net v1.0."""
        self.ctx = ctx
        self.platform = platform
        self.token_key = token_key
        self.token_env = str(ctx.settings.get(token_key) or token_key.upper())
        self.token = ctx.secret(token_key)
        self.version = ctx.setting("api_version", default_version, type_=str)
        if not re.fullmatch(r"v\d+\.\d+", self.version):
            from ..errors import ConfigError
            raise ConfigError(_("expected an API version such as \"{default_version}\"",
                                default_version=default_version),
                              file=ctx.config_file or "outreach.toml",
                              key=f"channels.{ctx.name}.api_version")
        self.paused_until = 0.0
        self.last_usage: dict[str, Any] = {}
        self.http: HttpClient = client_from(
            ctx, default_base=host, platform=platform, secrets=[self.token],
            headers={"Authorization": f"OAuth {self.token}"}, classify=self._classify)

    # -- calls --------------------------------------------------------------
    def path(self, node: str) -> str:
        return f"/{self.version}/{node.lstrip('/')}"

    def get(self, node: str, params: Mapping[str, Any] | None = None) -> Any:
        self._check_pause(create=False)
        resp = self.http.get(self.path(node), params=params)
        return self.http.json(resp, create=False)

    def post(self, node: str, data: Mapping[str, Any] | None = None, *, files: Any = None,
             create: bool = True) -> Any:
        self._check_pause(create=create)
        resp = self.http.post(self.path(node), data=data, files=files, create=create)
        body = self.http.json(resp, create=create)
        return body

    def pages(self, node: str, params: Mapping[str, Any], *, max_pages: int = 10) -> Iterator[dict[str, Any]]:
        """Every item of a list edge, following ``paging.cursors.after`` up to ``max_pages``."""
        query = dict(params)
        for _page in range(max_pages):
            body = self.get(node, query)
            yield from body.get("data", [])
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return
            query["after"] = after

    def batch(self, relative_urls: list[str]) -> list[Any]:
        """GET many relative URLs through batch requests (≤50 each); per-item typed errors.

        Returns, per URL, the decoded body or the ``ChannelError`` that item got.
        """
        results: list[Any] = []
        for start in range(0, len(relative_urls), BATCH_MAX):
            chunk = relative_urls[start:start + BATCH_MAX]
            items = [{"method": "GET", "relative_url": f"{self.version}/{u.lstrip('/')}"} for u in chunk]
            self._check_pause(create=False)
            resp = self.http.post("/", data={"batch": json.dumps(items), "include_headers": "false"},
                                  create=False)
            answers = self.http.json(resp, create=False)
            if not isinstance(answers, list):
                raise Retryable(_("{platform} answered a batch request without a list",
                                  platform=self.platform),
                                channel=self.ctx.name)
            for answer in answers:
                results.append(self._batch_item(answer))
        return results

    def lists(self, nodes: list[str], edge: str,
              params: Mapping[str, Any]) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
        """Every item of ``{node}/{edge}`` for many nodes: batched by 50, then cursor paging.

        An expired token is raised; any other failure of one node becomes a note,
        so one deleted post does not hide the comments of the others.
        """
        bodies = self.batch([f"{n}/{edge}?{urlencode(params)}" for n in nodes])
        found: dict[str, list[dict[str, Any]]] = {}
        notes: list[str] = []
        for node, body in zip(nodes, bodies):
            if isinstance(body, AuthExpired):
                raise body
            if isinstance(body, ChannelError):
                notes.append(f"{edge} of {node} not read: {body.detail}")
                continue
            rows = list(body.get("data", []))
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if paging.get("next") and after:
                rows += list(self.pages(f"{node}/{edge}", {**params, "after": after}))
            found[node] = rows
        return found, notes

    def _batch_item(self, answer: Any) -> Any:
        if not isinstance(answer, dict):   # null: the item timed out on Meta's side
            return Retryable(_("{platform} did not finish one batch item", platform=self.platform), channel=self.ctx.name)
        try:
            body = json.loads(answer.get("body") or "null")
        except ValueError:
            return Retryable(_("{platform} answered one batch item with a body that is not JSON",
                               platform=self.platform),
                             channel=self.ctx.name)
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return self.error_for(body["error"], int(answer.get("code") or 400), create=False)
        return body

    def close(self) -> None:
        self.http.close()

    # -- errors and usage ---------------------------------------------------
    def _check_pause(self, *, create: bool) -> None:
        wait = self.paused_until - time.monotonic()
        if wait > 0:
            raise Retryable(_("{platform} API usage is near its limit ({usage_text}); pausing "
                              "for {wait} s, nothing was sent", platform=self.platform,
                              usage_text=self._usage_text(), wait=int(wait)),
                            channel=self.ctx.name, retry_after=wait)

    def _usage_text(self) -> str:
        return ", ".join(f"{k} {v}%" for k, v in self.last_usage.items()) or "unknown usage"

    def _read_usage(self, resp: requests.Response) -> float | None:
        """Record usage percentages; pause when any reaches USAGE_PAUSE_PCT. Returns Meta's wait."""
        top, eta = 0.0, None
        for header in ("X-App-Usage", "X-Page-Usage", "X-Ad-Account-Usage", "X-Business-Use-Case-Usage"):
            raw = resp.headers.get(header)
            if not raw:
                continue
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            entries = [e for v in data.values() if isinstance(v, list) for e in v] \
                if header == "X-Business-Use-Case-Usage" else [data]
            for entry in entries:
                if not isinstance(entry, dict):
                    continue
                for k in ("call_count", "total_time", "total_cputime"):
                    if isinstance(entry.get(k), (int, float)):
                        self.last_usage[f"{header}.{k}"] = entry[k]
                        top = max(top, float(entry[k]))
                minutes = entry.get("estimated_time_to_regain_access")
                if isinstance(minutes, (int, float)) and minutes > 0:
                    eta = max(eta or 0.0, float(minutes) * 60)
        if eta or top >= USAGE_PAUSE_PCT:
            self.paused_until = time.monotonic() + (eta or THROTTLE_WAIT)
        return eta

    def _classify(self, resp: requests.Response, create: bool) -> ChannelError | None:
        eta = self._read_usage(resp)
        try:
            body = resp.json()
        except ValueError:
            return None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return self.error_for(body["error"], resp.status_code, create=create,
                                  wait=eta or retry_after(resp))
        return None

    def error_for(self, err: Mapping[str, Any], status: int, *, create: bool,
                  wait: float | None = None) -> ChannelError:
        """Graph error body -> typed failure, per Meta's error-handling guide."""
        code = int(err.get("code") or 0)
        sub = err.get("error_subcode")
        text = str(err.get("message") or "no message")
        what = f"{self.platform} error {code}{f'/{sub}' if sub else ''}: {text}"
        name = self.ctx.name
        if code in (190, 102) or sub in (458, 459, 460, 463, 464, 467):
            return AuthExpired(_("{what}. Create a new token and set {token_env}", what=what,
                                 token_env=self.token_env), channel=name)
        if code in THROTTLE_CODES or (code == 9 and sub == 2207042):
            return Retryable(_("{what} (rate limited; nothing was published)", what=what), channel=name,
                             retry_after=wait or THROTTLE_WAIT)
        if code == 9007 or sub == 2207027:
            return Retryable(_("{what} (media not ready yet)", what=what), channel=name, retry_after=wait or 60)
        if code == 10 or 200 <= code <= 299:
            perms = sorted(set(re.findall(r"\b(?:pages|instagram|publish|business|threads)_[a-z_]+", text)))
            need = ", ".join(perms) or "the permission named above"
            return Rejected(_("{what}. Missing permission: {need}; grant it to the app and "
                              "create a new token for {token_env}", what=what, need=need,
                              token_env=self.token_env), channel=name, reason=f"missing permission {need}")
        if code == 506:
            return Rejected(_("{what} (a duplicate of a recent post)", what=what), channel=name, reason="duplicate post")
        transient = bool(err.get("is_transient")) or code in (1, 2) or status >= 500
        if transient:
            if create:
                return UnknownOutcome(_("{what}; the post may exist: reconcile before retrying",
                                        what=what),
                                      channel=name)
            return Retryable(what, channel=name, retry_after=wait)
        return Rejected(what, channel=name, reason=text)

    # -- token health -------------------------------------------------------
    def token_expiry(self) -> tuple[datetime | None, list[str], str | None]:
        """(expires_at or None for never, scopes, profile id) from ``/debug_token``."""
        data = self.get("debug_token", {"input_token": self.token}).get("data", {})
        if not data.get("is_valid", False):
            raise AuthExpired(_("{platform} says the token is not valid: create a new one and "
                                "set {token_env}", platform=self.platform,
                                token_env=self.token_env), channel=self.ctx.name)
        stamps = [int(data.get(k) or 0) for k in ("expires_at", "data_access_expires_at")]
        stamps = [s for s in stamps if s > 0]
        expires = datetime.fromtimestamp(min(stamps), timezone.utc) if stamps else None
        return expires, list(data.get("scopes") or []), data.get("profile_id")


def expired_on(message: str) -> str | None:
    """'Session has expired on Thursday, 20-Nov-26 ...' -> '2026-11-20' when Meta says so."""
    match = re.search(r"expired on \w+, (\d{1,2})-(\w{3})-(\d{2})", message)
    if not match:
        return None
    try:
        return datetime.strptime("-".join(match.groups()), "%d-%b-%y").date().isoformat()
    except ValueError:
        return None


def find_marked(api: GraphApi, edge: str, text_field: str, fields: str, key: str,
                max_pages: int) -> dict[str, Any] | None:
    """The newest item on ``edge`` whose ``text_field`` carries our marker line for ``key``
    (how Facebook, Instagram and Threads find a post whose answer was lost)."""
    marker = marker_line(key)
    for item in api.pages(edge, {"fields": f"id,{text_field},{fields}", "limit": 25},
                          max_pages=max_pages):
        if marker in (item.get(text_field) or ""):
            return item
    return None


def wait_for_containers(api: GraphApi, containers: list[str], *, field: str, interval: float,
                        timeout: float, hint: str) -> None:
    """Poll media containers (Instagram ``status_code``, Threads ``status``) until FINISHED.

    ERROR / EXPIRED is a refusal (``hint`` says what to check); still processing at the
    deadline is retryable: nothing was published yet.
    """
    from ..errors import Rejected
    from ..i18n import _

    deadline = time.monotonic() + timeout
    pending = list(containers)
    while pending:
        for cid in list(pending):
            info = api.get(cid, {"fields": f"{field},error_message" if field == "status"
                                 else f"{field},status"})
            status = info.get(field)
            if status in ("FINISHED", "PUBLISHED"):
                pending.remove(cid)
            elif status in ("ERROR", "EXPIRED"):
                detail = info.get("error_message") or info.get("status") or "-"
                raise Rejected(_("{platform} could not take media container {id}: {status} "
                                 "({detail}); {hint}", platform=api.platform, id=cid, status=status,
                                 detail=detail, hint=hint), channel=api.ctx.name,
                               reason=f"container {status}")
        if pending and time.monotonic() >= deadline:
            raise Retryable(_("{platform} was still processing {n} item(s) after the poll timeout; "
                              "nothing was published", platform=api.platform, n=len(pending)),
                            channel=api.ctx.name, retry_after=60)
        if pending:
            time.sleep(interval)


class MediaContainers:
    """Meta's two-step publishing, shared by Instagram and Threads (docs:
    instagram-platform/content-publishing, threads/posts): create media containers on
    ``node`` (``{ig-user-id}/media``, ``{user-id}/threads``), wait until each is FINISHED
    (``wait_for_containers``; ``status_field`` is Instagram's ``status_code`` or Threads'
    ``status``), then ``POST {node}_publish`` ``creation_id``: the one call that makes a
    post public. ``poll_interval`` / ``poll_timeout`` come from the channel's settings
    when it waits; ``poll_timeout`` is the platform's default."""

    def __init__(self, api: GraphApi, node: str, *, status_field: str,
                 poll_timeout: float) -> None:
        self.api, self.node, self.status_field = api, node, status_field
        self.default_timeout = poll_timeout

    def wait(self, containers: list[str]) -> None:
        setting = self.api.ctx.setting
        wait_for_containers(
            self.api, containers, field=self.status_field,
            hint=_("check that the image URL is public and the image is a JPEG or PNG under 8 MB"),
            interval=float(setting("poll_interval", 2.0, type_=(int, float))),
            timeout=float(setting("poll_timeout", self.default_timeout, type_=(int, float))))

    def create(self, fields: Mapping[str, Any]) -> str:
        """One container, waited for; its id (nothing is public yet)."""
        container = self.api.post(self.node, fields, create=False)["id"]
        self.wait([container])
        return container

    def carousel(self, items: list[Mapping[str, Any]], fields: Mapping[str, Any]) -> str:
        """A carousel container: each of ``items`` created as a carousel item and all waited
        for, then the carousel itself (``fields`` + its children), waited for; its id."""
        children = [self.api.post(self.node, {**item, "is_carousel_item": "true"},
                                  create=False)["id"] for item in items]
        self.wait(children)
        return self.create({**fields, "children": ",".join(children)})

    def publish(self, container: str) -> str:
        """Make ``container`` public; the new media's id."""
        return self.api.post(f"{self.node}_publish", {"creation_id": container})["id"]

    def published(self, container: str, *, images: int) -> Receipt:
        """``publish`` and the post's permalink (None when reading it fails: the post is out
        all the same)."""
        media_id = self.publish(container)
        try:
            url = self.api.get(media_id, {"fields": "permalink"}).get("permalink")
        except ChannelError:
            url = None
        return Receipt(remote_id=media_id, url=url, extra={"images": images})


def public_media_url(ctx: ChannelContext, public_base_url: str, path: Any, platform: str) -> str:
    """The public address a platform fetches a card from: ``public_base_url`` + its path
    under var/ (Instagram and Threads download images; they take no uploads)."""
    from urllib.parse import quote

    from ..errors import Rejected
    from ..i18n import _

    if not public_base_url:
        raise Rejected(_("public_base_url is not set in [channels.{name}]: {platform} fetches "
                         "images from a public web address, so serve the var/ folder on the web "
                         "and set public_base_url to its address", name=ctx.name, platform=platform),
                       channel=ctx.name, reason="public_base_url not set")
    try:
        rel = path.resolve().relative_to(ctx.var_dir.resolve())
    except ValueError:
        raise Rejected(_("image {path} is outside {var}, so it has no public address: render into "
                         "the workspace's var/ folder", path=path, var=ctx.var_dir),
                       channel=ctx.name) from None
    return f"{public_base_url.rstrip('/')}/{quote(rel.as_posix())}"
