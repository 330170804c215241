"""활동 기록 (admins): the audit log, filtered by person, action, origin, object and dates."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...errors import OutreachError
from ...i18n import _
from ...store.users import AuditFilter
from ...users import audit
from ...users.roles import ADMIN
from .context import staff
from .guard import requires
from .render import render

PAGE_SIZE = 100

# English labels of this area's action keys; other page modules export their own
# ``action_labels`` and create_staff_app merges them (see docs/web.md).
action_labels = {
    "user.add": "User added",
    "user.update": "User changed",
    "user.password": "Password set",
    "department.add": "Department added",
    "department.remove": "Department removed",
    "session.sign_in": "Signed in",
    "session.sign_in_failed": "Sign-in failed",
    "session.sign_out": "Signed out",
    "session.sign_out_everywhere": "Signed out everywhere",
    "session.revoke_all": "Sessions ended by an admin",
}


def _labels_for_extraction() -> None:  # pragma: no cover - lets the catalog test see the ids
    _("User added"), _("User changed"), _("Password set"), _("Department added")
    _("Department removed"), _("Signed in"), _("Sign-in failed"), _("Signed out")
    _("Signed out everywhere"), _("Sessions ended by an admin")


def _day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise OutreachError(_("{field}: {value!r} is not a date: use YYYY-MM-DD",
                              field=field, value=value)) from None


def parse_filter(request: Request) -> tuple[AuditFilter, dict[str, str]]:
    """The filter form's values (also echoed back into the form)."""
    q = request.query_params
    values = {k: q.get(k, "").strip()[:128] for k in
              ("actor", "action", "via", "target", "since", "until")}
    tz = staff(request).settings.timezone
    since, until = _day(values["since"], _("From")), _day(values["until"], _("Until"))
    target_type, _sep, target_id = values["target"].partition(":")
    before = q.get("before", "")
    if values["via"] and values["via"] not in ("web", "cli", "system"):
        raise OutreachError(_("via must be web, cli or system"))
    return AuditFilter(
        actor=values["actor"] or None, action=values["action"] or None,
        via=values["via"] or None, target_type=target_type.strip() or None,
        target_id=target_id.strip() or None,
        since=datetime.combine(since, time(), tz) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), tz) if until else None,
        before_id=int(before) if before.isdigit() else None, limit=PAGE_SIZE + 1), values


@requires(ADMIN)
def index(request: Request) -> Response:
    state = staff(request)
    filt, values = parse_filter(request)
    with state.db.read() as conn:
        rows = audit.entries(conn, filt)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    older = None
    if more:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "before"]
        older = "?" + urlencode(params + [("before", str(rows[-1].id))])
    return render(request, "audit/index.html", {
        "rows": rows, "values": values, "older": older,
        "labels": state.action_labels})


routes = [Route("/audit", index, methods=["GET"], name="audit")]
