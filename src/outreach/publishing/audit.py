"""The publishing services' side of the audit log: who acts, and the row their change writes.

Every decision (approve, reject, retry, hand-off done, one-off post made, moved, cancelled,
published now) takes the acting user and records one audit row inside the same ledger
transaction, only when the change happened: two people approving the same draft at the
same moment leave one approval and one audit row. A plain name (older callers, tests) is
taken as self-declared, like a CLI ``--by``.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from sqlalchemy import Connection

from ..users.audit import Actor, record

ActorLike = Actor | str


def actor_of(by: ActorLike) -> Actor:
    return by if isinstance(by, Actor) else Actor(name=str(by)[:128] or "unknown", via="cli",
                                                  self_declared=True)


def audit(actor: Actor, action: str, target_type: str, target_id: object,
          detail: Mapping[str, Any] | None = None) -> Callable[..., None]:
    """A callback for a ledger change: writes the row with the change's connection.

    Ledger ``plan`` passes the new id as a second argument; it becomes the target.
    """
    def write(conn: Connection, new_id: object | None = None) -> None:
        record(conn, actor, action, target_type, new_id if new_id is not None else target_id,
               detail)

    return write
