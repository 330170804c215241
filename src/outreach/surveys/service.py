"""The survey service: every shell (CLI, web, chatbot) changes surveys through here.

State lives in the database; a YAML file is how staff write a survey. Publishing the
call is an occurrence of the reserved schedule ``survey`` (key ``survey:<slug>``) on
the ledger, planned like a one-off post: rendered by the next daemon or ``run-due``
pass, approved if ``[publishing] post_approval`` says so, sent once per channel. The
ledger's unique (schedule, key) makes a second ``publish`` find the same occurrence.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from ..config import Settings
from ..errors import SurveyError
from ..i18n import _
from ..logs import log
from ..model import utc_now
from ..store import surveys as store
from ..store.db import Database
from ..store.surveys import SurveyRecord
from ..users.audit import Actor, record
from .publish import SCHEDULE
from .spec import SurveySpec, check_slug, load_spec

logger = logging.getLogger("outreach.surveys")

__all__ = ["SCHEDULE", "SurveyService", "SurveySummary"]


@dataclass(frozen=True)
class SurveySummary:
    """A survey with its answer counts (the detail page and ``survey show``)."""

    survey: SurveyRecord
    total: int
    people: int
    channels: dict[str, int]
    questions: list[tuple[store.Question | None, int]]   # None: answers without a theme
    occurrence: dict[str, Any] | None = None
    deliveries: list[dict[str, Any]] | None = None


class SurveyService:
    """Surveys of one workspace. Cheap to build; one per request or command."""

    def __init__(self, settings: Settings, db: Database, *,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock

    @property
    def folder(self) -> Path:
        """Where staff keep survey files: ``content/surveys/``."""
        return self.settings.content_dir / "surveys"

    # -- reading ----------------------------------------------------------------------
    def get(self, ident: int | str) -> SurveyRecord:
        found = store.find(self.db, _ident(ident))
        if found is None:
            raise SurveyError(_("no survey {ident}: see outreach survey list", ident=ident),
                              key="survey")
        return found

    def list(self) -> list[SurveyRecord]:
        return store.all_surveys(self.db)

    def summary(self, ident: int | str) -> SurveySummary:
        survey = self.get(ident)
        counts = store.answer_counts(self.db, survey.id)
        per_q = counts["questions"]
        questions: list[tuple[store.Question | None, int]] = [
            (q, per_q.get(q.id, 0)) for q in survey.questions]
        if per_q.get(None):
            questions.append((None, per_q[None]))
        occurrence = deliveries = None
        if survey.occurrence_id is not None:
            from ..store.ledger import Ledger

            ledger = Ledger(self.db)
            occurrence = ledger.occurrence(survey.occurrence_id)
            deliveries = ledger.deliveries([survey.occurrence_id])
        return SurveySummary(survey, counts["total"], counts["people"], counts["channels"],
                             questions, occurrence, deliveries)

    def answers(self, ident: int | str, limit: int = 50) -> list[dict[str, Any]]:
        """The newest answers, masked (phone numbers, addresses ...) like every inbox view."""
        from ..inbox.masking import mask
        from ..store.inbox import from_db

        survey = self.get(ident)
        themes = {q.id: q for q in survey.questions}
        return [{**row, "text": mask(row["text"]), "created_at": from_db(row["created_at"]),
                 "theme": themes.get(row["survey_question_id"])}
                for row in store.answers(self.db, survey.id, limit)]

    def file_text(self, slug: str | None) -> str:
        """The YAML staff edit: the file as written (comments kept), else the stored
        survey in YAML, else (``slug`` None: a new survey) a starting point."""
        from .spec import to_yaml

        if slug is None:
            return STARTER
        path = self.folder / f"{check_slug(slug)}.yaml"
        if path.is_file():
            return path.read_text(encoding="utf-8")
        found = store.find(self.db, slug)
        if found is not None:
            return to_yaml(found, self.settings.timezone)
        return STARTER

    def save_text(self, slug: str, text: str, by: Actor) -> tuple[int, bool]:
        """Check survey YAML from the web form, write it to ``content/surveys/<slug>.yaml``
        and save it, so the file and the database say the same; (id, created)."""
        from .spec import parse_spec

        path = self.folder / f"{check_slug(slug)}.yaml"
        spec = parse_spec(text, slug, self.settings.timezone, file=path)
        result = self.save(spec, by)
        _write(path, text)
        return result

    def load_file(self, name: str | Path) -> SurveySpec:
        """A survey file by path, or by slug from ``content/surveys/``."""
        path = Path(name)
        if path.suffix not in (".yaml", ".yml"):
            path = self.folder / f"{check_slug(str(name))}.yaml"
        elif not path.is_absolute() and not path.is_file():
            path = self.settings.root / path          # relative to the workspace
        if not path.is_file():
            raise SurveyError(_("file not found: write it first (see docs/surveys.md)"),
                              file=path)
        return load_spec(path, self.settings.timezone)

    # -- changing ---------------------------------------------------------------------
    def save(self, spec: SurveySpec, by: Actor) -> tuple[int, bool]:
        """Create the survey or update it from ``spec``; (id, created).

        A published survey keeps its call as it went out: its template and channels
        cannot change any more (the text and themes still can)."""
        now = self.clock()
        values = dict(title=spec.title, template=spec.template, intro=spec.intro,
                      channels=list(spec.channels), card=dict(spec.card),
                      opens_at=spec.opens_at, closes_at=spec.closes_at,
                      source_file=spec.source_file, updated_at=now)
        posts = {k: list(v) for k, v in spec.posts.items()}
        with self.db.begin() as conn:
            existing = store.get(conn, spec.slug)
            for channel, ids in posts.items():
                for remote_id in ids:
                    owner = store.post_owner(conn, channel, remote_id)
                    if owner is not None and (existing is None or owner != existing.id):
                        raise SurveyError(_("post {id} on {channel} already belongs to another "
                                            "survey: list it in one survey only",
                                            id=remote_id, channel=channel),
                                          file=spec.source_file, key="posts")
            if existing is None:
                new_id = store.add(conn, dict(values, slug=spec.slug, state="draft",
                                              created_by=by.name, created_at=now),
                                   spec.questions, posts)
                record(conn, by, "survey.create", "survey", new_id, {"slug": spec.slug})
                created, survey_id = True, new_id
            else:
                if existing.state != "draft" and (
                        existing.template != spec.template
                        or list(existing.channels) != list(spec.channels)):
                    raise SurveyError(_("survey {slug} is {state}: its call went out, so the "
                                        "template and channels stay as they were",
                                        slug=spec.slug, state=existing.state),
                                      file=spec.source_file, key="channels")
                store.change(conn, existing.id, values, spec.questions, posts)
                record(conn, by, "survey.update", "survey", existing.id, {"slug": spec.slug})
                created, survey_id = False, existing.id
        log(logger, logging.INFO, "survey saved", survey=spec.slug, created=created,
            by=by.label())
        return survey_id, created

    def close(self, ident: int | str, by: Actor) -> SurveyRecord:
        """Stop taking answers now (the chatbot says it is closed; comments still come in
        but are no longer linked). A call that has not gone out yet is cancelled."""
        survey = self.get(ident)
        now = self.clock()
        with self.db.begin() as conn:
            if not store.set_state(conn, survey.id, "closed", ["draft", "published"], now,
                                   closed_at=now):
                raise SurveyError(_("survey {slug} is already closed", slug=survey.slug),
                                  key="survey")
            record(conn, by, "survey.close", "survey", survey.id, {"slug": survey.slug})
        from .publish import withdraw_call

        withdrawn = withdraw_call(self, survey, by)
        log(logger, logging.INFO, "survey closed", survey=survey.slug, by=by.label(),
            call_withdrawn=withdrawn)
        return self.get(survey.id)

    def publish(self, ident: int | str, by: Actor, *, at: datetime | None = None,
                approval: bool | None = None, prepare: bool = False) -> int:
        """Plan the call on the ledger (once); the occurrence id. Nothing is sent inside
        the call: the daemon or ``run-due`` sends it (``prepare``: render the draft now)."""
        from .publish import publish_call

        return publish_call(self, self.get(ident), by, at=at, approval=approval,
                            prepare=prepare)

    def link(self, item_id: int, ident: int | str | None, by: Actor,
             theme: str | None = None) -> dict[str, Any]:
        """Link an inbox item to a survey (and theme) by hand; ``ident`` None unlinks it.
        Linking makes the item a survey answer (kind ``survey``)."""
        from .answers import link_item

        return link_item(self, item_id, None if ident is None else self.get(ident), theme, by)


def _ident(value: int | str) -> int | str:
    if isinstance(value, int):
        return value
    text = str(value).strip().lstrip("#")
    return int(text) if text.isdigit() else text


STARTER = """\
title: 소통 라이브 질문 모집
opens: 2026-12-01 09:00
closes: 2026-12-14 18:00
intro: 시장이 직접 답하는 소통 라이브에서 다룰 질문을 받습니다.
questions:
  - {key: traffic, label: 교통·주차}
  - {key: welfare, label: 복지·돌봄}
  - {key: other, label: 자유 질문}
card:
  photo: content/photos/city-hall.jpg
"""


def _write(path: Path, text: str) -> None:
    """Replace the file at once (a reader never sees half of it)."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text if text.endswith("\n") else text + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
