"""Notifications: each event mailed once, to the roles that can act, through a real SMTP server.

The SMTP server is aiosmtpd on 127.0.0.1 (a real server speaking SMTP, with
AUTH), so smtplib, the message format and the password from the environment
are exercised for real.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from outreach.errors import ConfigError
from outreach.notify import job
from outreach.notify.settings import notify_settings
from outreach.publishing import model as m
from outreach.store.notify import NotificationStore
from smtp_support import serve
from test_publish_service import T0, make, spec  # noqa: F401 - fixture reuse

AHEAD = dict(approval_required=True, prepare_at=T0 - timedelta(hours=3))


@pytest.fixture
def smtp():
    yield from serve()


def configure(service, port: int, **extra):
    language = extra.pop("language", "en")
    sections = {
        "notifications": {"base_url": "https://desk.example.go.kr/", "to": {
            "approver": ["boss@example.go.kr"], "editor": ["pr@example.go.kr"]}, **extra},
        "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "username": "outreach",
                 "password_env": "SMTP_PW", "sender": "outreach@example.go.kr"}}
    service.settings = replace(service.settings, sections=sections, env={"SMTP_PW": "s3cret"},
                               language=language)
    return service.settings


def notify(service):
    return job.run(service.settings, service.db, [], service.clock)


def test_draft_ready_goes_once_to_approvers_with_a_link(make, smtp):
    service, clock = make(start=T0 - timedelta(hours=2))
    configure(service, smtp.port)
    occ = service.plan(spec(**AHEAD))
    service.work()
    report = notify(service)
    assert (report.recorded, report.sent) == (1, 1)
    (to, msg), = smtp.messages
    assert to == ["boss@example.go.kr"]
    assert "Draft ready for approval" in msg["Subject"] and "weekend-guide" in msg["Subject"]
    assert f"https://desk.example.go.kr/runs/{occ}" in msg.get_content()
    clock.advance(minutes=1)
    again = notify(service)
    assert (again.recorded, again.sent) == (0, 0) and len(smtp.messages) == 1


def test_mail_is_in_the_workspace_language(make, smtp):
    service, clock = make(start=T0 - timedelta(hours=2))
    configure(service, smtp.port, language="ko")
    service.plan(spec(**AHEAD))
    service.work()
    notify(service)
    (_to, msg), = smtp.messages
    assert msg["Subject"] == "[outreach] 승인 대기 초안: weekend-guide, 2026년 11월 26일 (목) 16:00"
    assert "승인하거나 반려해 주세요" in msg.get_content()


def test_failed_delivery_and_missed_run_reach_the_roles_that_act(make, smtp, monkeypatch):
    service, clock = make(channels={"outbox": {"type": "outbox"},
                                    "bad": {"type": "scripted", "script": ["reject"],
                                            "log": "/dev/null"}})
    configure(service, smtp.port)
    clock.now = T0
    service.plan(spec(channels=("outbox", "bad")))
    missed = service.plan(spec(key="2026-11-26T04:00:00Z", scheduled_for=T0 - timedelta(hours=3)))
    service.work()
    assert service.occurrence(missed)["state"] == m.MISSED
    notify(service)
    by_subject = {msg["Subject"]: to for to, msg in smtp.messages}
    failed = [s for s in by_subject if "Delivery failed: bad" in s]
    # editors and approvers may send a delivery again; only editors fix a missed run's data
    assert failed and sorted(by_subject[failed[0]]) == ["boss@example.go.kr", "pr@example.go.kr"]
    (missed_subject,) = [s for s in by_subject if "Run missed" in s]
    assert by_subject[missed_subject] == ["pr@example.go.kr"]
    assert len(smtp.messages) == 2


def test_staff_accounts_with_an_address_and_the_right_role_get_mail(make, smtp):
    import sqlalchemy as sa

    from outreach.store.users_tables import users
    from outreach.users import accounts
    from outreach.users.audit import Actor

    service, clock = make(start=T0 - timedelta(hours=2))
    configure(service, smtp.port)
    service.settings.sections["notifications"]["to"] = {}
    for name, role in (("lee", "approver"), ("kim", "editor"), ("park", "approver")):
        accounts.add_user(service.db, Actor.system("test"), name, role, "correct horse battery")
    with service.db.begin() as conn:   # no screen sets addresses yet: the test writes them
        for name in ("lee", "kim"):
            conn.execute(sa.update(users).where(users.c.name == name)
                         .values(email=f"{name}@example.go.kr"))
    service.plan(spec(**AHEAD))
    service.work()
    notify(service)
    (to, _msg), = smtp.messages
    assert to == ["lee@example.go.kr"]             # an approver; park has no address


def test_a_second_failure_after_retry_is_a_new_event(make, smtp):
    service, clock = make(channels={"bad": {"type": "scripted", "script": ["reject", "reject"],
                                            "log": "/dev/null"}})
    configure(service, smtp.port)
    clock.now = T0
    occ = service.plan(spec(channels=("bad",)))
    service.work()
    notify(service)
    (d,) = service.ledger.deliveries([occ])
    service.retry(d["id"], "pr")
    service.work()
    notify(service)
    assert [msg["Subject"].startswith("[outreach] Delivery failed") for _, msg in smtp.messages] \
        == [True, True]


def test_token_expiry_without_an_admin_address_is_recorded_as_nobody(make, smtp):
    service, clock = make()
    configure(service, smtp.port, token_days=10)
    store = NotificationStore(service.db)
    store.save_check("outbox", [{"ok": False, "what": "token expires soon", "fix": "renew it",
                                 "expires_at": None}], clock(), clock() + timedelta(days=3))
    report = notify(service)
    assert (report.recorded, report.nobody, report.sent) == (1, 1, 0)
    (row,) = store.all()
    assert row["state"] == "nobody" and "renew it" in row["body"]
    service.settings.sections["notifications"]["to"]["admin"] = ["it@example.go.kr"]
    assert notify(service).recorded == 0          # once per event, even after the fix


def test_wrong_password_is_retried_later_not_lost(make, smtp):
    service, clock = make(start=T0 - timedelta(hours=2))
    configure(service, smtp.port)
    service.settings.sections["smtp"]["timeout"] = 2
    service.settings = replace(service.settings, env={"SMTP_PW": "wrong"})
    service.plan(spec(**AHEAD))
    service.work()
    report = notify(service)
    assert report.failed == 1 and f"127.0.0.1:{smtp.port}" in report.errors[0]
    (row,) = NotificationStore(service.db).all()
    assert row["state"] == "pending" and row["next_attempt_at"] > clock()
    service.settings = replace(service.settings, env={"SMTP_PW": "s3cret"})
    assert notify(service).sent == 0              # not before its retry time
    clock.advance(minutes=11)
    assert notify(service).sent == 1 and len(smtp.messages) == 1


def test_missing_data_file_for_the_next_run_warns_editors(make, smtp, tmp_path):
    from outreach.scheduling.specs import load_schedules

    service, clock = make()
    settings = configure(service, smtp.port)
    settings.schedules_dir.mkdir(parents=True)
    (settings.schedules_dir / "weekly.yaml").write_text(
        'template: notice\ncron: "0 16 * * thu"\nchannels: [outbox]\n'
        'data: content/weekly/{date}.yaml\n', encoding="utf-8")
    schedules = load_schedules(settings)
    report = job.run(settings, service.db, schedules, clock)
    assert report.sent == 1
    (to, msg), = smtp.messages
    assert to == ["pr@example.go.kr"] and "content/weekly/2026-11-26.yaml" in msg.get_content()
    # the file arrives: nothing more is sent
    folder = tmp_path / "content" / "weekly"
    folder.mkdir(parents=True)
    (folder / "2026-11-26.yaml").write_text("title: x\n", encoding="utf-8")
    assert job.run(settings, service.db, schedules, clock).recorded == 0


def test_settings_errors_name_the_key(make):
    service, clock = make()
    service.settings = replace(service.settings, sections={"notifications": {}, "smtp": {}})
    with pytest.raises(ConfigError, match="smtp.host"):
        notify_settings(service.settings)
    service.settings = replace(service.settings, sections={
        "notifications": {}, "smtp": {"host": "x", "password": "plain"}})
    with pytest.raises(ConfigError, match="password_env"):
        notify_settings(service.settings)
    service.settings = replace(service.settings, sections={
        "notifications": {"enabled": False}})
    assert notify_settings(service.settings) is None


def test_run_due_mails_the_draft_once(smtp, tmp_path, db_url, monkeypatch):
    """cron's run-due prepares Thursday's draft and mails the approvers; a second run does not."""
    from outreach.cli import main
    from test_publish_helpers import write_template

    (tmp_path / "outreach.toml").write_text(
        f'timezone = "Asia/Seoul"\nlanguage = "en"\ndatabase_url = "{db_url}"\n'
        '[channels.outbox]\ntype = "outbox"\n'
        '[notifications]\nbase_url = "https://desk.example.go.kr"\n'
        '[notifications.to]\napprover = ["boss@example.go.kr"]\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n'
        'sender = "outreach@example.go.kr"\n', encoding="utf-8")
    write_template(tmp_path / "templates" / "cards")
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "weekly.yaml").write_text(
        'template: notice\ncron: "0 16 * * thu"\nchannels: [outbox]\napproval: required\n'
        'prepare_before: 1d\ndata: content/{date}.yaml\n', encoding="utf-8")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "2026-11-26.yaml").write_text("title: 음악회\n", encoding="utf-8")
    monkeypatch.setenv("OUTREACH_NOW", "2026-11-25T16:30:00+09:00")
    assert main(["--root", str(tmp_path), "run-due"]) == 0
    assert main(["--root", str(tmp_path), "run-due"]) == 0
    (to, msg), = smtp.messages
    assert to == ["boss@example.go.kr"] and "Draft ready for approval: weekly" in msg["Subject"]
    assert "https://desk.example.go.kr/runs/1" in msg.get_content()
