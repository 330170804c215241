"""Browser tests: Playwright for Python driving Debian's chromium (never a downloaded one).

Fixtures:
* ``browser`` (per session): chromium from /usr/bin/chromium, headless.
* ``page``: a fresh context (phone-sized with ``@pytest.mark.phone``) on the
  ``live_server`` (tests/conftest.py), with ``page.base`` its address.
* ``shot(page, name)``: a full-page screenshot in tests/browser/screenshots/
  (git-ignored), named after the test.

Helpers: ``sign_in(page, name, password)`` fills the sign-in form.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).with_name("screenshots")
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 860}


def pytest_collection_modifyitems(config, items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: apt-get install -y chromium "
                                       "(.ci/run does)")
        for item in items:
            if "browser" in str(item.fspath):
                item.add_marker(skip)


def pytest_configure(config):
    config.addinivalue_line("markers", "phone: run the page in a phone-sized window")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server, request):
    phone = request.node.get_closest_marker("phone") is not None
    context = browser.new_context(viewport=PHONE if phone else DESK, locale="ko-KR",
                                  timezone_id="Asia/Seoul", base_url=live_server.url)
    pg = context.new_page()
    errors: list[str] = []
    # script errors, CSP violations and missing files; a 400/403 answer is a page's own
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" and not
          re.search(r"status of 40[03]", m.text) else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.base = live_server.url
    pg.server = live_server
    pg.js_errors = errors
    yield pg
    context.close()


@pytest.fixture
def shot(request):
    """``shot(page, "signed-in")`` saves screenshots/<test>-signed-in.png."""
    SHOTS.mkdir(exist_ok=True)
    test = re.sub(r"[^\w.-]+", "_", request.node.name)

    def take(pg, name: str) -> Path:
        path = SHOTS / f"{test}-{name}.png"
        pg.screenshot(path=str(path), full_page=True)
        return path

    return take


def sign_in(pg, name: str, password: str) -> None:
    pg.goto("/sign-in")
    pg.fill("input[name=name]", name)
    pg.fill("input[name=password]", password)
    pg.click("button[type=submit]")
    pg.wait_for_load_state()
