"""Staff app sign-in: sessions, rotation, time-outs, lock-out, sign-out, CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outreach.model import utc_now
from outreach.store import users as store
from outreach.users import sessions
from outreach.users.sessions import SessionPolicy, token_hash
from web_support import PASSWORD, add_user, csrf, post, sign_in


def _audit(db, action):
    with db.read() as conn:
        return [r for r in store.list_audit(conn, store.AuditFilter(action=action))]


def test_unsigned_visitor_is_sent_to_sign_in(staff):
    r = staff.get("/account")
    assert r.status_code == 303 and r.headers["location"] == "/sign-in?next=/account"
    r = staff.get("/account", headers={"HX-Request": "true"})
    assert r.status_code == 401 and r.headers["HX-Redirect"] == "/sign-in?next=/account"
    # a fragment's request comes back to its page after signing in
    r = staff.post("/account/language", headers={
        "HX-Request": "true", "HX-Current-URL": "http://testserver/audit?via=cli"})
    assert r.status_code in (401, 403)
    r = staff.get("/audit", params={"via": "cli"}, headers={
        "HX-Request": "true", "HX-Target": "audit_table",
        "HX-Current-URL": "http://testserver/audit?via=cli"})
    assert r.headers["HX-Redirect"] == "/sign-in?next=/audit%3Fvia%3Dcli"
    r = staff.get("/audit", headers={"HX-Request": "true",
                                     "HX-Current-URL": "http://evil.example/steal"})
    assert r.headers["HX-Redirect"] == "/sign-in?next=/audit"


def test_first_admin_signs_in_and_out(staff):
    add_user(staff.ws.db, "admin", "admin")
    r = sign_in(staff, "admin")
    assert r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert staff.get("/account").status_code == 200
    r = post(staff, "/sign-out")
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"
    assert staff.get("/account").status_code == 303
    assert [r.action for r in _audit(staff.ws.db, "session.")] == [
        "session.sign_out", "session.sign_in"]


def test_wrong_password_and_unknown_name_read_the_same(staff):
    add_user(staff.ws.db, "kim", "editor")
    token = csrf(staff)
    wrong = staff.post("/sign-in", data={"name": "kim", "password": "nope nope nope",
                                         "csrf_token": token})
    unknown = staff.post("/sign-in", data={"name": "nobody", "password": "nope nope nope",
                                           "csrf_token": token})
    assert wrong.status_code == unknown.status_code == 400
    assert "The name or the password is not right." in wrong.text
    assert wrong.text.replace("kim", "X") == unknown.text.replace("nobody", "X")


def test_lock_out_after_repeated_failures_whether_or_not_the_name_exists(staff):
    add_user(staff.ws.db, "kim", "editor")
    token = csrf(staff)
    for name in ("kim", "ghost"):
        for _ in range(5):
            staff.post("/sign-in", data={"name": name, "password": "x" * 12,
                                         "csrf_token": token})
        r = staff.post("/sign-in", data={"name": name, "password": PASSWORD,
                                         "csrf_token": token})
        assert r.status_code == 400 and "Too many failed sign-ins" in r.text, name
    assert staff.cookies.get("outreach_session") is None


def test_lock_out_backs_off_and_ends(web_ws):
    from outreach.errors import SignInFailed

    db, policy = web_ws.db, SessionPolicy(lock_after=3)
    add_user(db, "kim", "editor")
    now = utc_now()
    for i in range(3):
        with pytest.raises(SignInFailed):
            sessions.sign_in(db, policy, "kim", "wrong password", now=now)
    with pytest.raises(SignInFailed, match="1 minute"):
        sessions.sign_in(db, policy, "kim", PASSWORD, now=now + timedelta(seconds=30))
    with pytest.raises(SignInFailed):   # a 4th failure doubles the wait
        sessions.sign_in(db, policy, "kim", "wrong again", now=now + timedelta(minutes=2))
    with pytest.raises(SignInFailed, match="2 minutes"):
        sessions.sign_in(db, policy, "kim", PASSWORD, now=now + timedelta(minutes=2, seconds=10))
    token, session = sessions.sign_in(db, policy, "kim", PASSWORD,
                                      now=now + timedelta(minutes=5))
    assert session.name == "kim"


def test_session_fixation_a_planted_token_is_replaced(staff):
    add_user(staff.ws.db, "kim", "editor")
    staff.cookies.set("outreach_session", "planted-by-an-attacker", domain="testserver.local")
    sign_in(staff, "kim")
    token = staff.cookies.get("outreach_session")
    assert token and token != "planted-by-an-attacker"
    # signing in again from the same browser revokes the token it had
    db = staff.ws.db
    new, _ = sessions.sign_in(db, SessionPolicy(), "kim", PASSWORD, previous_token=token)
    assert sessions.lookup(db, SessionPolicy(), token) is None
    assert sessions.lookup(db, SessionPolicy(), new) is not None


def test_idle_and_absolute_time_outs(web_ws):
    db, policy = web_ws.db, SessionPolicy(idle_minutes=30, absolute_hours=8)
    add_user(db, "kim", "viewer")
    now = utc_now()
    token, _ = sessions.sign_in(db, policy, "kim", PASSWORD, now=now)
    assert sessions.lookup(db, policy, token, now=now + timedelta(minutes=29)) is not None
    assert sessions.lookup(db, policy, token, now=now + timedelta(minutes=58)) is not None
    assert sessions.lookup(db, policy, token, now=now + timedelta(minutes=120)) is None
    token, _ = sessions.sign_in(db, policy, "kim", PASSWORD, now=now)
    t = now
    for _ in range(20):  # active all day: still ends after eight hours
        t += timedelta(minutes=25)
        alive = sessions.lookup(db, policy, token, now=t) is not None
        assert alive == (t < now + timedelta(hours=8))


def test_sign_out_everywhere_ends_every_session(staff, web_ws):
    add_user(web_ws.db, "kim", "editor")
    other, _ = sessions.sign_in(web_ws.db, SessionPolicy(), "kim", PASSWORD)
    sign_in(staff, "kim")
    r = post(staff, "/account/sign-out-everywhere")
    assert r.status_code == 303
    assert sessions.lookup(web_ws.db, SessionPolicy(), other) is None
    assert staff.get("/account").status_code == 303


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_csrf_missing_or_wrong_is_403_and_nothing_changes(staff, token):
    add_user(staff.ws.db, "kim", "editor")
    sign_in(staff, "kim")
    data = {"language": "ko"} | ({"csrf_token": token} if token else {})
    r = staff.post("/account/language", data=data)
    assert r.status_code == 403
    with staff.ws.db.read() as conn:
        assert store.get_user(conn, name="kim").language is None
    r = staff.post("/account/language", data={"language": "ko"},
                   headers={"X-CSRF-Token": token or ""})
    assert r.status_code == 403
    # the right token works
    assert post(staff, "/account/language", {"language": "ko"}).status_code == 303
    with staff.ws.db.read() as conn:
        assert store.get_user(conn, name="kim").language == "ko"


def test_sign_in_form_needs_its_csrf_token(staff):
    add_user(staff.ws.db, "kim", "editor")
    r = staff.post("/sign-in", data={"name": "kim", "password": PASSWORD})
    assert r.status_code == 403 and "outreach_session" not in staff.cookies


def test_the_cookie_holds_a_token_the_database_only_hashes(staff):
    add_user(staff.ws.db, "kim", "editor")
    sign_in(staff, "kim")
    token = staff.cookies.get("outreach_session")
    with staff.ws.db.read() as conn:
        row = store.session_with_user(conn, token_hash(token))
    assert row is not None and row.name == "kim"
    assert token not in str(tuple(row))


def test_the_users_language_overrides_the_workspaces(staff):
    add_user(staff.ws.db, "kim", "viewer", language="ko")
    add_user(staff.ws.db, "lee", "viewer")
    sign_in(staff, "kim")
    page = staff.get("/account")
    assert "내 계정" in page.text and '<html lang="ko">' in page.text
    staff.cookies.clear()
    sign_in(staff, "lee")            # no choice of their own: the workspace's English
    page = staff.get("/account")
    assert "My account" in page.text and '<html lang="en">' in page.text
    assert post(staff, "/account/language", {"language": "ko"}).status_code == 303
    assert "언어를 저장했습니다." in staff.get("/account").text


def test_security_headers_and_no_inline_script(staff):
    r = staff.get("/sign-in")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"
    import re

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", r.text, re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"\son[a-z]+=", r.text)           # no onclick= handlers either
    assert staff.get("/static/app.js").status_code == 200


def test_secure_cookie_over_https(web_ws):
    from web_support import staff_client

    add_user(web_ws.db, "kim", "viewer")
    with staff_client(web_ws, base_url="https://outreach.city.local") as client:
        r = sign_in(client, "kim")
        assert "secure" in r.headers["set-cookie"].lower()
        assert "max-age=31536000" in client.get("/account").headers[
            "strict-transport-security"]


def test_bad_input_never_gets_a_5xx(staff):
    add_user(staff.ws.db, "admin", "admin")
    sign_in(staff, "admin")
    token = csrf(staff, "/account")
    bodies = [b"\xff\xfe garbage", b"a=%ZZ&csrf_token=" + token.encode(), b"&&&==="]
    for body in bodies:
        for path in ("/users", "/account/language", "/sign-in", "/departments"):
            r = staff.post(path, content=body, headers={
                "content-type": "application/x-www-form-urlencoded", "X-CSRF-Token": token})
            assert r.status_code < 500, (path, body, r.status_code)
    r = staff.post("/users", content=b"--x\r\nbroken", headers={
        "content-type": "multipart/form-data; boundary=x", "X-CSRF-Token": token})
    assert r.status_code == 400
    assert staff.get("/audit?before=abc&since=2026-13-45").status_code == 400


def test_a_signed_in_request_costs_one_query(staff):
    """The guard's session lookup is one indexed query (the front door does nothing else)."""
    from sqlalchemy import event

    add_user(staff.ws.db, "kim", "viewer")
    sign_in(staff, "kim")
    staff.get("/")   # the first request after sign-in may touch last_seen_at
    seen: list[str] = []
    listener = lambda *a: seen.append(a[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(staff.ws.db.engine, "before_cursor_execute", listener)
    try:
        r = staff.get("/")
    finally:
        event.remove(staff.ws.db.engine, "before_cursor_execute", listener)
    assert r.status_code == 303
    assert len(seen) == 1 and "token_hash" in seen[0], seen


def test_account_page_lists_this_users_sessions(staff, web_ws):
    add_user(web_ws.db, "kim", "viewer")
    sessions.sign_in(web_ws.db, SessionPolicy(), "kim", PASSWORD, ip="10.1.2.3",
                     user_agent="Mozilla/5.0 (Windows NT 10.0) Chrome/131.0 Whale/4.0")
    sign_in(staff, "kim")
    page = staff.get("/account").text
    assert "10.1.2.3" in page and "Whale · Windows" in page and "this one" in page


def test_an_htmx_error_lands_in_the_message_area(staff):
    add_user(staff.ws.db, "kim", "viewer")
    sign_in(staff, "kim")
    token = csrf(staff, "/account")
    r = staff.post("/account/password", data={"current": "x", "new": "a" * 12, "again": "b"},
                   headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert r.status_code == 400
    assert r.headers["HX-Retarget"] == "#messages"
    assert "the two new passwords are not the same" in r.text and "<html" not in r.text


def test_oversized_bodies_are_413_before_anything_is_read(staff):
    add_user(staff.ws.db, "kim", "viewer")
    sign_in(staff, "kim")
    token = csrf(staff, "/account")
    r = staff.post("/account/language", data={"language": "ko", "pad": "x" * (3 * 1024 * 1024)},
                   headers={"X-CSRF-Token": token})
    assert r.status_code == 413
    with staff.ws.db.read() as conn:
        assert store.get_user(conn, name="kim").language is None


def test_passwords_are_argon2id_with_the_rfc_9106_profile_and_upgrade_cheap_hashes():
    from outreach.users import passwords

    real = passwords.make_hasher()
    stored = real.hash("correct horse battery")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert real.verify(stored, "correct horse battery")
    cheap = passwords.make_hasher("cheapest").hash("correct horse battery")
    assert cheap.startswith("$argon2id$") and real.check_needs_rehash(cheap)


def test_an_admins_new_password_lifts_the_lock(web_ws):
    from outreach.errors import SignInFailed
    from outreach.users import accounts
    from outreach.users.audit import Actor

    db, policy = web_ws.db, SessionPolicy(lock_after=2)
    add_user(db, "kim", "editor")
    for _ in range(2):
        with pytest.raises(SignInFailed):
            sessions.sign_in(db, policy, "kim", "wrong password")
    with pytest.raises(SignInFailed, match="Too many"):
        sessions.sign_in(db, policy, "kim", PASSWORD)
    accounts.set_password(db, Actor.system("admin"), "kim", "a new long password")
    assert sessions.sign_in(db, policy, "kim", "a new long password")[1].name == "kim"


def test_a_flash_is_shown_once_on_the_next_full_page(staff):
    add_user(staff.ws.db, "kim", "viewer")
    sign_in(staff, "kim")
    assert post(staff, "/account/language", {"language": "en"}).status_code == 303
    staff.get("/")                                   # a redirect shows nothing: kept
    staff.get("/account", headers={"HX-Request": "true", "HX-Target": "messages"})
    assert "Language saved." in staff.get("/account").text
    assert "Language saved." not in staff.get("/account").text
