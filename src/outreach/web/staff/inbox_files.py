"""자주 쓰는 답변 and 분류 규칙: the two inbox files staff edit, as pages.

Everyone who sees the inbox may read both pages (and try a sentence against the
rules); approvers and administrators (``APPROVE``: the departments' supervisors)
may change them. Routes parse the form, call one ``InboxFiles`` method
(``outreach.inbox.editing``) and render or redirect; a rejected save answers 400
(409 when the file changed meanwhile) with the page and the typed text, and
writes nothing.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ...errors import DataError, OutreachError
from ...i18n import _
from ...inbox.answers import PLACEHOLDERS
from ...inbox.editing import SAMPLE, FileChanged, InboxFiles, fill, fingerprint, limits
from ...users import sessions
from ...users.roles import APPROVE, INBOX_ANSWER, VIEW, can
from .context import current_actor, current_session, form_data, staff
from .guard import requires
from .render import render

MAX_SAMPLE = 2000

action_labels = {
    "inbox.replies.add": "Saved reply added",
    "inbox.replies.edit": "Saved reply changed",
    "inbox.replies.rename": "Saved reply renamed",
    "inbox.replies.delete": "Saved reply deleted",
    "inbox.replies.restore": "Saved replies restored",
    "inbox.rules.save": "Triage rules saved",
    "inbox.rules.restore": "Triage rules restored",
}


def _labels_for_extraction() -> None:  # pragma: no cover - lets the catalog test see the ids
    _("Saved reply added"), _("Saved reply changed"), _("Saved reply renamed")
    _("Saved reply deleted"), _("Saved replies restored"), _("Triage rules saved")
    _("Triage rules restored")
    _("(server file)"), _("the file as found before this save")     # history entries


def _files(request: Request) -> InboxFiles:
    state = staff(request)
    return InboxFiles(state.settings, state.db)


def _can_edit(request: Request) -> bool:
    session = current_session(request)
    return session is not None and can(session.role, APPROVE)


def _can_try(request: Request) -> bool:
    session = current_session(request)
    return session is not None and can(session.role, INBOX_ANSWER)


def _text(request: Request, key: str, limit: int = 600_000) -> str:
    value = form_data(request).get(key, "")
    return value[:limit] if isinstance(value, str) else ""


def _flash(request: Request, text: str) -> None:
    sessions.flash(staff(request).db, current_session(request).id, text, "ok")


def _version(request: Request) -> int:
    try:
        return int(_text(request, "version", 12))
    except ValueError:
        raise DataError(_("choose a version to restore")) from None


# -- saved replies ---------------------------------------------------------------------

def _replies_page(request: Request, *, form: dict | None = None, error: str = "",
                  status: int = 200) -> Response:
    svc = _files(request)
    load_error = ""
    try:
        saved, based_on = svc.replies()
    except OutreachError as exc:          # broken by hand: show it, offer the history
        saved, based_on = {}, fingerprint(svc.text_of(svc.replies_file))
        load_error = str(exc)
    shown = []
    for name, text in saved.items():
        filled = fill(text)
        shown.append({"name": name, "text": text, "preview": filled, "limits": limits(filled)})
    preview = None
    if form is not None and form.get("preview") is not None:
        preview = {"text": form["preview"], "limits": limits(form["preview"])}
    return render(request, "inbox/replies.html", {
        "replies": shown, "based_on": form.get("based_on", based_on) if form else based_on,
        "file": svc.shown(svc.replies_file), "history": svc.history(svc.replies_file),
        "placeholders": PLACEHOLDERS, "sample": SAMPLE, "can_edit": _can_edit(request),
        "form": form or {}, "preview": preview, "error": error or load_error},
        status=status)


@requires(VIEW)
def replies(request: Request) -> Response:
    return _replies_page(request)


@requires(APPROVE)
def replies_save(request: Request) -> Response:
    """Add (no ``old_name``), change or rename a reply; ``action=preview`` only shows it."""
    svc = _files(request)
    old = _text(request, "old_name", 200) or None
    name, text = _text(request, "name", 200), _text(request, "text", 20_000)
    based_on = _text(request, "based_on", 64)
    form = {"old_name": old, "name": name, "text": text, "based_on": based_on}
    if _text(request, "action", 20) == "preview":
        from ...inbox.editing import check_reply

        try:
            _name, clean = check_reply(name or old or "-", text)
        except OutreachError as exc:
            return _replies_page(request, form=form, error=str(exc), status=400)
        return _replies_page(request, form={**form, "preview": fill(clean)})
    try:
        version = svc.put_reply(old, name, text, actor=current_actor(request), based_on=based_on)
    except FileChanged as exc:
        return _replies_page(request, form=form, error=str(exc), status=409)
    except OutreachError as exc:
        return _replies_page(request, form=form, error=str(exc), status=400)
    _flash(request, _("Saved as version {n}.", n=version.number) if version
           else _("Nothing changed."))
    return RedirectResponse(request.app.url_path_for("inbox_replies"), status_code=303)


@requires(APPROVE)
def replies_delete(request: Request) -> Response:
    svc = _files(request)
    name = _text(request, "name", 200)
    try:
        svc.delete_reply(name, actor=current_actor(request),
                         based_on=_text(request, "based_on", 64))
    except FileChanged as exc:
        return _replies_page(request, error=str(exc), status=409)
    except OutreachError as exc:
        return _replies_page(request, error=str(exc), status=400)
    _flash(request, _("Saved reply {name!r} deleted.", name=name))
    return RedirectResponse(request.app.url_path_for("inbox_replies"), status_code=303)


def _restore(request: Request, file, page, route: str) -> Response:
    """Restore a version of one of the two files; ``page`` shows a refusal, ``route`` is
    where a restore leads."""
    svc = _files(request)
    number = _version(request)
    try:
        version = svc.restore(file(svc), number, actor=current_actor(request),
                              based_on=_text(request, "based_on", 64) or None)
    except OutreachError as exc:
        return page(request, error=str(exc), status=409 if isinstance(
            exc, FileChanged) else 400)
    _flash(request, _("Version {old} restored as version {new}.", old=number, new=version.number))
    return RedirectResponse(request.app.url_path_for(route), status_code=303)


@requires(APPROVE)
def replies_restore(request: Request) -> Response:
    return _restore(request, lambda svc: svc.replies_file, _replies_page, "inbox_replies")


# -- triage rules ------------------------------------------------------------------------

def _rules_page(request: Request, *, text: str | None = None, based_on: str | None = None,
                error: str = "", trial=None, sample: str = "", status: int = 200) -> Response:
    svc = _files(request)
    saved, fingerprint = svc.rules_text()
    line = None
    if error:
        import re

        found = re.search(r"rules\.yaml:(\d+):", error)
        line = int(found.group(1)) if found else None
    return render(request, "inbox/rules.html", {
        "text": saved if text is None else text, "unsaved": text is not None and text != saved,
        "based_on": fingerprint if based_on is None else based_on,
        "file": svc.shown(svc.rules_file), "history": svc.history(svc.rules_file),
        "can_edit": _can_edit(request), "can_try": _can_try(request), "error": error,
        "error_line": line, "trial": trial,
        "sample": sample}, status=status)


@requires(VIEW)
def rules(request: Request) -> Response:
    return _rules_page(request)


@requires(INBOX_ANSWER)
def rules_try(request: Request) -> Response:
    """Classify a sample sentence with the rules as typed; writes nothing. Officers who
    answer may try the saved rules, a supervisor also their unsaved text; a viewer only
    reads (no POST is open to plain viewing: tests/test_web_routes.py)."""
    svc = _files(request)
    text = _text(request, "text") if _can_edit(request) else svc.rules_text()[0]
    sample = _text(request, "sample", MAX_SAMPLE).strip()
    based_on = _text(request, "based_on", 64) or None
    if not sample:
        return _rules_page(request, text=text, based_on=based_on, status=400,
                           error=_("write a sentence to try, e.g. 가로등이 안 켜져요"))
    try:
        trial = svc.try_rules(text, sample)
    except OutreachError as exc:
        return _rules_page(request, text=text, based_on=based_on, error=str(exc),
                           sample=sample, status=400)
    return _rules_page(request, text=text, based_on=based_on, trial=trial, sample=sample)


@requires(APPROVE)
def rules_save(request: Request) -> Response:
    svc = _files(request)
    text, based_on = _text(request, "text"), _text(request, "based_on", 64)
    try:
        version = svc.save_rules(text, actor=current_actor(request), based_on=based_on)
    except FileChanged as exc:
        return _rules_page(request, text=text, based_on=based_on, error=str(exc), status=409)
    except OutreachError as exc:
        return _rules_page(request, text=text, based_on=based_on, error=str(exc), status=400)
    _flash(request, _("Saved as version {n}: new messages are classified with these rules.",
                      n=version.number) if version else _("Nothing changed."))
    return RedirectResponse(request.app.url_path_for("inbox_rules"), status_code=303)


@requires(APPROVE)
def rules_restore(request: Request) -> Response:
    return _restore(request, lambda svc: svc.rules_file, _rules_page, "inbox_rules")


routes = [
    Route("/inbox/replies", replies, methods=["GET"], name="inbox_replies"),
    Route("/inbox/replies/save", replies_save, methods=["POST"], name="inbox_replies_save"),
    Route("/inbox/replies/delete", replies_delete, methods=["POST"],
          name="inbox_replies_delete"),
    Route("/inbox/replies/restore", replies_restore, methods=["POST"],
          name="inbox_replies_restore"),
    Route("/inbox/rules", rules, methods=["GET"], name="inbox_rules"),
    Route("/inbox/rules/try", rules_try, methods=["POST"], name="inbox_rules_try"),
    Route("/inbox/rules/save", rules_save, methods=["POST"], name="inbox_rules_save"),
    Route("/inbox/rules/restore", rules_restore, methods=["POST"], name="inbox_rules_restore"),
]
