"""The one HTTP layer every platform adapter speaks through.

Why one layer: the publisher must know whether a post *may* exist, and that
depends on where a request failed, not on which platform it went to. So:

- connect errors (refused, DNS, connect timeout, TLS handshake) mean nothing
  was sent: ``Retryable``;
- a read timeout or a dropped connection after the request went out means the
  platform may have acted: ``UnknownOutcome`` for requests that create or
  change something, ``Retryable`` for reads;
- 429 (and 503 with ``Retry-After``) carries the platform's wait time;
- 401 is ``AuthExpired``, other 4xx ``Rejected``, 5xx on a create
  ``UnknownOutcome`` (unless the platform's own classifier knows better).

Only reads are retried here (``urllib3.util.Retry``, a few quick attempts);
connect failures are retried for every method because nothing was sent.
Every message and log line passes through ``outreach.logs.redact`` with the
channel's secrets, because Graph API tokens travel in query strings too.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NameResolutionError, NewConnectionError
from urllib3.util import Retry

from ..errors import AuthExpired, ChannelError, Rejected, Retryable, UnknownOutcome
from ..i18n import _
from ..failures import failure_words
from ..logs import log, redact, register_secret

logger = logging.getLogger("outreach.channels.http")

# Given a response, a platform may return the error it means (or None for the default).
Classifier = Callable[[requests.Response, bool], "ChannelError | None"]

DEFAULT_TIMEOUT = (5.0, 30.0)
USER_AGENT = "outreach/0.1 (+city hall social media outreach)"


def retry_after(resp: requests.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), if any."""
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class HttpClient:
    """A ``requests.Session`` bound to one channel and one base URL.

    ``create`` on a request says whether it creates or changes something
    remotely (default: every method but GET/HEAD); that decides between
    ``UnknownOutcome`` and ``Retryable`` when the answer is lost.
    """

    def __init__(self, channel: str, base_url: str, *, platform: str = "",
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT, retries: int = 2,
                 secrets: Iterable[str] = (), headers: Mapping[str, str] | None = None,
                 auth: Any = None, classify: Classifier | None = None) -> None:
        self.channel = channel
        self.platform = platform or channel
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.secrets = tuple(s for s in secrets if s)
        for secret in self.secrets:
            register_secret(secret)
        self.classify = classify
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers.update(headers or {})
        self.session.auth = auth
        retry = Retry(total=retries, connect=retries, read=retries, status=0, other=0,
                      redirect=2, allowed_methods=frozenset({"GET", "HEAD"}), backoff_factor=0.2,
                      raise_on_status=False, respect_retry_after_header=False)
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    # -- helpers ------------------------------------------------------------
    def redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def url(self, path: str) -> str:
        """Absolute URL for ``path`` (an absolute URL is kept as it is)."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def _where(self, method: str, url: str) -> str:
        return f"{method} {self.redact(urlsplit(url).path)}"

    # -- requests -----------------------------------------------------------
    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                data: Any = None, json_body: Any = None, files: Any = None,
                headers: Mapping[str, str] | None = None, create: bool | None = None,
                timeout: tuple[float, float] | None = None) -> requests.Response:
        """Send one request; return the response if it is a success, else raise typed."""
        method = method.upper()
        if create is None:
            create = method not in ("GET", "HEAD")
        url = self.url(path)
        where = self._where(method, url)
        started = time.monotonic()
        try:
            resp = self.session.request(method, url, params=params, data=data, json=json_body,
                                        files=files, headers=headers, timeout=timeout or self.timeout)
        except requests.exceptions.RequestException as exc:
            raise self._transport_error(exc, where, create) from None
        log(logger, logging.DEBUG, "http", channel=self.channel, request=where,
            status=resp.status_code, ms=int((time.monotonic() - started) * 1000))
        error = self.classify(resp, create) if self.classify else None
        if error is None and resp.status_code >= 400:
            error = self.status_error(resp, create)
        if error is not None:
            error.message = self.redact(error.message)
            error.detail = self.redact(error.detail)
            error.args = (error.message,)
            log(logger, logging.INFO, "platform refused", channel=self.channel, request=where,
                status=resp.status_code, error=type(error).__name__)
            raise error
        return resp

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request("POST", path, **kw)

    def json(self, resp: requests.Response, *, create: bool | None = None) -> Any:
        """The response body as JSON; malformed JSON is a lost answer, typed like one."""
        if create is None:
            create = resp.request.method not in ("GET", "HEAD") if resp.request else False
        try:
            return resp.json()
        except ValueError:
            where = self._where(resp.request.method or "?", resp.url) if resp.request else ""
            snippet = self.redact(resp.text[:80].replace("\n", " "))
            msg = _("{platform} answered {where} with HTTP {status} but the body is not JSON "
                    "({snippet!r})", platform=self.platform, where=where,
                    status=resp.status_code, snippet=snippet)
            if create:
                raise UnknownOutcome(_("{what}; the post may exist: reconcile before retrying",
                                       what=msg), channel=self.channel) from None
            raise Retryable(_("{what}; will try again later", what=msg), channel=self.channel) from None

    def close(self) -> None:
        self.session.close()

    # -- classification -----------------------------------------------------
    def _transport_error(self, exc: Exception, where: str, create: bool) -> ChannelError:
        reason: Any = exc.args[0] if exc.args else exc
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        host = urlsplit(self.base_url).netloc
        nothing_sent = isinstance(exc, (requests.exceptions.ConnectTimeout,
                                        requests.exceptions.SSLError,
                                        requests.exceptions.InvalidURL,
                                        requests.exceptions.MissingSchema)) or \
            isinstance(reason, (NewConnectionError, NameResolutionError, ConnectTimeoutError))
        if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)):
            return Rejected(self.redact(_("bad API address {url!r}: fix api_base in "
                                          "[channels.{name}]", url=self.base_url,
                                          name=self.channel)), channel=self.channel)
        if nothing_sent:
            return Retryable(self.redact(_("could not reach {platform} at {host} for {where} "
                                           "({error}); nothing was sent", platform=self.platform,
                                           host=host, where=where, error=failure_words(exc))),
                             channel=self.channel)
        timed_out = isinstance(exc, requests.exceptions.ReadTimeout)
        what = (_("{platform} timed out waiting for the answer to {where}", platform=self.platform,
                  where=where) if timed_out else
                _("{platform} lost the connection before the answer to {where}",
                  platform=self.platform, where=where))
        if create:
            return UnknownOutcome(self.redact(
                _("{what}; it may have acted: reconcile before retrying", what=what)),
                channel=self.channel)
        return Retryable(self.redact(what), channel=self.channel)

    def status_error(self, resp: requests.Response, create: bool, reason: str | None = None) -> ChannelError:
        """The default mapping of an HTTP error status to a typed failure."""
        status = resp.status_code
        where = self._where(resp.request.method or "?", resp.url) if resp.request else ""
        reason = reason or _body_reason(resp)
        msg = self.redact(_("{platform} answered HTTP {status} to {where}: {reason}",
                            platform=self.platform, status=status, where=where, reason=reason))
        wait = retry_after(resp)
        if status == 429 or (status == 503 and wait is not None):
            return Retryable(msg, channel=self.channel, retry_after=wait)
        if status == 401:
            return AuthExpired(msg, channel=self.channel)
        if status >= 500 or status == 408:
            if create:
                return UnknownOutcome(_("{what}; the request may have taken effect: reconcile "
                                        "before retrying", what=msg), channel=self.channel)
            return Retryable(msg, channel=self.channel, retry_after=wait)
        return Rejected(msg, channel=self.channel, reason=self.redact(reason))


def error_json(resp: requests.Response) -> dict[str, Any] | None:
    """The JSON object of an error answer (status >= 400), or None: what classifiers read."""
    if resp.status_code < 400:
        return None
    try:
        body = resp.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _body_reason(resp: requests.Response) -> str:
    """A short reason from an error body: common JSON shapes, else the start of the text."""
    try:
        body = resp.json()
    except ValueError:
        text = resp.text.strip().replace("\n", " ")
        return text[:200] or resp.reason or "no reason given"
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            return str(err.get("message") or err)
        for key in ("message", "errorMessage", "error_description", "error", "msg"):
            if body.get(key):
                return str(body[key])
    return json.dumps(body, ensure_ascii=False)[:200]


def client_from(ctx: Any, *, default_base: str, platform: str, secrets: Iterable[str] = (),
                headers: Mapping[str, str] | None = None, auth: Any = None,
                classify: Classifier | None = None, base_key: str = "api_base") -> HttpClient:
    """An ``HttpClient`` configured from a channel's settings.

    Settings: ``api_base`` (or ``base_key``; default: the platform's real host), ``timeout``
    (read seconds, default 30), ``connect_timeout`` (default 5), ``retries``
    (attempts for reads and refused connections, default 2).
    """
    base = ctx.setting(base_key, default_base, type_=str)
    read = float(ctx.setting("timeout", DEFAULT_TIMEOUT[1], type_=(int, float)))
    connect = float(ctx.setting("connect_timeout", DEFAULT_TIMEOUT[0], type_=(int, float)))
    retries = int(ctx.setting("retries", 2, type_=int))
    return HttpClient(ctx.name, base, platform=platform, timeout=(connect, read), retries=retries,
                      secrets=secrets, headers=headers, auth=auth, classify=classify)
