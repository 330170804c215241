"""알림 발송 기록 (admins): the notification mails the system sent, newest first, each
with its recipient groups (one mail per language): who, when, what failed and why, and
which groups' outcome is unknown, and under each group the addresses the SMTP server
refused with its reply (to be tried again, or not). Read-only; addresses and errors are
masked.

The "failed" filter also finds the notifications whose mail went but that some address will
not get (refused for good, or still refused after the last try): what an administrator
looking for failures wants is every notice that did not reach someone, and a ``sent``
notification with a refused address is one; its row says how many addresses were refused.

The page reads ``notification``, ``notify_groups`` and ``notify_refusals``
(outreach.store.notify); overdue inbox notices have group rows but no notification row
and are not listed here.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...errors import OutreachError
from ...i18n import _, shown
from ...inbox.masking import mask
from ...store.notify import (FAILED, LOST_ERROR, NOBODY, PENDING, REFUSED, SENT, UNKNOWN,
                             NotificationStore)
from ...users.roles import ADMIN
from .context import staff
from .guard import requires
from .render import render

PAGE_SIZE = 50
#: the state filter's values, in the form's order
STATES = (FAILED, UNKNOWN, PENDING, SENT, NOBODY)


def state_labels() -> dict[str, str]:
    """English label of each notification or group state (shown through the catalog)."""
    return {"pending": _("Waiting"), "sending": _("Sending"), "sent": _("Mailed"),
            "failed": _("Failed"), "unknown": _("Outcome unknown"),
            "nobody": _("No recipient"), "deferred": _("Refused for now, tried again"),
            "refused": _("Refused"), "dropped": _("No longer a recipient, not mailed")}


def filter_labels() -> dict[str, str]:
    """The state filter's options: the states, "failed" naming what it also finds."""
    return {**state_labels(), FAILED: _("Failed (also: addresses refused)")}


def kind_labels() -> dict[str, str]:
    """Each notification kind (``outreach.notify.events``) in words, in the language in force."""
    return {"draft_ready": _("Draft ready for approval"),
            "draft_changed": _("Changed draft waiting for approval"),
            "draft_resubmitted": _("Corrected draft submitted again"),
            "data_missing": _("Data file missing"),
            "delivery_failed": _("Delivery failed"),
            "delivery_unknown": _("Delivery outcome unknown"),
            "run_missed": _("Run missed"),
            "token_expiring": _("Access token expiring"),
            "draft_problems": _("Autopilot draft needs checking"),
            "survey_call_withdrawn": _("Survey closed before its call went out")}


def language_labels() -> dict[str, str]:
    """A recipient group's mail language (``outreach.i18n.LANGUAGES``) in words."""
    return {"ko": _("Korean"), "en": _("English")}


def _addresses(value: str | None) -> list[str]:
    """The comma-separated addresses of ``value``, each masked (ho***@city.go.kr)."""
    return [mask(a.strip()) for a in (value or "").split(",") if a.strip()]


def _error(value: str | None) -> str:
    if value == LOST_ERROR:     # a group or address left ``sending`` by a dead pass
        return _("the pass that sent it stopped before recording it")
    return mask(str(shown(value))) if value else ""


def _refused(refusals: list[dict], language: str) -> list[dict]:
    """The addresses of one group the SMTP server refused: masked address, state
    (``deferred``, ``sending``, ``sent`` on a later try, ``refused``, ``failed``,
    ``unknown``, ``dropped``: no longer a recipient when its retry came, not mailed), the
    server's last reply (masked) and when it is tried again."""
    return [{"address": mask(r["address"]), "state": r["state"],
             "reply": _error(" ".join(str(p) for p in (r["code"], r["reply"]) if p)),
             "retry_at": r["next_attempt_at"] if r["state"] == "deferred" else None}
            for r in refusals if r["language"] == language]


@requires(ADMIN)
def index(request: Request) -> Response:
    q = request.query_params
    state = q.get("state", "").strip()
    if state and state not in STATES:
        raise OutreachError(_("state must be one of {states}", states=", ".join(STATES)))
    before = q.get("before", "")
    rows = NotificationStore(staff(request).db).listing(
        state or None, int(before) if before.isdigit() else None, PAGE_SIZE + 1)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    notes = [{
        "id": row["id"], "kind": row["kind"], "subject": shown(row["subject"]),
        "created_at": row["created_at"], "sent_at": row["sent_at"], "state": row["state"],
        "attempts": row["attempts"], "error": _error(row["error"]),
        "recipients": _addresses(row["recipients"]),
        # addresses that will not get it: refused for good, or still after the last try
        "refused": sum(r["state"] in (REFUSED, FAILED) for r in row["refusals"]),
        "groups": [{"language": g["language"], "state": g["state"], "sent_at": g["sent_at"],
                    "recipients": _addresses(g["recipients"]), "error": _error(g["error"]),
                    "refused": _refused(row["refusals"], g["language"])}
                   for g in row["groups"]],
    } for row in rows]
    older = None
    if more:
        params = [(k, v) for k, v in q.multi_items() if k != "before"]
        older = "?" + urlencode(params + [("before", str(rows[-1]["id"]))])
    return render(request, "notifications/index.html", {
        "notes": notes, "state": state, "states": STATES, "labels": state_labels(),
        "filters": filter_labels(),
        "kinds": kind_labels(), "languages": language_labels(), "older": older})


routes = [Route("/notifications", index, methods=["GET"], name="notifications")]
