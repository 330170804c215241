"""Which departments an item may be routed or transferred to: one check for every path.

The departments are the staff app's (``outreach users add --department`` creates one;
the web's transfer form offers them), so that someone can take what is sent there. A
workspace without the staff app's departments (run from the command line only) uses
the departments its inbox rules route to (``inbox/rules.yaml``: a rule's or the
default's ``department``). The CLI's ``inbox transfer`` and ``inbox assign``, the web's
transfer form and its bulk "route" all reach ``check_department`` inside the service,
so a name typed by hand (a typo, a team that does not exist) is refused with the names
that would do, before anything changes.
"""

from __future__ import annotations

from ..config import Settings
from ..errors import InboxError, OutreachError
from ..i18n import _
from ..store import inbox_people as people_store

SHOWN = 12     # names listed in the refusal; more are summed up with the command to list them

def _rules_names(settings: Settings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(departments, categories) the inbox rules name, from ``triage.current_rules`` (read
    again only when the file changed); a broken or missing rules file names none:
    ``outreach check`` reports it."""
    from .settings import inbox_config
    from .triage import current_rules

    try:
        rules = current_rules(inbox_config(settings).rules_file)
    except (OutreachError, OSError):
        return (), ()
    names = {r.department for r in rules.categories if r.department}
    if rules.default_department:
        names.add(rules.default_department)
    return (tuple(sorted(names)),
            tuple(dict.fromkeys(r.name for r in rules.categories if r.name)))


def rules_departments(settings: Settings) -> tuple[str, ...]:
    """The departments the inbox rules route to."""
    return _rules_names(settings)[0]


def rules_categories(settings: Settings) -> tuple[str, ...]:
    """The categories the inbox rules give items, in the file's order (the bulk action's
    "add category" suggests them; any other category may still be typed)."""
    return _rules_names(settings)[1]


def known_departments(settings: Settings, conn) -> list[str]:
    """Every department an item may go to, by name: the staff app's, or when it has
    none, the rules'."""
    return people_store.department_names(conn) or sorted(rules_departments(settings))


def check_department(settings: Settings, conn, name: str) -> str:
    """``name`` stripped, when it is a known department; else an ``InboxError`` naming it
    and what is known (the caller changes nothing)."""
    name = name.strip()
    if not name:
        raise InboxError(_("name the department that should take the item"))
    if people_store.is_department(conn, name):
        return name
    known = known_departments(settings, conn)
    if name in known:
        return name
    if not known:
        raise InboxError(_("there is no department named {department}: the workspace has no "
                           "departments yet (outreach users add NAME --department DEPARTMENT "
                           "creates one)", department=name[:128]))
    listed = ", ".join(known[:SHOWN])
    if len(known) > SHOWN:
        listed += " " + _("and {n} more (outreach users list shows them)", n=len(known) - SHOWN)
    raise InboxError(_("there is no department named {department}: choose one of {known}",
                       department=name[:128], known=listed))
