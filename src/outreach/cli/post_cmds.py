"""One-off posts from the shell: ``publish --at`` (called from publish_cmds), ``move``, ``cancel``.

Parsing and printing only; the rules live in ``outreach.publishing.oneoff``.
The clock honours ``$OUTREACH_NOW`` like ``run-due``, so rehearsals and
subprocess tests see the same time as the passes that send the post.
"""

from __future__ import annotations

import argparse
import getpass
import os

from . import settings_from
from ..i18n import _


def _who(args: argparse.Namespace) -> str:
    return args.by or os.environ.get("OUTREACH_USER") or getpass.getuser()


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("move", help=_("give a one-off post another time"),
                       description=_("Move one-off post ID (see 'outreach status --schedule "
                                     "post') to another local time, until it starts going out."))
    p.add_argument("id", type=int)
    p.add_argument("--at", required=True, metavar="TIME", help=_("new local time, e.g. "
                                                                 "\"2026-12-03 10:00\""))
    p.add_argument("--by", metavar="NAME", help=_("who decides, for the record"))
    p.set_defaults(handler=cmd_move)

    p = sub.add_parser("cancel", help=_("withdraw a one-off post before it goes out"),
                       description=_("Cancel one-off post ID; none of its channels will get it."))
    p.add_argument("id", type=int)
    p.add_argument("--reason", help=_("why, for the record"))
    p.add_argument("--by", metavar="NAME", help=_("who decides, for the record"))
    p.set_defaults(handler=cmd_cancel)


def _service(args: argparse.Namespace):
    from ..publishing.service import PublishingService
    from ..scheduling.clock import make_clock
    from ..store.db import open_database

    settings = settings_from(args)
    return PublishingService(settings, open_database(settings.database_url),
                             clock=make_clock(None, settings.timezone))


def _when(service, text: str):
    from ..scheduling.clock import parse_instant

    return parse_instant(text, service.settings.timezone, key="--at")


def schedule(service, args: argparse.Namespace, by: str) -> int:
    """``outreach publish TEMPLATE --at TIME``: record the post, render its draft now, report."""
    from ..i18n import _, format_datetime
    from ..publishing import model as m
    from ..publishing.oneoff import PostRequest, schedule_post
    from ..scheduling.clock import make_clock

    if args.dry_run:
        from ..errors import ConfigError

        raise ConfigError(_("--dry-run and --at do not go together: try the dry run first"),
                          key="--at")
    service.clock = make_clock(None, service.settings.timezone)
    request = PostRequest(template=args.template, at=_when(service, args.at),
                          channels=args.channel, data_file=args.data)
    occ_id = schedule_post(service, request, by)
    report = service.prepare_one(occ_id)
    row = service.occurrence(occ_id)
    when = format_datetime(row["scheduled_for"], service.settings.timezone)
    print(_("post #{id} scheduled for {when} by {name}", id=occ_id, when=when, name=by))
    if report.errors:
        print(_("the draft could not be rendered yet; the next pass tries again: {error}",
                error=row["error"] or report.errors[0]))
        return 1
    if row["state"] == m.AWAITING_APPROVAL:
        print(_("draft: {folder}; it waits for approval (outreach approve {id})",
                folder=row["draft_dir"], id=occ_id))
    elif row["draft_dir"]:
        print(_("draft: {folder}; the daemon or run-due sends it at its time",
                folder=row["draft_dir"]))
    return 0


def cmd_move(args: argparse.Namespace) -> int:
    from ..i18n import _, format_datetime
    from ..publishing.oneoff import move_post

    service = _service(args)
    row = move_post(service, args.id, _when(service, args.at), _who(args))
    print(_("post #{id} moved to {when}", id=row["id"],
            when=format_datetime(row["scheduled_for"], service.settings.timezone)))
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    from ..i18n import _
    from ..publishing.oneoff import cancel_post

    row = cancel_post(_service(args), args.id, _who(args), args.reason)
    print(_("post #{id} cancelled: {reason}", id=row["id"], reason=row["decision_reason"]))
    return 0
