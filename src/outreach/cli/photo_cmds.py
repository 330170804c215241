"""``outreach photos prepare``: working copies of the photos data files name (``render.working``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("photos", help=_("prepare the photos of a template's data for rendering"),
                       description=_("Photos are kept as uploaded; beside each one, a working "
                                     "copy (.working/ in its folder) scaled to the largest "
                                     "layer that draws it makes rendering faster."))
    psub = p.add_subparsers(dest="photos_command", metavar="ACTION")
    psub.required = True
    prep = psub.add_parser("prepare", help=_("make the working copies of the photos data files "
                                             "name"))
    prep.add_argument("name", metavar="TEMPLATE")
    prep.add_argument("data", type=Path, nargs="*", metavar="DATAFILE",
                      help=_("data files (default: the template's sample and every data file "
                             "in the folder its schedule writes)"))
    prep.set_defaults(handler=cmd_prepare)


def cmd_prepare(args: argparse.Namespace) -> int:
    from datetime import date

    from ..render import working
    from ..render.data import check_data, load_data
    from ..studio.service import StudioService
    from . import settings_from

    settings = settings_from(args)
    studio = StudioService(settings)
    tpl = studio.template(args.name)
    sources = [Path(p) for p in args.data]
    if not sources:
        folder = studio.data_file(args.name, date.today()).parent
        sources = [tpl.sample, *sorted(folder.glob("*.yaml"))] if folder.is_dir() else [tpl.sample]
    made = kept = 0
    seen: set[Path] = set()
    folders: dict[Path, None] = {}
    for source in sources:
        raw = load_data(source)
        values = check_data(tpl.fields, raw, source=source, media=studio.media(source))
        for fields, done in studio.prepare_photos(args.name, values, strict=True):
            if done.original in seen:
                continue
            seen.add(done.original)
            folders.setdefault(Path(done.original).resolve().parent)
            shown = _shown(settings.root, done.original)
            if done.copy is None:
                print(_("{photo} ({fields}): {w}x{h}, a baseline JPEG no larger than needed: "
                        "rendered as it is", photo=shown, fields=fields, w=done.natural[0],
                        h=done.natural[1]))
                continue
            made += done.made
            kept += not done.made
            said = (_("{photo} ({fields}): made {copy}, {w}x{h} of {nw}x{nh}") if done.made
                    else _("{photo} ({fields}): kept {copy}, {w}x{h} of {nw}x{nh}"))
            print(said.format(photo=shown, fields=fields, copy=_shown(settings.root, done.copy),
                              w=done.size[0], h=done.size[1], nw=done.natural[0],
                              nh=done.natural[1]))
    # copies of originals since replaced or deleted, in the folders visited (only there)
    removed = 0
    for folder in folders:
        for gone in working.prune(folder):
            removed += 1
            print(_("removed {copy}: its photo is no longer in {folder}",
                    copy=_shown(settings.root, gone), folder=_shown(settings.root, folder)))
    print(_("{removed} stale working copies removed", removed=removed))
    print(_("{made} working copies made, {kept} already up to date", made=made, kept=kept))
    return 0


def _shown(root: Path, path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)
