"""``outreach draft SCHEDULE``: let the autopilot draft the next run's data file now.

Parsing and printing only; the work is ``outreach.autopilot.service.draft_next``.
"""

from __future__ import annotations

import argparse

from . import settings_from
from ..i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("draft", help=_("draft the next run's data file from public data now"),
                       description=_("For a schedule with a source: block, write the next run's "
                                     "data file now from TourAPI, the KMA forecast and the city "
                                     "calendar (what the autopilot does by itself before each "
                                     "run). A file staff have edited is never overwritten. "
                                     "Exits 1 when the draft has problems to check."))
    p.add_argument("schedule", metavar="SCHEDULE", help=_("the schedule's name (weekend-guide)"))
    p.add_argument("--now", help=argparse.SUPPRESS)   # rehearsals: pretend it is this time
    p.set_defaults(handler=cmd_draft)


def cmd_draft(args: argparse.Namespace) -> int:
    from ..autopilot.service import draft_next
    from ..errors import ScheduleError
    from ..i18n import _
    from ..scheduling.clock import make_clock
    from ..scheduling.specs import load_schedules

    settings = settings_from(args)
    schedules = {s.name: s for s in load_schedules(settings)}
    if args.schedule not in schedules:
        raise ScheduleError(_("no schedule named {name} (known: {names})", name=args.schedule,
                              names=", ".join(sorted(schedules)) or "-"))
    now = make_clock(args.now, settings.timezone)()
    outcome = draft_next(settings, schedules[args.schedule], now)
    for path in outcome.kept:
        print(_("{file}: edited by staff, left as it is (delete it to draft again)",
                file=_rel(path, settings.root)))
    if outcome.off:
        print(_("autopilot off: {reason}", reason=outcome.off))
    for path, draft in zip(outcome.written, outcome.drafts):
        print(_("drafted {file}: {n} event(s)", file=_rel(path, settings.root),
                n=len(draft.data["events"])))
        for problem in draft.problems:
            print("  " + _("check: {problem}", problem=problem))
    return 1 if any(d.problems for d in outcome.drafts) or outcome.kept else 0


def _rel(path, root) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
