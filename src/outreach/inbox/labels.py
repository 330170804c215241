"""The words staff read for an inbox item's kind and flags, instead of their codes.

Kinds (``outreach.inbox.kinds.KINDS``) and flags (``outreach.inbox.triage.FLAGS``) are
stored and submitted as codes ("opinion", "personal_data"); every page names them through
``inbox_labels`` (the staff app's Jinja filters ``kind_label`` and ``flag_label``), in the
language in force: English words, Korean from the catalogs (labels2.po; the Korean is the
inbox's wording since the first Korean pages). A code with no words reads as it is.
"""

from __future__ import annotations

from ..i18n import _


def inbox_labels() -> dict[str, dict[str, str]]:
    """``{"kind": {code: words}, "flag": {code: words}}`` in the language in force."""
    return {
        "kind": {"complaint": _("Complaint"), "question": _("Question"),
                 "opinion": _("Opinion or praise"), "greeting": _("Greeting or menu"),
                 "survey": _("Survey answer"), "spam": _("Spam")},
        "flag": {"political": _("Political content"),
                 "commercial": _("Commercial or advertising"),
                 "abusive": _("Abusive or demeaning"), "obscene": _("Obscene"),
                 "defamatory": _("Possibly defamatory"),
                 "personal_data": _("Personal data exposed"),
                 "overheated": _("Overheated thread")},
    }


def kind_label(kind: object) -> str:
    """An item kind in words ("opinion" -> Opinion or praise / 의견·칭찬)."""
    code = str(kind)
    return inbox_labels()["kind"].get(code, code)


def flag_label(flag: object) -> str:
    """A moderation flag in words ("personal_data" -> Personal data exposed / 개인정보 노출)."""
    code = str(flag)
    return inbox_labels()["flag"].get(code, code)
