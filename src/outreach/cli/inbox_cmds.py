"""``outreach harvest`` and the ``outreach inbox`` group: parsing and printing.

Every text shown here comes through ``Inbox.view`` / ``Inbox.detail``, which
mask personal data; ``--json`` prints the same fields for scripts.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from datetime import date, datetime, time, timedelta
from ..i18n import _, format_datetime


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("harvest", help=_("read new comments and messages from every channel"),
                       description=_("Read new replies from each channel since its saved cursor "
                                     "and store them in the inbox (once per message)."))
    p.add_argument("--channel", action="append", metavar="NAME",
                   help=_("only this channel (repeatable)"))
    p.add_argument("--json", action="store_true", help=_("print the report as JSON"))
    p.add_argument("--quiet", action="store_true",
                   help=_("print only channels that failed (for crontab: mail only then)"))
    p.set_defaults(handler=cmd_harvest)

    inbox = sub.add_parser("inbox", help=_("the shared inbox of citizens' replies"),
                           description=_("List, read, route, answer and count citizens' "
                                         "messages."))
    inbox.add_argument("--as", dest="actor", metavar="NAME",
                       help=_("who is working (kept in the history; default $OUTREACH_STAFF or "
                              "the login name)"))
    isub = inbox.add_subparsers(dest="inbox_command", metavar="ACTION")
    isub.required = True

    p = isub.add_parser("list", help=_("items, newest first (open ones by default)"))
    p.add_argument("--status", action="append", metavar="STATUS",
                   help=_("new, open, answered, resolved, hidden, spam (repeatable)"))
    p.add_argument("--all", action="store_true", help=_("every status, deleted items included"))
    p.add_argument("--channel")
    p.add_argument("--kind", action="append", metavar="KIND",
                   help=_("complaint, question, opinion, greeting, survey, spam (repeatable; "
                          "Korean names such as 민원 work too)"))
    p.add_argument("--category")
    p.add_argument("--assignee")
    p.add_argument("--overdue", action="store_true", help=_("past a deadline"))
    p.add_argument("--flagged", nargs="?", const="any", metavar="FLAG",
                   help=_("flagged items (or only FLAG: abusive, political, personal_data ...)"))
    p.add_argument("-q", "--search", metavar="TEXT", help=_("words anywhere in the text"))
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list)

    p = isub.add_parser("show", help=_("one item with its history, notes and answers"))
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_show)

    p = isub.add_parser("assign", help=_("give an item to a person (sign-in name) or route it "
                                         "to a department"),
                        description=_("A staff member's sign-in name assigns the item to them "
                                      "(they must belong to its department); - assigns nobody; "
                                      "a department's name routes the item to that department "
                                      "(an unknown one is refused with the known ones)."))
    p.add_argument("id")
    p.add_argument("assignee", metavar="WHO")
    p.set_defaults(handler=cmd_assign)

    p = isub.add_parser("kind", help=_("correct an item's kind (complaint, question, opinion "
                                       "...)"),
                        description=_("Set the kind: complaint (민원), question (질문), opinion "
                                      "(의견·칭찬), greeting (인사·메뉴), survey (설문 응답), spam (스팸). "
                                      "Only complaints and questions get a ticket and deadlines."))
    p.add_argument("id")
    p.add_argument("kind")
    p.set_defaults(handler=cmd_kind)

    p = isub.add_parser("tag", help=_("add (or --remove) categories"))
    p.add_argument("id")
    p.add_argument("categories", nargs="*")
    p.add_argument("--remove", action="append", default=[], metavar="CATEGORY")
    p.set_defaults(handler=cmd_tag)

    p = isub.add_parser("note", help=_("an internal note for colleagues (never sent)"))
    p.add_argument("id")
    p.add_argument("text")
    p.set_defaults(handler=cmd_note)

    p = isub.add_parser("reply", help=_("answer through the item's channel (once)"))
    p.add_argument("id")
    p.add_argument("text", nargs="?")
    p.add_argument("--saved", metavar="NAME", help=_("a saved reply from inbox/replies.yaml"))
    # ``reply ID --manual "text"`` and ``reply ID "text" --manual`` both work: argparse
    # alone would give the text to nobody in the first order
    p.add_argument("--manual", nargs="?", const=True, default=False, metavar="TEXT",
                   help=_("record an answer given by hand on the platform"))
    p.add_argument("--resend", action="store_true",
                   help=_("send again an answer whose outcome is unknown"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_reply)

    for name, status, helptext in (("resolve", "resolved", "mark resolved (final answer given)"),
                                   ("reopen", "open", "open a resolved item again"),
                                   ("spam", "spam", "mark as spam (not counted as a complaint)")):
        p = isub.add_parser(name, help=helptext)
        p.add_argument("id")
        p.add_argument("--note", default="", help=_("why (kept in the history)"))
        p.set_defaults(handler=cmd_status, status=status)

    p = isub.add_parser("hide", help=_("hide on the platform (Facebook, Instagram, YouTube)"))
    p.add_argument("id")
    p.add_argument("--local", action="store_true",
                   help=_("only mark hidden in the inbox (hidden by hand on the platform)"))
    p.set_defaults(handler=cmd_hide)

    p = isub.add_parser("stats", help=_("counts, answer times and overdue items"))
    p.add_argument("--since", metavar="DATE", help=_("from this day (YYYY-MM-DD, local time)"))
    p.add_argument("--until", metavar="DATE", help=_("up to and including this day"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_stats)

    p = isub.add_parser("triage", help=_("show how the rules classify a text (checks the rules)"))
    p.add_argument("text")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_triage)

    from .inbox_desk_cmds import register_inbox   # report and transfers: their own module
    register_inbox(isub)


# -- helpers ---------------------------------------------------------------------

def _open(args):
    from . import settings_from
    from ..store.db import open_database

    settings = settings_from(args)
    return settings, open_database(settings.database_url)


def _inbox(args):
    from ..inbox.items import Inbox

    from ..users.audit import Actor, record

    settings, db = _open(args)
    actor = getattr(args, "actor", None) or os.environ.get("OUTREACH_STAFF") or _login()
    who = Actor.cli(actor)
    # the audit log too, in each change's own transaction (self-declared: a shell user)
    return Inbox(settings, db, actor=actor,
                 auditor=lambda conn, action, item_id, detail: record(
                     conn, who, action, "inbox_item", item_id, detail))


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "staff"


def _print_json(value) -> None:
    from ..inbox.items import dumps

    print(dumps(value))


def _short(iso: str | None) -> str:
    """An inbox time (ISO, already in the workspace's zone) in the one staff format."""
    from datetime import datetime

    return format_datetime(datetime.fromisoformat(iso)) if iso else "-"


def _line(v) -> str:
    flags = (" !" + ",".join(v.flags)) if v.flags else ""
    cats = f"[{','.join(v.categories)}]" if v.categories else "[미분류]"
    late = _(" OVERDUE") if v.overdue else ""
    gone = _(" (deleted)") if v.deleted else ""
    text = " ".join(v.text.split())
    text = text if len(text) <= 60 else text[:59] + "…"
    return (f"#{v.id:<6} {v.status:<8} {v.kind:<9} {v.priority:<6} {v.channel:<10} "
            f"{_short(v.created_at)} "
            f"{v.assignee or '-'} {cats}{flags}{late}{gone}  {v.author}: {text}")


# -- commands --------------------------------------------------------------------

def cmd_harvest(args) -> int:
    from ..inbox.harvest import harvest_all

    settings, db = _open(args)
    report = harvest_all(settings, db, channels=args.channel)
    if args.json:
        _print_json(report.as_json())
    else:
        if not report.channels and not args.quiet:
            print(_("no configured channel can read replies"))
        for c in report.channels:
            if args.quiet and not c.error:
                continue
            state = f"error: {c.error}" if c.error else "ok"
            print(_("{channel}: {new} new, {updated} updated, {deleted} deleted ({pages} "
                    "page(s)) {state}", channel=c.channel, new=c.new, updated=c.updated,
                    deleted=c.deleted, pages=c.pages, state=state))
            for note in c.notes:
                print(_("  note: {note}", note=note))
    return 0 if report.ok else 1


def cmd_list(args) -> int:
    from ..errors import InboxError
    from ..store.inbox import ItemFilter, OPEN_STATUSES
    from ..store.inbox_tables import STATUSES

    statuses: tuple[str, ...] = OPEN_STATUSES
    if args.all:
        statuses = ()
    elif args.status:
        statuses = tuple(s.strip() for part in args.status for s in part.split(",") if s.strip())
        bad = [s for s in statuses if s not in STATUSES]
        if bad:
            raise InboxError(_("--status {bad!r} is not a status: use {statuses}", bad=bad[0],
                               statuses=', '.join(STATUSES)))
    if args.limit < 1:
        raise InboxError(_("--limit must be at least 1"))
    kinds = _kinds(args.kind)
    inbox = _inbox(args)
    views = inbox.list(ItemFilter(statuses=statuses, channel=args.channel, kinds=kinds,
                                  category=args.category,
                                  assignee=args.assignee, flag=args.flagged, overdue=args.overdue,
                                  search=args.search, include_deleted=args.all, limit=args.limit))
    if args.json:
        _print_json([v.as_json() for v in views])
        return 0
    for v in views:
        print(_line(v))
    if not views:
        print(_("no items"))
    return 0


def _kinds(values: list[str] | None) -> tuple[str, ...]:
    from ..errors import InboxError
    from ..i18n import _
    from ..inbox.kinds import KINDS, kind_name

    kinds = []
    for part in values or []:
        for value in filter(None, (v.strip() for v in part.split(","))):
            name = kind_name(value)
            if name is None:
                raise InboxError(_("--kind {kind!r} is not a kind: use {kinds}", kind=value,
                                   kinds=", ".join(KINDS)))
            kinds.append(name)
    return tuple(kinds)


def cmd_kind(args) -> int:
    from ..i18n import _
    from ..inbox.labels import kind_label

    inbox = _inbox(args)
    kind = inbox.set_kind(args.id, args.kind)
    print(_("item {id} is now a {kind} ({label})", id=args.id, kind=kind,
            label=kind_label(kind)))
    return 0


def cmd_show(args) -> int:
    inbox = _inbox(args)
    detail = inbox.detail(args.id)
    if args.json:
        _print_json(detail)
        return 0
    v = detail["item"]
    print(f"#{v['id']} {v['status']} ({v['priority']})  {v['channel']}  {_short(v['created_at'])}")
    print(_("kind: {kind}", kind=v['kind'])
          + (_("   ticket: {ticket}", ticket=v['ticket']) if v["ticket"] else ""))
    print(_("from: {author}", author=v['author']))
    print(_("assignee: {assignee}   categories: {categories}   flags: {flags}",
            assignee=v['assignee'] or '-', categories=', '.join(v['categories']) or '-',
            flags=', '.join(v['flags']) or '-'))
    print(_("first answer due: {first_due_at}   answered: {first_answered_at}{overdue}",
            first_due_at=_short(v['first_due_at']),
            first_answered_at=_short(v['first_answered_at']),
            overdue=_('   OVERDUE') if v['overdue'] else ''))
    print(_("resolution due: {resolve_due_at}   resolved: {resolved_at}",
            resolve_due_at=_short(v['resolve_due_at']), resolved_at=_short(v['resolved_at'])))
    if v["url"]:
        print(_("link: {url}", url=v['url']))
    pub = detail["publication"]
    if pub:
        print(_("answers publication: ") + ", ".join(f"{k}={val}" for k, val in pub.items()))
    if v["deleted"]:
        print(_("(deleted on the platform; kept for the record)"))
    print()
    print(v["text"])
    for a in detail["answers"]:
        print(_("\nanswer {id} [{status}] by {by} {at}", id=a['id'], status=a['status'],
                by=a['by'], at=_short(a['at']))
              + (_(" error: {error}", error=a['error']) if a["error"] else ""))
        print(f"  {a['text']}")
    for n in detail["notes"]:
        print(_("\nnote by {by} {at}: {detail}", by=n['by'], at=_short(n['at']), detail=n['detail']))
    if detail["history"]:
        print(_("\nhistory:"))
        for h in detail["history"]:
            extra = f": {h['detail']}" if h["detail"] else ""
            print(f"  {_short(h['at'])} {h['by']} {h['kind']}{extra}")
    return 0


def cmd_assign(args) -> int:
    from ..inbox.people import assign

    what, person = assign(_inbox(args), args.id, args.assignee)
    if what == "department":
        print(_("item {id} routed to department {department}", id=args.id,
                department=args.assignee))
    elif person is None:
        print(_("item {id}: nobody is assigned now", id=args.id))
    else:
        print(_("item {id} assigned to {assignee} ({department})", id=args.id,
                assignee=person.name, department=", ".join(person.departments) or "-"))
    return 0


def cmd_tag(args) -> int:
    from ..errors import InboxError

    if not args.categories and not args.remove:
        raise InboxError(_("name at least one category to add, or --remove CATEGORY"))
    now = _inbox(args).tag(args.id, args.categories, args.remove)
    print(_("item {id}: {categories}", id=args.id,
            categories=', '.join(now) or _('no categories')))
    return 0


def cmd_note(args) -> int:
    _inbox(args).note(args.id, args.text)
    print(_("note added to item {id}", id=args.id))
    return 0


def cmd_status(args) -> int:
    _inbox(args).set_status(args.id, args.status, args.note)
    print(_("item {id} is now {status}", id=args.id, status=args.status))
    return 0


def cmd_hide(args) -> int:
    where = _inbox(args).hide(args.id, local_only=args.local)
    print(_("item {id} hidden {where}", id=args.id, where=where))
    return 0


def cmd_reply(args) -> int:
    from ..errors import ChannelError, InboxError
    from ..inbox.answers import fill_saved, load_saved, send_answer
    from ..inbox.settings import inbox_config

    if isinstance(args.manual, str):
        if args.text:
            raise InboxError(_("give the answer once (got {first} and {second})",
                               first=repr(args.manual), second=repr(args.text)))
        args.text, args.manual = args.manual, True
    inbox = _inbox(args)
    if bool(args.text) == bool(args.saved):
        raise InboxError(_("give the answer TEXT or --saved NAME (one of the two)"))
    text = args.text
    if args.saved:
        cfg = inbox_config(inbox.settings)
        text = fill_saved(inbox, load_saved(cfg.replies_file), args.saved, args.id,
                          cfg.replies_file)
    try:
        outcome = send_answer(inbox, args.id, text, manual=args.manual, resend=args.resend)
    except ChannelError as exc:
        # The command did its part (the answer is recorded failed or unknown); the
        # platform refused or did not say: exit 1, "a person must look", not 2 (bad input).

        print(_("outreach: error: {message}", message=exc), file=sys.stderr)
        return 1
    if args.json:
        _print_json(vars(outcome))
    elif outcome.already:
        print(_("item {id}: this answer was already {status} (answer {answer_id}); nothing sent "
                "again", id=args.id, status=outcome.status, answer_id=outcome.answer_id))
    else:
        print(_("item {id}: answer {answer_id} {status}", id=args.id, answer_id=outcome.answer_id,
                status=outcome.status)
              + (f" ({outcome.url or outcome.remote_id})" if outcome.remote_id else ""))
    return 0


def _day(value: str | None, tz, *, end: bool) -> datetime | None:
    from ..errors import InboxError

    if not value:
        return None
    try:
        if "T" in value or " " in value:
            moment = datetime.fromisoformat(value)
            return moment if moment.tzinfo else moment.replace(tzinfo=tz)
        day = date.fromisoformat(value)
    except ValueError:
        raise InboxError(_("{value!r} is not a date: write YYYY-MM-DD", value=value)) from None
    if end:
        day += timedelta(days=1)
    return datetime.combine(day, time(0), tz)


def cmd_stats(args) -> int:
    from ..i18n import _
    from ..inbox.settings import inbox_config
    from ..inbox.stats import inbox_stats

    settings, db = _open(args)
    cfg = inbox_config(settings)
    since = _day(args.since, settings.timezone, end=False)
    until = _day(args.until, settings.timezone, end=True)
    result = inbox_stats(db, cfg.working, since=since, until=until)
    if args.json:
        _print_json(result)
        return 0
    period = f"{args.since or 'start'} .. {args.until or 'now'}"
    print(_("inbox {period}: {total} items: {complaints} complaints and questions, {other} other "
            "messages (opinions, greetings, surveys), {spam} spam, {hidden} hidden",
            period=period, total=result["total"], complaints=result["complaints"],
            other=result["non_complaints"], spam=result["spam"], hidden=result["hidden"]))
    print(_("complaints: {resolved} resolved, {overdue} missed a deadline ({now} still open "
            "and overdue)", resolved=result["resolved"], overdue=result["overdue"],
            now=result["overdue_now"]))
    for title, key in ((_("by kind"), "by_kind"), (_("by channel"), "by_channel"),
                       (_("by status"), "by_status"),
                       (_("complaints by category"), "by_category")):
        print(f"{title}: " + (", ".join(f"{k} {n}" for k, n in result[key].items()) or "-"))
    for title, key in ((_("complaints by department"), "by_department"),
                       (_("complaints by month"), "by_month")):
        print(f"{title}:")
        for name, f in result[key].items():
            res = f["resolution"]["p50_working_hours"]
            print("  " + _("{name}: {received} received, {resolved} resolved, {overdue} overdue, "
                           "median resolution {median} working h", name=name,
                           received=f["received"], resolved=f["resolved"],
                           overdue=f["overdue"], median="-" if res is None else res))
    for title, key in ((_("complaints' first answer"), "first_answer"),
                       (_("complaints' resolution"), "resolution")):
        s = result[key]
        if not s["count"]:
            print(_("{title}: none yet", title=title))
            continue
        print(_("{title} ({n}): median {median} h, p90 {p90} h; working hours: median "
                "{wmedian} h, p90 {wp90} h", title=title, n=s["count"],
                median=s["p50_hours"], p90=s["p90_hours"],
                wmedian=s["p50_working_hours"], wp90=s["p90_working_hours"]))
    return 0


def cmd_triage(args) -> int:
    from . import settings_from
    from ..inbox.masking import mask
    from ..inbox.settings import inbox_config
    from ..inbox.labels import kind_label
    from ..inbox.triage import PRIORITY_LABELS, load_rules, classify

    settings = settings_from(args)
    cfg = inbox_config(settings)
    rules = load_rules(cfg.rules_file)
    verdict = classify(rules, args.text)
    result = {"text": mask(args.text), "kind": verdict.kind, "categories": list(verdict.categories),
              "department": verdict.department, "priority": PRIORITY_LABELS[verdict.priority],
              "flags": [rules.label(f) for f in verdict.flags], "auto_hide": verdict.auto_hide}
    if args.json:
        _print_json(result)
        return 0
    print(_("kind: {label} ({kind})", label=kind_label(verdict.kind), kind=verdict.kind))
    print(_("categories: {categories}",
            categories=", ".join(verdict.categories) or _("uncategorised")))
    print(_("department: {department}   priority: {priority}",
            department=verdict.department or "-", priority=result["priority"]))
    print(_("flags: {flags}", flags=", ".join(result["flags"]) or _("none"))
          + (_("   (hidden automatically by a rule)") if verdict.auto_hide else ""))
    print(_("visible text: {text}", text=result["text"]))
    return 0


