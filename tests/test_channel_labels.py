"""Channel names staff read instead of codes (outreach.channels.channel_label): each channel
class declares its platform's name, a configured channel reads as its platform, unknown codes
as they are; and the staff pages that show a channel use it (text: the name; values: the code).
The notification page names kinds and mail languages in words."""

from __future__ import annotations

import re

import pytest

from outreach.channels import channel_class, channel_label, channel_types, text_label
from outreach.config import load_settings
from outreach.i18n import use_language

from inbox_web_support import file_items, staff_users
from test_notify_web import seed
from web_support import add_user, sign_in, staff_client, web_workspace

KOREAN = {"outbox": "로컬 보관함", "handoff": "넘겨받기", "facebook": "Facebook",
          "instagram": "Instagram", "wordpress": "워드프레스", "naver_blog": "네이버 블로그",
          "youtube": "YouTube", "kakao": "카카오톡 채널", "band": "밴드", "threads": "Threads"}


def _settings(tmp_path, toml: str):
    (tmp_path / "outreach.toml").write_text(f'timezone = "Asia/Seoul"\n{toml}', encoding="utf-8")
    return load_settings(tmp_path)


def test_every_channel_type_declares_its_platform_name_in_korean_and_english():
    assert set(KOREAN) == set(channel_types())            # a new type needs its name here
    with use_language("ko"):
        assert {t: channel_label(t) for t in channel_types()} == KOREAN
    with use_language("en"):
        assert channel_label("kakao") == "Kakao Talk Channel"
        assert channel_label("naver_blog") == "Naver Blog"
        assert channel_label("band") == "Band"
    for t in channel_types():
        assert channel_class(t).display_name, t


def test_unknown_codes_read_as_themselves():
    with use_language("ko"):
        assert channel_label("naver") == "naver"              # a name, but not configured
        assert channel_label("") == ""
        assert channel_label("Facebook") == "Facebook"
        assert text_label("sms") == "sms"


def test_configured_channels_read_as_their_platform(tmp_path):
    settings = _settings(tmp_path, (
        '[channels.naver]\ntype = "naver_blog"\nblog_id = "city"\n'
        '[channels.story]\ntype = "handoff"\nplatform = "카카오스토리"\n'
        '[channels.paper]\ntype = "handoff"\n'
        '[channels.city]\ntype = "facebook"\npage_id = "1"\npage_token_env = "T"\n'
        '[channels.mayor]\ntype = "facebook"\npage_id = "2"\npage_token_env = "T"\n'))
    with use_language("ko"):
        assert channel_label("naver", settings) == "네이버 블로그"
        assert channel_label("story", settings) == "카카오스토리"     # its platform setting
        assert channel_label("paper", settings) == "넘겨받기"
        # two pages on one platform keep apart by their names; citizens read the platform
        assert channel_label("city", settings) == "Facebook (city)"
        assert channel_label("mayor", settings) == "Facebook (mayor)"
        assert channel_label("mayor", settings, distinct=False) == "Facebook"
        assert channel_label("kakao", settings) == "카카오톡 채널"    # a type, not configured
        assert channel_label("gone", settings) == "gone"
        # the studio's text tabs: the blog text goes to the configured Naver blog
        assert text_label("blog", settings) == "네이버 블로그"
        assert text_label("kakao", settings) == "카카오톡 채널"
        assert text_label("blog") == "워드프레스 · 네이버 블로그"      # nothing configured


# -- the pages ------------------------------------------------------------------------------

TOML = ('[channels.naver]\ntype = "naver_blog"\nblog_id = "city"\n'
        '[channels.kakao]\ntype = "handoff"\nplatform = "카카오톡 채널"\n')


@pytest.fixture
def korean(tmp_path, db_url):
    """A Korean workspace with a Naver blog named "naver" besides the outbox."""
    ws = web_workspace(tmp_path, db_url, toml=TOML, language="ko")
    with staff_client(ws) as client:
        client.ws = ws
        yield client
    ws.db.dispose()


def _text(html: str) -> str:
    """What a reader sees: the page without its tags (attribute values are not text)."""
    return re.sub(r"<[^>]+>", " ", html)


def test_inbox_queue_and_item_name_the_channel_and_the_filter_keeps_the_code(korean):
    ids = file_items(korean.ws, {"n1": "주차장 요금이 궁금해요 가로등"}, channel="naver")
    staff_users(korean.ws)
    sign_in(korean, "chief")
    queue = korean.get("/inbox").text
    row = re.search(rf'<tr[^>]*id="item-{ids["n1"]}".*?</tr>', queue, re.S).group(0)
    assert '<span class="badge">네이버 블로그</span>' in row
    assert not re.search(r"\bnaver\b", _text(row))
    # the channel filter: names as text, codes as values (and filtering by the code works)
    select = re.search(r'<select name="channel">.*?</select>', queue, re.S).group(0)
    assert '<option value="naver">네이버 블로그</option>' in select
    assert '<option value="outbox">로컬 보관함</option>' in select
    assert not re.search(r"\b(naver|outbox|kakao)\b", _text(select))
    only = korean.get("/inbox", params={"channel": "naver"}).text
    assert f'id="item-{ids["n1"]}"' in only
    assert '<option value="naver" selected>네이버 블로그</option>' in only
    assert f'id="item-{ids["n1"]}"' not in korean.get("/inbox", params={"channel": "kakao"}).text
    item = korean.get(f"/inbox/{ids['n1']}").text
    assert '<span class="badge">네이버 블로그</span>' in item
    assert "네이버 블로그에서 보이는 모습" in item
    assert not re.search(r"\bnaver\b", _text(item))
    report = korean.get("/inbox/report").text            # 민원 통계: the per-channel table
    assert "<tr><th>네이버 블로그</th>" in report
    assert not re.search(r"\bnaver\b", _text(report))


def test_saved_replies_count_characters_per_platform_name(korean):
    staff_users(korean.ws)
    sign_in(korean, "road")
    page = korean.get("/inbox/replies").text
    assert re.search(r"카카오톡 채널 [\d,]+ / 1,000", page)
    assert re.search(r"Instagram [\d,]+ / 2,200", page)
    assert not re.search(r"\b(facebook|instagram|youtube|kakao)\b", _text(page))


def test_notifications_name_kinds_and_languages(korean):
    ids = seed(korean.ws.db)
    add_user(korean.ws.db, "admin", "admin")
    sign_in(korean, "admin")
    html = korean.get("/notifications").text
    row = re.search(rf'<tr id="notification-{ids["failed"]}".*?</tr>', html, re.S).group(0)
    assert '<span class="muted kind">승인 대기 초안</span>' in row
    assert "<strong>한국어</strong>" in row and "<strong>영어</strong>" in row
    assert 'data-language="en"' in row                       # the code stays an attribute
    assert "draft_ready" not in _text(html)
    assert not re.search(r"\b(ko|en)\b", _text(row))


def test_notifications_in_english_use_the_message_ids(staff):
    ids = seed(staff.ws.db)
    add_user(staff.ws.db, "admin", "admin")
    sign_in(staff, "admin")
    html = staff.get("/notifications").text
    row = re.search(rf'<tr id="notification-{ids["sent"]}".*?</tr>', html, re.S).group(0)
    assert "Draft ready for approval" in row
    assert "<strong>Korean</strong>" in row and "<strong>English</strong>" in row


def test_studio_tabs_name_the_platforms(korean):
    add_user(korean.ws.db, "kim", "editor")
    sign_in(korean, "kim")
    html = korean.get("/studio/weekend-guide/2026-12-03").text
    tabs = dict(re.findall(r'<button type="button" role="tab" id="tab-(\w+)"[^>]*>([^<]*?) <span',
                           html))
    assert tabs == {"instagram": "Instagram", "facebook": "Facebook", "kakao": "카카오톡 채널",
                    "blog": "네이버 블로그", "youtube": "YouTube"}


def test_desk_pages_name_the_channels(korean, monkeypatch):
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from desk_support import pass_at
    from outreach.store.ledger import Ledger

    wed = datetime(2026, 11, 25, 17, 0, tzinfo=ZoneInfo("Asia/Seoul"))
    monkeypatch.setenv("OUTREACH_NOW", wed.isoformat())
    pass_at(korean.ws, wed.astimezone(timezone.utc))
    occ = Ledger(korean.ws.db).occurrence_by_key("weekend-guide", "2026-11-26T07:00:00Z")
    add_user(korean.ws.db, "admin", "admin")
    sign_in(korean, "admin")
    run = korean.get(f"/runs/{occ['id']}").text
    deliveries = re.search(r'<section id="channels">.*?</section>', run, re.S).group(0)
    assert re.search(r"<h3>로컬 보관함 <span", deliveries)
    assert not re.search(r"\boutbox\b", _text(deliveries))
    new = korean.get("/posts/new").text
    assert 'value="naver" checked> 네이버 블로그</label>' in new
    assert 'value="kakao" checked> 카카오톡 채널</label>' in new    # a hand-off's platform
    assert 'value="outbox" checked> 로컬 보관함</label>' in new
    channels = korean.get("/channels").text
    # the admin's page also names each channel as outreach.toml does, marked as code
    assert re.search(r'<h2>네이버 블로그 <code class="muted"[^>]*>naver</code>', channels)


def test_every_notification_kind_has_words():
    """The kinds outreach.notify.events makes (read from its source: a new kind needs its
    words on 알림 발송 기록, or the page shows the code)."""
    import outreach.notify.events as events
    from outreach.publishing import model as m
    from outreach.web.staff.notifications import kind_labels

    source = open(events.__file__, encoding="utf-8").read()
    made = set(re.findall(r'Event\(\s*(?:f?"[^"]*"|[^,]+),\s*"(\w+)"', source))
    assert "delivery_" in made                     # "delivery_" + the delivery's state
    made = (made - {"delivery_"}) | {f"delivery_{m.D_FAILED}", f"delivery_{m.D_UNKNOWN}"}
    assert len(made) >= 10
    with use_language("ko"):
        words = kind_labels()
    assert made <= set(words), made - set(words)
    assert all(re.search("[가-힣]", w) for w in words.values())
