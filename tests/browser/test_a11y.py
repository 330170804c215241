"""Accessibility of the staff pages in a real browser (Debian's chromium), in Korean.

axe-core (bundled by the PyPI package axe-playwright-python) checks each main staff page,
signed in with a role that may use it, against the WCAG 2.x A/AA rules that KWCAG 2.2
follows: no serious or critical violation is allowed on any page. EXCLUDED lists the rules
left out, each with its reason (docs/web.md).

A keyboard-only journey: an officer signs in, reaches an inbox item and sends a saved reply
with Tab, the arrow keys and Enter alone, and every control that takes the focus on the way
shows where the focus is.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from desk_support import pass_at
from fakes.kakao import KakaoFake
from inbox_web_support import file_items, staff_users
from outreach.store.ledger import Ledger
from test_inbox import SKILL_KEY, _skill
from test_notify_web import seed as seed_notifications
from web_support import PASSWORD, add_user, post, sign_in, staff_client, web_workspace

SEOUL = ZoneInfo("Asia/Seoul")
WED = datetime(2026, 11, 25, 17, 0, tzinfo=SEOUL)     # Thursday's weekend-guide draft exists
STUDIO_DAY = "2026-12-03"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = {"serious", "critical"}
# rule id -> why it is not checked (kept short; docs/web.md says more)
EXCLUDED: dict[str, str] = {}


@pytest.fixture
def kakao():
    with KakaoFake() as fake:
        yield fake


@pytest.fixture
def web_ws(tmp_path, db_url, monkeypatch, kakao):
    """The sample workspace in Korean (the staff default) on Wednesday 17:00, with Thursday's
    draft awaiting approval, staff in each role, three citizens' messages in 도로과; a Kakao
    chatbot whose answers go to the fake Event API."""
    monkeypatch.setenv("OUTREACH_NOW", WED.isoformat())
    toml = (f'[channels.kakao]\ntype = "kakao"\nbot_id = "{kakao.bot_id}"\n'
            f'rest_api_key_env = "KAKAO_REST"\napi_base = "{kakao.url}"\n'
            '[server.kakao]\nsecret_env = "KAKAO_SKILL_KEY"\n')
    ws = web_workspace(tmp_path, db_url, toml, language="ko",
                       env={"KAKAO_REST": kakao.rest_key, "KAKAO_SKILL_KEY": SKILL_KEY})
    pass_at(ws, WED.astimezone(timezone.utc))
    staff_users(ws)                              # road, traffic (officers), chief, watcher
    add_user(ws.db, "admin", "admin")
    add_user(ws.db, "editor", "editor")
    ws.items = file_items(ws, {"a": "우리 동네 가로등이 꺼져 있어요",
                               "b": "도로가 움푹 패여서 위험합니다",
                               "c": "인도 보도블록이 깨졌어요"})
    with staff_client(ws) as client:              # a transfer waiting for 교통행정과
        sign_in(client, "road")
        answer = post(client, f"/inbox/{ws.items['c']}/transfer",
                      {"department": "교통행정과", "reason": "차로 통제는 교통행정과 소관"},
                      page=f"/inbox/{ws.items['c']}")
        assert answer.status_code == 303, answer.text
    seed_notifications(ws.db)
    yield ws
    ws.db.dispose()


def _sign_in(page, name: str) -> None:
    page.context.clear_cookies()
    page.goto("/sign-in")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _pages(ws) -> list[tuple[str | None, str]]:
    """(who signs in, page) for every main staff page; None: signed out."""
    run = Ledger(ws.db).occurrence_by_key("weekend-guide", "2026-11-26T07:00:00Z")
    item = ws.items["b"]
    return [
        (None, "/sign-in"),
        ("editor", "/today"), ("editor", "/calendar"), ("editor", "/posts/new"),
        ("editor", "/studio"), ("editor", f"/studio/weekend-guide/{STUDIO_DAY}"),
        ("chief", f"/runs/{run['id']}"),
        ("road", "/inbox"), ("road", f"/inbox/{item}"), ("road", "/inbox/transfers"),
        ("traffic", "/inbox/transfers"),                  # with the transfer to accept
        ("chief", "/inbox/report"),
        ("admin", "/inbox/replies"), ("admin", "/inbox/rules"),
        ("admin", "/users"), ("admin", "/users/road"), ("admin", "/audit"),
        ("admin", "/notifications"),                      # with sent, failed, unknown groups
        ("admin", "/account"),
        # the other staff pages, beyond the brief's list
        ("editor", "/channels"), ("editor", "/handoffs"), ("editor", "/metrics"),
        ("editor", "/topics"), ("editor", "/surveys"), ("editor", "/surveys/new"),
    ]


def _axe(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"],
               "rules": {rule: {"enabled": False} for rule in EXCLUDED}}
    return Axe().run(page, options=options).response["violations"]


def _describe(violation: dict) -> str:
    targets = ", ".join(" ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                        for n in violation["nodes"][:4])
    return f"{violation['impact']} {violation['id']}: {violation['help']} [{targets}]"


def _check(page, pages, before=None) -> None:
    """axe over each (who, path); ``before(page, path)`` may change the page first. Fails
    listing every serious/critical violation; prints the milder ones."""
    found: dict[str, list[str]] = {}
    others: dict[str, list[str]] = {}
    who = "?"
    for name, path in pages:
        if name != who:
            if name is None:
                page.context.clear_cookies()
            else:
                _sign_in(page, name)
            who = name
        answer = page.goto(path)
        assert answer.status == 200, (path, answer.status)
        page.wait_for_load_state("networkidle")
        assert page.get_attribute("html", "lang") == "ko", path
        if before:
            before(page, path)
        for v in _axe(page):
            (found if v["impact"] in BLOCKING else others).setdefault(path, []).append(
                _describe(v))
    print("\n".join(f"{p}: {line}" for p, lines in others.items() for line in lines))
    assert found == {}, "\n".join(f"{p}: {line}" for p, lines in found.items() for line in lines)


def test_staff_pages_have_no_serious_accessibility_violation(page, web_ws):
    shown = []

    def transfer_shown(pg, path):                 # the page is checked with its content
        if path == "/inbox/transfers":
            shown.append("차로 통제는 교통행정과 소관" in pg.inner_text("main"))

    _check(page, _pages(web_ws), before=transfer_shown)
    assert shown == [False, True]                 # road sent it; traffic has it to accept
    # the error page staff meet (here a missing item), signed in as the last user (admin)
    assert page.goto("/inbox/999999").status in (400, 404)     # refused, one line, no 5xx
    assert page.get_attribute("html", "lang") == "ko"
    found = [_describe(v) for v in _axe(page) if v["impact"] in BLOCKING]
    assert found == [], found
    # the checker itself sees a field with no label and a low-contrast text on our pages
    page.evaluate("""() => { const m = document.querySelector('main');
      m.insertAdjacentHTML('beforeend', '<input name=x><p id=pale>흐린 글씨</p>');
      document.getElementById('pale').style.color = '#bbb'; }""")   # set through the CSSOM: the CSP blocks style=""
    seen = {v["id"]: v["impact"] for v in _axe(page)}
    assert seen.get("label") == "critical" and seen.get("color-contrast") == "serious", seen


@pytest.mark.phone
def test_phone_pages_with_the_menu_open_and_a_refused_sign_in(page, web_ws):
    """On a phone the main menu is a <details>; it is checked open. A refused sign-in shows
    its error (role=alert) on the form."""
    page.goto("/sign-in")
    page.fill("input[name=name]", "road")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    page.wait_for_selector("[role=alert]")
    found = [_describe(v) for v in _axe(page) if v["impact"] in BLOCKING]
    assert found == [], found

    def open_menu(pg, path):
        pg.click(".nav-menu summary")
        pg.wait_for_selector(".nav-menu[open] nav a")

    _check(page, [("road", "/today"), ("road", "/inbox"), ("road", f"/inbox/{web_ws.items['b']}"),
                  ("editor", "/calendar")], before=open_menu)


FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const s = getComputedStyle(el);
  // the app's own ring (app.css :focus-visible), not only the browser's thin default
  return el.matches(':focus-visible') && s.outlineStyle === 'solid' &&
         parseFloat(s.outlineWidth) >= 2;
}"""


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus, checking that each
    focused control shows its focus."""
    if page.evaluate("(s) => document.activeElement.matches(s)", selector):
        return                                   # already there (autofocus)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if not page.evaluate("() => document.activeElement === document.body"):
            assert page.evaluate(FOCUS_SHOWN), page.evaluate(
                "() => document.activeElement.outerHTML.slice(0, 200)")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached in {limit} presses of Tab")


def test_officer_answers_with_a_saved_reply_by_keyboard_alone(page, web_ws, kakao, shot):
    _skill(page.base, "안녕하세요", "botuser-1")                 # first contact: the menu
    _skill(page.base, "아파트 앞 가로등이 일주일째 꺼져 있어요", "botuser-1")
    page.goto("/sign-in")
    _tab_to(page, "input[name=name]")
    page.keyboard.type("road")
    _tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")                 # submits the form
    page.goto("/inbox")
    row = page.locator("tr.item", has_text="일주일째")
    item = row.get_attribute("id").removeprefix("item-")
    _tab_to(page, f"#item-{item} a")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/inbox/{item}")
    _tab_to(page, "select.saved")
    before = page.input_value("textarea[name=text]")
    page.keyboard.press("ArrowDown")                 # the first saved reply
    text = page.input_value("textarea[name=text]")
    assert text and text != before
    _tab_to(page, "button.send")
    shot(page, "send-focused")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.wait_for_selector(".answer")
    assert [e["event"]["data"]["text"] for e in kakao.events] == [text]   # sent, once
    assert page.js_errors == []


def test_studio_channel_tabs_follow_the_aria_tabs_pattern(page, web_ws):
    """One tab in the Tab order; ArrowRight/End/Home move between tabs and show each panel,
    and the page stays free of serious violations with another tab shown."""
    _sign_in(page, "editor")
    page.goto(f"/studio/weekend-guide/{STUDIO_DAY}")
    tabs = page.locator(".tabs [role=tab]")
    n = tabs.count()
    assert n >= 2
    first, second = tabs.nth(0), tabs.nth(1)
    assert [tabs.nth(i).get_attribute("tabindex") for i in range(1, n)] == ["-1"] * (n - 1)
    first.focus()
    page.keyboard.press("ArrowRight")
    assert second.get_attribute("aria-selected") == "true"
    assert first.get_attribute("aria-selected") == "false"
    assert page.evaluate("() => document.activeElement.getAttribute('role')") == "tab"
    assert page.evaluate(FOCUS_SHOWN)
    panel = page.locator("#" + second.get_attribute("aria-controls"))
    assert panel.get_attribute("role") == "tabpanel" and panel.is_visible()
    assert not page.locator("#" + first.get_attribute("aria-controls")).is_visible()
    page.keyboard.press("End")
    assert tabs.nth(n - 1).get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowRight")                 # wraps round to the first
    assert first.get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowLeft")
    assert tabs.nth(n - 1).get_attribute("aria-selected") == "true"
    found = [_describe(v) for v in _axe(page) if v["impact"] in BLOCKING]
    assert found == [], found
