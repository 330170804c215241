"""``outreach users`` (accounts, roles, departments, sessions) and ``outreach audit``.

``--as NAME`` is recorded in the audit log as self-declared: the shell cannot
prove who typed the command.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import settings_from
from ..i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("users", help=_("staff accounts for the web app: add, list, change"),
                           description=_("Create and manage the staff accounts that sign in to "
                                         "the web app (outreach serve). Start with 'outreach "
                                         "users add NAME --role admin'."))
    users.add_argument("--as", "--by", dest="actor", metavar="NAME",
                       help=_("who is working (kept in the activity log as self-declared; "
                              "default $OUTREACH_STAFF or the login name)"))
    usub = users.add_subparsers(dest="users_command", metavar="ACTION")
    usub.required = True

    p = usub.add_parser("add", help=_("create an account (asks for the password)"))
    p.add_argument("name", help=_("sign-in name: lower-case letters, digits, . _ -"))
    p.add_argument("--role", required=True,
                   choices=("admin", "editor", "approver", "officer", "viewer"))
    p.add_argument("--display-name", default="", help=_("the name shown in the app (e.g. 김민지)"))
    p.add_argument("--department", action="append", default=[], metavar="NAME",
                   help=_("department (repeatable; created when new)"))
    p.add_argument("--language", choices=("ko", "en"), help=_("interface language for this user"))
    p.add_argument("--email", help=_("address for notifications"))
    p.add_argument("--password-stdin", action="store_true",
                   help=_("read the password from the first line of standard input"))
    p.set_defaults(handler=cmd_add)

    p = usub.add_parser("list", help=_("every account with role and departments"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_list)

    p = usub.add_parser("set", help=_("change role, name shown, departments; disable or enable"))
    p.add_argument("name")
    p.add_argument("--role", choices=("admin", "editor", "approver", "officer", "viewer"))
    p.add_argument("--display-name")
    p.add_argument("--department", action="append", metavar="NAME",
                   help=_("replace the departments (repeatable)"))
    p.add_argument("--email", help=_("address for notifications ('' removes it)"))
    p.add_argument("--language", choices=("ko", "en", "workspace"),
                   help=_("interface language ('workspace': the workspace's)"))
    state = p.add_mutually_exclusive_group()
    state.add_argument("--disable", action="store_true", help=_("the user can no longer sign in"))
    state.add_argument("--enable", action="store_true")
    p.set_defaults(handler=cmd_set)

    p = usub.add_parser("password", help=_("set a new password (ends the user's sessions)"))
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(handler=cmd_password)

    p = usub.add_parser("sign-out", help=_("end every session of a user (a lost laptop)"))
    p.add_argument("name")
    p.set_defaults(handler=cmd_sign_out)

    p = sub.add_parser("audit", help=_("the activity log: who did what, when"),
                       description=_("Show the activity log, newest first."))
    p.add_argument("--actor", help=_("only this person"))
    p.add_argument("--action", help=_("only this action (user.add) or prefix (user.)"))
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(handler=cmd_audit)


def _open(args):
    from ..store.db import open_database

    settings = settings_from(args)
    return settings, open_database(settings.database_url)


def _actor(args):
    from ..users.audit import Actor

    return Actor.cli(getattr(args, "actor", None))


def _read_password(args, name: str) -> str:
    from ..errors import UserError
    from ..i18n import _

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UserError(_("no terminal to ask for the password: use --password-stdin"))
    import getpass

    first = getpass.getpass(_("Password for {name}: ", name=name))
    if getpass.getpass(_("Same password again: ")) != first:
        raise UserError(_("the two passwords are not the same"))
    return first


def cmd_add(args) -> int:
    from ..i18n import _
    from ..users import accounts
    from ..users.passwords import check_strength

    settings, db = _open(args)
    name = accounts.check_name(args.name)
    password = _read_password(args, name)
    check_strength(password, name=name)
    user = accounts.add_user(db, _actor(args), name, args.role, password,
                             display_name=args.display_name,
                             departments=tuple(args.department), language=args.language,
                             email=args.email)
    print(_("added {name} ({role}); sign in with 'outreach serve' and open the address it "
            "prints", name=user.name, role=args.role))
    return 0


def cmd_list(args) -> int:
    from ..i18n import _
    from ..users import accounts

    _settings, db = _open(args)
    users = accounts.list_users(db)
    if args.json:
        print(json.dumps([{"name": u.name, "display_name": u.display_name, "role": u.role,
                           "email": u.email,
                           "departments": list(u.departments), "disabled": u.disabled,
                           "language": u.language} for u in users],
                         ensure_ascii=False, indent=2))
        return 0
    if not users:
        print(_("no users yet: add the first with 'outreach users add NAME --role admin'"))
    for u in users:
        state = _(" (disabled)") if u.disabled else ""
        depts = ", ".join(u.departments)
        print(f"{u.name}  {u.role}{state}  {u.display_name}  {depts}".rstrip())
    return 0


def cmd_set(args) -> int:
    from ..i18n import _
    from ..users import accounts

    _settings, db = _open(args)
    user = accounts.update_user(
        db, _actor(args), args.name, role=args.role, display_name=args.display_name,
        departments=tuple(args.department) if args.department is not None else None,
        disabled=True if args.disable else False if args.enable else None,
        email=False if args.email is None else args.email,
        language=False if args.language is None else
        (None if args.language == "workspace" else args.language))
    print(_("{name}: {role}", name=user.name, role=user.role)
          + (_(" (disabled)") if user.disabled else ""))
    return 0


def cmd_password(args) -> int:
    from ..i18n import _
    from ..users import accounts

    _settings, db = _open(args)
    user = accounts.get_user(db, args.name)
    accounts.set_password(db, _actor(args), user.name, _read_password(args, user.name))
    print(_("password changed for {name}; their sessions were ended", name=user.name))
    return 0


def cmd_sign_out(args) -> int:
    from ..i18n import ngettext
    from ..users import sessions

    _settings, db = _open(args)
    count = sessions.sign_out_user(db, _actor(args), args.name)
    print(ngettext("ended {n} session", "ended {n} sessions", count))
    return 0


def cmd_audit(args) -> int:
    from ..errors import UserError
    from ..i18n import _, current_language, format_datetime, use_language
    from ..store.users import AuditFilter
    from ..users import audit

    if not 1 <= args.limit <= 10000:
        raise UserError(_("--limit must be between 1 and 10000"))
    settings, db = _open(args)
    # --json is the same in every language: the program's own messages in a row's detail
    # ("imported 2 events from 행사.xlsx") read in English there, as in every --json; the
    # 활동 기록 page still reads them in its reader's language (they are stored as messages)
    with use_language("en" if args.json else current_language()), db.read() as conn:
        rows = audit.entries(conn, AuditFilter(actor=args.actor, action=args.action,
                                               limit=args.limit))
    if args.json:
        print(json.dumps([{"id": e.id, "at": e.at.isoformat(), "actor": e.actor.name,
                           "user_id": e.actor.user_id, "via": e.actor.via,
                           "self_declared": e.actor.self_declared, "action": e.action,
                           "target_type": e.target_type, "target_id": e.target_id,
                           "detail": e.detail} for e in rows], ensure_ascii=False, indent=2))
        return 0
    for e in rows:
        target = f"{e.target_type} {e.target_id}".strip()
        print(f"{format_datetime(e.at, settings.timezone)}  {e.actor.label()}  {e.action}  "
              f"{target}")
    return 0
