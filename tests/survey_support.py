"""Helpers for the survey tests (no tests here): a workspace with the survey-call template,
the sample photo and a survey file."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

from outreach.surveys.service import SurveyService
from outreach.users.audit import Actor

REPO = Path(__file__).resolve().parents[1]
# the survey below takes answers from Tue 1 Dec 09:00 to Mon 14 Dec 18:00, Seoul time
OPEN = datetime(2026, 12, 2, 1, 0, tzinfo=timezone.utc)           # Wed 2 Dec 10:00 KST
AFTER = datetime(2026, 12, 15, 1, 0, tzinfo=timezone.utc)
STAFF = Actor.cli("김주무관")

SURVEY = """\
title: 2026년 4분기 소통 라이브
opens: {opens}
closes: {closes}
{channels}intro: 시장이 직접 답하는 소통 라이브에서 다룰 질문을 받습니다.
questions:
  - {{key: traffic, label: 교통·주차, text: "버스, 주차"}}
  - {{key: welfare, label: 복지·돌봄}}
  - {{key: other, label: 자유 질문}}
card:
  photo: content/photos/city-hall.jpg
"""


def add_survey_files(root: Path, slug: str = "2026-q4-live",
                     channels: list[str] | None = None, opens: str = "2026-12-01 09:00",
                     closes: str = "2026-12-14 18:00", extra: str = "") -> Path:
    """The survey-call template, the sample photo and ``content/surveys/<slug>.yaml``."""
    shutil.copytree(REPO / "templates" / "cards" / "survey-call",
                    root / "templates" / "cards" / "survey-call", dirs_exist_ok=True)
    photos = root / "content" / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "content" / "photos" / "city-hall.jpg", photos / "city-hall.jpg")
    folder = root / "content" / "surveys"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.yaml"
    line = f"channels: [{', '.join(channels)}]\n" if channels else ""
    path.write_text(SURVEY.format(channels=line, opens=opens, closes=closes) + extra,
                    encoding="utf-8")
    return path


def saved_survey(settings, db, clock=lambda: OPEN, slug: str = "2026-q4-live") -> SurveyService:
    """A SurveyService with the survey file saved to the database."""
    service = SurveyService(settings, db, clock=clock)
    service.save(service.load_file(slug), STAFF)
    return service
