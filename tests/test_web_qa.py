"""What a PR officer trips over when a form or a URL is wrong: a clear 4xx page in their
language, never a 500, and error lines that name their own file (QA pass over the staff app)."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

from starlette.routing import Route

from outreach.i18n import use_language
from outreach.scheduling.specs import load_all
from outreach.web.staff import page_routes
from web_support import add_user, csrf, sign_in

HUGE = "9" * 30          # more digits than any database integer holds
DAY = "2026-12-10"


def _int_routes() -> list[tuple[str, str]]:
    out = []
    for route in page_routes():
        if isinstance(route, Route) and ":int}" in route.path:
            for method in sorted((route.methods or set()) - {"HEAD"}):
                out.append((method, re.sub(r"\{\w+:int\}", HUGE, route.path)))
    return out


def test_an_id_too_long_for_the_database_is_a_404_on_every_route(staff):
    add_user(staff.ws.db, "kim", "admin")
    sign_in(staff, "kim")
    token = csrf(staff, "/account")
    routes = _int_routes()
    assert any(path.startswith("/runs/") for _, path in routes)
    for method, path in routes:
        response = staff.request(method, path, data={"csrf_token": token}
                                 if method == "POST" else None)
        assert response.status_code == 404, (method, path, response.status_code)


def test_a_broken_xlsx_import_is_a_400_naming_the_uploaded_file(staff, tmp_path):
    add_user(staff.ws.db, "kim", "editor")
    sign_in(staff, "kim")
    page = f"/studio/weekend-guide/{DAY}"
    token = csrf(staff, page)
    for name, body in (("events.xlsx", b"a renamed .xls, not a zip"),
                       ("events.csv", b"\xff\xfe\x00broken,,,\n\x81\x82")):
        response = staff.post(f"{page}/import", data={"csrf_token": token},
                              files={"sheet": (name, body)})
        assert response.status_code == 400, (name, response.status_code)
        assert f"{name}: " in response.text
        assert "/tmp" not in response.text and str(tmp_path) not in response.text


def test_a_studio_error_names_the_data_file_from_the_workspace(staff):
    add_user(staff.ws.db, "kim", "editor")
    sign_in(staff, "kim")
    page = f"/studio/weekend-guide/{DAY}"
    response = staff.post(f"{page}/save", data={"csrf_token": csrf(staff, page)})
    assert response.status_code == 400
    assert f"content/weekend-guide/{DAY}.yaml: " in response.text
    assert str(staff.ws.root) not in response.text


def test_an_unknown_template_is_explained_in_korean(staff):
    add_user(staff.ws.db, "kim", "editor", language="ko")
    sign_in(staff, "kim")
    response = staff.get(f"/studio/no-such-card/{DAY}")
    assert response.status_code == 400
    assert "있는 템플릿:" in response.text and "now-in-city" in response.text
    assert "known templates" not in response.text


def test_why_a_day_is_skipped_is_said_in_korean(web_ws):
    schedule = load_all(web_ws.settings)[0][0]
    day = date(2026, 12, 25)
    listed = dataclasses.replace(schedule, skip=frozenset({day}))
    holidays = dataclasses.replace(schedule, skip_holidays=True)
    with use_language("ko"):
        assert listed.skip_reason(day) == "2026-12-25은(는) 건너뛰는 날(skip)로 적혀 있습니다"
        assert holidays.skip_reason(day).startswith("2026-12-25은(는) 공휴일입니다 (")


def test_a_survey_that_does_not_exist_is_a_404_pointing_at_the_list(staff):
    add_user(staff.ws.db, "kim", "editor", language="ko")
    sign_in(staff, "kim")
    token = csrf(staff, "/surveys")
    for method, path in (("GET", "/surveys/no-such"), ("GET", "/surveys/no-such/edit"),
                         ("POST", "/surveys/no-such/publish"),
                         ("POST", "/surveys/no-such/close")):
        response = staff.request(method, path, data={"csrf_token": token}
                                 if method == "POST" else None)
        assert response.status_code == 404, (method, path, response.status_code)
        assert "설문 no-such이(가) 없습니다: 설문 목록에서 확인하세요" in response.text
        assert "outreach survey list" not in response.text


def test_a_survey_file_mistake_names_the_file_from_the_workspace(staff):
    add_user(staff.ws.db, "kim", "editor", language="ko")
    sign_in(staff, "kim")
    response = staff.post("/surveys", data={"slug": "2027-q1", "text": "title: [",
                                            "csrf_token": csrf(staff, "/surveys/new")})
    assert response.status_code == 400
    assert "content/surveys/2027-q1.yaml:" in response.text
    assert str(staff.ws.root) not in response.text


def test_an_error_page_leads_back_to_the_form_and_names_workspace_files(staff):
    add_user(staff.ws.db, "kim", "editor", language="ko")
    sign_in(staff, "kim")
    page = f"/studio/weekend-guide/{DAY}"
    token = csrf(staff, page)
    response = staff.post(f"{page}/restore", data={"version": "999", "csrf_token": token},
                          headers={"referer": f"http://testserver{page}"})
    assert response.status_code == 400
    assert f'<a href="{page}" id="back">이전 페이지로 돌아가기</a>' in response.text
    assert f"content/weekend-guide/{DAY}.yaml: " in response.text
    assert str(staff.ws.root) not in response.text
    # another site's page is no way back
    response = staff.post(f"{page}/restore", data={"version": "999", "csrf_token": token},
                          headers={"referer": f"https://elsewhere.example{page}"})
    assert response.status_code in (400, 403) and 'id="back"' not in response.text


def test_the_live_preview_names_the_data_file_from_the_workspace(staff):
    add_user(staff.ws.db, "kim", "editor", language="ko")
    sign_in(staff, "kim")
    page = f"/studio/weekend-guide/{DAY}"
    response = staff.post(f"{page}/preview", data={"csrf_token": csrf(staff, page)})
    assert response.status_code == 200
    error = response.json()["error"]
    assert error.startswith(f"content/weekend-guide/{DAY}.yaml: ")
    assert str(staff.ws.root) not in error


def test_a_runs_calendar_link_opens_its_local_day(staff):
    """08:00 in Seoul on 1 December is still 30 November in UTC: the crumb opens December."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from outreach.publishing.model import OccurrenceSpec
    from outreach.publishing.service import PublishingService

    when = datetime(2026, 12, 1, 8, 0, tzinfo=ZoneInfo("Asia/Seoul")).astimezone(timezone.utc)
    occ = PublishingService(staff.ws.settings, staff.ws.db).plan(OccurrenceSpec(
        schedule="weekend-guide", key="qa-early", scheduled_for=when,
        template="weekend-guide", channels=("outbox",)))
    add_user(staff.ws.db, "kim", "editor")
    sign_in(staff, "kim")
    response = staff.get(f"/runs/{occ}")
    assert response.status_code == 200
    assert 'href="/calendar?day=2026-12-01"' in response.text


def test_a_survey_calls_post_links_back_to_its_survey(staff):
    from survey_support import STAFF, add_survey_files, saved_survey

    add_survey_files(staff.ws.root)
    occ = saved_survey(staff.ws.settings, staff.ws.db).publish("2026-q4-live", STAFF)
    add_user(staff.ws.db, "kim", "editor")
    sign_in(staff, "kim")
    response = staff.get(f"/runs/{occ}")
    assert response.status_code == 200
    assert '<a href="/surveys/2026-q4-live" id="survey-link">' in response.text
    assert 'id="studio-link"' not in response.text        # its data is the survey, not a file


def test_a_new_survey_never_replaces_one_with_the_same_name(staff):
    from survey_support import add_survey_files, saved_survey

    add_survey_files(staff.ws.root)
    svc = saved_survey(staff.ws.settings, staff.ws.db)
    before = (staff.ws.root / "content" / "surveys" / "2026-q4-live.yaml").read_text("utf-8")
    add_user(staff.ws.db, "kim", "editor", language="ko")
    sign_in(staff, "kim")
    text = before.replace("2026년 4분기 소통 라이브", "다른 설문")
    response = staff.post("/surveys", data={"slug": "2026-q4-live", "text": text,
                                            "csrf_token": csrf(staff, "/surveys/new")})
    assert response.status_code == 400
    assert "이름이 2026-q4-live인 설문이 이미 있습니다" in response.text
    assert svc.get("2026-q4-live").title == "2026년 4분기 소통 라이브"
    assert (staff.ws.root / "content" / "surveys" / "2026-q4-live.yaml").read_text(
        "utf-8") == before
    # editing it is the way to change it
    edited = staff.post("/surveys/2026-q4-live/edit", data={
        "text": text, "csrf_token": csrf(staff, "/surveys/2026-q4-live/edit")})
    assert edited.status_code == 303 and svc.get("2026-q4-live").title == "다른 설문"


def test_a_tourapi_photo_that_cannot_be_fetched_is_said_in_korean(tmp_path):
    """The reason lands in the 오늘 page's problem line ("사진을 받지 못했습니다 (...)")."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import pytest

    from outreach.autopilot.draft import _download
    from outreach.errors import SourceError

    class Gone(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gone)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with use_language("ko"):
            with pytest.raises(SourceError) as gone:
                _download(f"http://127.0.0.1:{server.server_port}/a.jpg", tmp_path, "a")
            with pytest.raises(SourceError) as refused:
                _download("http://127.0.0.1:9/a.jpg", tmp_path, "b")   # discard: nobody
    finally:
        server.shutdown()
    assert str(gone.value) == "서버가 HTTP 404로 답했습니다"
    assert str(refused.value).startswith("연결하지 못했습니다 (")


def test_the_studio_link_shows_only_while_an_edit_can_change_the_post(staff, monkeypatch):
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from outreach.publishing.model import OccurrenceSpec
    from outreach.publishing.service import PublishingService
    from outreach.users.audit import Actor

    when = datetime(2026, 12, 3, 16, 0, tzinfo=ZoneInfo("Asia/Seoul")).astimezone(timezone.utc)
    service = PublishingService(staff.ws.settings, staff.ws.db)
    occ = service.plan(OccurrenceSpec(
        schedule="weekend-guide", key="2026-12-03T07:00:00Z", scheduled_for=when,
        template="weekend-guide", channels=("outbox",)))
    add_user(staff.ws.db, "kim", "editor")
    sign_in(staff, "kim")
    link = '<a id="studio-link" href="/studio/weekend-guide/2026-12-03">'
    monkeypatch.setenv("OUTREACH_NOW", "2026-12-01T09:00:00+09:00")   # the Tuesday before
    assert link in staff.get(f"/runs/{occ}").text
    service.reject(occ, Actor.system("test"), "the date on slide 2 is wrong")
    # a rejected run is corrected in the studio and submitted again, within its window
    assert link in staff.get(f"/runs/{occ}").text
    monkeypatch.setenv("OUTREACH_NOW", "2026-12-05T09:00:00+09:00")   # past its grace window
    assert 'id="studio-link"' not in staff.get(f"/runs/{occ}").text
