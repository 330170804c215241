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

# command-group modules, in the order their commands appear in --help
GROUPS = ("render_cmds", "publish_cmds", "schedule_cmds", "channel_cmds", "inbox_cmds",
          "serve_cmds", "user_cmds", "data_cmds")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="outreach",
        description="A city hall's social media outreach: card news, schedules, publishing, inbox.")
    parser.add_argument("--root", type=Path, default=None,
                        help="workspace folder holding outreach.toml (default: found from the "
                             "current folder upwards, or $OUTREACH_HOME)")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv for debug)")
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from ..logs import setup_logging

    setup_logging(args.verbose)
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
    return int(result or 0)


def settings_from(args: argparse.Namespace):
    """The workspace settings for a parsed command line."""
    from ..config import load_settings
    from ..i18n import set_language

    settings = load_settings(args.root)
    set_language(settings.language)  # the workspace's language for everything printed after
    return settings


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
