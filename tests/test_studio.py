"""The studio page and service: generated form, live preview of changed slides only, photo
upload, save with history and activity log, restore, import/export, submit for approval."""

from __future__ import annotations

import io
import re
from datetime import date

import yaml
from openpyxl import Workbook
from PIL import Image

from outreach.render.template import load_template
from outreach.studio import forms
from outreach.users import audit
from web_support import add_user, csrf, sign_in

DAY = "2026-12-03"
EDIT = f"/studio/weekend-guide/{DAY}"


def actions(db) -> list[str]:
    from outreach.store.users import AuditFilter

    with db.read() as conn:
        return [e.action for e in audit.entries(conn, AuditFilter(action="data."))]


def editor(staff, name: str = "kim", role: str = "editor"):
    add_user(staff.ws.db, name, role)
    sign_in(staff, name)
    return staff


def form_of(html: str) -> dict[str, str]:
    """The studio form's fields as a browser would submit them (inputs and text areas)."""
    form = html[html.index('id="studio-form"'):html.index("</form>", html.index('id="studio-form"'))]
    body = form.split('<template class="item-template">')
    out: dict[str, str] = {}
    for part in [body[0]] + [p.split("</template>", 1)[1] for p in body[1:]]:
        for m in re.finditer(r'<input type="(?:text|hidden|date|time|url|number|datetime-local)" '
                             r'name="([^"]+)" value="([^"]*)"', part):
            out[m[1]] = _unescape(m[2])
        for m in re.finditer(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', part, re.S):
            out[m[1]] = _unescape(m[2])
    return out


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def preview(staff, fields: dict[str, str], known: dict[int, str] | None = None) -> dict:
    data = {**fields, **{f"known_{i}": k for i, k in (known or {}).items()}}
    r = staff.post(f"{EDIT}/preview", data=data, headers={"X-CSRF-Token": csrf(staff, EDIT)})
    assert r.status_code == 200, r.text
    return r.json()


def test_the_form_is_generated_from_the_templates_declared_fields(staff) -> None:
    editor(staff)
    page = staff.get(EDIT)
    assert page.status_code == 200
    html = page.text
    assert "행사 이름" in html and "표지 제목" in html and "두 줄을 넘으면" in html
    assert 'type="date" name="start_date" value="2026-12-05"' in html
    assert '<textarea name="headline"' in html and '<textarea name="events[0].summary"' in html
    assert 'name="events[__i__].title"' in html            # the template of a new item
    assert 'data-photo="events[1].photo"' in html          # photo upload per event
    kinds = {w.name: w.kind for w in forms.form_for(load_template(
        staff.ws.settings.templates_dir, "weekend-guide"))}
    assert kinds["events"] == "items" and kinds["hashtags"] == "tags"
    assert kinds["cover_focus"] == "focus" and kinds["cover_photo"] == "image"


def test_the_submitted_form_round_trips_to_the_same_data(staff) -> None:
    editor(staff)
    fields = form_of(staff.get(EDIT).text)
    tpl = load_template(staff.ws.settings.templates_dir, "weekend-guide")
    raw = forms.raw_from_form(tpl, fields)
    saved = yaml.safe_load((staff.ws.root / "content/weekend-guide" / f"{DAY}.yaml").read_text())
    assert [e["title"] for e in raw["events"]] == [e["title"] for e in saved["events"]]
    assert raw["hashtags"] == saved["hashtags"]
    assert raw["headline"] == saved["headline"]


def test_editing_one_title_repaints_only_that_slide(staff) -> None:
    editor(staff)
    fields = form_of(staff.get(EDIT).text)
    first = preview(staff, fields)
    assert first["error"] is None and first["painted"] == len(first["slides"])
    assert all(s["image"].startswith("data:image/jpeg;base64,") for s in first["slides"])
    known = {s["index"]: s["key"] for s in first["slides"]}
    fields["events[1].title"] = "신부문화거리 송년 음악회"
    second = preview(staff, fields, known)
    changed = [s["index"] for s in second["slides"] if s["image"]]
    assert changed == [3]                    # slide 3 shows events[1]; nothing else repainted
    assert second["painted"] == 1
    texts = second["texts"]
    assert "신부문화거리 송년 음악회" in texts["facebook"]["text"]
    assert texts["instagram"]["max_chars"] == 2200 and texts["instagram"]["chars"] > 0


def test_a_long_place_is_a_fit_warning_next_to_its_field(staff) -> None:
    editor(staff)
    fields = form_of(staff.get(EDIT).text)
    fields["events[0].place"] = ("천안삼거리공원 일대 영남루 앞 잔디광장과 능수버들 산책로, "
                                 "주차장 옆 임시 무대 (동남구 삼룡동)")
    data = preview(staff, fields)
    cut = [w for w in data["warnings"] if w["kind"] == "cut"]
    assert [w["field"] for w in cut] == ["events[0].place"]
    assert re.fullmatch(r"장소: \d+ characters cut", cut[0]["message"])


def test_bad_input_is_shown_with_its_field_not_an_error_page(staff) -> None:
    editor(staff)
    fields = form_of(staff.get(EDIT).text)
    fields["events[1].start"] = "12월 5일"
    data = preview(staff, fields)
    assert "events[1].start" in data["error_field"] and "expected a date" in data["error"]


def test_save_keeps_history_and_the_activity_log_and_restore_brings_it_back(staff) -> None:
    editor(staff)
    fields = form_of(staff.get(EDIT).text)
    fields["events[0].title"] = "첫 번째 저장"
    token = csrf(staff, EDIT)
    r = staff.post(f"{EDIT}/save", data={**fields, "csrf_token": token})
    assert r.status_code == 303
    fields = form_of(staff.get(EDIT).text)          # the page after the save: version 1
    fields["events[0].title"] = "두 번째 저장"
    assert staff.post(f"{EDIT}/save", data={**fields, "csrf_token": token}).status_code == 303
    page = staff.get(EDIT).text
    assert "events[0].title" in page and "kim" in page
    file = staff.ws.root / "content/weekend-guide" / f"{DAY}.yaml"
    assert yaml.safe_load(file.read_text())["events"][0]["title"] == "두 번째 저장"
    r = staff.post(f"{EDIT}/restore", data={"version": "1", "csrf_token": token})
    assert r.status_code == 303
    assert yaml.safe_load(file.read_text())["events"][0]["title"] == "첫 번째 저장"
    done = actions(staff.ws.db)
    assert done.count("data.save") == 2 and "data.restore" in done


def test_an_invalid_save_re_renders_the_form_with_the_message(staff) -> None:
    editor(staff)
    fields = form_of(staff.get(EDIT).text)
    fields["events[0].title"] = ""
    r = staff.post(f"{EDIT}/save", data={**fields, "csrf_token": csrf(staff, EDIT)})
    assert r.status_code == 400
    assert "events[0].title: missing required field" in r.text


def test_a_viewer_sees_the_page_but_cannot_preview_or_save(staff) -> None:
    editor(staff, "lee", "viewer")
    assert staff.get(EDIT).status_code == 200
    r = staff.post(f"{EDIT}/save", data={"csrf_token": csrf(staff, EDIT)})
    assert r.status_code == 403


def test_photo_upload_accepts_heic_and_refuses_what_is_not_a_photo(staff) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    editor(staff)
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 40, 40)).save(buf, "HEIF")
    token = csrf(staff, EDIT)
    r = staff.post(f"{EDIT}/photo", files={"photo": ("IMG_0001.HEIC", buf.getvalue(), "image/heic")},
                   headers={"X-CSRF-Token": token})
    assert r.status_code == 200, r.text
    path = r.json()["path"]
    assert path.startswith("photos/") and path.endswith(".heic")
    thumb = staff.get(r.json()["thumb"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    bad = staff.post(f"{EDIT}/photo", files={"photo": ("x.jpg", b"not a photo", "image/jpeg")},
                     headers={"X-CSRF-Token": token})
    assert bad.status_code == 400
    outside = staff.get(f"{EDIT}/photo?path=../../../outreach.toml")
    assert outside.status_code == 404


def test_import_fills_the_form_without_saving_and_export_downloads(staff) -> None:
    editor(staff)
    book = Workbook()
    sheet = book.active
    sheet.append(["행사 이름", "시작일", "장소", "소개", "사진"])
    sheet.append(["성거산 눈꽃 산행", "2026-12-05", "성거산 자연휴양림", "눈길 산책", "../photos/taejosan.jpg"])
    buf = io.BytesIO()
    book.save(buf)
    before = (staff.ws.root / "content/weekend-guide" / f"{DAY}.yaml").read_text()
    r = staff.post(f"{EDIT}/import", data={"csrf_token": csrf(staff, EDIT)},
                   files={"sheet": ("events.xlsx", buf.getvalue(), "application/octet-stream")})
    assert r.status_code == 200
    assert 'value="성거산 눈꽃 산행"' in r.text and "check the slides, then save" in r.text
    assert (staff.ws.root / "content/weekend-guide" / f"{DAY}.yaml").read_text() == before
    export = staff.get(f"{EDIT}/export")
    assert export.status_code == 200 and export.content[:2] == b"PK"


def test_submit_saves_and_prepares_the_runs_draft_for_approval(staff) -> None:
    editor(staff)
    fields = form_of(staff.get(EDIT).text)
    r = staff.post(f"{EDIT}/submit", data={**fields, "csrf_token": csrf(staff, EDIT)})
    assert r.status_code == 303, r.text
    from pathlib import Path

    from outreach.publishing.service import PublishingService

    row = PublishingService(staff.ws.settings, staff.ws.db).occurrence(1)
    assert row["state"] == "awaiting_approval" and row["template"] == "weekend-guide"
    assert (Path(row["draft_dir"]) / "manifest.json").is_file()
    assert "data.submit" in actions(staff.ws.db)
    page = staff.get(EDIT).text
    assert "waiting for approval" in page


def test_the_studio_index_lists_the_next_dates(staff) -> None:
    editor(staff)
    r = staff.get("/studio")
    assert r.status_code == 200 and "/studio/weekend-guide/" in r.text


def test_a_save_over_someone_elses_newer_version_is_a_conflict_not_a_loss(staff) -> None:
    editor(staff)
    page = staff.get(EDIT).text
    fields = form_of(page)
    based_on = re.search(r'name="based_on" value="(\d+)"', page)[1]
    token = csrf(staff, EDIT)
    # lee saves first, from the same starting version
    from outreach.studio.service import StudioService
    from outreach.users.audit import Actor

    svc = StudioService(staff.ws.settings, staff.ws.db)
    raw = forms.raw_from_form(svc.template("weekend-guide"), {**fields, "week_label": "이씨 판"})
    assert svc.save("weekend-guide", date(2026, 12, 3), raw, actor=Actor.cli("lee"),
                    based_on=int(based_on)) is not None
    mine = {**fields, "week_label": "김씨 판", "based_on": based_on, "csrf_token": token}
    r = staff.post(f"{EDIT}/save", data=mine)
    assert r.status_code == 409
    assert "lee saved version" in r.text and 'value="김씨 판"' in r.text
    file = staff.ws.root / "content/weekend-guide" / f"{DAY}.yaml"
    assert yaml.safe_load(file.read_text())["week_label"] == "이씨 판"
    # saving again from the page that named the conflict replaces it deliberately
    again = re.search(r'name="based_on" value="(\d+)"', r.text)[1]
    r = staff.post(f"{EDIT}/save", data={**mine, "based_on": again})
    assert r.status_code == 303
    assert yaml.safe_load(file.read_text())["week_label"] == "김씨 판"


def test_an_uploaded_photo_gets_a_working_copy_sized_for_its_field(staff) -> None:
    editor(staff)
    token = csrf(staff, EDIT)
    folder = staff.ws.root / "content" / "weekend-guide" / "photos"
    sizes = {}
    for field, color in (("events[1].photo", (40, 90, 200)), ("cover_photo", (200, 90, 40))):
        buf = io.BytesIO()
        Image.new("RGB", (2400, 1800), color).save(buf, "JPEG", progressive=True)
        r = staff.post(f"{EDIT}/photo", data={"field": field},
                       files={"photo": ("IMG.JPG", buf.getvalue(), "image/jpeg")},
                       headers={"X-CSRF-Token": token})
        assert r.status_code == 200, r.text
        digest = r.json()["path"].removeprefix("photos/").removesuffix(".jpg")
        assert (folder / f"{digest}.jpg").read_bytes() == buf.getvalue()   # kept as uploaded
        with Image.open(folder / ".working" / f"{digest}.jpg") as copy:
            sizes[field] = copy.size
    # an event photo is drawn 1080x680, the cover over the whole 1080x1350 slide
    assert sizes == {"events[1].photo": (1080, 810), "cover_photo": (1800, 1350)}
    # the photo's thumbnail on the page is made from the copy (painted green here to tell)
    copy = folder / ".working" / f"{digest}.jpg"
    with Image.open(copy) as img:
        comment = img.info["comment"]
    Image.new("RGB", (1800, 1350), (0, 200, 0)).save(copy, "JPEG", comment=comment)
    thumb = staff.get(r.json()["thumb"])
    with Image.open(io.BytesIO(thumb.content)) as img:
        assert img.size == (900, 675)
        green = img.getpixel((450, 300))
        assert green[1] > 180 and green[0] < 30


def test_saving_data_that_names_a_new_photo_makes_its_working_copy(staff) -> None:
    from outreach.studio.service import StudioService
    from outreach.users.audit import Actor

    svc = StudioService(staff.ws.settings)
    day = date.fromisoformat(DAY)
    raw, target, _ = svc.load("weekend-guide", day)
    photo = target.parent / "photos" / "from-the-sheet.jpg"
    photo.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (1600, 1200), (90, 140, 60)).save(photo, "JPEG", progressive=True)
    raw["events"][0]["photo"] = "photos/from-the-sheet.jpg"
    svc.save("weekend-guide", day, raw, actor=Actor.system("test"))
    from outreach.render import paint, working

    copy = working.find(photo, paint.file_digest(photo.read_bytes()))
    assert copy is not None and copy.size == (1080, 810) and copy.natural == (1600, 1200)
