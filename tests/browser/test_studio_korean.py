"""The studio in Korean, the staff's default: labels, buttons, tabs, warnings and the live
preview on a desk and on a phone, with no Korean label spilling out of its box."""

from __future__ import annotations

import pytest

from conftest import sign_in
from web_support import PASSWORD, add_user, web_workspace

DAY = "2026-12-03"
LONG_PLACE = ("천안삼거리공원 일대 영남루 앞 잔디광장과 능수버들 산책로, 주차장 옆 임시 무대 "
              "(동남구 삼룡동)")

# every element holding a label whose text could outgrow its box: the browser says which
# ones are clipped (content wider than the box) or stick out past the page's right edge
OVERFLOWING = """() => {
  const sel = '.studio button, .studio label, .studio legend, .studio .tabs [role=tab], ' +
              '.studio .help, .studio .badge, .studio h1, .studio h2, .studio .slide-no, ' +
              '.studio .frame-count, .studio #warnings li, .studio .fit-warning, nav a';
  const right = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (!r.width || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
      out.push('clipped: ' + el.textContent.trim().slice(0, 40));
    else if (r.right > right + 1) out.push('past the edge: ' + el.textContent.trim().slice(0, 40));
  }
  return out;
}"""


def korean_has_glyphs(page) -> bool:
    """Two different Hangul syllables drawn in the page's font differ (no tofu boxes)."""
    return page.evaluate("""() => {
      const font = '32px ' + getComputedStyle(document.body).fontFamily;
      const draw = (ch) => { const c = document.createElement('canvas'); c.width = 48;
        c.height = 48; const g = c.getContext('2d'); g.font = font; g.fillText(ch, 4, 36);
        return c.toDataURL(); };
      const a = draw('저'), b = draw('장'), none = draw('\\u{10FFFD}');
      return a !== b && a !== none && b !== none;
    }""")


@pytest.fixture
def web_ws(tmp_path, db_url):
    """A workspace in Korean (the staff default): the editor has chosen no language."""
    ws = web_workspace(tmp_path, db_url, language="ko")
    yield ws
    ws.db.dispose()


def open_studio(page) -> None:
    add_user(page.server.ws.db, "kim", "editor", display_name="김홍보")
    sign_in(page, "kim", PASSWORD)
    page.goto(f"/studio/weekend-guide/{DAY}")
    page.wait_for_selector('#slides li[data-index="3"] img[src^="data:image/jpeg"]')


def test_the_studio_in_korean_on_a_desk(page, shot, tmp_path):
    open_studio(page)
    assert page.get_attribute("html", "lang") == "ko"
    assert korean_has_glyphs(page)
    for words in ("저장", "승인 요청", "표 불러오기", "채널별 글", "행사 이름"):
        assert words in page.inner_text("main"), words
    # file inputs speak Korean too (the browser's own button speaks the browser's language)
    sheet = page.locator(".sheet .file-pick")
    assert sheet.locator(".pick").inner_text() == "파일 선택"
    assert sheet.locator(".file-name").inner_text() == "선택한 파일 없음"
    assert page.locator('[data-field="events[0].photo"] .pick').inner_text() == "사진 선택"
    shot(page, "opened")
    chosen = tmp_path / "이번주행사.csv"
    chosen.write_text("행사 이름\n", encoding="utf-8")
    page.set_input_files("input[name=sheet]", str(chosen))
    assert sheet.locator(".file-name").inner_text() == "이번주행사.csv"

    # a Korean edit repaints its slide; a place too long is listed in Korean by its field
    before = page.locator('#slides li[data-index="3"] img').get_attribute("src")
    page.fill('input[name="events[1].title"]', "신부문화거리 송년 음악회")
    page.fill('input[name="events[0].place"]', LONG_PLACE)
    page.wait_for_function(
        "src => document.querySelector('#slides li[data-index=\"3\"] img').src !== src",
        arg=before)
    warning = page.locator('#warnings li[data-kind="cut"]')
    warning.wait_for()
    assert "글자 잘림" in warning.inner_text() and "장소" in warning.inner_text()
    assert "2번 카드" in warning.inner_text() and "events[" not in warning.inner_text()
    note = page.locator('[data-field="events[0].place"] .fit-warning')
    assert "글자 잘림" in note.inner_text()
    # the channel tabs: the platforms as their Korean pages write them (outreach.channels)
    for tab in ("Instagram", "카카오톡 채널"):
        page.get_by_role("tab", name=tab).click()
    assert "신부문화거리 송년 음악회" in page.locator('[data-frame="kakao"] .frame-body').inner_text()
    shot(page, "edited")

    # hashtags are never split after their "#" (Korean lines break between words only)
    # the blog's frame (a whole document) is built only while its tab is shown
    blog = page.locator('[data-frame="blog"] iframe')
    assert blog.get_attribute("srcdoc") is None
    page.get_by_role("tab", name="네이버 블로그").click()
    assert "신부문화거리 송년 음악회" in (blog.get_attribute("srcdoc") or "")

    page.get_by_role("tab", name="Instagram").click()
    assert page.locator('[data-frame="instagram"] .frame-body .tag').count() >= 5
    assert page.evaluate("""() => [...document.querySelectorAll(
        '[data-frame="instagram"] .frame-body .tag')].every((t) => t.getClientRects().length === 1)""")

    assert page.evaluate(OVERFLOWING) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.js_errors == []


@pytest.mark.phone
def test_the_studio_in_korean_on_a_phone(page, shot):
    open_studio(page)
    assert korean_has_glyphs(page)
    place = page.locator('input[name="events[0].place"]')
    place.fill(LONG_PLACE)
    page.locator('#warnings li[data-kind="cut"]').wait_for()
    # the input being typed into stays above the sticky save bar, not under it
    place.focus()
    bar = page.locator(".actions").bounding_box()
    field = place.bounding_box()
    assert field["y"] + field["height"] <= bar["y"] + 1
    shot(page, "phone")
    assert page.evaluate(OVERFLOWING) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.js_errors == []
