"""``outreach publish``, ``status``, ``approve``, ``resubmit``, ``reject``, ``retry`` and
``handoff ...``.

Parsing and printing only; the work lives in ``outreach.publishing``. Heavy
modules are imported inside the handlers so ``outreach --help`` stays fast.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
from pathlib import Path

from . import settings_from
from ..i18n import _, format_datetime, ngettext


def _who(args: argparse.Namespace) -> str:
    return args.by or os.environ.get("OUTREACH_USER") or getpass.getuser()


def _by(p: argparse.ArgumentParser) -> None:
    p.add_argument("--by", metavar="NAME",
                   help=_("who decides, for the record (default: $OUTREACH_USER or the login "
                          "name)"))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "publish", help=_("render a template and publish it now"),
        description=_("Render TEMPLATE and publish it now through the ledger to the given "
                      "channels (default: every enabled channel). Prints each channel's "
                      "outcome. Exit status: 0 when every delivery was sent or handed off, 1 "
                      "when any failed, is unknown or waits for a retry, 2 for bad input "
                      "(nothing is recorded then)."))
    p.add_argument("template", help=_("template name (a folder in templates/cards/)"))
    p.add_argument("--data", type=Path, metavar="FILE",
                   help=_("YAML or JSON data file (default: the template's sample data)"))
    p.add_argument("--channel", action="append", metavar="NAME",
                   help=_("publish only to this configured channel (repeatable)"))
    p.add_argument("--dry-run", action="store_true",
                   help=_("render and show what would go where; send and record nothing"))
    p.add_argument("--again", action="store_true",
                   help=_("publish even though the same template and data went to the same "
                          "channel within the last day"))
    p.add_argument("--at", metavar="TIME",
                   help=_('publish later, at this local time ("2026-12-03 10:00"): a one-off post '
                          "that the daemon or run-due sends; move or cancel it until then"))
    _by(p)
    p.set_defaults(handler=cmd_publish)

    p = sub.add_parser(
        "status", help=_("recent and upcoming publications, problems first"),
        description=_("Occurrences of the last and next 7 days with each channel's state and "
                      "error; failed, unknown, held, missed and waiting items come first, "
                      "marked !!. Times in the configured time zone. Exit status 1 when "
                      "something failed, is unknown, held or missed (waiting approvals and "
                      "hand-offs alone: 0)."))
    p.add_argument("--schedule", metavar="NAME", help=_("only this schedule ('manual' for "
                                                        "publish)"))
    p.add_argument("--limit", type=int, default=30, help=_("at most this many occurrences (30)"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("approve", help=_("approve a prepared draft"),
                       description=_("Approve occurrence ID (see 'outreach status'); look at "
                                     "its draft folder first. It goes out at its time, or at "
                                     "once when it was held and is still within its grace "
                                     "window."))
    p.add_argument("id", type=int)
    p.add_argument("--revision", type=int, metavar="N",
                   help=_("the draft version you looked at (shown by 'outreach resubmit' and "
                          "on the run page); refused when the draft was rendered again since"))
    _by(p)
    p.set_defaults(handler=cmd_approve)

    p = sub.add_parser("resubmit", help=_("render a draft again and ask for approval again"),
                       description=_("Render occurrence ID's draft again from its data and put "
                                     "it back to waiting for approval: after a rejection "
                                     "(changes requested) or a correction, while its publish "
                                     "time and grace window have not passed. An approval "
                                     "given before is withdrawn."))
    p.add_argument("id", type=int)
    _by(p)
    p.set_defaults(handler=cmd_resubmit)

    p = sub.add_parser("reject", help=_("reject a draft so it is never published"),
                       description=_("Reject occurrence ID; none of its channels will get it."))
    p.add_argument("id", type=int)
    p.add_argument("--reason", required=True, help=_("why, for the record"))
    _by(p)
    p.set_defaults(handler=cmd_reject)

    p = sub.add_parser("retry", help=_("send a failed or unknown delivery again"),
                       description=_("Queue delivery ID (or key) again after fixing the cause, "
                                     "or after checking on the platform that an 'unknown' post "
                                     "is not there. The next 'run-due' or daemon pass sends it."))
    p.add_argument("id", metavar="ID", help=_("delivery id or key"))
    _by(p)
    p.set_defaults(handler=cmd_retry)

    p = sub.add_parser("handoff", help=_("posts waiting for a person (no write API)"),
                       description=_("Hand-off channels prepare posts in var/handoff/ for a "
                                     "person to publish by hand; record them here when they are "
                                     "out."))
    hsub = p.add_subparsers(dest="handoff_command", metavar="COMMAND")
    hsub.required = True
    h = hsub.add_parser("list", help=_("prepared posts still waiting for a person"))
    h.add_argument("--channel", metavar="NAME")
    h.add_argument("--json", action="store_true")
    h.set_defaults(handler=cmd_handoff_list)
    h = hsub.add_parser("done", help=_("record that a prepared post went out"),
                        description=_("Record that delivery ID (or key) was posted by hand; "
                                      "also closes an 'unknown' delivery a person found online."))
    h.add_argument("id", metavar="ID", help=_("delivery id or key"))
    h.add_argument("--url", help=_("address of the published post"))
    _by(h)
    h.set_defaults(handler=cmd_handoff_done)
    h = hsub.add_parser("sync", help=_("mark hand-offs done that a channel can see online"),
                        description=_("Ask hand-off channels that can read the platform (Naver "
                                      "Blog RSS) which waiting posts have appeared."))
    h.set_defaults(handler=cmd_handoff_sync)


def _service(args: argparse.Namespace):
    from ..publishing.service import PublishingService
    from ..store.db import open_database

    from ..scheduling.clock import make_clock

    settings = settings_from(args)
    # $OUTREACH_NOW, like the web desk and run-due, so a rehearsal decides at one time
    return PublishingService(settings, open_database(settings.database_url),
                             clock=make_clock(None, settings.timezone))


def cmd_publish(args: argparse.Namespace) -> int:
    from ..errors import ConfigError
    from ..publishing import manual

    if args.data is not None and not args.data.is_file():
        raise ConfigError(_("data file {path} does not exist: give a YAML or JSON file",
                            path=args.data),
                          key="--data")
    service = _service(args)
    if args.at:
        from .post_cmds import schedule

        return schedule(service, args, _who(args))
    if args.dry_run:
        from ..publishing import budget

        post, lines, cost = manual.dry_run_costed(service, args.template, data_file=args.data,
                                                  channel_names=args.channel)
        count = len(post.slides)
        print(ngettext("dry run: {title} ({n} image) rendered in {folder}; nothing sent, "
                       "nothing recorded", "dry run: {title} ({n} images) rendered in {folder}; "
                       "nothing sent, nothing recorded", count, title=post.title,
                       folder=post.out_dir))
        for line in lines:
            limit = f"/{line.max_text:,}" if line.max_text else ""
            images = f"/{line.max_images}" if line.max_images else ""
            verdict = f"  !! {line.problem}" if line.problem else ""
            print(_("  {channel:<14} {type:<11} text {text}: {chars:,}{limit} chars, "
                    "{images}{max_images} images{verdict}", channel=line.channel, type=line.type,
                    text=line.text_name, chars=line.text_chars, limit=limit, images=line.images,
                    max_images=images, verdict=verdict))
        for text in budget.summary_lines(cost):
            print(text)
        if cost.refusal:
            print("  !! " + _("would be refused: {why}", why=cost.refusal))
        return 1 if cost.refusal or any(line.problem for line in lines) else 0
    occ_id, _report = manual.publish_now(service, args.template, data_file=args.data,
                                         channel_names=args.channel, again=args.again)
    return _print_outcome(service, occ_id)


def _print_outcome(service, occ_id: int) -> int:
    from ..publishing import model as m

    occ = service.occurrence(occ_id)
    from ..publishing.status import state_label

    print(_("occurrence #{id}: {state} (draft {folder})", id=occ_id, state=state_label(occ['state']),
            folder=occ['draft_dir']))
    bad = False
    for d in service.ledger.deliveries([occ_id]):
        state = d["state"]
        if state == m.D_SENT:
            detail = d["url"] or d["location"] or d["remote_id"] or ""
        elif state == m.D_AWAITING_HANDOFF:
            detail = _("{location} (then: outreach handoff done {id} --url URL)",
                       location=d['location'], id=d['id'])
        elif state == m.D_RETRY_WAIT:
            detail = _("will retry at {when}: {error}", error=d['error'],
                       when=format_datetime(d['next_attempt_at'], service.settings.timezone))
        else:
            detail = d["error"] or ""
        bad = bad or state not in m.D_OUT
        print(f"  {'!!' if state not in m.D_OUT else '  '} #{d['id']} {d['channel']:<14} "
              f"{state_label(state):<17} {detail}".rstrip())
    return 1 if bad else 0


def cmd_status(args: argparse.Namespace) -> int:
    from ..publishing import status

    from ..i18n import current_language, use_language

    service = _service(args)
    # --json is the same in every language: stored errors read in English there (i18n.shown)
    with use_language("en" if args.json else current_language()):
        items = status.collect(service, schedule=args.schedule, limit=max(1, args.limit))
    if args.json:
        print(json.dumps(status.as_json(items), ensure_ascii=False, indent=2))
    else:
        from ..publishing import budget

        print(status.render_text(items, service.settings.timezone))
        spent = budget.today(service)
        if budget.worth_showing(spent):
            print("\n" + "\n".join(budget.summary_lines(spent)))
    return 1 if any(o["problem"] for o in items) else 0


def cmd_approve(args: argparse.Namespace) -> int:
    from ..publishing.status import local

    service = _service(args)
    row = service.approve(args.id, _who(args), revision=args.revision)
    print(_("occurrence #{id} approved by {decided_by}; goes out at {when} or the next pass "
            "after it", id=row['id'], decided_by=row['decided_by'],
            when=local(row['scheduled_for'], service.settings.timezone)))
    return 0


def cmd_resubmit(args: argparse.Namespace) -> int:
    row = _service(args).resubmit(args.id, _who(args))
    print(_("occurrence #{id}: draft version {revision} in {folder} is {state}; approve it "
            "with 'outreach approve {id} --revision {revision}'", id=row["id"],
            revision=row["draft_revision"], folder=row["draft_dir"], state=row["state"]))
    return 0


def cmd_reject(args: argparse.Namespace) -> int:
    row = _service(args).reject(args.id, _who(args), args.reason)
    print(_("occurrence #{id} rejected by {decided_by}: {decision_reason}", id=row['id'],
            decided_by=row['decided_by'], decision_reason=row['decision_reason']))
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    row = _service(args).retry(args.id, _who(args))
    print(_("delivery #{id} ({channel}) queued again; the next pass sends it", id=row['id'],
            channel=row['channel']))
    return 0


def cmd_handoff_list(args: argparse.Namespace) -> int:
    from ..publishing.status import local

    service = _service(args)
    rows = service.pending_handoffs(args.channel)
    if args.json:
        print(json.dumps([{"id": r["id"], "key": r["key"], "channel": r["channel"],
                           "schedule": r["schedule"], "folder": r["location"],
                           "scheduled_for": r["scheduled_for"].isoformat()} for r in rows],
                         ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(_("no posts are waiting for a person"))
        return 0
    for r in rows:
        print(f"#{r['id']:<5} {r['channel']:<14} {r['schedule']:<16} "
              f"{local(r['scheduled_for'], service.settings.timezone)}  {r['location']}")
    print(_("\nwhen posted: outreach handoff done ID --url URL"))
    return 0


def cmd_handoff_done(args: argparse.Namespace) -> int:
    row = _service(args).handoff_done(args.id, _who(args), url=args.url)
    print(_("delivery #{id} ({channel}) recorded as posted by {handed_off_by}", id=row['id'],
            channel=row['channel'], handed_off_by=row['handed_off_by']) + (f": {row['url']}" if row["url"] else ""))
    return 0


def cmd_handoff_sync(args: argparse.Namespace) -> int:
    confirmed = _service(args).sync_handoffs()
    for row, receipt in confirmed:
        print(_("delivery #{id} ({channel}) seen online: {url}", id=row['id'],
                channel=row['channel'], url=receipt.url or '-'))
    if not confirmed:
        print(_("no waiting hand-off has appeared online yet"))
    return 0
