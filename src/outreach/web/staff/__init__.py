"""The staff web app: one route module per page family, mounted in one place.

Each module in ``PAGES`` exports ``routes`` (Starlette ``Route`` objects whose
handlers carry ``@requires(...)``). A module that does not exist yet is skipped,
so page families land independently. ``create_staff_app`` refuses to start if
any route lacks a permission, which keeps "every route is guarded" true.
"""

from __future__ import annotations

import hashlib
import logging
from importlib import import_module
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ...config import Settings
from ...errors import ConfigError
from ...store.db import Database
from ...users.sessions import SessionPolicy
from .context import StaffState
from .headers import SecurityHeaders

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parents[1] / "static"

# page-family modules under outreach.web.staff, in mount order
PAGES = ("auth", "account", "users", "audit", "today", "calendar", "runs", "posts",
         "handoffs", "channels", "notifications", "inbox", "inbox_files", "studio", "files", "metrics",
         "surveys", "topics")


def _page_modules() -> list:
    modules = []
    for name in PAGES:
        try:
            module = import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # page family not built yet
            raise
        modules.append(module)
    return modules


def page_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = [r for module in _page_modules() for r in module.routes]
    for route in routes:
        if isinstance(route, Route) and not hasattr(route.endpoint, "permission"):
            raise RuntimeError(f"staff route {route.path} has no @requires(...)")
    return routes


def action_labels() -> dict[str, str]:
    """Audit action key -> English label, merged from every page module's ``action_labels``."""
    labels: dict[str, str] = {}
    for module in _page_modules():
        labels.update(getattr(module, "action_labels", {}))
    return labels


def _secure_cookies(settings: Settings) -> bool | None:
    value = settings.section("web").get("secure_cookies", "auto")
    if value == "auto":
        return None
    if isinstance(value, bool):
        return value
    raise ConfigError(f'expected true, false or "auto", got {value!r}',
                      file=settings.file or "outreach.toml", key="web.secure_cookies")


def _static_files() -> StaticFiles:
    """/static: the app's own files, and the monthly report's stylesheet, which lives with
    the report (outreach/metrics/static/report.css: the report file inlines it too)."""
    return StaticFiles(directory=STATIC, packages=[("outreach.metrics", "static")])


def _static_version(files: StaticFiles) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for folder in files.all_directories for p in Path(folder).rglob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(str(path.stat().st_mtime_ns).encode())
    return digest.hexdigest()[:10]


def create_staff_app(settings: Settings, db: Database) -> Starlette:
    """The staff app (pages, sign-in, static files) over ``db``."""
    from .render import error_response, make_environment, route_index

    static_files = _static_files()
    version = _static_version(static_files)
    state = StaffState(settings=settings, db=db, policy=SessionPolicy.from_settings(settings),
                       secure_cookies=_secure_cookies(settings),
                       templates=make_environment(version, settings), static_version=version)
    routes = page_routes()
    routes.append(Mount("/static", app=static_files, name="static"))

    async def not_found(request: Request, exc: Exception) -> Response:
        from ...i18n import _, use_language

        with use_language(settings.language):
            return error_response(request, _("there is no such page"), 404)

    async def server_error(request: Request, exc: Exception) -> Response:
        from ...i18n import _, use_language

        logger.exception("staff request failed", exc_info=exc)
        with use_language(settings.language):
            return error_response(request, _("something went wrong on the server; the "
                                             "error was logged"), 500)

    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={404: not_found, 405: not_found, 500: server_error})
    app.state.staff = state
    state.route_names = frozenset(r.name for r in routes if getattr(r, "name", None))
    state.route_index = route_index(routes)
    state.action_labels = action_labels()
    return app
