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
most once per group; docs/publishing.md). Addresses the server refused while it took the
group's mail for the others are recorded with its answer: a temporary refusal (4xx) is
mailed again to that address alone on a later pass (claimed and recorded the same way:
at most once per address), a permanent one (5xx) is not and shows on 알림 발송 기록.
An address is mailed again only while it still is a recipient of the notice (else it is
``dropped``). The tries are counted apart: the notification's ``attempts`` are its
groups' tries (MAX_ATTEMPTS, then a failed group is given up), a failed group waits for
its own retry time, and a refused address counts its own tries in its own row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Mapping

from ..config import Settings
from ..errors import OutreachError
from ..i18n import recording, shown, use_language
from ..inbox.masking import mask
from ..logs import log, redact
from ..store.db import Database
from ..store.desk import DeskQueries
from ..store.notify import (BUSY, CLAIMED, DEFERRED, DONE, FAILED, LOST, NOBODY, PENDING,
                            REFUSED, SENDING, SENT, UNKNOWN, NotificationStore)
from ..users.roles import can
from . import mail
from .events import collect
from .settings import NotifySettings, notify_settings

logger = logging.getLogger("outreach.notify")
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)


def retry_delay(attempts: int) -> timedelta:
    """How long after its ``attempts``-th try a failed mail is tried again: 10, 20, 40, 80
    minutes (a group's, through its notification row, and a refused address's)."""
    return timedelta(minutes=5 * 2 ** attempts)


@dataclass
class GroupsOutcome:
    """What ``send_groups`` did: languages mailed (now or before), of unknown outcome,
    held by another pass (languages, or addresses being mailed again), and the errors of
    the ones that failed (language, error). Of the addresses the server refused: those
    waiting to be tried again (``deferred``: address, reply; the earliest at
    ``retry_at``), those that will not get it (``refused``: address, reply; refused for
    good or still refused after MAX_ATTEMPTS tries), ``refused_now`` the ones of those
    recorded by this call, ``lost``: addresses of unknown outcome, ``dropped``: addresses
    not mailed again because they no longer are recipients of the notice. ``tried``: a
    group was mailed or tried by this call; ``waiting``: groups that failed before and wait
    for their retry time (language, error; the earliest at ``groups_retry_at``, which
    also holds the retry time of the ones that failed now)."""
    sent: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    tried: bool = False
    waiting: list[tuple[str, str]] = field(default_factory=list)
    groups_retry_at: datetime | None = None
    dropped: list[str] = field(default_factory=list)
    mailed_now: int = 0
    deferred: list[tuple[str, str]] = field(default_factory=list)
    retry_at: datetime | None = None
    refused: list[tuple[str, str]] = field(default_factory=list)
    refused_now: list[tuple[str, str]] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    #: every address with a refusal that has not got the notice (yet)
    missing: set[str] = field(default_factory=set)


def _reply(code: int | None, reply: str | None) -> str:
    return " ".join(str(p) for p in (code, reply) if p not in (None, ""))


def _judged(refused: Mapping[str, tuple[int, str]], attempts: int,
            now: datetime) -> dict[str, dict[str, Any]]:
    """What becomes of each refused address after its ``attempts``-th try: a temporary
    refusal (4xx) is tried again after ``retry_delay`` (FAILED after MAX_ATTEMPTS tries),
    any other code is a permanent refusal. The reply is redacted like every error."""
    judged = {}
    for address, (code, reply) in refused.items():
        later = (_again(attempts, now) if 400 <= code < 500
                 else dict(state=REFUSED, next_attempt_at=None))
        judged[address] = dict(address=address, code=code, reply=redact(reply), **later)
    return judged


def _again(attempts: int, now: datetime) -> dict[str, Any]:
    """State and retry time of an address not mailed for a passing reason, after its
    ``attempts``-th try: tried again after ``retry_delay``, FAILED after MAX_ATTEMPTS."""
    if attempts < MAX_ATTEMPTS:
        return dict(state=DEFERRED, next_attempt_at=now + retry_delay(attempts))
    return dict(state=FAILED, next_attempt_at=None)


def _earliest(*times: datetime | None) -> datetime | None:
    return min((t for t in times if t is not None), default=None)


def send_groups(store: NotificationStore, notice: str, groups: dict[str, list[str]],
                send: Callable[[str, list[str]], Mapping[str, tuple[int, str]] | None],
                now: Callable[[], datetime],
                group_retry_at: datetime | None = None) -> GroupsOutcome:
    """Mail each group (language -> addresses) of ``notice`` that was not mailed before:
    claim it, ``send(language, addresses)``, record it right after. A refused or
    unreachable send (OutreachError) is recorded ``failed`` and the other groups still go;
    a later call sends the failed ones only, from ``group_retry_at`` (None: whenever it
    comes). ``send`` returns the addresses the server refused while it took the mail for
    the others (``mail.send``): recorded with the group, and the temporarily refused ones
    whose retry time has come are mailed again, alone, by a later call, if they still are
    in ``groups`` (the notice's recipients now); else they are ``dropped``."""
    out = GroupsOutcome()
    for language, group in sorted(groups.items()):
        found = store.claim_group(notice, language, ",".join(group), now(), now() + LEASE)
        if found == FAILED:     # failed before, its retry time has not come
            row = store.groups(notice)[language]
            out.waiting.append((language, row["error"] or ""))
            out.groups_retry_at = _earliest(out.groups_retry_at, row["next_attempt_at"])
            continue
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
        out.tried = True
        try:
            refused = send(language, group) or {}
        except OutreachError as exc:   # refused, unreachable, password variable unset
            error = redact(str(exc))
            store.group_failed(notice, language, error, group_retry_at)
            out.failed.append((language, error))
            out.groups_retry_at = _earliest(out.groups_retry_at, group_retry_at)
            continue
        judged = _judged(refused, 1, now())
        store.group_sent(notice, language, now(), judged.values())
        out.sent.append(language)
        out.mailed_now += 1
        out.refused_now += [(a, _reply(j["code"], j["reply"])) for a, j in judged.items()
                            if j["state"] != DEFERRED]
    _retry_refused(store, notice, groups, send, now, out)
    for address, row in sorted(store.refusals(notice).items()):
        reply = _reply(row["code"], row["reply"])
        if row["state"] != SENT:
            out.missing.add(address)
        if row["state"] == DEFERRED:
            out.deferred.append((address, reply))
            out.retry_at = _earliest(out.retry_at, row["next_attempt_at"])
        elif row["state"] in (REFUSED, FAILED):
            out.refused.append((address, reply))
        elif row["state"] == UNKNOWN:
            out.lost.append(address)
        elif row["state"] == SENDING:
            out.busy.append(address)
    return out


def _retry_refused(store: NotificationStore, notice: str, groups: Mapping[str, list[str]],
                   send: Callable[[str, list[str]], Mapping[str, tuple[int, str]] | None],
                   now: Callable[[], datetime], out: GroupsOutcome) -> None:
    """Mail the temporarily refused addresses of ``notice`` whose time has come, one mail
    per language (the one each reads now) to them alone, each address claimed first and
    recorded right after. One that no longer is among the notice's recipients (``groups``,
    worked out by this pass: account disabled or deleted, role or permission gone, fixed
    address removed from [notifications.to]) is settled ``dropped``, never mailed."""
    reads = {a: language for language, group in groups.items() for a in group}
    due = [a for a, r in store.refusals(notice).items()
           if r["state"] == DEFERRED and r["next_attempt_at"] <= now()]
    out.dropped += store.drop_refused(notice, sorted(a for a in due if a not in reads), now())
    claimed: dict[str, list[str]] = {}
    for addresses in store.claim_refused(notice, now(), now() + LEASE, reads).values():
        for address in addresses:
            claimed.setdefault(reads[address], []).append(address)
    if not claimed:
        return
    attempts = {a: r["attempts"] for a, r in store.refusals(notice).items()}
    for language, addresses in sorted(claimed.items()):
        try:
            refused: Mapping[str, tuple[int, str]] = send(language, addresses) or {}
            error = None
        except mail.MailError as exc:
            refused, error = exc.refused, redact(str(exc))
        except OutreachError as exc:   # unreachable, password variable unset
            refused, error = {}, redact(str(exc))
        outcomes: dict[str, dict[str, Any]] = {}
        for address in addresses:
            tries = attempts.get(address, MAX_ATTEMPTS)
            if address in refused:
                outcomes[address] = _judged({address: refused[address]}, tries, now())[address]
            elif error is not None:    # not sent, for no reason of this address's own
                outcomes[address] = dict(code=None, reply=error, **_again(tries, now()))
            else:
                outcomes[address] = dict(state=SENT)
        store.settle_refused(notice, outcomes, now())
        out.mailed_now += 1 if error is None else 0
        out.refused_now += [(a, _reply(o["code"], o["reply"])) for a, o in outcomes.items()
                            if o["state"] in (REFUSED, FAILED)]


def _mailed(store: NotificationStore, notice: str) -> list[str]:
    """The addresses that got ``notice``: those of its groups the server took, but the
    ones it refused that were not mailed since (as recorded, whoever the recipients are
    now)."""
    refusals = store.refusals(notice)
    return sorted({a for g in store.groups(notice).values() if g["state"] == SENT
                   for a in g["recipients"].split(",")
                   if a and (a not in refusals or refusals[a]["state"] == SENT)})


@dataclass
class NotifyReport:
    recorded: int = 0
    sent: int = 0
    failed: int = 0
    nobody: int = 0
    errors: list[str] = field(default_factory=list)
    #: addresses that will not get a notice, recorded by this pass (refused for good, or
    #: still refused after MAX_ATTEMPTS tries): (key, address, the server's reply), masked
    refused: list[tuple[str, str, str]] = field(default_factory=list)


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
        notice = f"notification:{row['id']}"
        if not to and not store.groups(notice):   # else: only refused addresses are left
            store.finish(row["id"], NOBODY, now(), error="no staff account allowed to "
                         f"{row['roles']} has an e-mail address")
            report.nobody += 1
            log(logger, logging.WARNING, "notification has no recipient", key=row["key"],
                roles=row["roles"])
            continue

        def send(language: str, group: list[str], row=row) -> dict[str, tuple[int, str]]:
            with use_language(language):
                subject, body = shown(row["subject"]), shown(row["body"])
            return mail.send(settings, options.smtp,
                             mail.build(options.smtp, group, subject, body, row["link"]))

        out = send_groups(store, notice, groups, send, now,
                          group_retry_at=now() + retry_delay(row["attempts"] + 1))
        mailed = ", ".join(_mailed(store, notice))
        tried = out.tried         # one of the notification's tries (its groups')
        attempts = row["attempts"] + (1 if tried else 0)
        if out.dropped:
            log(logger, logging.INFO, "notification recipient no longer wanted: not mailed",
                key=row["key"], addresses=",".join(mask(a) for a in out.dropped))
        for address, reply in out.refused_now:   # masked: the line may leave the system
            report.refused.append((row["key"], mask(address), mask(reply)))
            log(logger, logging.WARNING, "notification recipient refused", key=row["key"],
                address=mask(address), reply=mask(reply))
        refused = "; ".join(f"{a}: {reply}" for a, reply in out.refused)
        waiting = "; ".join(f"{a}: {reply}" for a, reply in out.deferred)
        if out.failed or out.waiting or out.busy:
            error = "; ".join(f"{language}: {e}" for language, e in out.failed + out.waiting
                              ) or "another pass is sending it"
            if out.failed and attempts >= MAX_ATTEMPTS:
                store.give_up_refused(notice)
                store.finish(row["id"], FAILED, now(), error=error, recipients=mailed,
                             tried=tried)
            else:     # the failed groups' own time, a refused address's, or a lease's end
                store.finish(row["id"], PENDING, now(), error=error, recipients=mailed,
                             tried=tried, retry_at=_earliest(
                                 out.groups_retry_at, out.retry_at,
                                 now() + LEASE if out.busy else None))
            if out.failed:
                report.failed += 1
                report.errors.append(f"{row['key']}: {error}")
                log(logger, logging.ERROR, "notification not sent", key=row["key"],
                    error=error)
            continue
        if out.deferred:     # refused for now: those addresses alone are tried again
            store.finish(row["id"], PENDING, now(), recipients=mailed, tried=tried,
                         retry_at=out.retry_at, error="; ".join(
                             p for p in (f"to be tried again: {waiting}",
                                         refused and f"refused: {refused}") if p))
            continue
        if out.unknown or out.lost:
            store.finish(row["id"], UNKNOWN, now(), recipients=mailed, tried=tried,
                         error="; ".join(
                p for p in (
                    out.unknown and "outcome unknown for the " + ", ".join(out.unknown)
                    + " group: the pass that sent it stopped before recording it; not "
                    "sent again",
                    out.lost and "outcome unknown for " + ", ".join(out.lost) + ": the "
                    "pass that sent it stopped before recording it; not sent again",
                    refused and f"refused: {refused}") if p))
            log(logger, logging.WARNING, "notification outcome unknown", key=row["key"],
                groups=",".join(out.unknown), addresses=",".join(mask(a) for a in out.lost))
            continue
        store.finish(row["id"], SENT, now(), recipients=mailed, tried=tried,
                     error=f"refused: {refused}" if refused else None)
        report.sent += 1
        log(logger, logging.INFO, "notification sent", key=row["key"], to=len(to))
    from ..inbox.overdue import notify_overdue   # inbox items past a deadline, once each
    sent, errors = notify_overdue(settings, db, options, now())
    report.sent += sent
    for error in errors:          # each tried again on its own by a later pass
        report.failed += 1
        report.errors.append(f"inbox overdue: {redact(error)}")
        log(logger, logging.ERROR, "overdue notice not sent", error=redact(error))
    return report
