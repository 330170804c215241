"""An editor fills next Thursday's weekend guide from a spreadsheet in the studio, edits one
title and sees that slide change (and only that one), gets a fit warning, saves and submits
the post for approval; after a rejection the editor reads its reason, corrects and submits
again."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from conftest import sign_in
from web_support import PASSWORD, add_user

LONG_PLACE = "천안종합운동장 주경기장 북문 광장 앞 임시 무대와 주차장 일대, 셔틀버스 정류장 옆 (서북구 백석동)"


def next_thursday() -> date:
    today = datetime.now(ZoneInfo("Asia/Seoul")).date()
    return today + timedelta(days=(3 - today.weekday()) % 7 or 7)


def spreadsheet(folder: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["행사 이름", "분류", "시작일", "종료일", "시간", "장소", "요금", "소개", "사진"])
    sheet.append(["천안삼거리공원 겨울 빛축제", "축제", "2026-12-05", "2026-12-06", "17:30~22:00",
                  "천안삼거리공원 일대 (동남구 삼룡동)", "무료", "빛터널과 대형 트리가 공원을 밝힙니다.",
                  "../photos/festival.jpg"])
    sheet.append(["천안시티FC 송년 팬 미팅", "스포츠", "2026-12-06", None, "14:00", LONG_PLACE,
                  "무료", "선수단과 함께하는 송년 행사와 사인회.", "../photos/stadium.jpg"])
    sheet.append(["독립기념관 겨울 가족 탐험", "체험", "2026-12-05", None, "10:00~16:00",
                  "독립기념관 겨레의 큰마당 (동남구 목천읍)", "무료", "스탬프를 모으면 기념 배지를 드립니다.",
                  "../photos/independence-hall.jpg"])
    path = folder / "이번주행사.xlsx"
    book.save(path)
    return path


def slide(page, index: int):
    return page.locator(f'#slides li[data-index="{index}"]')


def test_an_editor_fills_next_thursdays_guide_from_a_spreadsheet(page, shot, tmp_path):
    ws = page.server.ws
    add_user(ws.db, "kim", "editor", display_name="김홍보")
    sign_in(page, "kim", PASSWORD)
    thursday = next_thursday()

    page.goto("/studio")
    page.locator(f'a[href="/studio/weekend-guide/{thursday.isoformat()}"]').click()
    page.wait_for_url(f"**/studio/weekend-guide/{thursday.isoformat()}")
    page.wait_for_selector('#slides li[data-index="3"] img[src^="data:image/jpeg"]')

    # fill the events from the spreadsheet staff keep in Excel
    page.set_input_files("input[name=sheet]", str(spreadsheet(tmp_path)))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_selector("text=Imported 3 rows")
    assert page.input_value('input[name="events[1].title"]') == "천안시티FC 송년 팬 미팅"
    page.wait_for_selector('#slides li[data-index="5"] img[src^="data:image/jpeg"]')
    assert page.locator("#slides li").count() == 5          # cover, three events, closing

    # the long place is cut: listed with its field, and shown next to the input
    warning = page.locator('#warnings li[data-kind="cut"]')
    warning.wait_for()
    assert warning.get_attribute("data-field") == "events[1].place"
    assert "장소" in warning.inner_text() and "events[" not in warning.inner_text()
    assert page.locator('[data-field="events[1].place"] .fit-warning').count() == 1
    shot(page, "imported")

    # edit one title: only its slide (slide 3 shows events[1]) is painted again
    before = {i: slide(page, i).get_attribute("data-painted") for i in range(1, 6)}
    old_src = slide(page, 3).locator("img").get_attribute("src")
    title = page.locator('input[name="events[1].title"]')
    title.fill("천안시티FC 송년 팬 미팅과 사인회")
    page.wait_for_function(
        "src => document.querySelector('#slides li[data-index=\"3\"] img').src !== src", arg=old_src)
    after = {i: slide(page, i).get_attribute("data-painted") for i in range(1, 6)}
    assert int(after[3]) == int(before[3]) + 1
    assert all(after[i] == before[i] for i in (1, 2, 4, 5))
    assert "천안시티FC 송년 팬 미팅과 사인회" in slide(page, 3).locator("img").get_attribute("alt")
    page.get_by_role("tab", name="Facebook").click()
    assert "천안시티FC 송년 팬 미팅과 사인회" in page.locator('[data-frame="facebook"] .frame-body').inner_text()
    assert "/ 63,206" in page.locator('[data-frame="facebook"] .frame-count').inner_text()

    # save and submit: the run's draft is rendered and waits for approval
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Save and submit for approval").click()
    page.wait_for_selector(".flash.ok")
    assert "waiting for approval" in page.locator(".flash.ok").inner_text()
    assert page.locator("#history tbody tr").count() >= 1
    assert "kim" in page.locator("#history").inner_text()
    shot(page, "submitted")

    from outreach.publishing.service import PublishingService

    row = PublishingService(ws.settings, ws.db).occurrence(1)
    assert row["state"] == "awaiting_approval"
    manifest = (Path(row["draft_dir"]) / "manifest.json").read_text(encoding="utf-8")
    assert "천안시티FC 송년 팬 미팅과 사인회" in manifest and "events[1].place" in manifest

    # the approver asks for changes; the editor reads why, corrects and submits again
    PublishingService(ws.settings, ws.db).reject(1, "lee", "사인회 시간을 넣어 주세요")
    page.reload()
    assert "사인회 시간을 넣어 주세요" in page.locator("#rejection").inner_text()
    shot(page, "rejected")
    page.locator('input[name="events[1].title"]').fill("천안시티FC 송년 팬 미팅 (사인회 15시)")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Save and submit for approval").click()
    page.wait_for_selector(".flash.ok")
    assert "waiting for approval" in page.locator(".flash.ok").inner_text()
    assert "submitted again" in page.locator("#rejection").inner_text()
    row = PublishingService(ws.settings, ws.db).occurrence(1)
    assert (row["state"], row["draft_revision"]) == ("awaiting_approval", 2)
    manifest = (Path(row["draft_dir"]) / "manifest.json").read_text(encoding="utf-8")
    assert "사인회 15시" in manifest
    assert page.js_errors == []


def test_an_iphone_photo_is_uploaded_and_its_focal_point_picked_by_a_click(page, shot, tmp_path):
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    ws = page.server.ws
    add_user(ws.db, "kim", "editor")
    sign_in(page, "kim", PASSWORD)
    page.goto("/studio/weekend-guide/2026-12-03")
    page.wait_for_selector('#slides li[data-index="2"] img[src^="data:image/jpeg"]')

    # a wide HEIC photo: red on the left half, blue on the right
    photo = Image.new("RGB", (2400, 1200), (220, 30, 30))
    photo.paste(Image.new("RGB", (1200, 1200), (30, 30, 220)), (1200, 0))
    heic = tmp_path / "IMG_0420.HEIC"
    photo.save(heic, "HEIF")
    before = slide(page, 2).locator("img").get_attribute("src")
    page.set_input_files('input[data-photo="events[0].photo"]', str(heic))
    page.wait_for_function(
        "src => document.querySelector('#slides li[data-index=\"2\"] img').src !== src", arg=before)
    stored = page.input_value('input[name="events[0].photo"]')
    assert stored.endswith(".heic")
    # its working copy is sized for the event layer (1080x680): the page names the field
    digest = stored.removeprefix("photos/").removesuffix(".heic")
    with Image.open(ws.root / "content" / "weekend-guide" / "photos" / ".working"
                    / f"{digest}.jpg") as copy:
        assert copy.size == (1360, 680)
    thumb = page.locator('[data-field="events[0].photo"] .photo-pick img')
    thumb.wait_for()
    assert "path=photos" in thumb.get_attribute("src")

    # a click near the right edge keeps the blue half in the cropped slide
    before = slide(page, 2).locator("img").get_attribute("src")
    box = thumb.bounding_box()
    thumb.click(position={"x": box["width"] * 0.95, "y": box["height"] * 0.5})
    assert page.input_value('input[name="events[0].focus"]').startswith("0.9")
    page.wait_for_function(
        "src => document.querySelector('#slides li[data-index=\"2\"] img').src !== src", arg=before)
    blue = page.evaluate("""() => new Promise(done => {
        const img = document.querySelector('#slides li[data-index="2"] img');
        const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d'); g.drawImage(img, 0, 0);
        const [r, gg, b] = g.getImageData(c.width / 2, c.height * 0.25, 1, 1).data;
        done(b > r);
    })""")
    assert blue
    assert page.locator('[data-field="events[0].photo"] .focus-dot').is_visible()
    shot(page, "focus")
    assert page.js_errors == []
