"""사용자 (admins): accounts, roles, departments; reset a password, end someone's sessions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ...i18n import LANGUAGES, _
from ...users import accounts, sessions
from ...users.roles import ADMIN, ROLES
from .context import current_actor, current_session, form_data, staff
from .guard import requires
from .render import render


def _departments(text: str) -> tuple[str, ...]:
    """Departments typed as "홍보담당관, 민원과" (commas or new lines)."""
    parts = text.replace("\n", ",").split(",")
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))


def _done(request: Request, message: str, route: str = "users", **params: str) -> Response:
    state = staff(request)
    sessions.flash(state.db, current_session(request).id, message, "ok")
    return RedirectResponse(request.app.url_path_for(route, **params), status_code=303)


def _list_page(request: Request, *, form: dict | None = None, error: str | None = None,
               status: int = 200) -> Response:
    db = staff(request).db
    return render(request, "users/index.html", {
        "users": accounts.list_users(db), "departments": accounts.departments(db),
        "roles": ROLES, "form": form or {}, "error": error}, status=status)


@requires(ADMIN)
def index(request: Request) -> Response:
    return _list_page(request)


@requires(ADMIN)
def add(request: Request) -> Response:
    form = form_data(request)
    values = {k: str(form.get(k, "")) for k in ("name", "display_name", "role", "departments",
                                                 "email")}
    from ...errors import UserError

    try:
        user = accounts.add_user(staff(request).db, current_actor(request), values["name"],
                                 values["role"], str(form.get("password", "")),
                                 display_name=values["display_name"],
                                 departments=_departments(values["departments"]),
                                 email=values["email"])
    except UserError as exc:  # keep what was typed (but the password)
        return _list_page(request, form=values, error=str(exc), status=400)
    return _done(request, _("Added {name}.", name=user.name))


@requires(ADMIN)
def edit(request: Request) -> Response:
    user = accounts.get_user(staff(request).db, request.path_params["name"])
    return render(request, "users/edit.html", {"user": user, "roles": ROLES,
                                               "languages": LANGUAGES})


@requires(ADMIN)
def update(request: Request) -> Response:
    form = form_data(request)
    language = str(form.get("language", ""))
    user = accounts.update_user(
        staff(request).db, current_actor(request), request.path_params["name"],
        role=str(form.get("role", "")) or None,
        display_name=str(form.get("display_name", "")),
        departments=_departments(str(form.get("departments", ""))),
        disabled=form.get("disabled") == "1",
        language=language if language in LANGUAGES else None,
        email=str(form.get("email", "")))
    return _done(request, _("Saved {name}.", name=user.name), "user_edit", name=user.name)


@requires(ADMIN)
def set_password(request: Request) -> Response:
    name = request.path_params["name"]
    accounts.set_password(staff(request).db, current_actor(request), name,
                          str(form_data(request).get("password", "")))
    return _done(request, _("New password set for {name}; their sessions were ended.",
                            name=name), "user_edit", name=name)


@requires(ADMIN)
def sign_out_user(request: Request) -> Response:
    name = request.path_params["name"]
    sessions.sign_out_user(staff(request).db, current_actor(request), name)
    return _done(request, _("Every session of {name} was ended.", name=name), "user_edit",
                 name=name)


@requires(ADMIN)
def add_department(request: Request) -> Response:
    name = str(form_data(request).get("name", ""))
    accounts.add_department(staff(request).db, current_actor(request), name)
    return _done(request, _("Added the department {name}.", name=name.strip()))


@requires(ADMIN)
def remove_department(request: Request) -> Response:
    name = str(form_data(request).get("name", ""))
    accounts.remove_department(staff(request).db, current_actor(request), name)
    return _done(request, _("Removed the department {name}.", name=name))


routes = [
    Route("/users", index, methods=["GET"], name="users"),
    Route("/users", add, methods=["POST"], name="user_add"),
    Route("/users/{name}", edit, methods=["GET"], name="user_edit"),
    Route("/users/{name}", update, methods=["POST"], name="user_update"),
    Route("/users/{name}/password", set_password, methods=["POST"], name="user_password"),
    Route("/users/{name}/sign-out", sign_out_user, methods=["POST"], name="user_sign_out"),
    Route("/departments", add_department, methods=["POST"], name="department_add"),
    Route("/departments/remove", remove_department, methods=["POST"],
          name="department_remove"),
]
