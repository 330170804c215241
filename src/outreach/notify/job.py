"""One notification pass: find events, record the new ones, mail what is due.

Called by every scheduling pass (the daemon's minute tick and cron's
``run-due``) after the ledger's work, never from a web request. Recipients are
the staff accounts whose role holds the permission the event needs (and that
have an e-mail address), plus the fixed addresses ``[notifications.to]`` gives
for such roles.

An event's subject and body are stored language-independently (``i18n.stored``:
a cron job run in English and the daemon in Korean record the same row) and are
put into words when mailed, once per language among the recipients: each staff
account reads its own language (사용자 > 언어), the fixed addresses and accounts
without one the workspace's. With recipients of two languages a notification is two
mails, one per group; each group's mail is claimed and recorded on its own
(``send_groups``), so when the second fails only that group is tried again, and a
group whose pass died between the send and recording it is never mailed again (at
most once per group; docs/publishing.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterable

from ..config import Settings
from ..errors import OutreachError
from ..i18n import recording, shown, use_language
from ..logs import log, redact
from ..store.db import Database
from ..store.desk import DeskQueries
from ..store.notify import (BUSY, CLAIMED, DONE, FAILED, LOST, NOBODY, PENDING, SENT, UNKNOWN,
                            NotificationStore)
from ..users.roles import can
from . import mail
from .events import collect
from .settings import NotifySettings, notify_settings

logger = logging.getLogger("outreach.notify")
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)


@dataclass
class GroupsOutcome:
    """What ``send_groups`` did: languages mailed (now or before), of unknown outcome,
    held by another pass, and the errors of the ones that failed (language, error)."""
    sent: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    mailed_now: int = 0


def send_groups(store: NotificationStore, notice: str, groups: dict[str, list[str]],
                send: Callable[[str, list[str]], None], now: Callable[[], datetime]
                ) -> GroupsOutcome:
    """Mail each group (language -> addresses) of ``notice`` that was not mailed before:
    claim it, ``send(language, addresses)``, record it right after. A refused or
    unreachable send (OutreachError) is recorded ``failed`` and the other groups still go;
    a later call sends the failed ones only."""
    out = GroupsOutcome()
    for language, group in sorted(groups.items()):
        found = store.claim_group(notice, language, ",".join(group), now(), now() + LEASE)
        if found == DONE:
            out.sent.append(language)
            continue
        if found == LOST:
            out.unknown.append(language)
            continue
        if found == BUSY:
            out.busy.append(language)
            continue
        assert found == CLAIMED, found
        try:
            send(language, group)
        except OutreachError as exc:   # refused, unreachable, password variable unset
            error = redact(str(exc))
            store.group_failed(notice, language, error)
            out.failed.append((language, error))
            continue
        store.group_sent(notice, language, now())
        out.sent.append(language)
        out.mailed_now += 1
    return out



@dataclass
class NotifyReport:
    recorded: int = 0
    sent: int = 0
    failed: int = 0
    nobody: int = 0
    errors: list[str] = field(default_factory=list)


def recipients(options: NotifySettings, permissions: Iterable[str],
               staff: Iterable[tuple]) -> list[str]:
    """Addresses of the roles holding any of ``permissions``: staff accounts and fixed ones."""
    return sorted({a for group in by_language(options, permissions, staff, "").values()
                   for a in group})


def by_language(options: NotifySettings, permissions: Iterable[str], staff: Iterable[tuple],
                default: str) -> dict[str, list[str]]:
    """``recipients`` by the language each reads: a staff account's own (``staff``: role,
    e-mail and language), else ``default`` (the fixed addresses too). An address listed
    twice reads the language it was first given (the fixed addresses' first)."""
    wanted = list(permissions)

    def acts(role: str) -> bool:
        return any(can(role, p) for p in wanted)

    found = [(a, default) for role, addresses in options.to.items() if acts(role)
             for a in addresses]
    found += [(entry[1], (entry[2] if len(entry) > 2 else None) or default)
              for entry in staff if acts(entry[0])]
    language: dict[str, str] = {}
    for address, lang in found:
        if address and "@" in address:
            language.setdefault(address.strip(), lang)
    groups: dict[str, list[str]] = {}
    for address in sorted(language):
        groups.setdefault(language[address], []).append(address)
    return groups


def run(settings: Settings, db: Database, schedules: Iterable,
        now: Callable[[], datetime]) -> NotifyReport | None:
    """Record and send; None when notifications are off. Never raises for one bad mail."""
    options = notify_settings(settings)
    if options is None:
        return None
    report = NotifyReport()
    store = NotificationStore(db)
    with use_language(settings.language), recording():   # stored: read in each reader's
        events = collect(settings, options, DeskQueries(db), store, schedules, now())
    report.recorded = store.record((e.as_dict() for e in events), now())
    due = store.due(now())
    staff = store.staff_addresses() if due else []
    for row in due:
        if not store.claim(row["id"], now(), now() + LEASE):
            continue   # another pass took it
        groups = by_language(options, row["roles"].split(","), staff, settings.language)
        to = sorted(a for group in groups.values() for a in group)
        if not to:
            store.finish(row["id"], NOBODY, now(), error="no staff account allowed to "
                         f"{row['roles']} has an e-mail address")
            report.nobody += 1
            log(logger, logging.WARNING, "notification has no recipient", key=row["key"],
                roles=row["roles"])
            continue

        def send(language: str, group: list[str], row=row) -> None:
            with use_language(language):
                subject, body = shown(row["subject"]), shown(row["body"])
            mail.send(settings, options.smtp,
                      mail.build(options.smtp, group, subject, body, row["link"]))

        out = send_groups(store, f"notification:{row['id']}", groups, send, now)
        mailed = ", ".join(a for language in out.sent for a in groups[language])
        if out.failed or out.busy:
            attempts = row["attempts"] + 1
            error = "; ".join(f"{language}: {e}" for language, e in out.failed) or (
                "another pass is sending it")
            if out.failed and attempts >= MAX_ATTEMPTS:
                store.finish(row["id"], FAILED, now(), error=error, recipients=mailed)
            else:
                store.finish(row["id"], PENDING, now(), error=error, recipients=mailed,
                             retry_at=now() + (timedelta(minutes=5 * 2 ** attempts)
                                               if out.failed else LEASE))
            if out.failed:
                report.failed += 1
                report.errors.append(f"{row['key']}: {error}")
                log(logger, logging.ERROR, "notification not sent", key=row["key"],
                    error=error)
            continue
        if out.unknown:
            store.finish(row["id"], UNKNOWN, now(), recipients=mailed, error=(
                "outcome unknown for the " + ", ".join(out.unknown) + " group: the pass "
                "that sent it stopped before recording it; not sent again"))
            log(logger, logging.WARNING, "notification outcome unknown", key=row["key"],
                groups=",".join(out.unknown))
            continue
        store.finish(row["id"], SENT, now(), recipients=", ".join(to))
        report.sent += 1
        log(logger, logging.INFO, "notification sent", key=row["key"], to=len(to))
    from ..inbox.overdue import notify_overdue   # inbox items past a deadline, once each
    try:
        report.sent += notify_overdue(settings, db, options, now())
    except OutreachError as exc:
        report.failed += 1
        report.errors.append(f"inbox overdue: {redact(str(exc))}")
        log(logger, logging.ERROR, "overdue notice not sent", error=redact(str(exc)))
    return report
