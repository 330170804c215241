"""Read models of the desk: today, calendar, a run, hand-offs, channels; bounded queries."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event

from outreach.publishing import desk
from outreach.publishing import model as m
from outreach.publishing.oneoff import PostRequest, schedule_post
from outreach.store.notify import NotificationStore
from test_publish_service import T0, make, spec  # noqa: F401 - fixture reuse

AHEAD = dict(approval_required=True, prepare_at=T0 - timedelta(hours=3))


@contextmanager
def counting(db):
    seen: list[str] = []

    def hook(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("PRAGMA", "BEGIN", "SAVEPOINT", "RELEASE")):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", hook)


def schedules(settings, text):
    from outreach.scheduling.specs import load_schedules

    settings.schedules_dir.mkdir(parents=True, exist_ok=True)
    (settings.schedules_dir / "weekly.yaml").write_text(text, encoding="utf-8")
    return load_schedules(settings)


def test_today_lists_what_needs_a_person(make):
    service, clock = make(start=T0 - timedelta(hours=2),
                          channels={"outbox": {"type": "outbox"},
                                    "bad": {"type": "scripted", "script": ["reject"],
                                            "log": "/dev/null"}})
    waiting = service.plan(spec(**AHEAD))
    service.plan(spec(key="x1", scheduled_for=T0 - timedelta(hours=2, minutes=10),
                      channels=("outbox", "bad")))
    service.work()
    found = desk.today(service.settings, service.db, [], clock())
    assert [r["id"] for r in found.awaiting.rows] == [waiting]
    assert [(r["channel"], r["state"]) for r in found.problems.rows] == [("bad", m.D_FAILED)]
    assert found.problems.total == 1 and not found.empty


def test_today_query_count_does_not_grow_with_rows(make):
    service, clock = make(start=T0 - timedelta(hours=2))
    counts = []
    for n in (1, 30):
        for i in range(n):
            service.plan(spec(key=f"k{n}-{i}", **AHEAD))
        service.work()
        with counting(service.db) as seen:
            found = desk.today(service.settings, service.db, [], clock())
        counts.append(len(seen))
    assert found.awaiting.total == 31
    assert counts[0] == counts[1]


def test_calendar_marks_skips_holidays_posts_and_projected_runs(make):
    service, clock = make(start=T0 - timedelta(days=2))
    found = schedules(service.settings, 'template: notice\ncron: "0 16 * * thu"\n'
                      'channels: [outbox]\ndata: content/w/{date}.yaml\nskip: [2026-12-03]\nskip_holidays: true\n')
    post = schedule_post(service, PostRequest("notice", T0 + timedelta(days=1, hours=1),
                                              approval=False), "김주무관")
    days = desk.calendar(service.settings, service.db, found, date(2026, 11, 23),
                         date(2026, 12, 28), clock())
    by_day = {d.day: d for d in days}
    (thu,) = by_day[date(2026, 11, 26)].entries
    assert thu["projected"] and thu["state"] == m.PLANNED
    (skipped,) = by_day[date(2026, 12, 3)].entries
    assert skipped["state"] == m.SKIPPED and "skip" in skipped["skip_reason"]
    assert by_day[date(2026, 12, 25)].holiday              # 성탄절
    (entry,) = by_day[date(2026, 11, 27)].entries
    assert entry["id"] == post and entry["movable"] and not entry["projected"]


def test_run_view_shows_texts_against_limits_and_delivery_words(make):
    service, clock = make(start=T0 - timedelta(hours=2))
    occ = service.plan(spec(**AHEAD))
    service.work()
    view = desk.run_view(service.settings, service.db, occ, clock())
    assert view.can_approve and view.can_reject and not view.can_change
    assert view.slides and view.slides[0]["alt"]
    (d,) = view.deliveries
    assert d["chars"] == len(d["text"]) and d["words"] == "waiting for its time"
    assert desk.run_view(service.settings, service.db, 999, clock()) is None


def test_handoff_material_gives_html_body_tags_and_slides(make, tmp_path):
    service, clock = make(channels={"blog": {"type": "naver_blog", "blog_id": "cityhall"}})
    clock.now = T0
    occ = service.plan(spec(channels=("blog",)))
    service.work()
    section = desk.handoffs(service.settings, service.db)
    (row,) = section.rows
    material = row["material"]
    assert row["occurrence_id"] == occ and material["ready"] and material["title"]
    assert material["body_html"].startswith("<") and material["slides"][0]["file"] == "01.png"


def test_channels_show_token_expiry_and_attention(make):
    service, clock = make()
    NotificationStore(service.db).save_check(
        "outbox", [{"ok": False, "what": "token expires", "fix": "renew", "expires_at": None}],
        clock(), clock() + timedelta(days=3))
    (row,) = desk.channel_rows(service.settings, service.db, clock())
    assert row["expiring"] and row["days_left"] == 3 and row["attention"]
    assert row["failing"][0]["fix"] == "renew"
