"""사용자 and 활동 기록 pages; the users service and CLI; the audit API."""

from __future__ import annotations

import subprocess
import sys

import pytest

from outreach.errors import UserError
from outreach.store import users as store
from outreach.users import accounts, sessions
from outreach.users.audit import Actor, record
from outreach.users.sessions import SessionPolicy
from web_support import PASSWORD, add_user, post, sign_in


def _audit(db, **kw):
    with db.read() as conn:
        return store.list_audit(conn, store.AuditFilter(**kw))


def test_an_admin_adds_a_user_who_then_signs_in(staff):
    add_user(staff.ws.db, "admin", "admin")
    sign_in(staff, "admin")
    r = post(staff, "/users", {"name": "Kim", "display_name": "김민지", "role": "approver",
                               "departments": "홍보담당관, 민원과", "password": PASSWORD},
             page="/users")
    assert r.status_code == 303
    page = staff.get("/users")
    assert "김민지" in page.text and "홍보담당관" in page.text and "Added kim." in page.text
    kim = accounts.get_user(staff.ws.db, "kim")
    assert kim.role == "approver" and kim.departments == ("민원과", "홍보담당관")
    entry = _audit(staff.ws.db, action="user.add")[0]
    assert (entry.actor_name, entry.via, entry.self_declared, entry.target_id) == \
        ("admin", "web", False, "kim")
    staff.cookies.clear()
    sign_in(staff, "kim")
    assert staff.get("/users").status_code == 403


def test_a_bad_new_user_keeps_the_form_and_says_why(staff):
    add_user(staff.ws.db, "admin", "admin")
    sign_in(staff, "admin")
    r = post(staff, "/users", {"name": "lee", "display_name": "이수진", "role": "editor",
                               "password": "short"}, page="/users")
    assert r.status_code == 400
    assert "the password must have at least 10 characters" in r.text
    assert 'value="이수진"' in r.text and "short" not in r.text
    assert [u.name for u in accounts.list_users(staff.ws.db)] == ["admin"]


def test_a_role_change_ends_that_users_sessions(staff, web_ws):
    add_user(web_ws.db, "admin", "admin")
    add_user(web_ws.db, "kim", "editor")
    token, _ = sessions.sign_in(web_ws.db, SessionPolicy(), "kim", PASSWORD)
    sign_in(staff, "admin")
    r = post(staff, "/users/kim", {"role": "viewer", "display_name": "", "departments": ""},
             page="/users/kim")
    assert r.status_code == 303
    assert accounts.get_user(web_ws.db, "kim").role == "viewer"
    assert sessions.lookup(web_ws.db, SessionPolicy(), token) is None


def test_the_last_admin_cannot_be_demoted(web_ws):
    add_user(web_ws.db, "admin", "admin")
    with pytest.raises(UserError, match="last admin"):
        accounts.update_user(web_ws.db, Actor.system(), "admin", role="viewer")
    with pytest.raises(UserError, match="last admin"):
        accounts.update_user(web_ws.db, Actor.system(), "admin", disabled=True)
    assert accounts.get_user(web_ws.db, "admin").role == "admin"


def test_unknown_user_page_is_404_not_500(staff):
    add_user(staff.ws.db, "admin", "admin")
    sign_in(staff, "admin")
    r = staff.get("/users/nobody")
    assert r.status_code == 404 and "no user named &#39;nobody&#39;" in r.text


def test_departments(staff):
    add_user(staff.ws.db, "admin", "admin")
    sign_in(staff, "admin")
    assert post(staff, "/departments", {"name": "교통과"}, page="/users").status_code == 303
    assert "교통과" in staff.get("/users").text
    assert post(staff, "/departments", {"name": "교통과"}, page="/users").status_code == 400
    assert post(staff, "/departments/remove", {"name": "교통과"},
                page="/users").status_code == 303
    assert accounts.departments(staff.ws.db) == []


def test_audit_page_filters_and_shows_self_declared_cli_names(staff):
    db = staff.ws.db
    add_user(db, "admin", "admin")
    accounts.add_user(db, Actor.cli("박주무관"), "park", "editor", PASSWORD)
    sign_in(staff, "admin")
    page = staff.get("/audit")
    assert page.status_code == 200
    assert "박주무관" in page.text and "self-declared" in page.text and "Signed in" in page.text
    only = staff.get("/audit", params={"via": "cli"},
                     headers={"HX-Request": "true", "HX-Target": "audit_table"})
    assert only.status_code == 200 and "<html" not in only.text   # just the table block
    assert "박주무관" in only.text and "Signed in" not in only.text
    assert staff.get("/audit", params={"since": "yesterday"}).status_code == 400


def test_audit_page_pages_older_entries(staff):
    db = staff.ws.db
    add_user(db, "admin", "admin")
    with db.begin() as conn:
        for i in range(130):
            record(conn, Actor.system("daemon"), "user.update", "user", f"u{i}")
    sign_in(staff, "admin")
    first = staff.get("/audit", params={"actor": "daemon"})
    assert first.text.count("user u") == 100 and "user u129" in first.text
    older = first.text.split('href="?')[1].split('"')[0].replace("&amp;", "&")
    second = staff.get("/audit?" + older)
    assert second.text.count("user u") == 30 and "user u0" in second.text


def test_record_writes_in_the_callers_transaction(web_ws):
    db = web_ws.db
    with pytest.raises(RuntimeError):
        with db.begin() as conn:
            record(conn, Actor.cli("kim"), "post.approve", "occurrence", 7, {"x": 1})
            raise RuntimeError("the change failed")
    assert _audit(db, action="post.approve") == []
    with db.begin() as conn:
        record(conn, Actor.cli("kim"), "post.approve", "occurrence", 7, {"x": 1})
    row = _audit(db, action="post.")[0]
    assert (row.actor_name, row.via, row.self_declared, row.target_id, row.detail) == \
        ("kim", "cli", True, "7", '{"x": 1}')


def _cli(ws, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "outreach", "--root", str(ws.root), *args],
                          input=stdin, text=True, capture_output=True, timeout=60)


def test_cli_users_add_list_set_and_audit(web_ws):
    r = _cli(web_ws, "users", "--as", "홍길동", "add", "admin", "--role", "admin",
             "--password-stdin", stdin=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    r = _cli(web_ws, "users", "add", "kim", "--role", "boss", "--password-stdin", stdin="x\n")
    assert r.returncode == 2 and "invalid choice" in r.stderr
    r = _cli(web_ws, "users", "add", "kim", "--role", "editor", "--password-stdin",
             stdin="short\n")
    assert r.returncode == 2 and r.stderr.strip() == \
        "outreach: error: the password must have at least 10 characters"
    r = _cli(web_ws, "users", "set", "admin", "--role", "viewer")
    assert r.returncode == 2 and "last admin" in r.stderr
    r = _cli(web_ws, "users", "list", "--json")
    assert '"role": "admin"' in r.stdout
    r = _cli(web_ws, "audit", "--json")
    assert '"actor": "홍길동"' in r.stdout and '"self_declared": true' in r.stdout


def test_every_audit_action_label_is_translated():
    from outreach import i18n
    from outreach.web.staff import action_labels

    labels = action_labels()
    assert "user.add" in labels
    missing = [label for label in labels.values() if label not in i18n.catalog("ko")]
    assert not missing, f"add Korean for these audit labels to your .po: {missing}"


def test_recipients_are_enabled_users_with_an_address_whose_role_can_act(web_ws):
    db = web_ws.db
    add_user(db, "admin", "admin", email="admin@city.go.kr")
    add_user(db, "kim", "approver", email="kim@city.go.kr")
    add_user(db, "lee", "editor", email="lee@city.go.kr")
    add_user(db, "park", "approver")                       # no address
    add_user(db, "choi", "approver", email="choi@city.go.kr")
    accounts.update_user(db, Actor.system(), "choi", disabled=True)
    assert [u.name for u in accounts.recipients(db, "approve")] == ["admin", "kim"]
    with pytest.raises(UserError, match="not an e-mail address"):
        accounts.update_user(db, Actor.system(), "kim", email="kim at city")
    assert accounts.update_user(db, Actor.system(), "kim", email="").email is None
