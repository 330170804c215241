"""What the studio page and ``outreach data`` call: one function per thing staff do.

A template's data for a scheduled date lives in the file the schedule names
(``data: content/weekend-guide/{date}.yaml``); a date without a file starts
from the latest earlier one of the same template (contact, links and hashtags
carry over), else from the template's sample. Image paths are kept relative to
the data file's folder (the one documented rule), rewritten when data moves.
"""

from __future__ import annotations

import logging
import os
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Mapping

from ..config import Settings
from ..errors import DataError, ImageError
from ..i18n import _, text as i18n_text
from ..render.data import check_data
from ..render.template import FieldSpec, Template, load_template
from ..users.audit import Actor
from . import files

_log = logging.getLogger(__name__)


class EditConflict(DataError):
    """Someone saved a newer version while this editor was working."""

    def __init__(self, newer: files.Version) -> None:
        super().__init__(_("{who} saved version {n} while you were editing: save again to "
                           "replace it with yours, or open the page again to start from theirs",
                           who=newer.by, n=newer.number))
        self.newer = newer


PHOTO_TYPES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "HEIF": ".heic"}
MAX_PHOTO_BYTES = 30_000_000


class StudioService:
    """The studio for one workspace. Cheap to build; holds no state between calls.

    With a database, every change is also written to the activity log (who, what,
    when); the data file's own history (``files``) works without one.
    """

    def __init__(self, settings: Settings, db: Any | None = None) -> None:
        self.settings = settings
        self.db = db

    def _audit(self, actor: Actor, action: str, target: str, detail: Mapping[str, Any]) -> None:
        if self.db is None:
            return
        from ..users.audit import record

        with self.db.begin() as conn:
            record(conn, actor, action, "data_file", target, detail)

    # -- where things are ---------------------------------------------------
    def template(self, name: str) -> Template:
        """The checked template (parsed again only when one of its files changed: the
        preview asks for it on every keystroke)."""
        return _cached(("template", str(self.settings.templates_dir), name),
                       _template_stamp(self.settings.templates_dir, name),
                       lambda: load_template(self.settings.templates_dir, name))

    def schedule(self, name: str) -> Any | None:
        """The schedule that publishes template ``name`` from data files, if any."""
        from ..scheduling.specs import load_schedules, schedule_files

        stamp = tuple(_stat(p) for p in schedule_files(self.settings))
        schedules = _cached(("schedules", str(self.settings.root)), stamp,
                            lambda: load_schedules(self.settings))
        for schedule in schedules:
            if schedule.template == name and schedule.data:
                return schedule
        return None

    def run_time(self, name: str, day: date) -> datetime:
        """When the run of ``day`` publishes (the schedule's first time that day; else 09:00)."""
        from ..scheduling import cron

        tz = self.settings.timezone
        start = datetime.combine(day, time(0), tz)
        schedule = self.schedule(name)
        if schedule is not None:
            for when in cron.fire_times(schedule.trigger, start - timedelta(seconds=1),
                                        start + timedelta(days=1) - timedelta(seconds=1)):
                return when.astimezone(tz)
        return datetime.combine(day, time(9), tz)

    def data_file(self, name: str, day: date) -> Path:
        from ..sources.files import data_path

        schedule = self.schedule(name)
        pattern = schedule.data if schedule is not None else f"content/{name}/{{date}}.yaml"
        return data_path(pattern, self.run_time(name, day), self.settings.root)

    def upcoming(self, name: str, count: int = 4) -> list[date]:
        """The next publishing dates of the template's data-file schedule (today included)."""
        from ..scheduling import cron

        schedule = self.schedule(name)
        if schedule is None:
            return []
        tz = self.settings.timezone
        now = datetime.now(tz)
        start = datetime.combine(now.date(), time(0), tz) - timedelta(seconds=1)
        out: list[date] = []
        for when in cron.fire_times(schedule.trigger, start, start + timedelta(days=400)):
            day = when.astimezone(tz).date()
            if schedule.in_range(day) and not schedule.skip_reason(day) and day not in out:
                out.append(day)
            if len(out) >= count:
                break
        return out

    def overview(self) -> list[dict[str, Any]]:
        """Each template with its next dates and whether their data is saved yet."""
        from ..render.template import template_names

        out = []
        for name in template_names(self.settings.templates_dir):
            tpl = self.template(name)
            days = [{"day": d, "saved": self.data_file(name, d).is_file()}
                    for d in self.upcoming(name)]
            out.append({"name": name, "description": tpl.description, "days": days,
                        "canvas": tpl.canvas})
        return out

    def media(self, data_file: Path) -> Any:
        """Where the images of ``data_file`` are looked up and may come from (the one rule,
        ``render.data.media_rule``)."""
        from ..render.data import media_rule

        return media_rule(data_file.absolute(), self.settings.root,
                          tuple(getattr(self.settings, "media_dirs", ()) or ()),
                          self.settings.templates_dir)

    # -- reading ------------------------------------------------------------
    def load(self, name: str, day: date) -> tuple[dict[str, Any], Path, bool]:
        """(raw data, its file, whether the file exists): the data to start editing from."""
        tpl = self.template(name)
        target = self.data_file(name, day)
        if target.is_file():
            return files.read(target), target, True
        earlier = sorted(p for p in target.parent.glob(f"*{target.suffix}")
                         if p.name < target.name and p.is_file())
        source = earlier[-1] if earlier else tpl.sample
        raw = files.read(source) if source.is_file() else {}
        return rebase_images(tpl.fields.values(), raw, source.parent, target.parent), target, False

    def checked(self, name: str, raw: Mapping[str, Any], data_file: Path) -> dict[str, Any]:
        """The data checked like a render would (DataError names field and line)."""
        tpl = self.template(name)
        return check_data(tpl.fields, raw, source=data_file, media=self.media(data_file))

    def preview(self, name: str, day: date, raw: Mapping[str, Any],
                known: Mapping[int, str] | None = None) -> Any:
        """The live preview of unsaved data (see ``studio.preview``)."""
        from ..scheduling.runner import template_context
        from .preview import preview

        target = self.data_file(name, day)
        schedule = self.schedule(name)
        context = template_context(self.settings, schedule, self.run_time(name, day)) \
            if schedule is not None else None
        return preview(self.template(name), raw, self.media(target), known, context=context,
                       source=target)

    def photo_preview(self, name: str, day: date, rel: str, side: int = 900) -> bytes | None:
        """A JPEG (at most ``side`` px) of a photo under the date's data folder or the
        workspace; None for a path outside them or not a photo."""
        import io

        from ..render import paint

        path = Path(rel)
        if not rel or path.is_absolute():
            return None
        root = self.settings.root.resolve()
        # the one image-path rule: the data file's folder first, then the workspace
        full = next((c for c in ((folder / path).resolve() for folder in
                                 (self.data_file(name, day).parent, self.settings.root))
                     if c.is_relative_to(root) and c.is_file()), None)
        if full is None:
            return None
        from ..render import working

        try:
            data = full.read_bytes()
            # an iPhone HEIC takes about a second to decode: its working copy, when it is
            # at least the thumbnail's size, a few milliseconds
            copy = working.find(full, paint.file_digest(data))
            if copy is not None and (copy.size == copy.natural or max(copy.size) >= side):
                data = copy.data
            img, _ = paint.open_image(data, (side, side))
        except (OSError, ValueError, SyntaxError):
            return None
        img.thumbnail((side, side))
        buf = io.BytesIO()
        img.convert("RGB").save(buf, "JPEG", quality=82)
        return buf.getvalue()

    # -- writing ------------------------------------------------------------
    def save(self, name: str, day: date, raw: Mapping[str, Any], *, actor: Actor,
             note: str = "", based_on: int | None = None) -> files.Version | None:
        """Check and save the data of ``day`` with its history (None: nothing changed).

        ``based_on`` is the version the editor started from: when someone else saved a
        newer one meanwhile, EditConflict says who and when instead of overwriting it.
        """
        tpl = self.template(name)
        target = self.data_file(name, day)
        values = check_data(tpl.fields, raw, source=target, media=self.media(target))
        storable = to_storable(tpl.fields.values(), values, target.parent)
        header = files.header_of(target) or f"# {tpl.description.split('—')[0].strip()}: {day}"
        with files.locked(target):
            latest = files.history(target)
            if based_on is not None and latest and latest[0].number != based_on:
                raise EditConflict(latest[0])
            version = files.save(target, storable, by=actor.name, note=note, header=header)
        # photos named by hand or by a spreadsheet get their working copies here (an
        # upload already has one: kept, it covers the same boxes)
        self.prepare_photos(name, values)
        if version is not None:
            self._audit(actor, "data.save", f"{name}/{day}",
                        {"version": version.number, "changes": list(version.changes[:20]),
                         "note": note})
        return version

    def history(self, name: str, day: date) -> list[files.Version]:
        return files.history(self.data_file(name, day))

    def restore(self, name: str, day: date, number: int, *, actor: Actor) -> files.Version:
        version = files.restore(self.data_file(name, day), number, by=actor.name)
        self._audit(actor, "data.restore", f"{name}/{day}",
                    {"restored": number, "version": version.number})
        return version

    # -- photos -------------------------------------------------------------
    def add_photo(self, name: str, day: date, filename: str, data: bytes,
                  field: str | None = None) -> str:
        """Keep an uploaded photo beside the date's data file (``photos/<digest>.jpg``) and
        give its path as the data holds it. JPEG, PNG, WebP or HEIC; checked by decoding.

        Its working copy (``render.working``: ``photos/.working/<digest>.jpg``) is made
        now, sized for the largest layer that draws ``field`` (``events[2].photo``; any
        photo field of the template when not given), so the preview and the draft
        decode a small baseline JPEG instead of the upload."""
        from ..render import paint

        if len(data) > MAX_PHOTO_BYTES:
            raise ImageError(_("{file}: {mb} MB is too large for a photo (at most {max} MB)",
                               file=filename, mb=round(len(data) / 1e6),
                               max=MAX_PHOTO_BYTES // 1_000_000))
        fmt = photo_format(data)
        if fmt not in PHOTO_TYPES:
            raise ImageError(_("{file}: not a JPEG, PNG, WebP or HEIC photo", file=filename))
        try:
            paint.open_image(data, (64, 64))
        except (OSError, ValueError, SyntaxError) as exc:
            raise ImageError(_("{file}: the photo cannot be read ({error}): save it again as "
                               "JPEG", file=filename, error=exc)) from None
        folder = self.data_file(name, day).parent / "photos"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{paint.file_digest(data)}{PHOTO_TYPES[fmt]}"
        if not target.is_file():
            tmp = target.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(target)
        self._working_copy(name, target, field)
        return f"photos/{target.name}"

    def _working_copy(self, name: str, photo: Path, field: str | None) -> None:
        from ..render import working

        boxes = working.photo_boxes(self.template(name))
        sizes = boxes.get(working.field_key(field or "")) or [
            box for found in boxes.values() for box in found]
        if not sizes:
            return
        try:
            working.prepare(photo, sizes)
        except (OSError, ValueError, SyntaxError) as exc:   # the original still serves
            _log.warning("no working copy of %s: %s", photo, exc)

    def prepare_photos(self, name: str, values: Mapping[str, Any], *, strict: bool = False
                       ) -> list[tuple[str, Any]]:
        """Working copies of every photo of checked data ``values`` (``render.working``)."""
        from ..render import working

        return working.prepare_data(self.template(name), values, strict=strict)

    # -- approval -----------------------------------------------------------
    def draft_problems(self, name: str, day: date) -> list[str]:
        """What the autopilot could not fill in ``day``'s file, until someone edits it."""
        from ..autopilot.service import draft_problems

        schedule = self.schedule(name)
        if schedule is None or schedule.source is None:
            return []
        return draft_problems(self.settings, schedule.name, self.data_file(name, day))

    def planned_run(self, name: str, day: date) -> dict[str, Any] | None:
        """The ledger's run of ``day`` once it is submitted or planned (None before): the
        page links to it, where approvers approve and the deliveries show."""
        from ..scheduling import cron
        from ..store.ledger import Ledger

        schedule = self.schedule(name)
        if schedule is None or self.db is None:
            return None
        return Ledger(self.db).occurrence_by_key(schedule.name,
                                                 cron.iso_utc(self.run_time(name, day)))

    def submit(self, name: str, day: date, *, actor: Actor) -> dict[str, Any]:
        """Prepare the draft of the run that publishes ``day``'s data, for approval.

        Plans the occurrence in the ledger (idempotent) and renders its draft now from the
        saved data, as the daemon would at its prepare time, through
        ``PublishingService.resubmit``: a draft already rendered (awaiting approval,
        approved, or rejected with changes requested) is rendered again with the next
        revision and waits for approval again, so nobody approves it unseen. A run that
        started publishing or is past its grace window is left alone (an error says so).
        Returns the occurrence row.
        """
        from ..publishing.service import PublishingService
        from ..scheduling.runner import occurrence_for

        if self.db is None:
            raise DataError(_("submitting for approval needs the workspace database"))
        schedule = self.schedule(name)
        if schedule is None:
            raise DataError(_("no schedule publishes template {name} from data files: add one "
                              "under schedules/ (data: content/NAME/{{date}}.yaml)", name=name))
        when = self.run_time(name, day)
        if when.date() != day or schedule.skip_reason(day) or not schedule.in_range(day):
            raise DataError(_("schedule {schedule} does not publish on {day}: {reason}",
                              schedule=schedule.name, day=day,
                              reason=schedule.skip_reason(day) or _("no run that day")))
        target = self.data_file(name, day)
        if not target.is_file():
            raise DataError(_("save the data for {day} first", day=day), file=target)
        from ..scheduling.clock import make_clock

        # the same clock as the run pages and run-due ($OUTREACH_NOW in a rehearsal)
        service = PublishingService(self.settings, self.db,
                                    clock=make_clock(None, self.settings.timezone))
        try:
            occ_id = service.plan(occurrence_for(self.settings, schedule, when))
            previous = service.occurrence(occ_id)["state"]
            # a run that started publishing or is past its window: resubmit refuses, in words
            # for the web page (its ``web``) and for the CLI
            row = service.resubmit(occ_id, actor, reason="studio")
        finally:
            service.close()
        self._audit(actor, "data.submit", f"{name}/{day}",
                    {"occurrence": occ_id, "state": row["state"], "from": previous,
                     "revision": row["draft_revision"]})
        return row

    # -- spreadsheets -------------------------------------------------------
    def list_field(self, name: str, field: str | None) -> FieldSpec:
        """The list-of-items field a spreadsheet fills (the only one, or the one named)."""
        tpl = self.template(name)
        lists = [f for f in tpl.fields.values() if f.type == "list" and f.items]
        if field is not None:
            found = tpl.fields.get(field)
            if found is None or found not in lists:
                raise DataError(_("template {name} has no list field {field!r}; its lists: "
                                  "{lists}", name=name, field=field,
                                  lists=", ".join(f.name for f in lists) or "-"))
            return found
        if not lists:
            raise DataError(_("template {name} has no list of items to fill from a spreadsheet",
                              name=name))
        return max(lists, key=lambda f: (f.required, len(f.items or ())))

    def import_rows(self, name: str, day: date, sheet: Path, *, field: str | None = None
                    ) -> tuple[dict[str, Any], FieldSpec, int]:
        """The day's data with ``field`` replaced by the spreadsheet's rows (not saved)."""
        from ..sources.spreadsheet import import_list

        spec = self.list_field(name, field)
        raw, target, _ = self.load(name, day)
        items = import_list(Path(sheet), spec, base=target.parent, media=self.media(target))
        raw = dict(raw)
        raw[spec.name] = items
        return raw, spec, len(items)

    def import_sheet(self, name: str, day: date, sheet: Path, *, actor: Actor,
                     field: str | None = None) -> tuple[files.Version | None, FieldSpec, int]:
        raw, spec, count = self.import_rows(name, day, sheet, field=field)
        version = self.save(name, day, raw, actor=actor,
                            note=i18n_text("imported {count} {field} from {file}", count=count,
                                           field=spec.name, file=Path(sheet).name))
        return version, spec, count

    def export_sheet(self, name: str, day: date, out: Path, *, field: str | None = None) -> Path:
        from ..sources.spreadsheet import export_list

        spec = self.list_field(name, field)
        raw, target, _ = self.load(name, day)
        return export_list(Path(out), spec, raw.get(spec.name) or [])


_CACHE: dict[tuple, tuple[Any, Any]] = {}
_CACHE_LOCK = __import__("threading").Lock()


def _cached(key: tuple, stamp: Any, build: Any) -> Any:
    """``build()``, remembered while ``stamp`` (file sizes and times) stays the same."""
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value = build()
    with _CACHE_LOCK:
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = (stamp, value)
    return value


def _stat(path: Path) -> tuple:
    try:
        st = path.stat()
        return (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        return (str(path), None, None)


def _template_stamp(templates_dir: Path, name: str) -> tuple:
    folder = Path(templates_dir) / name
    texts = folder / "texts"
    parts = [_stat(folder / "template.yaml")]
    if texts.is_dir():
        parts += [_stat(p) for p in sorted(texts.iterdir())]
    return tuple(parts)


def rebase_images(specs: Any, raw: Any, old: Path, new: Path) -> Any:
    """Relative image paths in ``raw`` (relative to ``old``) rewritten relative to ``new``."""
    if old.resolve() == new.resolve() or not isinstance(raw, Mapping):
        return raw
    out = dict(raw)
    for spec in specs:
        value = out.get(spec.name)
        if spec.type == "image" and isinstance(value, str) and value and \
                not Path(value).is_absolute():
            out[spec.name] = Path(os.path.relpath((old / value).resolve(), new.resolve())) \
                .as_posix()
        elif spec.type == "list" and spec.items and isinstance(value, list):
            out[spec.name] = [rebase_images(spec.items, item, old, new) for item in value]
    return out


def to_storable(specs: Any, values: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """Checked values as the data file keeps them: no empty optional fields, image paths
    relative to the data file's folder."""
    out: dict[str, Any] = {}
    for spec in specs:
        value = values.get(spec.name)
        if value is None or value == [] or value == "":
            continue
        if spec.type == "image" and isinstance(value, Path):
            try:
                value = Path(os.path.relpath(value, base.resolve())).as_posix()
            except ValueError:           # another drive (Windows): keep it absolute
                value = value.as_posix()
        elif spec.type == "list" and spec.items:
            value = [to_storable(spec.items, item, base) for item in value]
        out[spec.name] = value
    return out


def photo_format(data: bytes) -> str | None:
    """Pillow's name for the format of these bytes (HEIF for iPhone photos), or None."""
    import io

    from PIL import Image

    from ..render import paint

    paint.register_heif()
    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.format
    except Exception:  # noqa: BLE001 - whatever Pillow cannot open is "not a photo"
        return None
