"""``outreach topics``: rank what citizens asked about, edit the groups, export, follow up."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("topics", help=_("citizens' questions grouped and ranked by people"),
                       description=_("Group a quarter's inbox or a survey's answers by subject, "
                                     "count distinct citizens, rank; staff merge, split, rename "
                                     "and choose groups for the live broadcast."))
    p.add_argument("--as", dest="actor", metavar="NAME",
                   help=_("who is acting (activity log; default: login name)"))
    tsub = p.add_subparsers(dest="topics_command", metavar="ACTION")
    tsub.required = True
    r = tsub.add_parser("rank", help=_("rank a quarter or a survey now"))
    r.add_argument("--quarter", help=_("such as 2026Q4"))
    r.add_argument("--survey", metavar="SLUG")
    r.add_argument("--xlsx", type=Path, metavar="FILE", help=_("also write the XLSX"))
    r.add_argument("--json", action="store_true")
    r.set_defaults(handler=cmd_rank)
    ls = tsub.add_parser("list", help=_("the ranked groups of the latest (or a given) run"))
    ls.add_argument("--run", type=int)
    ls.add_argument("--top", type=int, default=30)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=cmd_list)
    sh = tsub.add_parser("show", help=_("one group with all its messages (masked)"))
    sh.add_argument("group", metavar="GROUP", help=_("group key, such as g3"))
    sh.add_argument("--run", type=int)
    sh.set_defaults(handler=cmd_show)
    mg = tsub.add_parser("merge", help=_("merge groups into the first one"))
    mg.add_argument("target", metavar="INTO")
    mg.add_argument("sources", metavar="GROUP", nargs="+")
    mg.add_argument("--run", type=int)
    mg.set_defaults(handler=cmd_merge)
    sp = tsub.add_parser("split", help=_("move messages out of a group into a new one"))
    sp.add_argument("group", metavar="GROUP")
    sp.add_argument("items", metavar="ITEM", type=int, nargs="+")
    sp.add_argument("--name")
    sp.add_argument("--run", type=int)
    sp.set_defaults(handler=cmd_split)
    rn = tsub.add_parser("rename", help=_("give a group a name"))
    rn.add_argument("group", metavar="GROUP")
    rn.add_argument("name")
    rn.add_argument("--run", type=int)
    rn.set_defaults(handler=cmd_rename)
    ch = tsub.add_parser("choose", help=_("mark groups chosen for the broadcast"))
    ch.add_argument("groups", metavar="GROUP", nargs="+")
    ch.add_argument("--undo", action="store_true", help=_("unmark instead"))
    ch.add_argument("--run", type=int)
    ch.set_defaults(handler=cmd_choose)
    an = tsub.add_parser("answer", help=_("after the broadcast: covered on air, or a written "
                                          "answer"))
    an.add_argument("group", metavar="GROUP")
    an.add_argument("--covered", action="store_true", help=_("answered on air"))
    an.add_argument("--text", help=_("the written answer for the follow-up post"))
    an.add_argument("--run", type=int)
    an.set_defaults(handler=cmd_answer)
    ex = tsub.add_parser("export", help=_("write the XLSX of a run"))
    ex.add_argument("file", type=Path, metavar="FILE")
    ex.add_argument("--run", type=int)
    ex.set_defaults(handler=cmd_export)
    fu = tsub.add_parser("follow-up", help=_("the post answering chosen questions not covered "
                                             "on air"))
    fu.add_argument("--run", type=int)
    fu.add_argument("--at", help=_("schedule it as a one-off post: YYYY-MM-DD HH:MM"))
    fu.add_argument("--channel", action="append", help=_("channel (repeatable; default: all)"))
    fu.set_defaults(handler=cmd_follow_up)


def _open(args):
    from . import settings_from
    from ..store.db import open_database

    settings = settings_from(args)
    return settings, open_database(settings.database_url)


def _actor(args):
    from ..users.audit import Actor

    return Actor.cli(getattr(args, "actor", None))


def _run(db, args) -> int:
    from ..topics import service

    return args.run or service.latest_run_id(db)


def cmd_rank(args) -> int:
    from ..topics import service

    settings, db = _open(args)
    scope = service.scope_of(settings, db, quarter=args.quarter, survey=args.survey)
    run_id = service.rank_scope(settings, db, scope, _actor(args))
    view = service.run_view(db, run_id)
    if args.xlsx:
        from ..topics.export import write_xlsx

        write_xlsx(view, args.xlsx, settings.timezone)
    if args.json:
        print(json.dumps(view.as_json(), ensure_ascii=False, indent=2))
        return 0
    print(_("ranking {run}: {messages} messages from {citizens} citizens in {groups} groups",
            run=run_id, messages=view.messages, citizens=view.citizens, groups=len(view.groups)))
    if view.lost_edits:
        print(_("edits of the previous ranking not carried over: {keys}",
                keys=", ".join(view.lost_edits)))
    _print_groups(view, 15)
    if args.xlsx:
        print(_("wrote {path}", path=args.xlsx))
    return 0


def _print_groups(view, top: int) -> None:
    for n, g in enumerate(view.groups[:top], 1):
        marks = ("★" if g.chosen else "") + ("✓" if g.covered else "")
        change = "" if g.change is None else f" ({g.change:+d})"
        print(f"{n:>3}. {g.key:<5} {marks:<2} "
              + _("{citizens} citizens, {messages} messages", citizens=g.citizens,
                  messages=g.messages) + f"{change}  {g.name}")


def cmd_list(args) -> int:
    from ..topics import service

    _settings, db = _open(args)
    view = service.run_view(db, _run(db, args))
    if args.json:
        print(json.dumps(view.as_json(), ensure_ascii=False, indent=2))
        return 0
    print(_("ranking {run} ({scope}): {messages} messages from {citizens} citizens",
            run=view.id, scope=view.label, messages=view.messages, citizens=view.citizens))
    _print_groups(view, args.top)
    return 0


def cmd_show(args) -> int:
    from ..topics import service

    _settings, db = _open(args)
    run = _run(db, args)
    view = service.run_view(db, run)
    g = next((g for g in view.groups if g.key == args.group), None)
    if g is None:
        from ..errors import TopicError

        raise TopicError(_("no group {key!r} in ranking {run}", key=args.group, run=run))
    print(f"{g.key}  {g.name}")
    print(_("{citizens} citizens, {messages} messages", citizens=g.citizens,
            messages=g.messages) + "  " + ", ".join(f"{d} {n}" for d, n in g.departments.items()))
    print(_("key words: {words}", words=", ".join(g.keywords)))
    for item, dept, text in service.group_items(db, run, g.key):
        print(f"  #{item} [{dept or '-'}] {text}")
    return 0


def cmd_merge(args) -> int:
    from ..topics import service

    _settings, db = _open(args)
    service.merge(db, _run(db, args), args.target, args.sources, _actor(args))
    print(_("merged {sources} into {target}", sources=", ".join(args.sources),
            target=args.target))
    return 0


def cmd_split(args) -> int:
    from ..topics import service

    _settings, db = _open(args)
    key = service.split(db, _run(db, args), args.group, args.items, _actor(args), args.name)
    print(_("moved {n} message(s) into new group {key}", n=len(args.items), key=key))
    return 0


def cmd_rename(args) -> int:
    from ..topics import service

    _settings, db = _open(args)
    service.rename(db, _run(db, args), args.group, args.name, _actor(args))
    print(_("renamed {key}", key=args.group))
    return 0


def cmd_choose(args) -> int:
    from ..topics import service

    _settings, db = _open(args)
    run = _run(db, args)
    for key in args.groups:
        service.choose(db, run, key, not args.undo, _actor(args))
    keys = ", ".join(args.groups)
    print(_("unmarked {keys}", keys=keys) if args.undo
          else _("chosen for the broadcast: {keys}", keys=keys))
    return 0


def cmd_answer(args) -> int:
    from ..topics import service

    _settings, db = _open(args)
    service.settle(db, _run(db, args), args.group, _actor(args),
                   covered=True if args.covered else None, answer=args.text)
    print(_("saved {key}", key=args.group))
    return 0


def cmd_export(args) -> int:
    from ..topics import service
    from ..topics.export import write_xlsx

    settings, db = _open(args)
    write_xlsx(service.run_view(db, _run(db, args)), args.file, settings.timezone)
    print(_("wrote {path}", path=args.file))
    return 0


def cmd_follow_up(args) -> int:
    from ..topics import followup, service

    settings, db = _open(args)
    view = service.run_view(db, _run(db, args))
    text = followup.text(view)
    if not args.at:
        print(text)
        return 0
    occ = followup.schedule(settings, db, view, args.at, args.channel, _actor(args))
    print(_("follow-up post #{id} scheduled", id=occ))
    return 0
