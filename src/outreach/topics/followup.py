"""After the broadcast: one post answering the chosen questions that were not covered on air.

The text lists each chosen group that has a written answer and was not marked
"covered on air"; it goes out as a one-off post through the ledger
(``publishing.oneoff``), with the same approvals and exactly-once delivery as any
other post, using its own card template ``live-follow-up`` (a cover, then one 4:5 card
per question with its answer, and channel texts carrying every answer in full). Staff
review the draft before it is approved like any one-off post; the 주제 page's button and
``outreach topics follow-up`` both call ``schedule``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Sequence

import yaml

from ..errors import TopicError
from ..i18n import _

TEMPLATE = "live-follow-up"
# the card's background photo: ``[topics] follow_up_photo`` in outreach.toml, else this
PHOTO = "content/photos/city-hall.jpg"


def pending(view) -> list:
    """Chosen, not covered on air, answered in writing."""
    return [g for g in view.groups if g.chosen and not g.covered and (g.answer or "").strip()]


def text(view) -> str:
    groups = pending(view)
    if not groups:
        raise TopicError(_("nothing to follow up: no chosen group has a written answer that "
                           "was not covered on air (outreach topics answer GROUP --text ...)"))
    lines = [_("Questions from the live broadcast we could not answer on air ({scope})",
               scope=view.label), ""]
    for g in groups:
        who = _("{n} citizens", n=g.citizens)
        lines += [f"Q. {g.name} ({who})", f"A. {g.answer.strip()}", ""]
    return "\n".join(lines).strip()


def data(view, at: datetime, photo: str = PHOTO) -> dict:
    """The card template's data: the ranking's name and one entry per answered question."""
    groups = pending(view)
    if not groups:
        text(view)                       # raises the one-line "nothing to follow up"
    return {"title": view.label,
            "answers": [{"question": g.name, "answer": g.answer.strip(),
                         "citizens": g.citizens} for g in groups],
            "at": at.strftime("%Y-%m-%d %H:%M"), "photo": photo,
            "hashtags": ["천안", "소통라이브"]}


def schedule(settings, db, view, at_text: str, channels: Sequence[str] | None, actor) -> int:
    """``outreach topics follow-up --at``: the time as typed, then ``schedule_at``."""
    try:
        at = datetime.strptime(at_text.strip(), "%Y-%m-%d %H:%M").replace(
            tzinfo=settings.timezone)
    except ValueError:
        raise TopicError(_("--at: expected YYYY-MM-DD HH:MM, got {value!r}", value=at_text))
    return schedule_at(settings, db, view, at, channels, actor)


def schedule_at(settings, db, view, at: datetime, channels: Sequence[str] | None,
                actor) -> int:
    """Write the data file under var/ and schedule the one-off post; returns its id.
    The data is checked (something to answer) before anything is written."""
    from ..publishing.oneoff import PostRequest, schedule_post
    from ..publishing.service import PublishingService

    photo = str(settings.section("topics").get("follow_up_photo", PHOTO))
    values = data(view, at.astimezone(settings.timezone), photo)
    folder = Path(settings.var_dir) / "topics"
    folder.mkdir(parents=True, exist_ok=True)
    data_file = folder / f"follow-up-{view.id}.yaml"
    data_file.write_text(yaml.safe_dump(values, allow_unicode=True, sort_keys=False),
                         encoding="utf-8")
    service = PublishingService(settings, db)
    try:
        return schedule_post(service, PostRequest(template=TEMPLATE, at=at, channels=channels,
                                                  data_file=data_file), actor)
    finally:
        service.close()
