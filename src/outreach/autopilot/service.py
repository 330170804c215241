"""When to draft, and whose file it is.

For each upcoming run of a schedule with ``source:``, between ``draft_before``
and the moment its draft is rendered (``prepare_before``), the pass writes the
run's data file if nobody else has. The file's SHA-256 is kept in
``var/autopilot/<schedule>/<date>.json``; a file that does not match it (staff
edited it, or wrote it by hand) belongs to a person and is never overwritten.
A draft with problems (a source down, an expired key, an empty weekend) is
retried hourly while it is still ours, and its run always needs approval.

Wednesday morning's KMA issue does not reach Sunday yet, so ``refresh_weather_before``
(Thursday 06:00 by default) fetches the weather lines again, only while the file is
still ours and only under a draft nobody has approved: that draft goes back to the
ledger, is rendered again and asks for approval again. An approved run is never
changed under its approver; staff are told once that it goes out as approved.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Protocol

import yaml

from ..errors import OutreachError
from ..i18n import _, format_datetime, recorded, revived, stored
from ..logs import log
from ..sources.files import data_path
from .draft import Draft, build_draft, fetch_weather, norm
from .settings import autopilot_settings

if TYPE_CHECKING:
    from ..config import Settings
    from ..scheduling.specs import Schedule

logger = logging.getLogger("outreach.autopilot")
RETRY = timedelta(hours=1)


@dataclass
class DraftOutcome:
    """What one pass did for one schedule."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)        # a person's file, left alone
    problems: list[str] = field(default_factory=list)     # for staff: run-due / daemon warnings
    drafts: list[Draft] = field(default_factory=list)     # what was written, in order
    off: str = ""                                          # why the autopilot did nothing
    refreshed: list[Path] = field(default_factory=list)   # weather lines fetched again


class DraftLedger(Protocol):
    """What the weather refresh needs of the publishing service (``hold_draft``)."""

    def hold_draft(self, schedule: str, key: str, by: Any,
                   reason: str) -> tuple[int | None, str | None, bool]: ...

    def release_draft(self, occ_id: int) -> None: ...


def state_path(settings: "Settings", schedule: str, data_file: Path) -> Path:
    return settings.var_dir / "autopilot" / schedule / f"{data_file.stem}.json"


def read_state(settings: "Settings", schedule: str, data_file: Path) -> dict[str, Any] | None:
    try:
        return json.loads(state_path(settings, schedule, data_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def is_ours(settings: "Settings", schedule: str, data_file: Path) -> bool:
    """True while the file is exactly what the autopilot wrote."""
    state = read_state(settings, schedule, data_file)
    return state is not None and digest(data_file) == state.get("sha256")


def needs_approval(settings: "Settings", schedule: str, data_file: Path | None) -> bool:
    """A drafted file that still has problems must be approved by a person before it goes out."""
    if data_file is None:
        return False
    state = read_state(settings, schedule, data_file)
    return bool(state and state.get("problems") and digest(data_file) == state.get("sha256"))


def draft_pass(settings: "Settings", schedule: "Schedule", now: datetime,
               ledger: DraftLedger | None = None) -> DraftOutcome:
    """Draft every run of ``schedule`` that is due for drafting at ``now``; with ``ledger``,
    also refresh the weather of runs whose refresh time has come."""
    outcome = DraftOutcome()
    ap = _active(settings, schedule, outcome)
    if ap is None:
        return outcome
    assert schedule.source is not None
    for when in schedule.next_runs(now, settings.timezone, count=3):
        draft_at = when - schedule.source.draft_before
        if draft_at <= now < when - schedule.prepare_before:
            _draft_run(settings, schedule, ap, when, now, outcome, retry_after=RETRY)
        refresh = schedule.source.refresh_before
        if ledger is not None and refresh is not None and when - refresh <= now < when:
            with _locked(settings, schedule) as mine:
                if mine:
                    _refresh(settings, schedule, ap, when, now, outcome, ledger)
    return outcome


def draft_next(settings: "Settings", schedule: "Schedule", now: datetime) -> DraftOutcome:
    """Draft the next run's data now (``outreach draft``), unless a person's file is there."""
    outcome = DraftOutcome()
    if schedule.source is None:
        from ..errors import ScheduleError

        raise ScheduleError("this schedule has no source: block, so it has nothing to draft "
                            "(see docs/autopilot.md)", file=schedule.file)
    ap = _active(settings, schedule, outcome)
    if ap is None:
        return outcome
    runs = [w for w in schedule.next_runs(now, settings.timezone, count=3)
            if now < w - schedule.prepare_before]
    if not runs:
        outcome.off = _("no upcoming run whose draft is still to be rendered")
        return outcome
    _draft_run(settings, schedule, ap, runs[0], now, outcome, retry_after=timedelta(0))
    return outcome


def _active(settings: "Settings", schedule: "Schedule", outcome: DraftOutcome):
    """The autopilot settings, or None (with ``outcome.off`` saying why) when it is off."""
    if schedule.source is None or schedule.data is None or not schedule.enabled:
        outcome.off = _("the schedule has no source: block or is paused")
        return None
    ap = autopilot_settings(settings)
    if not ap.enabled:
        outcome.off = _("{name} is not set", name=ap.key_env)
        return None
    return ap


def _draft_run(settings: "Settings", schedule: "Schedule", ap, when: datetime, now: datetime,
               outcome: DraftOutcome, *, retry_after: timedelta) -> None:
    """Write the data file of the run at ``when`` unless a person owns it; one process at a
    time (the daemon and a cron run-due may pass together: two writers could leave a file
    that no longer matches its recorded digest and so looks edited by staff)."""
    with _locked(settings, schedule) as mine:
        if mine:            # else another process is drafting this schedule right now
            _draft_locked(settings, schedule, ap, when, now, outcome, retry_after=retry_after)


@contextmanager
def _locked(settings: "Settings", schedule: "Schedule") -> Iterator[bool]:
    """The schedule's autopilot lock, without waiting: True when this process holds it."""
    import fcntl

    lock_path = settings.var_dir / "autopilot" / schedule.name / ".lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True


@recorded   # the problems it keeps in the state file read in any language (i18n.Text)
def _refresh(settings: "Settings", schedule: "Schedule", ap, when: datetime, now: datetime,
             outcome: DraftOutcome, ledger: DraftLedger) -> None:
    """Fetch the weather lines of the run at ``when`` again (see the module docstring)."""
    from ..publishing import model as pm
    from ..scheduling.cron import iso_utc
    from ..users.audit import Actor

    assert schedule.data is not None and schedule.source is not None
    assert schedule.source.refresh_before is not None
    local = when.astimezone(settings.timezone)
    path = data_path(schedule.data, local, settings.root)
    state = read_state(settings, schedule.name, path)
    if state is None or digest(path) != state.get("sha256"):
        return                                     # a person's file (or none): never touched
    due = when - schedule.source.refresh_before
    if state.get("refresh_skipped") or _time(state, "weather_at") >= due:
        return
    tried = state.get("refresh_tried_at")
    if tried and now - datetime.fromisoformat(tried) < RETRY:
        return
    where = f"schedule {schedule.name}: draft {path.name}"
    fetched = format_datetime(_time(state, "weather_at"), settings.timezone)
    weather, failed = fetch_weather(ap, now, local.date())
    if failed:
        _save_state(settings, schedule.name, path, {**state, "refresh_tried_at": now.isoformat()})
        outcome.problems.append(f"{where}: " + _(
            "the weather could not be refreshed; the draft keeps the forecast fetched {when} "
            "({error})", when=fetched, error="; ".join(failed)))
        return
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    if data.get("weather", []) == weather:
        _save_state(settings, schedule.name, path, {**state, "weather_at": now.isoformat()})
        return
    occ_id, found, held = ledger.hold_draft(schedule.name, iso_utc(when),
                                            Actor.system("autopilot"), _("weather refreshed"))
    if not held:
        if found == pm.PLANNED:
            return                                 # being rendered right now: next pass
        _save_state(settings, schedule.name, path, {**state, "refresh_skipped": found})
        if found == pm.APPROVED:
            outcome.problems.append(f"{where}: " + _(
                "the run was approved before the weather refresh, so it goes out exactly as "
                "approved, with the forecast fetched {when}; the newer forecast was not put in",
                when=fetched))
        return
    try:
        data["weather"] = weather
        kept = [revived(p) for p in state.get("problems", [])
                if p not in state.get("weather_problems", [])]
        draft = Draft(data=data, problems=kept, counts=state.get("counts") or _counts(text))
        _write(settings, schedule.name, path, draft, now,
               drafted_at=datetime.fromisoformat(state.get("drafted_at") or state["attempted_at"]))
    finally:
        if occ_id is not None:
            ledger.release_draft(occ_id)
    outcome.refreshed.append(path)
    log(logger, logging.INFO, "weather refreshed", schedule=schedule.name, file=str(path),
        draft=found or "not planned yet")


def _time(state: dict[str, Any], key: str) -> datetime:
    return datetime.fromisoformat(state.get(key) or state["attempted_at"])


def _counts(text: str) -> dict[str, int]:
    """Source counts from an older draft's header (its state did not keep them)."""
    tour = re.search(r"TourAPI (\d+)건", text)
    cal = re.search(r"달력 (\d+)건", text)
    return {"tourapi": int(tour.group(1)) if tour else 0,
            "calendar": int(cal.group(1)) if cal else 0}


@recorded   # the problems it keeps in the state file read in any language (i18n.Text)
def _draft_locked(settings: "Settings", schedule: "Schedule", ap, when: datetime, now: datetime,
                  outcome: DraftOutcome, *, retry_after: timedelta) -> None:
    assert schedule.data is not None
    local = when.astimezone(settings.timezone)
    path = data_path(schedule.data, local, settings.root)
    state = read_state(settings, schedule.name, path)
    if path.exists():
        if state is None or digest(path) != state.get("sha256"):
            outcome.kept.append(path)
            return
        if not state.get("problems") and retry_after:
            return
        if now - datetime.fromisoformat(state["attempted_at"]) < retry_after:
            return
    draft = _build(settings, schedule, ap, local, now)
    _write(settings, schedule.name, path, draft, now)
    prepare_photos(settings, schedule.template, path)   # before the trial render uses them
    failure = trial_render(settings, schedule, when, path)
    if failure:               # e.g. a festival title too long for the card: say so now,
        draft.problems.append(failure)      # not at 16:00 when the draft is rendered
        _write(settings, schedule.name, path, draft, now)
    outcome.written.append(path)
    outcome.drafts.append(draft)
    for problem in draft.problems:
        outcome.problems.append(f"schedule {schedule.name}: draft {path.name}: {problem}")
    log(logger, logging.INFO if not draft.problems else logging.WARNING, "draft written",
        schedule=schedule.name, file=str(path), events=len(draft.data["events"]),
        problems=len(draft.problems))


def prepare_photos(settings: "Settings", template: str, path: Path) -> int:
    """Working copies (``render.working``) of the photos the written draft ``path`` names,
    as a studio save makes them: the downloaded festival photos and the defaults, each
    sized for the template's layers. A photo that cannot be copied, or a draft that does
    not check, only goes without (the renderer decodes the original; the trial render
    reports the draft's own problem): never a failed draft. How many copies were made."""
    from ..render import working
    from ..render.data import check_data, load_data, media_rule
    from ..render.template import load_template

    try:
        tpl = load_template(settings.templates_dir, template)
        media = media_rule(path.absolute(), settings.root,
                           tuple(getattr(settings, "media_dirs", ()) or ()),
                           settings.templates_dir)
        values = check_data(tpl.fields, load_data(path), source=path, media=media)
        done = working.prepare_data(tpl, values, strict=False)
    except (OutreachError, OSError, ValueError) as exc:
        log(logger, logging.WARNING, "no working copies for the draft", file=str(path),
            error=str(exc))
        return 0
    return sum(p.made for _keys, p in done)


def trial_render(settings: "Settings", schedule: "Schedule", when: datetime,
                 path: Path) -> str:
    """Render the drafted file once into a scratch folder; the problem in words, or ""."""
    from ..errors import TemplateError
    from ..i18n import _
    from ..render import render_post
    from ..scheduling.runner import template_context

    with tempfile.TemporaryDirectory(prefix="outreach-autopilot-") as scratch:
        try:
            render_post(settings.templates_dir, schedule.template, out_dir=Path(scratch) / "post",
                        data_file=path, image_format="jpeg",
                        context=template_context(settings, schedule, when),
                        workspace=settings.root, media_dirs=settings.media_dirs)
        except TemplateError as exc:
            return _("the draft does not render yet: {error}", error=str(exc))
    return ""


def _build(settings: "Settings", schedule: "Schedule", ap, local: datetime,
           now: datetime) -> Draft:
    assert schedule.source is not None and schedule.data is not None
    from ..render.template import load_template

    capacity = 8
    try:
        spec = load_template(settings.templates_dir, schedule.template).fields.get("events")
        capacity = (spec.max_items if spec and spec.max_items else capacity)
    except OutreachError:
        pass
    previous = data_path(schedule.data, local - timedelta(days=7), settings.root)
    featured = _featured(previous)
    path = data_path(schedule.data, local, settings.root)
    return build_draft(settings, ap, schedule.source, run_day=local.date(), capacity=capacity,
                       featured=featured, photo_dir=path.parent / "photos", now=now)


def _featured(previous: Path) -> set[str]:
    """Titles in last week's data file (not featured again unless nothing else is on)."""
    try:
        data = yaml.safe_load(previous.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return set()
    events = data.get("events") if isinstance(data, dict) else None
    return {norm(str(e.get("title", ""))) for e in events or [] if isinstance(e, dict)}


class _Dumper(yaml.SafeDumper):
    """Plain YAML for people: no &id001 anchors, multi-line text as a | block."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def _relative(value: Any, folder: Path, root: Path) -> Any:
    """Workspace photo paths written relative to the data file's folder, as staff write them."""
    if isinstance(value, dict):
        return {k: _relative(v, folder, root) for k, v in value.items()}
    if isinstance(value, list):
        return [_relative(v, folder, root) for v in value]
    if isinstance(value, str) and value.startswith(str(root) + os.sep) and Path(value).is_file():
        return os.path.relpath(value, folder)
    return value


def render_yaml(draft: Draft, now: datetime, tz, folder: Path | None = None,
                root: Path | None = None, refreshed: datetime | None = None) -> str:
    """The data file: a header saying it was drafted (and what to check), then the data."""
    stamp = now.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    lines = [f"# 자동 작성 초안 (outreach autopilot, {stamp} 작성).",
             "# 이 파일을 고치면 사람이 쓴 파일로 보고 자동 작성이 다시 덮어쓰지 않습니다.",
             f"# 출처: 한국관광공사 TourAPI {draft.counts.get('tourapi', 0)}건, "
             f"시 행사 달력 {draft.counts.get('calendar', 0)}건, 기상청 단기예보."]
    if refreshed is not None:
        lines.append(f"# 날씨는 {refreshed.astimezone(tz):%Y-%m-%d %H:%M}에 기상청 예보로 "
                     "다시 받았습니다.")
    if draft.problems:
        lines.append("# 확인 필요 (승인 전에 꼭 확인하세요):")
        lines += [f"#  - {p}" for p in draft.problems]
    data = _relative(draft.data, folder, root) if folder and root else draft.data
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    return "\n".join(lines) + "\n" + body


def _write(settings: "Settings", schedule: str, path: Path, draft: Draft, now: datetime, *,
           drafted_at: datetime | None = None) -> None:
    """Data file and state, each replaced atomically (a reader never sees half a file).
    ``drafted_at``: the file was drafted then and only its weather is fetched ``now``."""
    text = render_yaml(draft, drafted_at or now, settings.timezone, path.parent, settings.root,
                       refreshed=now if drafted_at else None)
    _atomic(path, text)
    state = {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
             "attempted_at": now.isoformat(), "drafted_at": (drafted_at or now).isoformat(),
             "weather_at": now.isoformat(),
             # language-independent (i18n.stored): read in each reader's language
             "problems": [stored(p) for p in draft.problems],
             "weather_problems": [stored(p) for p in draft.weather_problems],
             "counts": draft.counts,
             "events": len(draft.data["events"])}
    _save_state(settings, schedule, path, state)


def _save_state(settings: "Settings", schedule: str, path: Path, state: dict[str, Any]) -> None:
    _atomic(state_path(settings, schedule, path), json.dumps(state, ensure_ascii=False, indent=1))


def _atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)          # staff edit these files (mkstemp makes them 0600)
    os.replace(tmp, path)



def open_problems(settings: "Settings", schedules, now: datetime) -> list[dict[str, Any]]:
    """Upcoming runs whose autopilot draft still has problems nobody has fixed (no database):
    what the notifications mail to editors, once per run."""
    found = []
    for schedule in schedules:
        if schedule.source is None or schedule.data is None or not schedule.enabled:
            continue
        for when in schedule.next_runs(now, settings.timezone, count=2):
            path = data_path(schedule.data, when.astimezone(settings.timezone), settings.root)
            problems = draft_problems(settings, schedule.name, path)
            if problems:
                found.append({"schedule": schedule.name, "when": when, "file": path,
                              "problems": problems})
    return found


def draft_problems(settings: "Settings", schedule: str, data_file: Path) -> list[str]:
    """The problems the autopilot wrote ``data_file`` with, while nobody has edited it
    (the studio shows them above the form; 오늘 lists them)."""
    state = read_state(settings, schedule, data_file)
    if state and state.get("problems") and digest(data_file) == state.get("sha256"):
        return [revived(p) for p in state["problems"]]   # in the reader's language
    return []


def will_draft(settings: "Settings", schedule: "Schedule", when: datetime, now: datetime) -> bool:
    """True when the autopilot is on for ``schedule`` and the run's draft time is still ahead:
    its data file is missing because it has not been written yet, not by mistake."""
    if schedule.source is None or now >= when - schedule.source.draft_before:
        return False
    try:
        return autopilot_settings(settings).enabled
    except OutreachError:
        return False
