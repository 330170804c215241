"""The overdue watcher: when an item passes a deadline, tell the person it is assigned to and
the department's supervisors, once (an item nobody holds yet: the department's officers and
supervisors, so someone takes it).

"Once" is a database fact: a notice row per (item, deadline) is inserted with
``ON CONFLICT DO NOTHING`` (a short transaction of its own) before the mail
goes out, so two watchers (daemon and cron) never send it twice. The notice is one
mail per language among its recipients, each group claimed and recorded on its own
(``outreach.notify.job.send_groups``, table ``notify_groups``); when a group's mail
fails, the notice row is taken back out, so the next pass claims it again and mails
only the groups not yet mailed. One notice's failure does not stop the pass: the other
overdue items' notices still go, and each failed one is tried again on its own.
Addresses the SMTP server refused for now (4xx) while it took a group's mail release the
notice the same way, without an error: the next pass claims it again and mails those
addresses alone once their retry time has come, if they still are among the notice's
recipients (``send_groups``; else they are dropped). (A crash between the claim and the
mail loses that notice for the groups and addresses not yet recorded: at most once, never
twice.)
The notification pass of the daemon and of cron's ``run-due``
(``outreach.notify.job.run``) calls ``notify_overdue``; the web's queue
highlights the same items.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Sequence

from sqlalchemy import Connection

from ..config import Settings
from ..errors import OutreachError
from ..logs import log
from ..store import inbox as store
from ..store import inbox_queries as queries
from ..store.db import Database
from .masking import mask

logger = logging.getLogger(__name__)

# (connection, department, person's account id) -> who to tell
Recipients = Callable[[Connection, "str | None", "int | None"], Sequence[str]]
# (notice, people) -> True when some recipients are still to be mailed on a later pass
Send = Callable[["OverdueNotice", Sequence[str]], "bool | None"]


@dataclass(frozen=True)
class OverdueNotice:
    item_id: int
    deadline: str             # first (first answer) | resolve (resolution)
    due_at: datetime          # aware UTC
    department: str | None
    channel: str
    person_id: int | None     # the staff account the item is assigned to
    excerpt: str              # masked, short: notices leave the system (e-mail)


def watch_overdue(db: Database, now: datetime, recipients: Recipients, send: Send,
                  *, limit: int = 500,
                  failed: list[tuple[OverdueNotice, str]] | None = None
                  ) -> list[OverdueNotice]:
    """Notify every newly overdue item once; the notices handed over. A ``send`` failing
    with an OutreachError (the mail did not go) releases its notice (tried again next
    pass) and the others still go; the failures are added to ``failed`` (notice, error),
    or, without that list, the first one is raised once all were tried. Any other error
    releases the notice and goes up at once (a bug, or the process being stopped). One
    that says some recipients are still to be mailed (True) releases it too, quietly."""
    sent: list[OverdueNotice] = []
    failures: list[tuple[OverdueNotice, OutreachError]] = []
    with db.read() as conn:
        rows = queries.overdue_candidates(conn, now, limit)
    for row in rows:
        notice = OverdueNotice(row.id, row.deadline, store.from_db(row.due_at), row.assignee,
                               row.channel, row.assignee_user_id, _excerpt(row.text))
        with db.begin() as conn:
            people = list(dict.fromkeys(recipients(conn, row.assignee, row.assignee_user_id)))
            claimed = queries.claim_notice(conn, row.id, row.deadline, notice.due_at, now,
                                           ",".join(people))
        if not claimed:
            continue
        try:
            again = send(notice, people)
        except OutreachError as exc:     # this notice's mail: the next ones still go
            failures.append((notice, exc))
            again = True
        except BaseException:
            _release(db, row)
            raise
        if again:                        # claimed again, and mailed, by a later pass
            _release(db, row)
            continue
        sent.append(notice)
    if failed is not None:
        failed += [(notice, str(exc)) for notice, exc in failures]
    elif failures:
        raise failures[0][1]
    return sent


def _release(db: Database, row: Any) -> None:
    with db.begin() as conn:
        queries.release_notice(conn, row.id, row.deadline)


def notify_overdue(settings: Settings, db: Database, options: Any, now: datetime
                   ) -> tuple[int, list[str]]:
    """The notification pass's part: mail each newly overdue item's person and the
    department's supervisors (their accounts' addresses); how many notices went out, and
    the error of each that did not (tried again on a later pass)."""
    from ..i18n import _, format_datetime, use_language
    from ..notify import mail
    from .desk import overdue_recipients

    def recipients(conn: Connection, department: str | None, person_id: int | None
                   ) -> list[str]:
        return sorted({p.email for p in overdue_recipients(conn, department, person_id)
                       if p.email})

    languages: dict[str, str] = {}

    def language_of(address: str) -> str:
        """The language the account with this address reads (else the workspace's)."""
        if not languages:
            from ..store.notify import NotificationStore

            languages.update({email.strip(): lang or settings.language for _role, email, lang
                              in NotificationStore(db).staff_addresses()})
            languages.setdefault("", settings.language)
        return languages.get(address, settings.language)

    from ..notify.job import send_groups
    from ..notify.mail import MailError
    from ..store.notify import NotificationStore

    def send(notice: OverdueNotice, people: Sequence[str]) -> bool:
        if not people:
            return False    # recorded with no recipient: nobody to tell (shown on the page)
        groups: dict[str, list[str]] = {}
        for address in people:      # one mail per language: each reads their own
            groups.setdefault(language_of(address), []).append(address)
        out = send_groups(NotificationStore(db), f"overdue:{notice.item_id}:{notice.deadline}",
                          groups, lambda language, group: mail_one(notice, language, group),
                          lambda: now)
        if out.failed or out.busy:   # the notice is released: the next pass mails the rest
            raise MailError(f"overdue notice of item {notice.item_id}: " + ("; ".join(
                f"{language}: {error}" for language, error in out.failed) or "being sent"))
        for address, reply in out.refused_now:
            log(logger, logging.WARNING, "overdue notice recipient refused",
                item=notice.item_id, deadline=notice.deadline, address=mask(address),
                reply=mask(reply))
        return bool(out.deferred)   # released: a later pass mails those addresses alone

    def mail_one(notice: OverdueNotice, language: str, group: list[str]
                 ) -> dict[str, tuple[int, str]]:
        with use_language(language):
            which = (_("first answer") if notice.deadline == "first" else _("resolution"))
            subject = _("[outreach] Overdue: item {id} ({department}), {which}",
                        id=notice.item_id, department=notice.department or "-", which=which)
            body = _("The {which} of item {id} on {channel} was due {due}: {text}",
                     which=which, id=notice.item_id, channel=notice.channel,
                     due=format_datetime(notice.due_at, settings.timezone),
                     text=notice.excerpt)
        return mail.send(settings, options.smtp,
                         mail.build(options.smtp, group, subject, body,
                                    f"{options.base_url}/inbox/{notice.item_id}"))

    failed: list[tuple[OverdueNotice, str]] = []
    sent = watch_overdue(db, now, recipients, send, failed=failed)
    return len(sent), [error for _notice, error in failed]


def _excerpt(text: str, size: int = 60) -> str:
    shown = " ".join(mask(text or "").split())
    return shown if len(shown) <= size else shown[:size - 1] + "…"
