"""The audit log: who did what, when, to which object, from the web, the CLI or the daemon.

Every service that changes something takes an ``Actor`` and calls ``record``
with the connection of its own transaction, so the change and its audit row
commit (or roll back) together, whichever shell called the service::

    from outreach.users.audit import Actor, record

    def approve(db, occurrence_id: int, actor: Actor) -> None:
        with db.begin() as conn:
            ...  # the change
            record(conn, actor, "post.approve", "occurrence", occurrence_id,
                   {"schedule": "weekend-guide"})

A web request gets its actor from ``current_actor(request)``
(``outreach.web.staff.auth``); the CLI builds one with ``Actor.cli(args.actor)``:
a ``--as``/``--by`` name is *self-declared* (anyone at the shell can type any
name) and the log shows it as such; the daemon uses ``Actor.system("daemon")``.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Mapping

from sqlalchemy import Connection

from ..model import utc_now
from ..store import users as store

Via = Literal["web", "cli", "system"]


@dataclass(frozen=True)
class Actor:
    """Who acts. ``user_id`` is set only for a signed-in web user (or a CLI name that
    matched an account, still ``self_declared``)."""

    name: str
    user_id: int | None = None
    role: str | None = None
    via: Via = "system"
    self_declared: bool = False

    @classmethod
    def cli(cls, name: str | None = None) -> "Actor":
        """The person at the shell: ``--as NAME``, else ``$OUTREACH_STAFF``, else the login
        name; always self-declared."""
        declared = (name or os.environ.get("OUTREACH_STAFF") or _login()).strip() or "unknown"
        return cls(name=declared[:128], via="cli", self_declared=True)

    @classmethod
    def system(cls, name: str = "system") -> "Actor":
        """A process acting on its own: the daemon, a webhook, a rule."""
        return cls(name=name, via="system")

    @classmethod
    def web(cls, user_id: int, name: str, role: str) -> "Actor":
        """A user signed in to the staff app (the session proves who they are)."""
        return cls(name=name, user_id=user_id, role=role, via="web")

    def label(self) -> str:
        """How history shows the actor: ``kim``, ``kim (self-declared)``, ``daemon``."""
        if self.self_declared:
            from ..i18n import _

            return _("{name} (self-declared)", name=self.name)
        return self.name


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return ""


def record(conn: Connection, actor: Actor, action: str, target_type: str = "",
           target_id: object = "", detail: Mapping[str, Any] | None = None, *,
           at: datetime | None = None) -> None:
    """Write one audit row in the caller's transaction.

    ``action`` is a stable dotted English key (``user.add``, ``post.approve``,
    ``handoff.done``) shown translated on the 활동 기록 page; ``detail`` is a small
    JSON object (never a secret or a password). A message in it (an ``i18n.Text``, as
    services inside ``recording()`` make) is kept language-independently and read in
    the reader's language (``shown_detail``).
    """
    from ..i18n import portable

    store.add_audit(conn, {
        "at": store.to_db(at or utc_now()),
        "actor_name": actor.name[:128], "actor_user_id": actor.user_id,
        "actor_role": actor.role, "via": actor.via, "self_declared": actor.self_declared,
        "action": action[:64], "target_type": target_type[:32],
        "target_id": str(target_id)[:128],
        "detail": json.dumps({k: portable(v) for k, v in (detail or {}).items()},
                             ensure_ascii=False, default=str),
    })


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: Actor
    action: str
    target_type: str
    target_id: str
    detail: dict[str, Any]


def shown_detail(raw: str | None) -> dict[str, Any]:
    """A stored ``detail`` as a dict, its messages in the language in force (an old row's
    plain values as they are)."""
    from ..i18n import shown

    try:
        detail = json.loads(raw or "{}")
    except ValueError:
        return {"raw": raw}
    if not isinstance(detail, dict):
        return {}
    return {k: shown(v) if isinstance(v, dict) else v for k, v in detail.items()}


def shown_detail_json(raw: str | None) -> str:
    """``raw`` with its messages in the language in force, as JSON again (unchanged when it
    holds no message, so old rows read byte for byte as written)."""
    if not raw or '"m"' not in raw and '"n"' not in raw and '"j"' not in raw:
        return raw or ""
    return json.dumps(shown_detail(raw), ensure_ascii=False, default=str)


def entries(conn: Connection, filt: "store.AuditFilter") -> list[AuditEntry]:
    """Audit rows, newest first, filtered (see ``store.users.AuditFilter``)."""
    out = []
    for r in store.list_audit(conn, filt):
        out.append(AuditEntry(
            id=r.id, at=store.from_db(r.at), action=r.action, target_type=r.target_type,
            target_id=r.target_id, detail=shown_detail(r.detail),
            actor=Actor(name=r.actor_name, user_id=r.actor_user_id, role=r.actor_role,
                        via=r.via, self_declared=bool(r.self_declared))))
    return out
