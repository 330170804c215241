"""``outreach`` command line: argument parsing and printing only.

Each command group lives in its own module with ``register(subparsers)``; the
handlers import the services they call lazily so ``outreach --help`` stays fast.
Every ``OutreachError`` becomes one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module
from pathlib import Path
from typing import Sequence

from ..errors import OutreachError
from ..i18n import _

# command-group modules, in the order their commands appear in --help
GROUPS = ("render_cmds", "publish_cmds", "schedule_cmds", "channel_cmds", "inbox_cmds",
          "serve_cmds", "user_cmds", "check_cmds", "post_cmds", "data_cmds", "photo_cmds",
          "autopilot_cmds", "metrics_cmds", "survey_cmds", "topics_cmds")


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line like every other error (argparse prints the usage first)."""

    def error(self, message: str):  # type: ignore[override]
        from ..i18n import _

        self.exit(2, _("outreach: error: {message}", message=_(
            "{message} (see {prog} --help)", message=message, prog=self.prog)) + "\n")


def build_parser() -> argparse.ArgumentParser:
    _argparse_words()
    parser = _Parser(
        prog="outreach",
        description=_("A city hall's social media outreach: card news, schedules, publishing, "
                      "inbox."))
    parser.add_argument("--root", type=Path, default=None,
                        help=_("workspace folder holding outreach.toml (default: found from the "
                               "current folder upwards, or $OUTREACH_HOME)"))
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help=_("more log output (-vv for debug)"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for group in GROUPS:
        try:
            module = import_module(f"{__name__}.{group}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{group}":
                continue  # command group not built yet
            raise
        module.register(sub)
    return parser


def _argparse_words() -> None:
    """argparse's own words ("usage:", "options", its usage errors) through our catalogs.

    argparse translates them with the module-level ``_``/``ngettext`` it imported from
    stdlib gettext and looks them up at call time, so pointing those names at
    outreach.i18n gives a Korean workspace a Korean help screen and usage errors; in
    English the ids are argparse's own texts, unchanged. Their translations are in
    clitext.po.
    """
    from .. import i18n

    def plural(singular: str, plural: str, n: int) -> str:  # %-formatted by argparse itself
        found = i18n.catalog(i18n.current_language()).get((singular, plural))
        if isinstance(found, tuple) and found:
            return found[0] if len(found) == 1 or n == 1 else found[1]
        return singular if n == 1 else plural

    argparse._ = i18n.gettext  # type: ignore[attr-defined]
    argparse.ngettext = plural  # type: ignore[attr-defined]


def main(argv: Sequence[str] | None = None) -> int:
    _early_language(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    from ..logs import setup_logging

    setup_logging(args.verbose)
    from ..filemodes import owner_only

    owner_only()  # var/, the database, drafts and hand-offs: the service account's alone
    try:
        result = args.handler(args)
    except OutreachError as exc:
        from ..i18n import _

        print(_("outreach: error: {message}", message=exc), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        from ..i18n import _

        print(_("outreach: interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a full or read-only disk is one line too, never a traceback
        from ..storage import storage_error

        error = storage_error(exc)
        if error is None:
            raise
        from ..i18n import _

        print(_("outreach: error: {message}", message=error), file=sys.stderr)
        return error.exit_code
    return int(result or 0)


def _early_language(argv: Sequence[str]) -> None:
    """Set the workspace's language before the parser is built, so ``--help`` speaks it.

    The top-level ``language`` line of the nearest outreach.toml wins, as in the settings
    loader; without one ``$OUTREACH_LANGUAGE`` (read by i18n) or Korean applies. The
    line is read with a regular expression: loading the settings
    (tomllib, zoneinfo, validation) would cost more than the whole of ``--help``. A
    mistake in the file is reported later by the real loader, with its line.
    """
    import os
    import re

    from ..i18n import set_language

    root: str | None = os.environ.get("OUTREACH_HOME") or None
    for i, arg in enumerate(argv):
        if arg == "--root" and i + 1 < len(argv):
            root = argv[i + 1]
        elif arg.startswith("--root="):
            root = arg.partition("=")[2]
    try:
        here = Path(root) if root else Path.cwd()
        found = next((f / "outreach.toml" for f in (here, *here.resolve().parents)
                      if (f / "outreach.toml").is_file()), None) if not root else \
            (here / "outreach.toml" if (here / "outreach.toml").is_file() else None)
        if found is None:
            return
        with found.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.lstrip().startswith("["):
                    break   # top-level keys only
                match = re.match(r"\s*language\s*=\s*[\"']([A-Za-z_-]+)[\"']", line)
                if match:
                    set_language(match.group(1).lower())
                    break
    except OSError:
        return


def settings_from(args: argparse.Namespace):
    """The workspace settings for a parsed command line."""
    from ..config import load_settings
    from ..i18n import set_language

    settings = load_settings(args.root)
    set_language(settings.language)  # the workspace's language for everything printed after
    if settings.file is None:
        _no_workspace_note(settings.root)
    return settings


def _no_workspace_note(folder: Path) -> None:
    """Outside a workspace the defaults apply: say where, so nobody wonders why their
    schedules, channels or database are not there."""
    from ..i18n import _

    print(_("outreach: note: no outreach.toml in {folder} or the folders above it; using "
            "the defaults with {folder} as the workspace (use --root or $OUTREACH_HOME)",
            folder=folder), file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
