"""설문 pages of the staff app: list, create/edit form with line-numbered errors, detail with
answers per channel and theme, publish, close and link; permissions per role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert

from outreach.publishing.service import PublishingService
from outreach.store.inbox_tables import inbox_items
from outreach.surveys.service import SCHEDULE, SurveyService

from web_support import add_user, csrf, post, sign_in, staff_client

SURVEY_YAML = """title: 시험 설문
opens: 2026-12-01 09:00
closes: 2026-12-14 18:00
intro: 질문을 받습니다.
questions:
  - {key: traffic, label: 교통}
  - {key: other, label: 기타}
card:
  photo: content/photos/city-hall.jpg
"""


def _item(db, remote_id: str, text: str, channel: str = "band") -> int:
    now = datetime(2026, 12, 2, 1, 0)
    with db.begin() as conn:
        return conn.execute(insert(inbox_items).values(
            channel=channel, remote_id=remote_id, author_key="a-" + remote_id, text=text,
            created_at=now, received_at=now)).inserted_primary_key[0]


def test_editor_creates_edits_publishes_and_closes(staff):
    ws = staff.ws
    add_user(ws.db, "ed", "editor")
    sign_in(staff, "ed")
    listing = staff.get("/surveys")
    assert listing.status_code == 200 and 'href="/surveys/new"' in listing.text
    assert 'href="/surveys"' in listing.text                      # in the navigation bar
    form = staff.get("/surveys/new")
    assert form.status_code == 200 and "questions:" in form.text and 'name="slug"' in form.text
    bad = post(staff, "/surveys", {"slug": "test-live", "text": SURVEY_YAML.replace(
        "closes: 2026-12-14 18:00", "closes: someday")}, page="/surveys/new")
    assert bad.status_code == 400
    assert "test-live.yaml:3: closes: not a time" in bad.text and "closes: someday" in bad.text
    assert not (ws.root / "content" / "surveys" / "test-live.yaml").exists()
    made = post(staff, "/surveys", {"slug": "test-live", "text": SURVEY_YAML},
                page="/surveys/new")
    assert made.status_code == 303 and made.headers["location"] == "/surveys/test-live"
    assert (ws.root / "content" / "surveys" / "test-live.yaml").read_text(
        encoding="utf-8").startswith("title: 시험 설문")
    edit = staff.get("/surveys/test-live/edit")
    assert edit.status_code == 200 and "{key: traffic, label: 교통}" in edit.text
    saved = post(staff, "/surveys/test-live/edit",
                 {"text": SURVEY_YAML.replace("시험 설문", "시험 설문 (고침)")},
                 page="/surveys/test-live/edit")
    assert saved.status_code == 303
    detail = staff.get("/surveys/test-live")
    assert "시험 설문 (고침)" in detail.text and 'id="publish"' in detail.text
    published = post(staff, "/surveys/test-live/publish", page="/surveys/test-live")
    assert published.status_code == 303
    svc = SurveyService(ws.settings, ws.db)
    survey = svc.get("test-live")
    assert survey.state == "published"
    occ = PublishingService(ws.settings, ws.db).ledger.occurrence_by_key(
        SCHEDULE, "survey:test-live")
    assert occ["id"] == survey.occurrence_id and occ["created_by"] == "ed"
    again = staff.get("/surveys/test-live")
    assert 'id="publish"' not in again.text and 'id="call-state"' in again.text
    run = staff.get(f"/runs/{occ['id']}")
    assert run.status_code == 200 and "survey call: test-live" in run.text
    closed = post(staff, "/surveys/test-live/close", page="/surveys/test-live")
    assert closed.status_code == 303 and svc.get("test-live").state == "closed"


def test_detail_counts_answers_per_channel_and_theme_and_officers_link(staff):
    ws = staff.ws
    add_user(ws.db, "off", "officer")
    svc = SurveyService(ws.settings, ws.db)
    from outreach.users.audit import Actor

    svc.save(svc.load_file("2026-q4-live"), Actor.system("test"))
    a = _item(ws.db, "b1", "버스 노선 문의, 연락처 010-3333-4444")
    b = _item(ws.db, "f1", "축제 예산은?", channel="facebook")
    sign_in(staff, "off")
    page = staff.get("/surveys/2026-q4-live")
    assert page.status_code == 200
    assert 'id="publish"' not in page.text and 'action="/surveys/2026-q4-live/link"' in page.text
    assert post(staff, "/surveys/2026-q4-live/link", {"item": str(a), "theme": "traffic"},
                page="/surveys/2026-q4-live").status_code == 303
    assert post(staff, "/surveys/2026-q4-live/link", {"item": f"#{b}"},
                page="/surveys/2026-q4-live").status_code == 303
    bad = post(staff, "/surveys/2026-q4-live/link", {"item": "abc"},
               page="/surveys/2026-q4-live")
    assert bad.status_code == 400 and "expected a number" in bad.text
    missing = post(staff, "/surveys/2026-q4-live/link", {"item": "99999"},
                   page="/surveys/2026-q4-live")
    assert missing.status_code == 400 and "no inbox item #99999" in missing.text
    page = staff.get("/surveys/2026-q4-live").text
    assert "2 answers" in page and "from 2 people" in page
    assert "<td>Band</td><td>1</td>" in page and "<td>Facebook</td><td>1</td>" in page
    assert ">band<" not in page and ">facebook<" not in page        # names, not codes
    assert "3333-4444" not in page and "버스 노선 문의" in page          # masked
    # an officer may link but not publish, close or edit
    denied = post(staff, "/surveys/2026-q4-live/publish", page="/surveys/2026-q4-live")
    assert denied.status_code == 403
    assert staff.get("/surveys/2026-q4-live/edit").status_code == 403
    assert svc.summary("2026-q4-live").total == 2
    add_user(ws.db, "ed2", "editor")          # the officer sees only their departments' items
    with staff_client(ws) as editor:
        sign_in(editor, "ed2")
        item_page = editor.get(f"/inbox/{a}")
    assert item_page.status_code == 200
    assert 'id="item-survey"><a href="/surveys/2026-q4-live">2026년 4분기 소통 라이브</a> · 교통·주차' \
        in item_page.text


def test_viewer_reads_only_and_unknown_survey_is_404(staff):
    add_user(staff.ws.db, "v", "viewer")
    sign_in(staff, "v")
    listing = staff.get("/surveys")
    assert listing.status_code == 200 and 'href="/surveys/new"' not in listing.text
    assert staff.get("/surveys/nope").status_code in (400, 404)
    token = csrf(staff, "/surveys")
    denied = staff.post("/surveys", data={"slug": "x", "text": SURVEY_YAML, "csrf_token": token})
    assert denied.status_code == 403
