"""A survey as staff write it: ``content/surveys/<slug>.yaml``, checked with line numbers.

::

    title: 2026년 4분기 소통 라이브
    template: survey-call            # card template of the call (default survey-call)
    opens: 2026-12-01 09:00          # local time of the workspace
    closes: 2026-12-14 18:00
    channels: [facebook, kakao]      # optional; every enabled channel when absent
    intro: |
      시장에게 묻고 싶은 것을 보내 주세요.
    questions:
      - {key: traffic, label: 교통·주차, text: 버스, 주차, 도로에 관해 묻고 싶은 것}
    card: {photo: content/photos/city-hall.jpg}   # extra data for the card template
    posts: {youtube: [VIDEO_ID]}      # optional: other posts whose comments are answers

The slug is the file name without ``.yaml``. A mistake is one ``SurveyError`` naming
the file, line and field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any, Mapping

from ..errors import SurveyError
from ..i18n import _
from ..render.yamlsrc import line_of, load, parse
from ..store.surveys import Question

#: Kakao quick replies: at most 10 buttons, a label of at most 14 characters
MAX_QUESTIONS = 10
MAX_LABEL = 14
DEFAULT_TEMPLATE = "survey-call"
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
KNOWN = ("title", "template", "opens", "closes", "channels", "intro", "questions", "card",
         "posts")


@dataclass(frozen=True)
class SurveySpec:
    """A checked survey, ready for the store."""

    slug: str
    title: str
    intro: str
    opens_at: datetime               # aware
    closes_at: datetime              # aware
    questions: tuple[Question, ...]
    template: str = DEFAULT_TEMPLATE
    channels: tuple[str, ...] = ()   # () = every enabled channel
    card: Mapping[str, Any] = field(default_factory=dict)
    posts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    source_file: str | None = None


def check_slug(slug: str, *, file: object | None = None) -> str:
    if not SLUG.fullmatch(slug or "") or slug == "new":      # /surveys/new is the form
        raise SurveyError(_("{slug!r} is not a survey name: use lower-case letters, digits and "
                            "dashes, e.g. 2026-q4-live", slug=slug), file=file, key="slug")
    return slug


def load_spec(path: Path, tz: tzinfo) -> SurveySpec:
    """Read and check a survey file."""
    data = load(path, SurveyError)
    return spec_from(data, check_slug(path.stem, file=path), tz, file=path)


def parse_spec(text: str, slug: str, tz: tzinfo, *, file: object = "survey.yaml") -> SurveySpec:
    """Check survey text (the web form's YAML box)."""
    return spec_from(parse(text, str(file), SurveyError), check_slug(slug, file=file), tz,
                     file=file)


def spec_from(data: Any, slug: str, tz: tzinfo, *, file: object) -> SurveySpec:
    if not isinstance(data, dict):
        raise SurveyError(_("a survey file is a mapping of title, opens, closes, intro and "
                            "questions"), file=file)

    def fail(message: str, key: str, where: Any = data, at: Any = None) -> SurveyError:
        return SurveyError(message, file=file, line=line_of(where, key if at is None else at),
                           key=key)

    for key in data:
        if key not in KNOWN:
            raise fail(_("unknown field: the fields are {known}", known=", ".join(KNOWN)),
                       str(key))
    title = _text(data, "title", fail, limit=100)
    intro = _text(data, "intro", fail, limit=2000)
    template = data.get("template", DEFAULT_TEMPLATE)
    if not isinstance(template, str) or not template.strip():
        raise fail(_("give the name of a card template, e.g. survey-call"), "template")
    opens = _when(data, "opens", tz, fail)
    closes = _when(data, "closes", tz, fail)
    if closes <= opens:
        raise fail(_("the survey must close after it opens"), "closes")
    channels = data.get("channels", [])
    if not isinstance(channels, list) or not all(isinstance(c, str) and c for c in channels):
        raise fail(_("a list of channel names, e.g. [facebook, kakao]"), "channels")
    card = data.get("card", {})
    if not isinstance(card, dict):
        raise fail(_("a mapping of extra card data, e.g. {photo: content/photos/city-hall.jpg}"),
                   "card")
    posts = data.get("posts", {})
    if not isinstance(posts, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(
                isinstance(i, (str, int)) and str(i).strip() for i in v)
            for k, v in posts.items()):
        raise fail(_("a mapping of channel to post ids, e.g. {youtube: [VIDEO_ID]}"), "posts")
    return SurveySpec(slug=slug, title=title, intro=intro, opens_at=opens, closes_at=closes,
                      questions=tuple(_questions(data, fail)), template=template.strip(),
                      channels=tuple(dict.fromkeys(channels)), card=dict(card),
                      posts={k: tuple(str(i).strip() for i in v) for k, v in posts.items()},
                      source_file=str(file) if isinstance(file, Path) else None)


def _text(data: Mapping[str, Any], key: str, fail: Any, *, limit: int) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise fail(_("required: write the text"), key)
    if len(value.strip()) > limit:
        raise fail(_("too long ({length} characters): at most {limit}",
                     length=len(value.strip()), limit=limit), key)
    return value.strip()


def _when(data: Mapping[str, Any], key: str, tz: tzinfo, fail: Any) -> datetime:
    value = data.get(key)
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0, 0))
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
        except ValueError:
            raise fail(_("not a time: write YYYY-MM-DD HH:MM (local time)"), key) from None
    else:
        raise fail(_("required: write YYYY-MM-DD HH:MM (local time)"), key)
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _questions(data: Mapping[str, Any], fail: Any) -> list[Question]:
    items = data.get("questions")
    if not isinstance(items, list) or not items:
        raise fail(_("required: a list of themes, each with key and label"), "questions")
    if len(items) > MAX_QUESTIONS:
        raise fail(_("{count} themes: at most {limit} (the chatbot shows one button each)",
                     count=len(items), limit=MAX_QUESTIONS), "questions")
    out: list[Question] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"questions[{index + 1}]"
        if isinstance(item, str):
            item = {"key": f"q{index + 1}", "label": item}
        if not isinstance(item, dict):
            raise fail(_("each theme is a mapping with key and label"), where, items, index)
        key, label = item.get("key"), item.get("label")
        text = item.get("text", "") or ""
        if not isinstance(key, str) or not KEY.fullmatch(key):
            raise fail(_("key: lower-case letters, digits, - or _, e.g. traffic"),
                       f"{where}.key", item, "key" if "key" in item else None)
        if key in seen:
            raise fail(_("the key {key} is used twice: give each theme its own", key=key),
                       f"{where}.key", item, "key")
        if not isinstance(label, str) or not label.strip():
            raise fail(_("required: the button text citizens tap"), f"{where}.label", item,
                       "label" if "label" in item else None)
        if len(label.strip()) > MAX_LABEL:
            raise fail(_("{length} characters: a chatbot button shows at most {limit}",
                         length=len(label.strip()), limit=MAX_LABEL), f"{where}.label", item,
                       "label")
        if not isinstance(text, str):
            raise fail(_("a text"), f"{where}.text", item, "text")
        seen.add(key)
        out.append(Question(key=key, label=label.strip(), text=text.strip()))
    return out


def to_yaml(spec: SurveySpec | Any, tz: tzinfo) -> str:
    """The YAML form of a survey (the edit form shows it; ``load_spec`` reads it back)."""
    import yaml

    def local(moment: datetime) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    data: dict[str, Any] = {"title": spec.title, "template": spec.template,
                            "opens": local(spec.opens_at), "closes": local(spec.closes_at)}
    if spec.channels:
        data["channels"] = list(spec.channels)
    data["intro"] = spec.intro
    data["questions"] = [{"key": q.key, "label": q.label, **({"text": q.text} if q.text else {})}
                         for q in spec.questions]
    card = getattr(spec, "card", None)
    if card:
        data["card"] = dict(card)
    posts = getattr(spec, "posts", None)
    if posts:
        data["posts"] = {k: list(v) for k, v in posts.items()}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)

