"""The post after the broadcast: its own card template ``live-follow-up`` (a cover, one
4:5 card per question with its answer, fit warnings, every channel's text) and the 주제
page's button that schedules it as a one-off post through the ledger and approval."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

from outreach.publishing import model as m
from outreach.render import render_post
from outreach.store.ledger import Ledger
from outreach.topics import labelled, service
from outreach.users.audit import Actor

from test_inbox_support import ingestor, reply
from web_support import add_user, post, sign_in

REPO = Path(__file__).resolve().parents[1]
CARDS = REPO / "templates" / "cards"
DATA = Path(__file__).parent / "data" / "topics" / "messages.txt"
T0 = datetime(2026, 10, 5, 1, 0, tzinfo=timezone.utc)


def _sample() -> dict:
    return yaml.safe_load((CARDS / "live-follow-up" / "sample.yaml").read_text(encoding="utf-8"))


def test_one_card_per_answer_with_every_channel_text(tmp_path):
    data = _sample()
    rendered = render_post(CARDS, "live-follow-up", out_dir=tmp_path / "post", data=data,
                           image_format="jpeg", workspace=REPO)
    assert len(rendered.slides) == 1 + len(data["answers"])
    assert all((s.width, s.height) == (1080, 1350) for s in rendered.slides)
    assert rendered.warnings == ()
    assert rendered.title.startswith("[소통 라이브] 못다 한 답변")
    for name in ("instagram", "facebook", "band", "blog"):
        for a in data["answers"]:
            assert a["answer"] in rendered.texts[name], name
    assert "시민 23명" in rendered.texts["instagram"]            # a count, never "23.0"
    assert "소통 라이브에서 못다 한 답변" in rendered.slides[0].alt_text
    assert data["answers"][1]["question"] in rendered.slides[2].alt_text


def test_a_long_answer_is_cut_on_its_card_with_a_warning(tmp_path):
    data = _sample()
    data["answers"][0]["answer"] = "버스 노선을 다시 짜고 배차를 늘리는 계획을 설명합니다. " * 40
    rendered = render_post(CARDS, "live-follow-up", out_dir=tmp_path / "post", data=data,
                           image_format="jpeg", workspace=REPO)
    cut = [w for w in rendered.warnings if w["kind"] == "cut"]
    assert len(cut) == 1 and cut[0]["slide"] == 2
    assert data["answers"][0]["answer"].strip() in rendered.texts["facebook"]   # in full


def _ranked_with_an_answer(ws) -> int:
    messages, labels = labelled.load(DATA)
    chosen = [x for x, l in zip(messages, labels) if l in ("bus", "library")]
    replies = [reply(f"m{x.item_id}", x.text, author_id=x.author, when=T0 + timedelta(minutes=n))
               for n, x in enumerate(chosen)]
    with ws.db.begin() as conn:
        ingestor(ws.settings, now=lambda: T0 + timedelta(days=1)).ingest(conn, replies)
    actor = Actor.cli("tester")
    run = service.rank_scope(ws.settings, ws.db,
                             service.quarter_scope("2026Q4", ws.settings.timezone), actor)
    top = service.run_view(ws.db, run).groups[0]
    service.choose(ws.db, run, top.key, True, actor)
    return run, top.key


def test_the_topics_page_prepares_the_follow_up_post(staff):
    ws = staff.ws
    run, key = _ranked_with_an_answer(ws)
    add_user(ws.db, "viewer1", "viewer")
    add_user(ws.db, "editor1", "editor")
    sign_in(staff, "viewer1")
    page = staff.get(f"/topics/{run}")
    assert 'id="follow-up-form"' not in page.text and 'id="follow-up-none"' not in page.text
    denied = post(staff, f"/topics/{run}/follow-up", {"at": "2027-01-10T10:00"},
                  page=f"/topics/{run}")
    assert denied.status_code == 403
    staff.post("/sign-out", data={})
    staff.cookies.clear()

    sign_in(staff, "editor1")
    page = staff.get(f"/topics/{run}")        # chosen, but no written answer yet
    assert 'id="follow-up-none"' in page.text and 'id="follow-up-form"' not in page.text
    nothing = post(staff, f"/topics/{run}/follow-up", {"at": "2027-01-10T10:00"},
                   page=f"/topics/{run}")
    assert nothing.status_code == 303 and nothing.headers["location"].endswith(f"/topics/{run}")
    assert "nothing to follow up" in staff.get(f"/topics/{run}").text
    service.settle(ws.db, run, key, Actor.cli("tester"), covered=False,
                   answer="1월부터 출퇴근 버스를 늘립니다.")
    page = staff.get(f"/topics/{run}")
    assert 'id="follow-up-form"' in page.text
    for bad in ({}, {"at": ""}, {"at": "tomorrow"}, {"at": "\x00" * 50}, {"at": "9" * 500}):
        answer = post(staff, f"/topics/{run}/follow-up", bad, page=f"/topics/{run}")
        assert answer.status_code == 303, (bad, answer.status_code)
        assert answer.headers["location"].endswith(f"/topics/{run}")
    assert 400 <= post(staff, "/topics/99999/follow-up", {"at": "2027-01-10T10:00"},
                       page=f"/topics/{run}").status_code < 500
    ok = post(staff, f"/topics/{run}/follow-up", {"at": "2027-01-10T10:00"},
              page=f"/topics/{run}")
    assert ok.status_code == 303 and "/runs/" in ok.headers["location"]
    occ = int(ok.headers["location"].rstrip("/").rsplit("/", 1)[1])
    row = Ledger(ws.db).occurrence(occ)
    assert row["schedule"] == m.POST and row["template"] == "live-follow-up"
    assert row["state"] == m.PLANNED and row["created_by"] == "editor1"
    assert row["scheduled_for"] == datetime(2027, 1, 10, 1, 0, tzinfo=timezone.utc)
    data = yaml.safe_load((Path(ws.settings.var_dir) / "topics" / f"follow-up-{run}.yaml")
                          .read_text(encoding="utf-8"))
    assert data["answers"][0]["answer"] == "1월부터 출퇴근 버스를 늘립니다."
