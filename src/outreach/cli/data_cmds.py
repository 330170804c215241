"""``outreach data import|export|history|restore``: a template's data for a scheduled date."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from ..i18n import _


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a date: {text!r} (write 2026-12-03)", text=text)) from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help=_("import, export and restore a template's data for a date"),
                       description=_("The data file a schedule publishes on a date "
                                     "(content/NAME/DATE.yaml): fill its list from a "
                                     "spreadsheet, export it, see and restore its history."))
    dsub = p.add_subparsers(dest="data_command", metavar="ACTION")
    dsub.required = True

    imp = dsub.add_parser("import", help=_("fill a list field (events) from .xlsx or .csv"))
    imp.add_argument("name", metavar="TEMPLATE")
    imp.add_argument("sheet", type=Path, metavar="FILE", help=_(".xlsx, or .csv (CP949 or UTF-8)"))
    imp.add_argument("--date", type=_day, required=True, help=_("publishing date, e.g. "
                                                                "2026-12-03"))
    imp.add_argument("--field", help=_("the list field to fill (default: the template's list)"))
    imp.add_argument("--as", dest="actor", metavar="NAME", help=_("who is importing (activity "
                                                                  "log)"))
    imp.set_defaults(handler=cmd_import)

    exp = dsub.add_parser("export", help=_("write a list field to .xlsx or .csv"))
    exp.add_argument("name", metavar="TEMPLATE")
    exp.add_argument("--date", type=_day, required=True)
    exp.add_argument("--out", type=Path, metavar="FILE",
                     help=_("target .xlsx or .csv (default: NAME-DATE.xlsx here)"))
    exp.add_argument("--field")
    exp.set_defaults(handler=cmd_export)

    his = dsub.add_parser("history", help=_("who changed the data of a date, what and when"))
    his.add_argument("name", metavar="TEMPLATE")
    his.add_argument("--date", type=_day, required=True)
    his.set_defaults(handler=cmd_history)

    res = dsub.add_parser("restore", help=_("make an earlier version the current one"))
    res.add_argument("name", metavar="TEMPLATE")
    res.add_argument("version", type=int)
    res.add_argument("--date", type=_day, required=True)
    res.add_argument("--as", dest="actor", metavar="NAME", help=_("who is restoring (activity "
                                                                  "log)"))
    res.set_defaults(handler=cmd_restore)


def _actor(args: argparse.Namespace):
    """Who is acting, as the shell can tell (self-declared: ``--as``, $OUTREACH_STAFF, login)."""
    from ..users.audit import Actor

    return Actor.cli(getattr(args, "actor", None))


def _service(args: argparse.Namespace, with_db: bool = False):
    from ..studio.service import StudioService
    from . import settings_from

    settings = settings_from(args)
    db = None
    if with_db:
        from ..store.db import open_database

        db = open_database(settings.database_url)
    return settings, StudioService(settings, db)


def _shown(settings, path: Path) -> str:
    try:
        return str(path.relative_to(settings.root))
    except ValueError:
        return str(path)


def cmd_import(args: argparse.Namespace) -> int:
    from ..i18n import _

    settings, studio = _service(args, with_db=True)
    version, spec, count = studio.import_sheet(args.name, args.date, args.sheet,
                                               actor=_actor(args), field=args.field)
    target = studio.data_file(args.name, args.date)
    print(_("imported {n} rows into {field} of {file}", n=count, field=spec.name,
            file=_shown(settings, target)))
    if version is None:
        print(_("nothing changed"))
    else:
        print(_("saved as version {n}", n=version.number))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ..i18n import _

    settings, studio = _service(args)
    out = args.out or Path(f"{args.name}-{args.date}.xlsx")
    path = studio.export_sheet(args.name, args.date, out, field=args.field)
    print(_("wrote {file}", file=path))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from ..i18n import _, format_datetime

    settings, studio = _service(args)
    versions = studio.history(args.name, args.date)
    if not versions:
        print(_("no saved versions yet"))
        return 0
    for v in versions:
        what = ", ".join(v.changes[:6]) + (" …" if len(v.changes) > 6 else "")
        note = f" ({v.note})" if v.note else ""
        print(_("version {n}  {when}  {who}: {what}{note}", n=v.number,
                when=format_datetime(v.at, settings.timezone), who=v.by, what=what or "-",
                note=note))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from ..i18n import _

    settings, studio = _service(args, with_db=True)
    version = studio.restore(args.name, args.date, args.version, actor=_actor(args))
    print(_("restored version {old} as version {new}", old=args.version, new=version.number))
    return 0
