"""``outreach metrics collect|show`` and ``outreach report``: post analytics and the monthly report."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from ..i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("metrics", help=_("how each post did on each channel"),
                       description=_("Figures of delivered posts, read from each platform's "
                                     "insights API at set ages ([metrics] ages)."))
    msub = p.add_subparsers(dest="metrics_command", metavar="ACTION")
    msub.required = True
    col = msub.add_parser("collect", help=_("take the snapshots that are due (for cron)"))
    col.add_argument("--channel", action="append", help=_("only this channel (repeatable)"))
    col.add_argument("--json", action="store_true")
    col.set_defaults(handler=cmd_collect)
    show = msub.add_parser("show", help=_("figures per post, channel, schedule and date range"))
    show.add_argument("--post", type=int, help=_("one post (run id)"))
    show.add_argument("--channel")
    show.add_argument("--schedule")
    show.add_argument("--month", help=_("YYYY-MM (default: this month)"))
    show.add_argument("--since", type=date.fromisoformat, help=_("first day, YYYY-MM-DD"))
    show.add_argument("--until", type=date.fromisoformat, help=_("last day, YYYY-MM-DD"))
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_show)

    rep = sub.add_parser("report", help=_("the monthly outreach report (HTML, XLSX, charts)"))
    rep.add_argument("--month", required=True, help="YYYY-MM")
    rep.add_argument("--out", type=Path, required=True, metavar="DIR")
    rep.add_argument("--json", action="store_true")
    rep.set_defaults(handler=cmd_report)


def _open(args):
    from . import settings_from
    from ..store.db import open_database

    settings = settings_from(args)
    return settings, open_database(settings.database_url)


def cmd_collect(args) -> int:
    from ..i18n import _
    from ..metrics.collect import collect

    settings, db = _open(args)
    from datetime import timezone

    result = collect(settings, db, datetime.now(timezone.utc), channels=args.channel)
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return 0
    print(_("{snapshots} snapshots taken, {missed} missed, {followers} follower counts",
            snapshots=result.snapshots, missed=result.missed, followers=result.followers))
    for name, why in result.stopped.items():
        print(_("{channel}: stopped for now: {why}", channel=name, why=why))
    return 0


def _range(settings, args) -> tuple[datetime, datetime]:
    from ..inbox.report import month_period, range_period

    tz = settings.timezone
    if args.since or args.until:
        today = datetime.now(tz).date()
        period = range_period(args.since or today - timedelta(days=30), args.until or today)
    elif args.month:
        period = month_period(args.month)
    else:
        now = datetime.now(tz)
        period = month_period(f"{now.year:04d}-{now.month:02d}")
    return (datetime.combine(period.first, time(0), tz),
            datetime.combine(period.last + timedelta(days=1), time(0), tz))


def cmd_show(args) -> int:
    from ..i18n import _, format_datetime
    from ..metrics.figures import post_figures

    settings, db = _open(args)
    since, until = _range(settings, args)
    rows = post_figures(db, since, until, channel=args.channel, schedule=args.schedule,
                        occurrence_id=args.post)
    if args.json:
        print(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(_("no delivered posts in this range"))
        return 0
    for r in rows:
        figures = ", ".join(f"{k} {v if v is not None else _('not available')}"
                            for k, v in sorted(r.values.items())) or _("no figures yet")
        print(f"#{r.occurrence_id} {r.channel:<12} {format_datetime(r.sent, settings.timezone)} "
              f"[{r.age or '-'}{'*' if r.provisional else ''}] {figures}")
        for name, why in sorted(r.reasons.items()):
            print("    " + _("{name}: {why}", name=name, why=why))
    return 0


def cmd_report(args) -> int:
    from ..i18n import _
    from ..metrics.report import monthly_report
    from ..metrics.report_files import write_report

    settings, db = _open(args)
    report = monthly_report(settings, db, args.month)
    files = write_report(report, args.out)
    if args.json:
        print(json.dumps({"files": [str(f) for f in files], "report": report.as_json()},
                         ensure_ascii=False, indent=2, default=str))
    else:
        for f in files:
            print(_("wrote {path}", path=f))
    return 0
