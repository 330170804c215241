"""``outreach check``: validate the whole workspace and list every problem (parsing and printing)."""

from __future__ import annotations

import argparse
import json
from ..i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help=_("check every staff-edited file of the workspace at once"),
                       description=_("Load outreach.toml, .env, every schedule, template and "
                                     "sample, the data files of the next runs, the triage rules "
                                     "and the saved replies; list every problem, one line each. "
                                     "Exits 2 when there is any. Nothing is written or sent."))
    p.add_argument("--days", type=int, default=7,
                   help=_("check the data files of runs in this many days (7)"))
    p.add_argument("--json", action="store_true", help=_("print the report as JSON"))
    p.set_defaults(handler=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    from ..checkup import check_workspace
    from ..i18n import _, ngettext

    report = check_workspace(args.root, days=max(0, args.days))
    if report.root is not None and report.config_file is None:
        from . import _no_workspace_note

        _no_workspace_note(report.root)
    if args.json:
        print(json.dumps({"ok": report.ok, "problems": report.problems,
                          "checked": report.checked}, ensure_ascii=False, indent=2))
    else:
        for problem in report.problems:
            print(problem)
        labels = {"config": _("settings"), "channels": _("channels"), "rules": _("triage rules"),
                  "saved replies": _("saved replies"), "templates": _("templates"),
                  "schedules": _("schedules"), "feeds": _("feed files"),
                  "data files": _("data files"), "surveys": _("survey files")}
        checked = ", ".join(f"{labels.get(kind, kind)} {n}" for kind, n in report.checked.items())
        if report.ok:
            print(_("workspace OK ({checked})", checked=checked))
        else:
            print(ngettext("{n} problem ({checked})", "{n} problems ({checked})",
                           len(report.problems), checked=checked))
    return 0 if report.ok else 2
