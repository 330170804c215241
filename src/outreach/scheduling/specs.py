"""``schedules/*.yaml`` -> validated ``Schedule`` objects.

One schedule per file; the file name (without .yaml) is the schedule's name in
the ledger, logs and ``outreach status``. Every mistake becomes a
``ScheduleError`` naming the file, the line (from PyYAML's node marks) and the
key, and saying what to write instead, so staff can fix it without help.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo

import yaml
from apscheduler.triggers.cron import CronTrigger

from ..config import Settings, line_of
from ..errors import ConfigError, ScheduleError
from ..i18n import _
from ..publishing.model import RESERVED_SCHEDULES
from ..yamlproblems import explain
from ..render import yamlsrc
from ..autopilot.spec import DraftSource, parse_source
from ..sources.feed import ITEM_FIELDS
from ..sources.files import PLACEHOLDERS, unknown_placeholders
from . import cron

KEYS = ("template", "description", "data", "feed", "cron", "channels", "approval",
        "prepare_before", "misfire_grace", "start", "end", "skip", "skip_holidays", "enabled",
        "source")
FEED_KEYS = ("url", "fields", "defaults", "backfill")
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# Ledger schedule names that outreach gives occurrences of its own: a schedule file of the
# same name would share their keys and listings. "post": one-off posts (publishing/oneoff.py),
# "survey": survey calls (surveys/publish.py); both names live in publishing/model.py.
RESERVED_NAMES = RESERVED_SCHEDULES
DEFAULT_GRACE = timedelta(hours=2)
_EPOCH = date(2000, 1, 1)        # "never fires" means: not once after this day
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?:in)?)?(?:(\d+)s)?$")


@dataclass(frozen=True)
class FeedSource:
    url: str                                  # http(s) URL or a path relative to the workspace
    fields: Mapping[str, str] | None          # template field -> feed item field; None = all
    backfill: bool = False                    # publish items already in the feed on first read
    defaults: Mapping[str, Any] = field(default_factory=dict)   # fixed template data (photo...)


@dataclass(frozen=True)
class Schedule:
    name: str
    file: Path
    template: str
    cron: str
    trigger: CronTrigger = field(compare=False, repr=False)
    channels: tuple[str, ...] = ()
    description: str = ""
    data: str | None = None                   # data file pattern, e.g. content/x/{date}.yaml
    feed: FeedSource | None = None
    approval_required: bool = False
    prepare_before: timedelta = timedelta(0)
    misfire_grace: timedelta = DEFAULT_GRACE
    start: date | None = None
    end: date | None = None
    skip: frozenset[date] = frozenset()
    skip_holidays: bool = False
    enabled: bool = True
    source: "DraftSource | None" = None       # autopilot: the data file drafts itself

    def skip_reason(self, day: date) -> str | None:
        """Why no post goes out on local date ``day`` (None: it runs)."""
        if day in self.skip:
            return _("{day} is listed under skip", day=day)
        if self.skip_holidays:
            name = korean_holiday(day)
            if name:
                return _("{day} is a public holiday ({name})", day=day, name=name)
        return None

    def in_range(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def next_runs(self, after: datetime, tz: ZoneInfo, count: int = 3,
                  horizon_days: int = 800) -> list[datetime]:
        """The next ``count`` run times after ``after`` that are in range and not skipped."""
        runs: list[datetime] = []
        t = after
        limit = after + timedelta(days=horizon_days)
        while len(runs) < count:
            nxt = cron.next_fire_time(self.trigger, t)
            if nxt is None or nxt > limit:
                break
            day = nxt.astimezone(tz).date()
            if self.end is not None and day > self.end:
                break
            if self.in_range(day) and self.skip_reason(day) is None:
                runs.append(nxt)
            t = nxt
        return runs


@dataclass(frozen=True)
class SchedulingOptions:
    """The ``[scheduling]`` table of outreach.toml."""

    misfire_grace: timedelta = DEFAULT_GRACE  # default for schedules that do not say
    feed_timeout: float = 20.0                # seconds per feed download


_HOLIDAYS: dict[int, Any] = {}


def korean_holiday(day: date) -> str | None:
    """The name of the Korean public holiday on ``day`` (python-holidays), or None."""
    if day.year not in _HOLIDAYS:
        import holidays

        _HOLIDAYS[day.year] = holidays.country_holidays("KR", years=day.year, language="ko")
    return _HOLIDAYS[day.year].get(day)


def parse_duration(value: Any) -> timedelta:
    """'2h', '90m', '1h30m', '1d', '45s', '0' -> timedelta; ValueError otherwise."""
    text = str(value).strip().replace(" ", "") if isinstance(value, (str, int)) else None
    if text == "0":
        return timedelta(0)
    match = _DURATION.match(text or "") if text else None
    if not match or not any(match.groups()):
        raise ValueError("expected a duration such as 2h, 90m, 1h30m or 1d")
    d, h, m, s = (int(g or 0) for g in match.groups())
    return timedelta(days=d, hours=h, minutes=m, seconds=s)


def scheduling_options(settings: Settings) -> SchedulingOptions:
    """Validate ``[scheduling]``; errors name outreach.toml, the line and the key."""
    table = dict(settings.section("scheduling"))
    where = settings.file or "outreach.toml"
    text = settings.file.read_text(encoding="utf-8") if settings.file else ""

    def fail(msg: str, key: str) -> ConfigError:
        return ConfigError(msg, file=where, line=line_of(text, key, "scheduling"),
                           key=f"scheduling.{key}")

    for key in table:
        if key not in ("misfire_grace", "feed_timeout"):
            raise fail(_("unknown setting; [scheduling] knows misfire_grace and feed_timeout"), key)
    grace = DEFAULT_GRACE
    if "misfire_grace" in table:
        try:
            grace = parse_duration(table["misfire_grace"])
        except ValueError as exc:
            raise fail(_("{exc} (got {misfire_grace!r})", exc=exc,
                         misfire_grace=table['misfire_grace']), "misfire_grace") from None
    timeout = table.get("feed_timeout", 20.0)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 300:
        raise fail(_("expected seconds between 1 and 300 (got {timeout!r})", timeout=timeout), "feed_timeout")
    return SchedulingOptions(misfire_grace=grace, feed_timeout=float(timeout))


def schedule_files(settings: Settings) -> list[Path]:
    """The schedule files, sorted by name (none when the folder does not exist)."""
    folder = settings.schedules_dir
    if not folder.is_dir():
        return []
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def load_schedules(settings: Settings) -> list[Schedule]:
    """Every schedule; the first bad file raises its ``ScheduleError``."""
    schedules, errors = load_all(settings)
    if errors:
        raise errors[0]
    return schedules


def load_all(settings: Settings,
             options: SchedulingOptions | None = None) -> tuple[list[Schedule], list[ScheduleError]]:
    """The valid schedules and one error per bad file (a long-running process keeps going)."""
    options = options or scheduling_options(settings)
    schedules: list[Schedule] = []
    errors: list[ScheduleError] = []
    seen: dict[str, Path] = {}
    for path in schedule_files(settings):
        try:
            schedule = load_schedule(path, settings, options)
            if schedule.name in seen:
                raise ScheduleError(_("schedule {name!r} is also defined in {shown}: keep one "
                                      "file", name=schedule.name,
                                      shown=_shown(seen[schedule.name], settings)),
                                    file=_shown(path, settings))
            seen[schedule.name] = path
            schedules.append(schedule)
        except ScheduleError as exc:
            errors.append(exc)
    return schedules, errors


def _shown(path: Path, settings: Settings) -> str:
    try:
        return str(path.relative_to(settings.root))
    except ValueError:
        return str(path)


def _key_lines(node: yaml.Node, prefix: str = "") -> dict[str, int]:
    """'feed.url' -> 1-based line of that key (and '' -> line of the document)."""
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            name = f"{prefix}{key_node.value}"
            lines[name] = key_node.start_mark.line + 1
            lines.update(_key_lines(value_node, name + "."))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[f"{prefix}{i}"] = item.start_mark.line + 1
    return lines


def load_schedule(path: Path, settings: Settings,
                  options: SchedulingOptions | None = None) -> Schedule:
    """Parse and validate one schedule file."""
    options = options or scheduling_options(settings)
    shown = _shown(path, settings)
    try:
        raw_bytes = path.read_bytes()
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScheduleError(_("not UTF-8 text (Korean saved as CP949/EUC-KR?): save the file "
                              "as UTF-8"), file=shown,
                            line=raw_bytes[:exc.start].count(b"\n") + 1) from None
    except OSError as exc:
        raise ScheduleError(_("cannot read the file ({strerror})", strerror=exc.strerror), file=shown) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        hint = (_("; put quotes around values that start with * (\"*/10 * * * *\")")
                if "alias" in str(problem) or "*" in text else "")
        raise ScheduleError(_("not valid YAML ({problem}){hint}", problem=explain(problem, text, mark),
                              hint=hint),
                            file=shown, line=mark.line + 1 if mark else None) from None
    # duplicate keys and impossible dates (2026-02-30) are errors at their line
    raw = yamlsrc.parse(text, shown, ScheduleError)  # type: ignore[arg-type]
    lines = _key_lines(node) if node is not None else {}

    def fail(msg: str, key: str | None = None, *, shown_key: str | None = None) -> ScheduleError:
        """An error at ``key`` ('feed.url', 'skip.2'); the line of the nearest known parent."""
        line, k = None, key
        while k and line is None:
            line = lines.get(k)
            k = k.rpartition(".")[0]
        return ScheduleError(msg, file=shown, line=line, key=shown_key or key)

    name = path.stem
    if not NAME.match(name):
        raise fail(_("the file name is the schedule's name: use lower-case letters, digits, - "
                     "and _ only (e.g. weekend-guide.yaml)"))
    if name in RESERVED_NAMES:
        raise fail(_("{name!r} is a name outreach keeps for its own posts (one-off posts and "
                     "survey calls): rename the file, e.g. {name}-weekly.yaml", name=name))
    if not isinstance(raw, dict):
        raise fail(_("expected keys such as template:, cron:, channels: (see "
                     "schedules/weekend-guide.yaml)"))
    for key in raw:
        if key not in KEYS:
            raise fail(_("unknown key; a schedule knows {keys}", keys=', '.join(KEYS)), str(key))

    def text_value(key: str, *, required: bool = False) -> str | None:
        value = raw.get(key)
        if value is None:
            if required:
                raise fail(_("missing: add {key}: to the schedule", key=key), key if key in lines else None)
            return None
        if not isinstance(value, str) or not value.strip():
            raise fail(_("expected text, got {value!r}", value=value), key)
        return value.strip()

    template = text_value("template", required=True)
    assert template is not None
    if not (settings.templates_dir / template).is_dir():
        known = sorted(p.name for p in settings.templates_dir.glob("*") if p.is_dir()) \
            if settings.templates_dir.is_dir() else []
        raise fail(_("no template {template!r} in {shown} (available: {known})",
                     template=template, shown=_shown(settings.templates_dir, settings),
                     known=', '.join(known) or 'none'), "template")

    expr = text_value("cron", required=True)
    assert expr is not None
    try:
        trigger = cron.make_trigger(expr, settings.timezone)
    except ValueError as exc:
        raise fail(_("{exc}: write minute hour day month day_of_week, e.g. \"0 16 * * thu\" "
                     "(Thursdays 16:00) or \"*/10 * * * *\" (every 10 minutes)", exc=exc), "cron") from None

    channels = _channels(raw.get("channels"), settings, fail)
    data = text_value("data")
    feed = _feed(raw.get("feed"), fail) if "feed" in raw else None
    if data and feed:
        raise fail(_("give either data: (a data file) or feed:, not both"), "feed")
    if feed:
        _check_feed_targets(feed, settings, template, fail)
    if not data and not feed:
        raise fail(_("missing: add data: content/NAME/{date}.yaml or feed: {url: ...} to say "
                     "where the post's data comes from"))
    if data:
        try:
            unknown = unknown_placeholders(data)
        except ValueError as exc:
            raise fail(_("{exc}: write placeholders as {{date}}", exc=exc), "data") from None
        if unknown:
            raise fail(_("unknown placeholder {{{unknown}}}; use {items}", unknown=unknown[0],
                         items=', '.join('{' + p + '}' for p in PLACEHOLDERS)), "data")

    approval = raw.get("approval", "none")
    if approval in (True, "required"):
        approval_required = True
    elif approval in (False, "none"):
        approval_required = False
    else:
        raise fail(_("expected none or required, got {approval!r}", approval=approval), "approval")

    def duration(key: str, default: timedelta) -> timedelta:
        if raw.get(key) is None:
            return default
        try:
            return parse_duration(raw[key])
        except ValueError as exc:
            raise fail(_("{exc} (got {raw!r})", exc=exc, raw=raw[key]), key) from None

    prepare_before = duration("prepare_before", timedelta(0))
    grace = duration("misfire_grace", options.misfire_grace)
    if grace <= timedelta(0):
        raise fail(_("must be longer than 0 (how late a missed run may still go out), e.g. 2h"),
                   "misfire_grace")
    if approval_required and prepare_before <= timedelta(0):
        raise fail(_("approval: required needs prepare_before: (e.g. 1d) so staff can see and "
                     "approve the draft before the publish time"), "prepare_before"
                   if "prepare_before" in raw else "approval")

    start = _date(raw.get("start"), "start", fail)
    end = _date(raw.get("end"), "end", fail)
    if start and end and end < start:
        raise fail(_("end {end} is before start {start}", end=end, start=start), "end")
    first = cron.next_fire_time(trigger, datetime.combine(start or _EPOCH, time(0), settings.timezone)
                                - timedelta(microseconds=1))
    if first is None:
        raise fail(_("cron {expr} never fires (no such day, e.g. 30 February): check the day "
                     "and month fields", expr=repr(expr)), "cron")
    if end and first.astimezone(settings.timezone).date() > end:
        raise fail(_("cron {expr} never fires between start and end: the first run would be "
                     "{day}", expr=repr(expr), day=first.astimezone(settings.timezone).date()),
                   "cron")
    skip_raw = raw.get("skip") or []
    if not isinstance(skip_raw, list):
        skip_raw = [skip_raw]
    skip = frozenset(_date(v, f"skip.{i}", fail) for i, v in enumerate(skip_raw))

    flags = {}
    for key, default in (("skip_holidays", False), ("enabled", True)):
        value = raw.get(key, default)
        if not isinstance(value, bool):
            raise fail(_("expected true or false, got {value!r}", value=value), key)
        flags[key] = value
    description = raw.get("description") or ""
    if not isinstance(description, str):
        raise fail(_("expected text"), "description")
    source = parse_source(raw["source"], fail=fail, prepare_before=prepare_before,
                          parse_duration=parse_duration, has_data=bool(data)) \
        if "source" in raw else None

    return Schedule(name=name, file=path, template=template, cron=expr, trigger=trigger,
                    channels=channels, description=description.strip(), data=data, feed=feed,
                    approval_required=approval_required, prepare_before=prepare_before,
                    misfire_grace=grace, start=start, end=end, skip=skip,  # type: ignore[arg-type]
                    skip_holidays=flags["skip_holidays"], enabled=flags["enabled"], source=source)


def _channels(value: Any, settings: Settings, fail) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise fail(_("expected a list of channel names from outreach.toml, e.g. [outbox]"),
                   "channels" if value is not None else None)
    for i, name in enumerate(value):
        if name not in settings.channels:
            raise fail(_("no channel named {name!r} in {file} (configured: {channels}): add "
                         "[channels.{name}] there or fix the name", name=name,
                         file=settings.file or 'outreach.toml',
                         channels=', '.join(settings.channels) or 'none'), f"channels.{i}",
                       shown_key="channels")
    if len(set(value)) != len(value):
        raise fail(_("a channel is listed twice"), "channels")
    return tuple(value)


def _feed(value: Any, fail) -> FeedSource:
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, dict):
        raise fail(_("expected {url: ..., fields: {template_field: item_field}}"), "feed")
    for key in value:
        if key not in FEED_KEYS:
            raise fail(_("unknown key; feed: knows {feed_keys}", feed_keys=', '.join(FEED_KEYS)), f"feed.{key}")
    url = value.get("url")
    if not isinstance(url, str) or not url.strip():
        raise fail(_("expected the feed's address (https://...) or a file path"), "feed.url"
                   if "url" in value else "feed")
    _feed_address(url.strip(), fail)
    fields = value.get("fields")
    if fields is not None:
        if not isinstance(fields, dict) or not fields:
            raise fail(_("expected {template_field: item_field, ...}"), "feed.fields")
        for target, source in fields.items():
            if source not in ITEM_FIELDS:
                raise fail(_("unknown feed item field {source!r}; use one of {item_fields}",
                             source=source, item_fields=', '.join(ITEM_FIELDS)), f"feed.fields.{target}")
        fields = {str(k): str(v) for k, v in fields.items()}
    backfill = value.get("backfill", False)
    if not isinstance(backfill, bool):
        raise fail(_("expected true or false"), "feed.backfill")
    defaults = value.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise fail(_("expected {template_field: value, ...} used for every item"), "feed.defaults")
    for key, item in defaults.items():
        plain = (str, int, float, bool)
        if not isinstance(item, plain) and not (isinstance(item, list)
                                                and all(isinstance(v, plain) for v in item)):
            raise fail(_("expected text, a number or a list of them"), f"feed.defaults.{key}")
    return FeedSource(url=url.strip(), fields=fields, backfill=backfill,
                      defaults={str(k): v for k, v in defaults.items()})


def _check_feed_targets(feed: FeedSource, settings: Settings, template: str, fail) -> None:
    """feed.fields and feed.defaults may only name fields the template has (a misspelt
    name would silently leave the card's field empty)."""
    from ..errors import TemplateError
    from ..render.template import load_template

    try:
        known = load_template(settings.templates_dir, template).fields
    except TemplateError:
        return          # the template's own error is reported where it is used
    for group, names in (("fields", feed.fields or {}), ("defaults", feed.defaults)):
        for name in names:
            if name not in known:
                close = difflib.get_close_matches(name, list(known), n=1)
                raise fail(_("template {template} has no field {name}; {hint}",
                             template=template, name=repr(name),
                             hint=_("did you mean {name}?", name=close[0]) if close
                             else _("known here: {names}", names=", ".join(known))),
                           f"feed.{group}.{name}")


_HOST_LIKE = re.compile(r"^(www\.|[a-z0-9-]+(\.[a-z0-9-]+)*\.(kr|com|net|org|io)(/|$))",
                        re.IGNORECASE)


def _feed_address(url: str, fail) -> None:
    """A feed is read over http(s) or from a file; anything else fails at every run."""
    scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", url)
    if scheme and len(scheme.group(1)) > 1 and scheme.group(1).lower() not in \
            ("http", "https", "file"):
        raise fail(_("feed address {url} is neither http(s) nor a file: write https://... "
                     "or a file path", url=repr(url)), "feed.url")
    if not scheme and _HOST_LIKE.match(url):
        raise fail(_("feed address {url} looks like a web address without https://: write "
                     "https://{url_plain}", url=repr(url), url_plain=url), "feed.url")


def _date(value: Any, key: str, fail) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise fail(_("expected a date YYYY-MM-DD, got {value!r}", value=value), key,
                   shown_key=key.partition(".")[0]) from None
