"""Every staff route walked with every role: the permission table holds for all of them.

The sweep reads the routes the app really mounts, so a page family added later
is covered without editing this file.
"""

from __future__ import annotations

import re

from starlette.routing import Route

from outreach.users.roles import PUBLIC, ROLES, SELF, VIEW, can
from outreach.web.staff import page_routes
from web_support import add_user, csrf, sign_in

SAFE = {"GET", "HEAD"}


def _concrete(path: str) -> str:
    """A path with its parameters filled in (ids 1, names x)."""
    return re.sub(r"\{(\w+)(:int)?\}", lambda m: "1" if m.group(2) else "x", path)


def _routes() -> list[tuple[str, str, str]]:
    out = []
    for route in page_routes():
        if isinstance(route, Route):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    out.append((method, route.path, route.endpoint.permission))
    return out


def test_every_route_declares_a_permission():
    assert _routes(), "no staff routes mounted"
    for method, path, permission in _routes():
        assert permission, (method, path)


def test_no_state_changing_route_is_open_to_plain_viewing():
    """A viewer reaches no state-changing route: every POST needs more than ``view``
    (``self`` routes change only the user's own account; ``public`` is sign-in)."""
    for method, path, permission in _routes():
        if method not in SAFE:
            assert permission != VIEW, f"{method} {path} is open to viewers"
            if permission in (SELF, PUBLIC):
                assert path.startswith(("/account", "/sign-in", "/sign-out")), (method, path)


def test_every_route_with_every_role(staff):
    """Signed out: sign-in redirect; signed in without the permission: 403; with it:
    never 401/403 (other statuses, e.g. 404 for a made-up id, are the page's own)."""
    db = staff.ws.db
    routes = _routes()
    for method, path, permission in routes:
        if permission == PUBLIC:
            continue
        r = staff.request(method, _concrete(path), data={"csrf_token": "x"})
        if method in SAFE:
            assert r.status_code == 303 and r.headers["location"].startswith("/sign-in"), \
                (method, path, r.status_code)
        else:  # no session: the CSRF check comes first and refuses
            assert r.status_code in (303, 403), (method, path, r.status_code)
    for role in ROLES:
        add_user(db, f"u-{role}", role)
    # an admin last: its POSTs may change other users, never before the others walk
    for role in sorted(ROLES, key=lambda r: r == "admin"):
        staff.cookies.clear()
        sign_in(staff, f"u-{role}")
        token = csrf(staff, "/account")
        for method, path, permission in routes:
            if permission == PUBLIC or path.startswith(("/sign-out", "/account/sign-out")):
                continue
            r = staff.request(method, _concrete(path), data={"csrf_token": token},
                              headers={"X-CSRF-Token": token})
            allowed = can(role, permission)
            if allowed:
                assert r.status_code not in (401, 403), (role, method, path, r.text[:300])
                assert r.status_code < 500, (role, method, path, r.text[:300])
            else:
                assert r.status_code == 403, (role, method, path, r.status_code)
