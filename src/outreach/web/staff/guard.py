"""``requires(permission)``: the one gate in front of every staff route.

Declared once per route handler::

    @requires(APPROVE)
    def approve(request): ...

It loads the session (one indexed query), puts the user's language in force,
checks the CSRF token of every state-changing request (403, nothing changed),
checks the permission (no session: 303 to the sign-in page, or ``HX-Redirect``
for HTMX; wrong role: 403), runs the handler (a plain ``def`` runs in the
thread pool, so it may call the synchronous services directly) and turns an
``OutreachError`` into the error page with its message (400/403/404, never 5xx).
``create_staff_app`` refuses to start if a route lacks it.
"""

from __future__ import annotations

import functools
import hmac
import inspect
import logging
import secrets
from typing import Any, Awaitable, Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ...errors import NotFound, OutreachError, PermissionDenied, SignInFailed
from ...failures import failure_words
from ...i18n import _, reset_language, set_language
from ...users.roles import PUBLIC, can
from ...users.sessions import lookup
from .context import is_htmx, staff

logger = logging.getLogger(__name__)

SESSION_COOKIE = "outreach_session"
PRE_CSRF_COOKIE = "outreach_csrf"     # the sign-in form's token, before any session exists
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM_FIELDS = 1000
MAX_FORM_FILES = 50
MiB = 1024 * 1024
DEFAULT_MAX_BODY = 2 * MiB
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

Handler = Callable[[Request], Any]


class CsrfFailed(OutreachError):
    """The form or HTMX request did not carry this session's CSRF token."""


def requires(permission: str, *, max_body: int = DEFAULT_MAX_BODY
             ) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Guard a route handler with ``permission`` (see ``outreach.users.roles``).

    ``max_body``: the largest request body accepted (413 above it); raise it for
    upload routes, e.g. ``@requires(EDIT, max_body=20 * MiB)``.
    """

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        is_async = inspect.iscoroutinefunction(handler)

        @functools.wraps(handler)
        async def guarded(request: Request) -> Response:
            state = staff(request)
            token = request.cookies.get(SESSION_COOKIE)
            session = await run_in_threadpool(lookup, state.db, state.policy, token) \
                if token else None
            request.state.session = session
            language = set_language(session.language if session and session.language
                                    else state.settings.language)
            try:
                if request.method not in SAFE_METHODS:
                    if _too_large(request, max_body):
                        from .render import error_response

                        return error_response(request, _(
                            "the upload is too large (at most {size} MB)",
                            size=round(max_body / MiB, 1)), 413)
                    await _check_csrf(request, session)
                if permission != PUBLIC:
                    if session is None:
                        return to_sign_in(request)
                    if not can(session.role, permission):
                        raise PermissionDenied(_("your role ({role}) may not do this",
                                                 role=_role_label(session.role)))
                _check_ids(request)
                if is_async:
                    return await handler(request)
                return await run_in_threadpool(handler, request)
            except OutreachError as exc:
                from .render import error_response

                return error_response(request, exc, status_for(exc))
            finally:
                reset_language(language)

        guarded.permission = permission  # type: ignore[attr-defined]
        return guarded

    return decorate


# the largest id a database column holds (BIGINT); a longer number in a URL names nothing
MAX_ID = 2**63 - 1


def _check_ids(request: Request) -> None:
    """A 404 for an ``{x:int}`` path parameter no database can hold (SQLite would raise
    OverflowError, a 500), checked once here instead of in every handler."""
    if any(isinstance(v, int) and v > MAX_ID for v in request.path_params.values()):
        raise NotFound(_("there is no such page"))


def _too_large(request: Request, limit: int) -> bool:
    """A body over ``limit`` by its Content-Length (a body without one is chunked: the
    reverse proxy's limit applies, see docs/web.md)."""
    declared = request.headers.get("content-length")
    if declared is None:
        return False
    try:
        return int(declared) > limit
    except ValueError:
        return True


def status_for(exc: OutreachError) -> int:
    if isinstance(exc, (PermissionDenied, CsrfFailed)):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, SignInFailed):
        return 400
    return 400


def _role_label(role: str) -> str:
    from .render import role_label

    return role_label(role)


async def _check_csrf(request: Request, session) -> None:
    """Synchronizer token: the session's token (or, before sign-in, the pre-session
    cookie's) must come back in the ``X-CSRF-Token`` header or the form field."""
    expected = session.csrf_token if session is not None else request.cookies.get(PRE_CSRF_COOKIE)
    form = None
    if request.headers.get("content-type", "").startswith(FORM_TYPES):
        try:
            form = await request.form(max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS)
        except Exception as exc:  # malformed multipart: bad input, not a server error
            raise OutreachError(_("the form could not be read: {error}",
                                  error=failure_words(exc))) from None
        request.state.form = form
    given = request.headers.get(CSRF_HEADER)
    if given is None and form is not None:
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfFailed(_("the form has expired or did not come from this site: reload the "
                           "page and try again"))


def csrf_token(request: Request) -> str:
    """The token forms and HTMX send back: the session's, or a new pre-session one."""
    session = getattr(request.state, "session", None)
    if session is not None:
        return session.csrf_token
    token = getattr(request.state, "pre_csrf", None) or request.cookies.get(PRE_CSRF_COOKIE)
    if not token or len(token) > 128:
        token = secrets.token_urlsafe(32)
        request.state.new_pre_csrf = token
    request.state.pre_csrf = token
    return token


def safe_next(target: str | None) -> str:
    """A local path to go back to after signing in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def to_sign_in(request: Request) -> Response:
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    if is_htmx(request):
        # back to the page the fragment belongs to, not to the fragment's own URL
        from urllib.parse import urlsplit

        current = urlsplit(request.headers.get("hx-current-url", ""))
        if current.path and current.netloc == request.url.netloc:
            path = current.path + ("?" + current.query if current.query else "")
    target = "/sign-in" + ("" if path == "/" else "?next=" + quote(safe_next(path), safe="/"))
    if is_htmx(request):
        # HTMX would swap a redirect's page into a fragment; HX-Redirect loads it whole
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def set_session_cookie(request: Request, response: Response, token: str | None) -> None:
    """Set (token) or clear (None) the session cookie: HttpOnly, SameSite=Lax, Secure on https."""
    state = staff(request)
    secure = state.secure_cookies if state.secure_cookies is not None \
        else request.url.scheme == "https"
    if token is None:
        response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True,
                               samesite="lax")
        return
    # no max-age: the cookie ends with the browser (shared office computers); the
    # session row ends by itself after the idle or absolute time-out
    response.set_cookie(SESSION_COOKIE, token, path="/", secure=secure, httponly=True,
                        samesite="lax")


def set_pre_csrf_cookie(request: Request, response: Response) -> None:
    token = getattr(request.state, "new_pre_csrf", None)
    if token:
        state = staff(request)
        secure = state.secure_cookies if state.secure_cookies is not None \
            else request.url.scheme == "https"
        response.set_cookie(PRE_CSRF_COOKIE, token, path="/", secure=secure, httponly=True,
                            samesite="lax")
