"""받은 민원 (inbox): the department queue, an item's page, answering, notes, status, bulk
actions, transfers. Routes parse, call one ``Desk`` method, and render or redirect.

The report pages and exports (``inbox_report``) and the live stream (``inbox_live``)
are their own modules; their routes are mounted from here.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from ...errors import InboxError, NotFound
from ...i18n import _
from ...inbox.kinds import KINDS
from ...inbox.triage import FLAGS
from ...store.inbox_queries import SORTS, has_kind
from ...store.inbox_tables import STATUSES
from ...users import sessions
from ...users.roles import INBOX_ANSWER, VIEW
from . import inbox_live, inbox_report
from .context import current_session, form_data, staff
from .guard import requires
from .inbox_common import PAGE_SIZE, desk, labels, queue_filter
from .render import render



def _flash(request: Request, text: str, kind: str = "ok") -> None:
    sessions.flash(staff(request).db, current_session(request).id, text, kind)


def _back(request: Request, item_id: int) -> Response:
    return RedirectResponse(request.app.url_path_for("inbox_item", item_id=str(item_id)),
                            status_code=303)


def _item_id(request: Request) -> int:
    return int(request.path_params["item_id"])


@requires(VIEW)
def queue(request: Request) -> Response:
    f, shown = queue_filter(request)
    d = desk(request)
    if f.search and "-" in f.search:                      # a ticket number a citizen quotes
        found = d.by_ticket(f.search)
        if found is not None:
            return RedirectResponse(request.app.url_path_for("inbox_item", item_id=str(found)),
                                    status_code=303)
    page = d.queue(f, offer_people=True)        # the assignee filter's people, same connection
    query = {k: v for k, v in shown.items() if v and k != "cursor"}
    if shown["overdue"]:
        query["overdue"] = "1"
    more = len(page.items) == PAGE_SIZE
    can_answer = _can_answer(request)
    # the bulk box's suggestions (route checks the department again; a category may be new)
    bulk_departments, bulk_categories = d.bulk_suggestions() if can_answer else ([], [])
    return render(request, "inbox/queue.html", {
        "page": page, "f": shown, "statuses": STATUSES, "sorts": SORTS, "kinds": KINDS,
        "has_kind": has_kind(), "flags": FLAGS, "channels": sorted(staff(request).settings.channels),
        "people": page.assignable,
        "live_query": urlencode({**query, "after": page.newest_id}),
        # keyset paging: the next page starts after the last item shown
        "next_url": (request.url.path + "?" + urlencode({**query,
                                                         "cursor": page.items[-1].id}))
        if more else None,
        "older_url": (request.url.path + "?" + urlencode({**query, "cursor": page.searched_to}))
        if page.searched_to and not more else None,
        "prev_url": (request.url.path + "?" + urlencode(query)) if shown["cursor"] else None,
        "can_answer": can_answer, "labels": labels(),
        "bulk_departments": bulk_departments, "bulk_categories": bulk_categories})


def _can_answer(request: Request) -> bool:
    from ...users.roles import can

    session = current_session(request)
    return session is not None and can(session.role, INBOX_ANSWER)


@requires(VIEW)
def item(request: Request) -> Response:
    page = desk(request).item(_item_id(request))
    return render(request, "inbox/item.html", {
        "p": page, "can_answer": _can_answer(request),
        "can_reveal": current_session(request).role in ("approver", "admin"),
        "revealed": None, "labels": labels(), "kinds": KINDS})


@requires(VIEW)
def cover(request: Request) -> Response:
    d = desk(request)
    path = d.cover(d.row(_item_id(request)))
    if path is None:
        raise NotFound(_("this publication has no slide on this server"))
    return FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})


@requires(INBOX_ANSWER)
def answer(request: Request) -> Response:
    form = form_data(request)
    item_id = _item_id(request)
    try:
        seen = int(str(form.get("seen_answers", "")))
    except ValueError:
        seen = None
    outcome = desk(request).answer(item_id, str(form.get("text", "")),
                                   manual=form.get("manual") == "1", seen_answers=seen)
    if outcome.already:
        _flash(request, _("This answer was already sent; it was not sent again."), "info")
    elif outcome.status == "manual":
        _flash(request, _("The answer given by hand is recorded."))
    else:
        _flash(request, _("The answer was sent."))
    return _back(request, item_id)


@requires(INBOX_ANSWER)
def note(request: Request) -> Response:
    item_id = _item_id(request)
    desk(request).note(item_id, str(form_data(request).get("text", "")))
    _flash(request, _("Note saved."))
    return _back(request, item_id)


@requires(INBOX_ANSWER)
def status(request: Request) -> Response:
    form, item_id = form_data(request), _item_id(request)
    value = str(form.get("status", ""))
    if value not in ("resolved", "open", "spam"):
        raise InboxError(_("unknown status {status}", status=value))
    desk(request).set_status(item_id, value, str(form.get("reason", "")))
    _flash(request, _("Status changed."))
    return _back(request, item_id)


@requires(INBOX_ANSWER)
def kind(request: Request) -> Response:
    item_id = _item_id(request)
    desk(request).set_kind(item_id, str(form_data(request).get("kind", "")))
    _flash(request, _("Kind changed."))
    return _back(request, item_id)


@requires(INBOX_ANSWER)
def reveal(request: Request) -> Response:
    d = desk(request)
    item_id = _item_id(request)
    text = d.reveal(item_id, str(form_data(request).get("reason", "")))
    return render(request, "inbox/item.html", {
        "p": d.item(item_id), "can_answer": _can_answer(request), "can_reveal": True,
        "revealed": text, "labels": labels(), "kinds": KINDS}, headers={"Cache-Control": "no-store"})


@requires(INBOX_ANSWER)
def bulk(request: Request) -> Response:
    form = form_data(request)
    ids = form.getlist("ids") if hasattr(form, "getlist") else []
    action = str(form.get("action", ""))
    value = str(form.get("person" if action == "assign" else "value", ""))
    n = desk(request).bulk(ids, action, value)
    _flash(request, _("{n} items changed.", n=n))
    back = str(form.get("back", ""))
    target = back if back.startswith("/inbox") and not back.startswith("//") else \
        request.app.url_path_for("inbox")
    return RedirectResponse(target, status_code=303)


@requires(INBOX_ANSWER)
def assign(request: Request) -> Response:
    item_id = _item_id(request)
    person = desk(request).assign(item_id, str(form_data(request).get("person", "")))
    _flash(request, _("Assigned to {name}.", name=person.label) if person
           else _("Nobody is assigned now."))
    return _back(request, item_id)


@requires(INBOX_ANSWER)
def transfer(request: Request) -> Response:
    form, item_id = form_data(request), _item_id(request)
    desk(request).transfer(item_id, str(form.get("department", "")),
                           str(form.get("reason", "")))
    _flash(request, _("Transfer requested; the item stays here until it is accepted."))
    return _back(request, item_id)


@requires(VIEW)
def transfers(request: Request) -> Response:
    return render(request, "inbox/transfers.html", {"rows": desk(request).pending_transfers(),
                                                    "can_answer": _can_answer(request)})


@requires(INBOX_ANSWER)
def decide(request: Request) -> Response:
    decision = request.path_params["decision"]
    if decision not in ("accept", "return"):
        raise NotFound(_("there is no such page"))
    accept = decision == "accept"
    note_text = str(form_data(request).get("note", ""))
    item_id = desk(request).decide(int(request.path_params["transfer_id"]), accept, note_text)
    _flash(request, _("Transfer accepted: the item is now yours.") if accept
           else _("Transfer sent back."))
    return _back(request, item_id) if accept else RedirectResponse(
        request.app.url_path_for("inbox_transfers"), status_code=303)


routes = [
    Route("/inbox", queue, methods=["GET"], name="inbox"),
    Route("/inbox/transfers", transfers, methods=["GET"], name="inbox_transfers"),
    Route("/inbox/transfers/{transfer_id:int}/{decision:str}", decide, methods=["POST"],
          name="inbox_transfer_decide"),
    Route("/inbox/bulk", bulk, methods=["POST"], name="inbox_bulk"),
    *inbox_report.routes,
    *inbox_live.routes,
    Route("/inbox/{item_id:int}", item, methods=["GET"], name="inbox_item"),
    Route("/inbox/{item_id:int}/cover", cover, methods=["GET"], name="inbox_cover"),
    Route("/inbox/{item_id:int}/answer", answer, methods=["POST"], name="inbox_answer"),
    Route("/inbox/{item_id:int}/note", note, methods=["POST"], name="inbox_note"),
    Route("/inbox/{item_id:int}/status", status, methods=["POST"], name="inbox_status"),
    Route("/inbox/{item_id:int}/kind", kind, methods=["POST"], name="inbox_kind"),
    Route("/inbox/{item_id:int}/reveal", reveal, methods=["POST"], name="inbox_reveal"),
    Route("/inbox/{item_id:int}/transfer", transfer, methods=["POST"], name="inbox_transfer"),
    Route("/inbox/{item_id:int}/assign", assign, methods=["POST"], name="inbox_assign"),
]
