"""The cost and quota guard: a run over the budget or a daily post quota is refused before any call."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from outreach.cli import main
from outreach.i18n import use_language
from outreach.publishing import budget
from outreach.publishing import model as m
from outreach.publishing.model import OccurrenceSpec
from outreach.publishing.service import PublishingService
from outreach.store.db import open_database

from fakes.kakao import KakaoFake
from fakes.threads import ThreadsFake
from test_publish_helpers import write_template

TH_TOKEN = "THQWbudget-threads-token"


def write_root(root, db_url, channels: str, extra: str = "") -> None:
    (root / "outreach.toml").write_text(
        f'timezone = "Asia/Seoul"\ndatabase_url = "{db_url}"\n{extra}\n{channels}', encoding="utf-8")
    write_template(root / "templates" / "cards")


def run(root, *argv):
    return main(["--root", str(root), *argv])


@pytest.fixture
def kakao(tmp_path, monkeypatch):
    with KakaoFake() as fake:
        monkeypatch.setenv("SOLAPI_KEY", fake.solapi_key)
        monkeypatch.setenv("SOLAPI_SECRET", fake.solapi_secret)
        (tmp_path / "recipients.txt").write_text("010-1111-2222\n010-3333-4444\n010-5555-6666\n",
                                                 encoding="utf-8")
        yield fake


def kakao_table(fake, tmp_path, price: str = "price_per_message = 20\n") -> str:
    return ('[channels.kakao]\ntype = "kakao"\npublish = "brand_message"\ntext = "facebook"\n'
            f'dealer_api_base = "{fake.url}"\nsolapi_api_key_env = "SOLAPI_KEY"\n'
            'solapi_api_secret_env = "SOLAPI_SECRET"\npf_id = "KA01PF2026"\nsender = "0415212114"\n'
            f'recipients_file = "{tmp_path / "recipients.txt"}"\ntimeout = 2\nretries = 0\n{price}')


def test_brand_messages_over_the_daily_budget_are_refused_before_any_call(tmp_path, db_url, kakao,
                                                                          capsys):
    write_root(tmp_path, db_url, kakao_table(kakao, tmp_path), "[budget]\ndaily_krw = 100\n")
    assert run(tmp_path, "publish", "notice", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "cost of this run: 60 KRW" in out and "3 recipients × 20 KRW" in out
    assert "0 KRW of the 100 KRW daily budget" in out

    assert run(tmp_path, "publish", "notice") == 0
    assert len(kakao.solapi_messages) == 3
    capsys.readouterr()
    calls = len(kakao.requests)

    assert run(tmp_path, "publish", "notice", "--again") == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "refused before any call" in err and "60 KRW" in err and "100 KRW daily budget" in err
    assert "daily_krw" in err
    assert len(kakao.requests) == calls and len(kakao.solapi_messages) == 3

    assert run(tmp_path, "publish", "notice", "--dry-run") == 1
    assert "!! would be refused" in capsys.readouterr().out
    assert run(tmp_path, "status") == 0
    assert "spent today: 60 KRW; today 60 KRW of the 100 KRW daily budget" in capsys.readouterr().out


def test_an_unknown_price_under_a_budget_is_refused_and_named(tmp_path, db_url, kakao, capsys):
    write_root(tmp_path, db_url, kakao_table(kakao, tmp_path, price=""), "[budget]\nmonthly_krw = 10000\n")
    assert run(tmp_path, "publish", "notice") == 1
    err = capsys.readouterr().err
    assert "price_per_message" in err and kakao.requests == []
    # without a budget the same channel publishes; the dry run says the price is unknown
    write_root(tmp_path, db_url, kakao_table(kakao, tmp_path, price=""))
    assert run(tmp_path, "publish", "notice", "--dry-run") == 0
    assert "price unknown" in capsys.readouterr().out


def test_daily_post_quota_refuses_the_run_that_would_pass_it(tmp_path, db_url, monkeypatch, capsys):
    monkeypatch.setenv("TH_TOKEN", TH_TOKEN)
    with ThreadsFake(token=TH_TOKEN) as fake:
        write_root(tmp_path, db_url, '[channels.threads]\ntype = "threads"\ntext = "facebook"\n'
                   f'threads_user_id = "{fake.user_id}"\ntoken_env = "TH_TOKEN"\n'
                   f'api_base = "{fake.url}"\npublic_base_url = "https://media.example.kr"\n'
                   'poll_interval = 0\ndaily_posts = 2\nretries = 0\n')
        assert run(tmp_path, "publish", "notice") == 0
        assert run(tmp_path, "publish", "notice", "--again") == 0
        capsys.readouterr()
        containers = len(fake.containers)
        assert run(tmp_path, "publish", "notice", "--again") == 1
        err = capsys.readouterr().err
        # the platform's name, not the channel's code (the refusal is for people)
        assert "Threads: 2 posts in the last 24 hours and the platform allows 2" in err
        assert "threads:" not in err
        assert len(fake.containers) == containers and len(fake.posts) == 2


def test_a_scheduled_delivery_over_the_budget_fails_without_a_call(tmp_path, db_url, kakao):
    from outreach.config import load_settings

    write_root(tmp_path, db_url, kakao_table(kakao, tmp_path), "[budget]\ndaily_krw = 50\n")
    settings = load_settings(tmp_path)
    db = open_database(db_url)
    try:
        service = PublishingService(settings, db)
        occ = service.plan(OccurrenceSpec(schedule="weekly", key="w1",
                                          scheduled_for=datetime.now(timezone.utc), template="notice",
                                          channels=("kakao",), data={"title": "가을 음악회"}))
        service.work()
        [row] = service.ledger.deliveries([occ])
        assert row["state"] == m.D_FAILED and "daily budget" in row["error"]
        # the stored refusal names the platform, in the reader's language (i18n stored texts)
        assert "Kakao Talk Channel: 3 recipients × 20 KRW" in row["error"]
        assert "kakao:" not in row["error"]
        with use_language("ko"):
            [row] = service.ledger.deliveries([occ])
        assert "카카오톡 채널: 수신자 3명 × 20 KRW" in row["error"] and "일 예산" in row["error"]
        assert "kakao" not in row["error"] and "Kakao" not in row["error"]
        with db.read() as conn:             # stored language-independently
            raw = conn.execute(text("SELECT error FROM delivery")).scalar_one()
        assert raw.startswith("i18n:") and '"m":"Kakao Talk Channel"' in raw
        assert kakao.solapi_messages == [] and not kakao.seen("POST", r"/send$")
        # the same figures as plain data, for the web run page
        cost = budget.estimate(PublishingService(settings, db), ["kakao"]).as_dict()
        assert json.loads(json.dumps(cost))["channels"][0]["price_krw"] == 60
        assert cost["refusal"] and cost["daily_budget_krw"] == 50
        assert cost["channels"][0]["channel"] == "kakao"        # the data keeps the code
    finally:
        db.dispose()


def test_a_bad_budget_names_file_line_and_key(tmp_path, db_url, kakao, capsys):
    write_root(tmp_path, db_url, kakao_table(kakao, tmp_path), "[budget]\ndaily_krw = \"lots\"\n")
    assert run(tmp_path, "publish", "notice") == 2
    err = capsys.readouterr().err
    assert "outreach.toml:4: budget.daily_krw" in err and "KRW" in err


def test_the_cost_lines_read_in_korean():
    from outreach.i18n import use_language

    line = budget.ChannelCost(channel="kakao", type="kakao", posts=1, price_krw=60.0, krw=60.0,
                              note="3 recipients × 20 KRW", quota=None, used=0,
                              spent_today_krw=60.0, spent_month_krw=60.0)
    cost = budget.RunCost(channels=(line,), total_krw=60.0, daily_budget_krw=100.0,
                          monthly_budget_krw=None, spent_today_krw=60.0, spent_month_krw=60.0,
                          refusal=None)
    with use_language("ko"):
        head, row = budget.summary_lines(cost)
    assert head == "이번 실행 비용: 60 KRW · 오늘 60 KRW 사용 (일 예산 100 KRW)"
    assert "게시물당 60 KRW" in row


def test_the_run_page_shows_the_cost_and_the_refusal(tmp_path, db_url, kakao):
    from web_support import add_user, sign_in, staff_client, web_workspace

    toml = kakao_table(kakao, tmp_path) + \
        '\n[budget]\ndaily_krw = 50\n'
    ws = web_workspace(tmp_path, db_url, toml=toml,
                       env={"SOLAPI_KEY": kakao.solapi_key, "SOLAPI_SECRET": kakao.solapi_secret})
    try:
        service = PublishingService(ws.settings, ws.db)
        occ = service.plan(OccurrenceSpec(schedule="weekly", key="w1",
                                          scheduled_for=datetime.now(timezone.utc), template="notice",
                                          channels=("outbox", "kakao"), data={"title": "가을 음악회"}))
        add_user(ws.db, "view", "viewer")
        with staff_client(ws) as client:
            sign_in(client, "view")
            page = client.get(f"/runs/{occ}")
        assert page.status_code == 200
        assert "cost of this run: 60 KRW" in page.text and "3 recipients × 20 KRW" in page.text
        # each paid channel's line names its platform (the CLI's lines keep the code)
        assert re.search(r">\s*Kakao Talk Channel\s+60 KRW a post", page.text)
        assert "Would be refused before any call" in page.text and "50 KRW daily budget" in page.text
        refusal = re.search(r'<span class="error-text">(.*?)</span>', page.text, re.S).group(1)
        assert "Kakao Talk Channel: 3 recipients × 20 KRW" in refusal and "kakao" not in refusal
        assert kakao.requests == []
    finally:
        ws.db.dispose()


def test_the_channels_page_shows_price_and_quota_use(tmp_path, db_url, kakao):
    from web_support import add_user, sign_in, staff_client, web_workspace

    ws = web_workspace(tmp_path, db_url, toml=kakao_table(kakao, tmp_path) + "daily_posts = 3\n",
                       env={"SOLAPI_KEY": kakao.solapi_key, "SOLAPI_SECRET": kakao.solapi_secret})
    try:
        add_user(ws.db, "view", "viewer")
        with staff_client(ws) as client:
            sign_in(client, "view")
            page = client.get("/channels")
        assert page.status_code == 200
        assert "60 KRW a post (3 recipients × 20 KRW), 0 of 3 posts in the last 24 hours" in page.text
        assert kakao.requests == []
    finally:
        ws.db.dispose()


def test_status_says_nothing_of_money_when_nothing_costs_or_is_capped(tmp_path, db_url, capsys):
    write_root(tmp_path, db_url, '[channels.outbox]\ntype = "outbox"\n')
    assert run(tmp_path, "status") == 0
    assert "KRW" not in capsys.readouterr().out
