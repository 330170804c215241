"""Sign-in, sign-out and the front door (``/`` goes to the first page the user may see)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ...errors import SignInFailed
from ...users import sessions
from ...users.roles import PUBLIC, SELF, can
from .context import current_session, form_data, staff
from .guard import SESSION_COOKIE, requires, safe_next, set_session_cookie
from .nav import NAV
from .render import render


@requires(SELF)
def home(request: Request) -> Response:
    state, session = staff(request), current_session(request)
    for item in NAV:
        if item.route in state.route_names and can(session.role, item.permission):
            return RedirectResponse(request.app.url_path_for(item.route), status_code=303)
    return RedirectResponse(request.app.url_path_for("account"), status_code=303)


@requires(PUBLIC)
def sign_in_form(request: Request) -> Response:
    if current_session(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return render(request, "auth/sign_in.html",
                  {"next": safe_next(request.query_params.get("next")), "error": None,
                   "name": ""})


@requires(PUBLIC)
def sign_in(request: Request) -> Response:
    state, form = staff(request), form_data(request)
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    try:
        token, _session = sessions.sign_in(
            state.db, state.policy, name, password,
            ip=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
            previous_token=request.cookies.get(SESSION_COOKIE))
    except SignInFailed as exc:
        return render(request, "auth/sign_in.html",
                      {"next": target, "error": str(exc), "name": name[:64]}, status=400)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, token)
    return response


@requires(SELF)
def sign_out(request: Request) -> Response:
    state, session = staff(request), current_session(request)
    everywhere = form_data(request).get("everywhere") == "1"
    sessions.sign_out(state.db, session, everywhere=everywhere)
    response = RedirectResponse("/sign-in", status_code=303)
    set_session_cookie(request, response, None)
    return response


routes = [
    Route("/", home, methods=["GET"], name="home"),
    Route("/sign-in", sign_in_form, methods=["GET"], name="sign_in"),
    Route("/sign-in", sign_in, methods=["POST"], name="sign_in_post"),
    Route("/sign-out", sign_out, methods=["POST"], name="sign_out"),
]
