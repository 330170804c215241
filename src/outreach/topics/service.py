"""Topic ranking as a service: rank a scope, read a run, and the staff's edits.

The CLI (``outreach topics``) and the web page (/topics) call these functions and
nothing else. Every change writes its audit row in the same transaction
(``users.audit.record``). A scope is a quarter of the workspace's calendar
(``2026Q4``) or a survey (its answers, by ``inbox_items.survey_id``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Sequence

from ..errors import TopicError
from ..i18n import _
from ..store import topics as store
from ..users.audit import Actor, record
from .model import Message

_QUARTER = re.compile(r"^(\d{4})\s*-?\s*[Qq]([1-4])$")


@dataclass(frozen=True)
class Scope:
    key: str                  # "quarter:2026Q4" / "survey:<slug>"
    label: str                # "2026Q4" / the survey's title
    start: datetime           # aware
    end: datetime             # aware, exclusive
    survey_id: int | None = None
    with_period: bool = True  # with a survey: also the period's other messages


def quarter_scope(text: str, tz) -> Scope:
    m = _QUARTER.match(text.strip())
    if not m:
        raise TopicError(_("quarter: expected YEAR then Q1-Q4 such as 2026Q4, got {value!r}",
                           value=text))
    year, q = int(m.group(1)), int(m.group(2))
    start = datetime(year, 3 * q - 2, 1, tzinfo=tz)
    end = datetime(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=tz)
    return Scope(key=f"quarter:{year}Q{q}", label=f"{year}Q{q}", start=start, end=end)


def previous_quarter(label: str) -> str:
    year, q = int(label[:4]), int(label[-1])
    return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"


def survey_scope(db, slug: str) -> Scope:
    from ..store import surveys

    found = surveys.find(db, slug)
    if found is None:
        raise TopicError(_("no survey {slug!r} (see outreach survey list)", slug=slug))
    return Scope(key=f"survey:{found.slug}", label=found.title or found.slug,
                 start=found.opens_at, end=found.closes_at, survey_id=found.id,
                 with_period=False)


def scope_of(settings, db, *, quarter: str | None = None, survey: str | None = None) -> Scope:
    """A quarter, a survey's answers, or both: the survey's answers together with the
    quarter's other messages (the issue's "a survey and, optionally, a quarter")."""
    if not quarter and not survey:
        raise TopicError(_("give --quarter (such as 2026Q4), --survey SLUG, or both"))
    if not survey:
        return quarter_scope(quarter, settings.timezone)
    found = survey_scope(db, survey)
    if not quarter:
        return found
    q = quarter_scope(quarter, settings.timezone)
    return Scope(key=f"{found.key}+{q.label}", label=f"{found.label} + {q.label}",
                 start=q.start, end=q.end, survey_id=found.survey_id, with_period=True)


# -- ranking ----------------------------------------------------------------------------------


def rank_scope(settings, db, scope: Scope, actor: Actor, *, now: datetime | None = None) -> int:
    """Rank the scope's messages, carry the previous run's edits over, store the run.
    Returns the new run's id. The analysis runs outside any transaction."""
    from ..inbox.masking import mask
    from .carry import Before
    from .rank import rank

    with db.read() as conn:
        rows = store.scope_messages(conn, scope.start, scope.end, scope.survey_id,
                                    with_period=scope.with_period)
        before_run = store.latest_run(conn, scope.key)
        before, edits = _before(conn, before_run) if before_run else (None, {})
    messages = [Message(item_id=r.id, author=r.author_key or "", text=mask(r.text or ""),
                        department=r.assignee or "", created_at=r.created_at) for r in rows]
    ranking = rank(messages, before=before)
    author = {m.item_id: m.author for m in messages}
    moved = before.moved if before else set()
    with db.begin() as conn:
        run_id = store.add_run(
            conn, scope=scope.key, survey_id=scope.survey_id, period_start=scope.start,
            period_end=scope.end, created_at=now or datetime.now(timezone.utc),
            actor=actor.name[:128], messages=len(messages),
            params=store.dumps({**ranking.params, "lost_edits": ranking.lost,
                                "previous_run": before_run.id if before_run else None}))
        for g in ranking.groups:
            carried = edits.get(g.carried_from or "", {})
            gid = store.add_group(
                conn, run_id, key=g.key, keywords=" · ".join(g.keywords), citizens=g.citizens,
                messages=g.messages, representatives=store.dumps(g.representatives),
                departments=store.dumps(g.departments), label=carried.get("label"),
                chosen=bool(carried.get("chosen")), covered=bool(carried.get("covered")),
                answer=carried.get("answer"), origin="carried" if carried else "auto")
            store.add_members(conn, [dict(run_id=run_id, group_id=gid, item_id=i,
                                          author=author[i][:64], moved=i in moved)
                                     for i in g.item_ids])
        record(conn, actor, "topics.rank", "topic_run", run_id,
               {"scope": scope.key, "messages": len(messages), "groups": len(ranking.groups),
                "lost_edits": ranking.lost})
    return run_id


def _before(conn, run) -> tuple[Any, dict[str, dict]]:
    from .carry import Before

    groups = {g.id: g for g in store.groups(conn, run.id)}
    group_of, moved = {}, set()
    for m in store.members(conn, run.id):
        group_of[m.item_id] = groups[m.group_id].key
        if m.moved:
            moved.add(m.item_id)
    edits = {g.key: {"label": g.label, "chosen": g.chosen, "covered": g.covered,
                     "answer": g.answer}
             for g in groups.values() if g.label or g.chosen or g.covered or g.answer}
    return Before(group_of=group_of, moved=moved, edited=set(edits)), edits


# -- reading ----------------------------------------------------------------------------------


@dataclass
class GroupView:
    id: int
    key: str
    name: str
    keywords: list[str]
    citizens: int
    messages: int
    departments: dict[str, int]
    representatives: list[tuple[int, str]]      # (item id, masked text)
    chosen: bool
    covered: bool
    answer: str | None
    label: str | None
    previous: int | None = None                 # citizens in the previous quarter, if matched
    item_ids: list[int] = field(default_factory=list)

    @property
    def change(self) -> int | None:
        return None if self.previous is None else self.citizens - self.previous

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "keywords": self.keywords,
                "citizens": self.citizens, "messages": self.messages,
                "departments": self.departments, "chosen": self.chosen,
                "covered": self.covered, "answer": self.answer, "previous": self.previous,
                "representatives": [{"item": i, "text": t} for i, t in self.representatives]}


@dataclass
class RunView:
    id: int
    scope: str
    label: str
    created_at: datetime
    messages: int
    citizens: int
    groups: list[GroupView]
    previous_label: str | None
    lost_edits: list[str]

    def as_json(self) -> dict[str, Any]:
        return {"run": self.id, "scope": self.scope, "created_at": self.created_at.isoformat(),
                "messages": self.messages, "citizens": self.citizens,
                "previous": self.previous_label, "lost_edits": self.lost_edits,
                "groups": [g.as_json() for g in self.groups]}


def run_view(db, run_id: int | None = None, *, with_members: bool = False) -> RunView:
    """A stored run (the latest when ``run_id`` is None), groups ranked, representative
    messages masked, each group matched by key words to the previous quarter."""
    from ..inbox.masking import mask

    with db.read() as conn:
        run = store.get_run(conn, run_id) if run_id else store.latest_run(conn)
        if run is None:
            raise TopicError(_("no topic ranking yet (outreach topics rank --quarter 2026Q4)")
                             if run_id is None else _("no topic ranking {run}", run=run_id))
        groups = store.groups(conn, run.id)
        members = store.members(conn, run.id)
        reps = [i for g in groups for i in json.loads(g.representatives)]
        texts = store.items(conn, reps)
        prev = store.previous_quarter_run(conn, run.period_start, run.id)
        prev_groups = store.groups(conn, prev.id) if prev else []
    by_group: dict[int, list[int]] = {}
    for m in members:
        by_group.setdefault(m.group_id, []).append(m.item_id)
    views = []
    for g in groups:
        keywords = [k for k in g.keywords.split(" · ") if k]
        views.append(GroupView(
            id=g.id, key=g.key, name=_name(g, keywords),
            keywords=keywords, citizens=g.citizens, messages=g.messages,
            departments=json.loads(g.departments or "{}"),
            representatives=[(i, mask(texts[i].text)) for i in json.loads(g.representatives)
                             if i in texts],
            chosen=g.chosen, covered=g.covered, answer=g.answer, label=g.label,
            previous=_match_previous(keywords, g.label, prev_groups),
            item_ids=by_group.get(g.id, []) if with_members else []))
    params = json.loads(run.params or "{}")
    authors = {m.author or f"#{m.item_id}" for m in members}
    return RunView(id=run.id, scope=run.scope, label=run.scope.split(":", 1)[1],
                   created_at=run.created_at, messages=run.messages, citizens=len(authors),
                   groups=views, previous_label=prev.scope.split(":", 1)[1] if prev else None,
                   lost_edits=list(params.get("lost_edits") or []))


def _match_previous(keywords: list[str], label: str | None, prev_groups) -> int | None:
    """The previous period's citizens for the same subject: the same staff name, else the
    previous group sharing the most key words (at least two, or the first one)."""
    best, best_score = None, 0
    for p in prev_groups:
        if label and p.label == label:
            return p.citizens
        theirs = [k for k in p.keywords.split(" · ") if k]
        shared = len(set(keywords) & set(theirs))
        score = shared + (1 if keywords and theirs and keywords[0] == theirs[0] else 0)
        if score >= 2 and score > best_score:
            best, best_score = p.citizens, score
    return best


def group_items(db, run_id: int, key: str) -> list[tuple[int, str, str]]:
    """Every message of a group, masked: (item id, department, text)."""
    from ..inbox.masking import mask

    with db.read() as conn:
        g = _group(conn, run_id, key)
        ids = [m.item_id for m in store.members(conn, run_id, g.id)]
        rows = store.items(conn, ids)
    return [(i, rows[i].assignee or "", mask(rows[i].text)) for i in ids if i in rows]


# -- edits ------------------------------------------------------------------------------------


def _name(g, keywords: list[str]) -> str:
    """What staff call a group: the name they gave it, else its first three key words."""
    return g.label or " · ".join(keywords[:3]) or g.key


def group_names(db, run_id: int, keys: Sequence[str]) -> str:
    """The groups ``keys`` by the names staff see on the page (for messages), in order."""
    with db.read() as conn:
        rows = [store.group(conn, run_id, k) for k in keys]
    return ", ".join(_name(g, [k for k in g.keywords.split(" · ") if k]) if g else k
                     for g, k in zip(rows, keys))


def _group(conn, run_id: int, key: str):
    g = store.group(conn, run_id, key)
    if g is None:
        raise TopicError(_("no group {key!r} in ranking {run}", key=key, run=run_id))
    return g


def _recount(conn, run_id: int, group_id: int) -> None:
    members = store.members(conn, run_id, group_id)
    people = {m.author or f"#{m.item_id}" for m in members}
    rows = store.items(conn, [m.item_id for m in members])
    departments: dict[str, int] = {}
    for r in rows.values():
        if r.assignee:
            departments[r.assignee] = departments.get(r.assignee, 0) + 1
    store.update_group(conn, group_id, citizens=len(people), messages=len(members),
                       departments=store.dumps(dict(sorted(departments.items(),
                                                           key=lambda kv: -kv[1]))))


def merge(db, run_id: int, target: str, sources: Sequence[str], actor: Actor) -> None:
    """Move every message of ``sources`` into ``target``; the sources disappear. The
    target keeps its name and marks and gains the sources' key words and examples."""
    if target in sources:
        raise TopicError(_("cannot merge group {key} into itself", key=target))
    with db.begin() as conn:
        t = _group(conn, run_id, target)
        keywords = [k for k in t.keywords.split(" · ") if k]
        reps = json.loads(t.representatives)
        chosen, covered = t.chosen, t.covered
        for key in sources:
            s = _group(conn, run_id, key)
            items = [m.item_id for m in store.members(conn, run_id, s.id)]
            store.move_members(conn, run_id, items, t.id, moved=False)
            keywords += [k for k in s.keywords.split(" · ") if k and k not in keywords]
            reps += [i for i in json.loads(s.representatives) if i not in reps]
            chosen, covered = chosen or s.chosen, covered or s.covered
            store.delete_group(conn, s.id)
        store.update_group(conn, t.id, keywords=" · ".join(keywords[:8]),
                           representatives=store.dumps(reps[:5]), chosen=chosen,
                           covered=covered)
        _recount(conn, run_id, t.id)
        record(conn, actor, "topics.merge", "topic_group", t.id,
               {"run": run_id, "into": target, "merged": list(sources)})


def split(db, run_id: int, key: str, item_ids: Sequence[int], actor: Actor,
          label: str | None = None) -> str:
    """Move the given messages out of group ``key`` into a new group; returns its key.
    The moved messages are marked so later runs keep them apart."""
    with db.begin() as conn:
        g = _group(conn, run_id, key)
        inside = {m.item_id for m in store.members(conn, run_id, g.id)}
        wanted = [int(i) for i in item_ids]
        stray = [i for i in wanted if i not in inside]
        if not wanted or stray:
            raise TopicError(_("group {key} does not hold message(s) {items}", key=key,
                               items=", ".join(map(str, stray)) or "-"))
        if len(wanted) == len(inside):
            raise TopicError(_("a split must leave at least one message in group {key}",
                               key=key))
        texts = store.items(conn, wanted)
        words = [k for k in g.keywords.split(" · ")
                 if k and any(k.rstrip("다") in (texts[i].text or "") for i in texts)]
        new_key = store.next_key(conn, run_id)
        gid = store.add_group(conn, run_id, key=new_key, label=(label or "").strip() or None,
                              keywords=" · ".join(words), citizens=0, messages=0,
                              representatives=store.dumps(wanted[:3]), departments="{}",
                              origin="split")
        store.move_members(conn, run_id, wanted, gid, moved=True)
        reps = [i for i in json.loads(g.representatives) if i not in wanted]
        if not reps:
            reps = sorted(inside - set(wanted))[:3]
        store.update_group(conn, g.id, representatives=store.dumps(reps))
        _recount(conn, run_id, gid)
        _recount(conn, run_id, g.id)
        record(conn, actor, "topics.split", "topic_group", gid,
               {"run": run_id, "from": key, "new": new_key, "items": wanted})
    return new_key


def rename(db, run_id: int, key: str, label: str, actor: Actor) -> None:
    label = label.strip()
    if len(label) > 200:
        raise TopicError(_("a group name is at most 200 characters"))
    with db.begin() as conn:
        g = _group(conn, run_id, key)
        store.update_group(conn, g.id, label=label or None)
        record(conn, actor, "topics.rename", "topic_group", g.id,
               {"run": run_id, "key": key, "label": label})


def choose(db, run_id: int, key: str, chosen: bool, actor: Actor) -> None:
    with db.begin() as conn:
        g = _group(conn, run_id, key)
        store.update_group(conn, g.id, chosen=chosen)
        record(conn, actor, "topics.choose" if chosen else "topics.unchoose", "topic_group",
               g.id, {"run": run_id, "key": key})


def settle(db, run_id: int, key: str, actor: Actor, *, covered: bool | None = None,
           answer: str | None = None) -> None:
    """After the broadcast: mark a chosen group covered on air, or write its answer."""
    with db.begin() as conn:
        g = _group(conn, run_id, key)
        values: dict[str, Any] = {}
        if covered is not None:
            values["covered"] = covered
        if answer is not None:
            values["answer"] = answer.strip() or None
        if values:
            store.update_group(conn, g.id, **values)
            record(conn, actor, "topics.answer", "topic_group", g.id,
                   {"run": run_id, "key": key, **{k: v for k, v in values.items()
                                                   if k == "covered"},
                    "answered": bool(values.get("answer"))})


def latest_run_id(db, scope: Scope | None = None) -> int:
    with db.read() as conn:
        run = store.latest_run(conn, scope.key if scope else None)
    if run is None:
        raise TopicError(_("no topic ranking yet (outreach topics rank --quarter 2026Q4)"))
    return run.id


def runs(db) -> list[Any]:
    with db.read() as conn:
        return store.runs(conn)


def today_quarter(tz) -> str:
    d = datetime.now(tz).date() if tz else date.today()
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"
