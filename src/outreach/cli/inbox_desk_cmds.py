"""``outreach inbox report`` and the transfer commands: parsing and printing only.

Registered into the ``inbox`` group by ``inbox_cmds.register`` (one call), so the
report and transfers keep their own module. Figures come from
``outreach.inbox.report`` (the same service as the web's report page).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from ..i18n import _, format_datetime


def register_inbox(isub: argparse._SubParsersAction) -> None:
    p = isub.add_parser("report", help=_("the month's figures a city can publish (CSV/XLSX too)"),
                        description=_("Received, answered, resolved and overdue complaints, "
                                      "p50/p90 times to first answer and resolution (working "
                                      "hours and wall-clock), by channel, department, category, "
                                      "kind and month; spam, hidden items and non-complaints "
                                      "apart."))
    p.add_argument("--month", metavar="YYYY-MM", help=_("a calendar month (default: this month)"))
    p.add_argument("--since", metavar="DATE", help=_("first day of a date range (YYYY-MM-DD)"))
    p.add_argument("--until", metavar="DATE", help=_("last day of a date range (included)"))
    p.add_argument("--xlsx", type=Path, metavar="FILE", help=_("also write an Excel workbook"))
    p.add_argument("--csv", type=Path, metavar="FILE", help=_("also write the figures as CSV"))
    p.add_argument("--items-csv", type=Path, metavar="FILE",
                   help=_("also write one row per item (masked) as CSV"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_report)

    p = isub.add_parser("transfer", help=_("ask another department to take an item"))
    p.add_argument("id")
    p.add_argument("department")
    p.add_argument("--reason", required=True, help=_("why the other department should take it"))
    p.set_defaults(handler=cmd_transfer)

    p = isub.add_parser("transfers", help=_("transfers waiting for an answer"))
    p.add_argument("--to", metavar="DEPARTMENT", action="append",
                   help=_("only those addressed to this department (repeatable)"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_transfers)

    p = isub.add_parser("accept", help=_("take a transferred item into your department"))
    p.add_argument("transfer_id", type=int)
    p.add_argument("--note", default="")
    p.set_defaults(handler=cmd_accept)

    p = isub.add_parser("send-back", help=_("decline a transfer (the item stays where it was)"))
    p.add_argument("transfer_id", type=int)
    p.add_argument("--reason", required=True)
    p.set_defaults(handler=cmd_send_back)


def _period(args, settings):
    from ..errors import InboxError
    from ..i18n import _
    from ..inbox.report import default_period, month_period, range_period
    from ..store.inbox import utcnow

    if args.month and (args.since or args.until):
        raise InboxError(_("use either --month or --since/--until, not both"))
    if args.month:
        return month_period(args.month)
    if args.since or args.until:
        if not (args.since and args.until):
            raise InboxError(_("a date range needs both --since and --until (YYYY-MM-DD)"))
        return range_period(args.since, args.until)
    return default_period(utcnow(), settings.timezone)


def cmd_report(args) -> int:
    from ..i18n import _
    from ..inbox.report import inbox_report
    from ..inbox.report_export import figure_rows, items_csv, write_csv, write_xlsx
    from ..inbox.settings import inbox_config
    from .inbox_cmds import _open, _print_json

    settings, db = _open(args)
    working = inbox_config(settings).working
    period = _period(args, settings)
    if args.xlsx:
        report = write_xlsx(db, working, period, args.xlsx)
    elif args.items_csv:
        with args.items_csv.open("w", encoding="utf-8", newline="") as fh:
            report = items_csv(db, working, period, fh)
    else:
        report = inbox_report(db, working, period)
    if args.xlsx and args.items_csv:
        with args.items_csv.open("w", encoding="utf-8", newline="") as fh:
            items_csv(db, working, period, fh)
    if args.csv:
        with args.csv.open("w", encoding="utf-8", newline="") as fh:
            write_csv(report, fh)
    if args.json:
        _print_json(report.as_json())
        return 0
    rows = figure_rows(report)
    print(_("Inbox figures {period} (made {at})", period=report.period.label,
            at=format_datetime(report.generated_at)))
    header = rows[0]
    for row in rows[1:]:
        if len(row) == 3:                      # counted apart: a single count
            print(f"[{row[0]}] {row[1]}: {row[2]}")
            continue
        cells = [f"{h}: {v}" for h, v in zip(header[2:], row[2:]) if v is not None]
        print(f"[{row[0]}] {row[1]}  " + ", ".join(cells))
    for path in (args.xlsx, args.csv, args.items_csv):
        if path:
            print(_("written: {path}", path=path))
    return 0


def _transfers(args):
    from ..inbox.transfers import Transfers
    from .inbox_cmds import _inbox

    return Transfers(_inbox(args))


def cmd_transfer(args) -> int:
    from ..i18n import _

    transfer_id = _transfers(args).request(args.id, args.department, args.reason)
    print(_("transfer {id}: item {item} asked to move to {department}", id=transfer_id,
            item=args.id, department=args.department))
    return 0


def cmd_transfers(args) -> int:
    from ..i18n import _
    from ..inbox.masking import mask
    from .inbox_cmds import _print_json

    rows = _transfers(args).pending(args.to)
    if args.json:
        _print_json([{"id": r.id, "item": r.item_id, "from": r.from_department,
                      "to": r.to_department, "reason": r.reason, "by": r.requested_by,
                      "at": r.requested_at.isoformat(), "text": mask(r.text)} for r in rows])
        return 0
    if not rows:
        print(_("no transfers waiting"))
    for r in rows:
        print(_("#{id} item {item}: {source} -> {target} ({by}): {reason}", id=r.id,
                item=r.item_id, source=r.from_department or "-", target=r.to_department,
                by=r.requested_by, reason=r.reason))
    return 0


def cmd_accept(args) -> int:
    from ..i18n import _

    _transfers(args).accept(args.transfer_id, args.note)
    print(_("transfer {id} accepted", id=args.transfer_id))
    return 0


def cmd_send_back(args) -> int:
    from ..i18n import _

    _transfers(args).send_back(args.transfer_id, args.reason)
    print(_("transfer {id} sent back", id=args.transfer_id))
    return 0
