"""Every query of the topic ranking: the messages of a scope, runs, groups, members."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from .inbox_tables import inbox_items
from .topics_tables import topic_group, topic_member, topic_run

Row = Any
# what is not a question to anyone: spam, greetings, hidden items
SKIPPED_KINDS = ("spam", "greeting")
SKIPPED_STATUSES = ("spam", "hidden")


def _naive(moment: datetime) -> datetime:
    from .inbox import to_db

    return to_db(moment)


def scope_messages(conn: Connection, start: datetime, end: datetime,
                   survey_id: int | None = None, *, with_period: bool = True) -> list[Row]:
    """Inbox items created in [start, end), or answering ``survey_id``, or either (both
    given and ``with_period``); never deleted, spam, greetings or hidden items:
    id, author_key, text, assignee, created_at, channel."""
    c = inbox_items.c
    conds = [c.deleted_at.is_(None), c.kind.not_in(SKIPPED_KINDS),
             c.status.not_in(SKIPPED_STATUSES)]
    in_period = and_(c.created_at >= _naive(start), c.created_at < _naive(end))
    if survey_id is not None:
        answers = c.survey_id == survey_id
        conds.append(or_(answers, in_period) if with_period else answers)
    else:
        conds.append(in_period)
    return list(conn.execute(
        select(c.id, c.author_key, c.text, c.assignee, c.created_at, c.channel)
        .where(and_(*conds)).order_by(c.id)))


def items(conn: Connection, item_ids: Iterable[int]) -> dict[int, Row]:
    ids = sorted(set(item_ids))
    out: dict[int, Row] = {}
    c = inbox_items.c
    for i in range(0, len(ids), 500):
        for r in conn.execute(select(c.id, c.text, c.assignee, c.created_at, c.channel,
                                     c.author_key).where(c.id.in_(ids[i:i + 500]))):
            out[r.id] = r
    return out


def add_run(conn: Connection, **values: Any) -> int:
    return int(conn.execute(insert(topic_run).values(**values)).inserted_primary_key[0])


def add_group(conn: Connection, run_id: int, **values: Any) -> int:
    return int(conn.execute(insert(topic_group).values(run_id=run_id, **values))
               .inserted_primary_key[0])


def add_members(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        conn.execute(insert(topic_member), list(rows))


def get_run(conn: Connection, run_id: int) -> Row | None:
    return conn.execute(select(topic_run).where(topic_run.c.id == run_id)).first()


def latest_run(conn: Connection, scope: str | None = None) -> Row | None:
    stmt = select(topic_run).order_by(topic_run.c.id.desc()).limit(1)
    if scope is not None:
        stmt = stmt.where(topic_run.c.scope == scope)
    return conn.execute(stmt).first()


def runs(conn: Connection, limit: int = 50) -> list[Row]:
    return list(conn.execute(select(topic_run).order_by(topic_run.c.id.desc()).limit(limit)))


def previous_quarter_run(conn: Connection, before: datetime, not_id: int) -> Row | None:
    """The latest quarter run whose period ended by ``before`` (the period compared with)."""
    r = topic_run.c
    return conn.execute(
        select(topic_run).where(r.scope.like("quarter:%"), r.period_end <= before,
                                r.id != not_id)
        .order_by(r.period_end.desc(), r.id.desc()).limit(1)).first()


def groups(conn: Connection, run_id: int) -> list[Row]:
    g = topic_group.c
    return list(conn.execute(select(topic_group).where(g.run_id == run_id)
                             .order_by(g.citizens.desc(), g.messages.desc(), g.id)))


def group(conn: Connection, run_id: int, key: str) -> Row | None:
    g = topic_group.c
    return conn.execute(select(topic_group).where(g.run_id == run_id, g.key == key)).first()


def members(conn: Connection, run_id: int, group_id: int | None = None) -> list[Row]:
    m = topic_member.c
    stmt = select(topic_member).where(m.run_id == run_id).order_by(m.item_id)
    if group_id is not None:
        stmt = stmt.where(m.group_id == group_id)
    return list(conn.execute(stmt))


def update_group(conn: Connection, group_id: int, **values: Any) -> None:
    conn.execute(update(topic_group).where(topic_group.c.id == group_id).values(**values))


def move_members(conn: Connection, run_id: int, item_ids: Sequence[int], group_id: int,
                 moved: bool) -> int:
    m = topic_member.c
    res = conn.execute(update(topic_member)
                       .where(m.run_id == run_id, m.item_id.in_(list(item_ids)))
                       .values(group_id=group_id, moved=moved))
    return res.rowcount or 0


def delete_group(conn: Connection, group_id: int) -> None:
    conn.execute(delete(topic_group).where(topic_group.c.id == group_id))


def next_key(conn: Connection, run_id: int) -> str:
    keys = conn.execute(select(topic_group.c.key).where(topic_group.c.run_id == run_id))
    top = max((int(k[1:]) for (k,) in keys if k[1:].isdigit()), default=0)
    return f"g{top + 1}"


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
