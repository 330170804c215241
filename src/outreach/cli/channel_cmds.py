"""``outreach channels`` (what is configured, what each can do) and ``channels check``.

Parsing and printing only; channels are opened inside the handlers.
"""

from __future__ import annotations

import argparse
import json

from . import settings_from
from ..i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "channels", help=_("configured channels and what each can do"),
        description=_("List the channels configured in outreach.toml: name, platform, whether "
                      "it is enabled, what it can do and its limits. 'outreach channels check' "
                      "verifies credentials, permissions and quota."))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_list)
    csub = p.add_subparsers(dest="channels_command", metavar="SUBCOMMAND")
    c = csub.add_parser(
        "check", help=_("verify credentials, permissions and quota"),
        description=_("Ask each platform whether outreach's credentials still work, have the "
                      "permissions they need and have quota left; say plainly what is wrong and "
                      "how to fix it. Exit status 1 when anything is wrong."))
    c.add_argument("name", nargs="*", help=_("only these channels (default: every enabled "
                                             "channel)"))
    c.add_argument("--json", action="store_true", help=_("machine-readable output"))
    c.set_defaults(handler=cmd_check)


def _describe(settings, name: str) -> dict:
    from ..channels import channel_class

    config = settings.channels[name]
    cls = channel_class(config.type)
    limits = {k: v for k, v in vars(cls.limits).items() if v not in (None, ())}
    mode = config.settings.get("publish") if config.type == "kakao" else None
    quota = config.settings.get("daily_posts", cls.daily_posts)
    return {"name": name, "type": config.type, "enabled": config.enabled,
            "description": cls.description, "mode": mode,
            "capabilities": sorted(c.value for c in cls.capabilities), "limits": limits,
            "daily_posts": quota, "cost": _cost(config.type, mode, config.settings)}


def _cost(ctype: str, mode: object, settings) -> dict:
    """What a post costs, read from settings only (no secrets, no files).

    Plain data with stable keys for ``--json``; ``_cost_words`` says it to a person.
    """
    if ctype == "kakao" and mode == "brand_message":
        return {"per": "recipient", "krw": settings.get("price_per_message")}
    return {"per": None, "krw": 0}


def _cost_words(cost: dict) -> str:
    from ..i18n import _

    if cost["per"] == "recipient":
        if cost["krw"] is None:
            return _("per recipient through the dealer: set price_per_message")
        return _("{price} KRW per recipient through the dealer", price=cost["krw"])
    return _("free")


def cmd_list(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    rows = [_describe(settings, n) for n in settings.channels]
    if args.json:
        from ..i18n import use_language

        with use_language("en"):  # --json is the same in every language: English values
            rows = [_describe(settings, n) for n in settings.channels]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(_("no channels configured: add [channels.NAME] tables to outreach.toml"))
        return 0
    for row in rows:
        state = "" if row["enabled"] else _("  (disabled)")
        print(f"{row['name']}  [{row['type']}]{state}")
        print(f"    {row['description']}")
        print(_("    can: {capabilities}", capabilities=', '.join(row['capabilities']) or '-'))
        if row["limits"]:
            print(_("    limits: ") + ", ".join(f"{k}={_fmt(v)}" for k, v in row["limits"].items()))
        quota = _(", {n} posts / 24 h", n=row['daily_posts']) if row["daily_posts"] else ""
        print(_("    cost: {cost}{quota}", cost=_cost_words(row['cost']), quota=quota))
    return 0


def _fmt(value: object) -> str:
    if isinstance(value, tuple):
        return "/".join(map(str, value))
    if isinstance(value, int) and value >= 100_000:
        return f"{value / 1_000_000:g}MB" if value % 100_000 == 0 else str(value)
    return str(value)


def cmd_check(args: argparse.Namespace) -> int:
    from ..errors import ConfigError
    from ..model import CheckResult
    from ..publishing.health import as_dict, check_channels
    from ..store.db import open_database

    settings = settings_from(args)
    names = args.name or [n for n, c in settings.channels.items() if c.enabled]
    unknown = [n for n in names if n not in settings.channels]
    if unknown:
        raise ConfigError(_("no channel named {unknown!r} is configured (configured: {channels})",
                            unknown=unknown[0], channels=', '.join(settings.channels) or 'none'),
                          file=settings.file or "outreach.toml", key="channels")
    from ..i18n import current_language, use_language

    db = open_database(settings.database_url)   # results are kept for the channels page
    # --json is the same in every language: the checks speak English then; what is stored
    # is language-independent (i18n.Text), so the channels page still reads in its reader's
    try:
        with use_language("en" if args.json else current_language()):
            report: dict[str, list[CheckResult]] = check_channels(settings, db, names)
    finally:
        db.dispose()
    bad = any(not r.ok for results in report.values() for r in results)
    if args.json:
        print(json.dumps({n: [as_dict(r) for r in rs] for n, rs in report.items()},
                         ensure_ascii=False, indent=2))
        return 1 if bad else 0
    for name, results in report.items():
        print(name)
        for r in results:
            line = f"  {_('ok  ') if r.ok else _('FAIL')} {r.what}"
            if not r.ok and r.fix:
                line += f": {r.fix}"
            print(line)
    print(_("something needs attention (FAIL above)") if bad else _("all channels ok"))
    return 1 if bad else 0
