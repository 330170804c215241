"""Files under var/: only through signed-in routes, never outside their folder."""

from __future__ import annotations

import os

import pytest

from outreach.errors import NotFound
from outreach.web.staff.files import safe_path
from web_support import add_user, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def var(web_ws):
    var = web_ws.settings.var_dir
    slide = var / "handoff" / "naver" / "k1"
    slide.mkdir(parents=True)
    (slide / "01.png").write_bytes(PNG)
    (slide / "body.html").write_text("<script>alert(1)</script>", encoding="utf-8")
    (var / "secret.txt").write_text("not for the web")
    return var


def test_files_need_a_session(staff, var):
    r = staff.get("/files/handoff/naver/k1/01.png")
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")
    add_user(staff.ws.db, "viewer", "viewer")
    sign_in(staff, "viewer")
    r = staff.get("/files/handoff/naver/k1/01.png")
    assert r.status_code == 200 and r.content == PNG
    assert r.headers["content-type"] == "image/png"
    assert r.headers["content-disposition"].startswith("inline")


def test_html_is_a_download_never_a_page(staff, var):
    add_user(staff.ws.db, "viewer", "viewer")
    sign_in(staff, "viewer")
    r = staff.get("/files/handoff/naver/k1/body.html")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith("attachment")


@pytest.mark.parametrize("path", [
    "/files/handoff/../secret.txt", "/files/handoff/%2e%2e/secret.txt",
    "/files/handoff/naver/%2e%2e/%2e%2e/%2e%2e/secret.txt", "/files/handoff/..%2fsecret.txt",
    "/files/handoff/%2fetc%2fpasswd", "/files/handoff/naver\\..\\..\\secret.txt",
    "/files/outreach.db/x", "/files/handoff/naver/k1", "/files/handoff/naver/k1/nope.png",
    "/files/posts/../outreach.db"])
def test_path_traversal_is_404(staff, var, path):
    add_user(staff.ws.db, "admin", "admin")
    sign_in(staff, "admin")
    r = staff.get(path, follow_redirects=True)   # the client may normalise "..": follow
    assert r.status_code == 404, path
    assert b"not for the web" not in r.content


def test_symlinks_out_of_the_folder_are_refused(var, tmp_path):
    base = var / "handoff"
    os.symlink(var / "secret.txt", base / "link.txt")
    with pytest.raises(NotFound):
        safe_path(base, "link.txt")
    assert safe_path(base, "naver/k1/01.png").read_bytes() == PNG
    for bad in ("../secret.txt", "naver/../../secret.txt", "/etc/passwd", "naver/k1/\x00",
                "~/x", "naver//k1/01.png", "naver/k1"):
        with pytest.raises(NotFound):
            safe_path(base, bad)
