"""내 계정: the signed-in user's language, password, and "sign out everywhere"."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ...i18n import LANGUAGES, _, use_language
from ...users import accounts, sessions
from ...users.roles import SELF
from .context import current_actor, current_session, form_data, staff
from .guard import requires, set_session_cookie
from .render import render

LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}


@requires(SELF)
def show(request: Request) -> Response:
    state, session = staff(request), current_session(request)
    user = accounts.get_user(state.db, session.name)
    return render(request, "account/show.html", {
        "user": user, "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "sessions": sessions.live(state.db, state.policy, session.user_id),
        "browser": browser_name})


def browser_name(user_agent: str | None) -> str:
    """A short name for a User-Agent string ("Chrome on Windows"), for the session list."""
    ua = user_agent or ""
    browser = next((name for key, name in (("Edg/", "Edge"), ("Whale/", "Whale"),
                                           ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                                           ("Safari/", "Safari")) if key in ua), "")
    system = next((name for key, name in (("Android", "Android"), ("iPhone", "iPhone"),
                                          ("iPad", "iPad"), ("Windows", "Windows"),
                                          ("Mac OS", "macOS"), ("Linux", "Linux")) if key in ua),
                  "")
    return " · ".join(p for p in (browser, system) if p) or (ua[:40] or "?")


@requires(SELF)
def set_language(request: Request) -> Response:
    state, session = staff(request), current_session(request)
    choice = str(form_data(request).get("language", ""))
    language = choice if choice in LANGUAGES else None
    accounts.update_user(state.db, current_actor(request), session.name, language=language)
    with use_language(language or state.settings.language):   # say it in the new language
        sessions.flash(state.db, session.id, _("Language saved."), "ok")
    return RedirectResponse(request.app.url_path_for("account"), status_code=303)


@requires(SELF)
def change_password(request: Request) -> Response:
    state, session, form = staff(request), current_session(request), form_data(request)
    new, again = str(form.get("new", "")), str(form.get("again", ""))
    if new != again:
        from ...errors import UserError

        raise UserError(_("the two new passwords are not the same"))
    accounts.change_own_password(state.db, current_actor(request), str(form.get("current", "")),
                                 new, session.id)
    sessions.flash(state.db, session.id,
                   _("Password changed; your other sessions were signed out."), "ok")
    return RedirectResponse(request.app.url_path_for("account"), status_code=303)


@requires(SELF)
def sign_out_everywhere(request: Request) -> Response:
    sessions.sign_out(staff(request).db, current_session(request), everywhere=True)
    response = RedirectResponse(request.app.url_path_for("sign_in"), status_code=303)
    set_session_cookie(request, response, None)
    return response


routes = [
    Route("/account", show, methods=["GET"], name="account"),
    Route("/account/language", set_language, methods=["POST"], name="account_language"),
    Route("/account/password", change_password, methods=["POST"], name="account_password"),
    Route("/account/sign-out-everywhere", sign_out_everywhere, methods=["POST"],
          name="account_sign_out_everywhere"),
]
