"""A survey's call goes out through the ledger like a one-off post (one occurrence, one
delivery per channel, once), and comments under it on several platforms come back
through the harvest as answers of the survey."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from outreach.errors import SurveyError
from outreach.inbox.harvest import harvest_all
from outreach.publishing import model as m
from outreach.publishing.service import PublishingService
from outreach.store import inbox as store
from outreach.store.db import open_database
from outreach.store.inbox import ItemFilter
from outreach.surveys.service import SCHEDULE, SurveyService

from fakes.graph import GraphFake
from fakes.wordpress import WordPressFake
from survey_support import OPEN, REPO, STAFF, add_survey_files, saved_survey
from test_inbox_support import opened
from test_publish_helpers import Clock, workspace

SEOUL = ZoneInfo("Asia/Seoul")
TOKEN = "EAAsurvey-page-token-0001"
WP_PASSWORD = "abcd efgh ijkl mnop qrst uvwx"


def test_call_is_published_once_per_channel_through_the_ledger(tmp_path, db_url):
    channels = {"outbox": {"type": "outbox"}, "archive": {"type": "outbox"},
                "spare": {"type": "outbox"}}
    settings = workspace(tmp_path, db_url, channels)
    add_survey_files(settings.root, channels=["outbox", "archive"])
    db = open_database(db_url)
    clock = Clock(OPEN)
    try:
        surveys = saved_survey(settings, db, clock)
        occ = surveys.publish("2026-q4-live", STAFF, approval=False)
        assert surveys.publish("2026-q4-live", STAFF, approval=False) == occ   # a double click
        survey = surveys.get("2026-q4-live")
        assert (survey.state, survey.occurrence_id) == ("published", occ)
        publishing = PublishingService(settings, db, clock=clock)
        row = publishing.occurrence(occ)
        assert (row["schedule"], row["key"]) == (SCHEDULE, "survey:2026-q4-live")
        report = publishing.work()
        assert report.prepared == 1 and report.count(m.D_SENT) == 2
        clock.advance(minutes=10)
        assert publishing.work().idle                       # a re-run sends nothing again
        surveys.publish("2026-q4-live", STAFF, approval=False)
        assert PublishingService(settings, db, clock=clock).work().idle
        deliveries = publishing.ledger.deliveries([occ])
        assert sorted(d["channel"] for d in deliveries) == ["archive", "outbox"]
        assert {d["state"] for d in deliveries} == {m.D_SENT}
        assert publishing.ledger.count_attempts() == 2
        key = next(d["key"] for d in deliveries if d["channel"] == "outbox")
        folder = tmp_path / "var" / "outbox" / "outbox" / key
        text = (folder / "text.txt").read_text(encoding="utf-8")
        assert "소통 라이브] 2026년 4분기 소통 라이브 질문을 받습니다" in text
        assert "교통·주차" in text and "12월 14일(월) 오후 6시" in text
        assert (folder / "01.png").is_file() and (folder / "02.png").is_file()
        summary = surveys.summary("2026-q4-live")
        assert summary.occurrence["state"] == m.DONE and len(summary.deliveries) == 2
    finally:
        db.dispose()


def test_call_waits_for_approval_when_the_workspace_asks(tmp_path, db_url):
    settings = workspace(tmp_path, db_url)
    add_survey_files(settings.root)
    db = open_database(db_url)
    clock = Clock(OPEN)
    try:
        surveys = saved_survey(settings, db, clock)
        occ = surveys.publish("2026-q4-live", STAFF)          # [publishing] post_approval
        publishing = PublishingService(settings, db, clock=clock)
        publishing.work()
        assert publishing.occurrence(occ)["state"] == m.AWAITING_APPROVAL
        assert publishing.ledger.count_attempts() == 0
    finally:
        db.dispose()


def test_a_closed_or_broken_survey_leaves_no_ledger_row(tmp_path, db_url):
    settings = workspace(tmp_path, db_url)
    add_survey_files(settings.root)
    db = open_database(db_url)
    try:
        surveys = saved_survey(settings, db, lambda: OPEN)
        late = SurveyService(settings, db, clock=lambda: OPEN + timedelta(days=30))
        with pytest.raises(SurveyError, match="closes"):
            late.publish("2026-q4-live", STAFF, approval=False)
        (settings.templates_dir / "survey-call" / "template.yaml").unlink()
        with pytest.raises(Exception, match="survey-call"):
            surveys.publish("2026-q4-live", STAFF, approval=False)
        surveys.close("2026-q4-live", STAFF)
        with pytest.raises(SurveyError, match="closed"):
            surveys.publish("2026-q4-live", STAFF, approval=False)
        publishing = PublishingService(settings, db)
        assert publishing.ledger.occurrence_by_key(SCHEDULE, "survey:2026-q4-live") is None
    finally:
        db.dispose()


def test_closing_before_the_call_went_out_cancels_the_call(tmp_path, db_url):
    settings = workspace(tmp_path, db_url)
    add_survey_files(settings.root)
    db = open_database(db_url)
    clock = Clock(OPEN - timedelta(days=3))              # before the survey opens
    try:
        surveys = saved_survey(settings, db, clock)
        occ = surveys.publish("2026-q4-live", STAFF, approval=False)
        publishing = PublishingService(settings, db, clock=clock)
        publishing.work()                                 # the draft is ready, not yet due
        assert publishing.occurrence(occ)["state"] == m.PREPARED
        surveys.close("2026-q4-live", STAFF)
        clock.now = OPEN
        publishing.work()
        assert publishing.occurrence(occ)["state"] == m.CANCELLED
        assert {d["state"] for d in publishing.ledger.deliveries([occ])} == {m.D_CANCELLED}
        assert publishing.ledger.count_attempts() == 0
    finally:
        db.dispose()


def _local(moment: datetime) -> str:
    return moment.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")


def test_comments_under_the_call_on_several_platforms_become_answers(tmp_path, db_url):
    """Facebook, Instagram and the blog get the call through the ledger; a YouTube video
    is listed under ``posts:``; comments under them are harvested as the survey's answers,
    others are not, and nothing written after the survey closed is counted."""
    from fakes.youtube import YouTubeFake

    now = datetime.now(timezone.utc).replace(microsecond=0)
    with GraphFake(token=TOKEN) as graph, WordPressFake(password=WP_PASSWORD) as wp, \
            YouTubeFake() as yt:
        channels = {
            "facebook": {"type": "facebook", "page_id": graph.page_id, "page_token_env": "FB",
                         "api_base": graph.url, "timeout": 2.0, "retries": 0},
            "insta": {"type": "instagram", "ig_user_id": graph.ig_user_id, "token_env": "FB",
                      "api_base": graph.url, "public_base_url": "https://media.example/var",
                      "poll_interval": 0, "timeout": 2.0, "retries": 0},
            "blog": {"type": "wordpress", "site_url": wp.url, "username": "cityhall",
                     "app_password_env": "WP", "timeout": 2.0, "retries": 0},
            "youtube": {"type": "youtube", "channel_id": yt.channel_id, "client_id_env": "YT_ID",
                        "client_secret_env": "YT_SECRET", "refresh_token_env": "YT_REFRESH",
                        "api_base": yt.url + "/", "token_uri": yt.url + "/token", "timeout": 2},
        }
        env = {"FB": TOKEN, "WP": WP_PASSWORD, "YT_ID": "client-1.apps",
               "YT_SECRET": "yt-client-secret", "YT_REFRESH": "1//refresh-token-yt"}
        settings = dataclasses.replace(workspace(tmp_path, db_url, channels), env=env)
        shutil.copytree(REPO / "inbox", settings.root / "inbox")     # the sample triage rules
        add_survey_files(settings.root, channels=["facebook", "insta", "blog"],
                         opens=_local(now - timedelta(days=1)),
                         closes=_local(now + timedelta(days=1)),
                         extra="posts: {youtube: [vid-live-1]}\n")
        db = open_database(db_url)
        clock = Clock(now - timedelta(hours=2))
        try:
            surveys = saved_survey(settings, db, clock)
            occ = surveys.publish("2026-q4-live", STAFF, approval=False)
            report = PublishingService(settings, db, clock=clock).work()
            assert report.count(m.D_SENT) == 3, report
            posted = {d["channel"]: d["remote_id"]
                      for d in PublishingService(settings, db).ledger.deliveries([occ])}
            fb_post = posted["facebook"]
            assert fb_post in graph.posts and "질문을 받습니다" in graph.posts[fb_post]["message"]
            before = now - timedelta(minutes=30)
            graph.add_comment(fb_post, "시내버스 노선을 늘려 주세요", created=before,
                              author=("5550101", "김시민"))
            graph.add_comment(graph.add_post("겨울철 제설 안내"), "제설 언제 하나요?",
                              created=before, author=("5550102", "이시민"))
            graph.add_comment(posted["insta"], "공원에 화장실이 필요해요", instagram=True,
                              created=before)
            wp.add_comment(int(posted["blog"]), "도서관을 밤늦게까지 열어 주세요", created=before)
            yt.add_thread("vid-live-1", "시장님께 묻습니다: 청년 일자리 대책은?",
                          when=before)
            yt.add_thread("vid-other", "다른 영상 댓글", when=before)
            # staff close the survey; a comment written afterwards is not an answer
            clock.now = now - timedelta(minutes=10)
            surveys.close("2026-q4-live", STAFF)
            graph.add_comment(fb_post, "마감 뒤에 쓴 질문", created=now - timedelta(minutes=5),
                              author=("5550103", "박시민"))
            result = harvest_all(settings, db)
            assert result.ok, [c.error for c in result.channels]
            with db.read() as conn:
                rows = {r.text: r for r in store.list_items(
                    conn, ItemFilter(statuses=(), include_deleted=True, limit=100))}
            survey = surveys.get("2026-q4-live")
            answers = {t: r.channel for t, r in rows.items() if r.survey_id == survey.id}
            assert answers == {"시내버스 노선을 늘려 주세요": "facebook",
                               "공원에 화장실이 필요해요": "insta",
                               "도서관을 밤늦게까지 열어 주세요": "blog",
                               "시장님께 묻습니다: 청년 일자리 대책은?": "youtube"}
            assert {rows[t].kind for t in answers} == {"survey"}
            for other in ("제설 언제 하나요?", "다른 영상 댓글", "마감 뒤에 쓴 질문"):
                assert rows[other].survey_id is None and rows[other].kind != "survey"
            summary = surveys.summary(survey.id)
            assert summary.total == 4 and summary.people == 4
            assert summary.channels == {"blog": 1, "facebook": 1, "insta": 1, "youtube": 1}
        finally:
            db.dispose()
