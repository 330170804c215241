"""One fault table, every HTTP adapter: the publisher must always know whether a post may exist.

Each adapter is driven against its fake platform with the same faults:
connection refused, a read timeout after the request went out, 429 with
Retry-After, 500 on a create, an expired credential, 200 with an error body,
malformed JSON, paging over several pages, and find-after-crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest

from outreach.errors import AuthExpired, ChannelError, Rejected, Retryable, UnknownOutcome
from outreach.model import Reply

from fakes import channel_context, refused_url
from fakes.graph import GraphFake
from fakes.kakao import KakaoFake
from fakes.naver import NaverRssFake
from fakes.posts import make_post
from fakes.band import BandFake
from fakes.threads import ThreadsFake
from fakes.wordpress import WordPressFake
from fakes.youtube import YouTubeFake

# A generous read timeout: a loaded CI machine can take more than a second to answer; only
# the two "hang" tests below shorten it (HANG), since a hung answer is what they test.
FAST = {"timeout": 5.0, "connect_timeout": 0.5, "retries": 0}
HANG = {"timeout": 0.5}


@dataclass
class Adapter:
    name: str
    fake: Callable[[], Any]
    build: Callable[..., Any]                      # (fake, tmp_path, base_url, **settings) -> channel
    create: Callable[[Any, Any, Any], Any] | None  # (channel, fake, tmp_path) -> Receipt
    create_path: str | None
    read: Callable[[Any, Any], Any]                # (channel, fake) -> result
    read_path: str
    expire: Callable[[Any], dict[str, Any]]        # (fake) -> settings/env overrides for a dead credential
    error_body: tuple[Any, type[ChannelError]] | None = None   # a 200 body on the create, expected type
    many: Callable[[Any, int], None] | None = None              # seed n replies across pages
    count: Callable[[Any], int] = len
    findable: bool = False
    env: dict[str, str] = field(default_factory=dict)


def ago(**kw: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(**kw)).isoformat()


# -- Facebook / Instagram --------------------------------------------------------
FB_TOKEN = "EAAcontract-page-token"


def fb_build(fake, tmp_path, base, env=None, **kw):
    from outreach.channels.facebook import FacebookChannel
    cfg = {"page_id": fake.page_id, "page_token_env": "FB_TOKEN", "api_base": base, **FAST, **kw}
    return FacebookChannel(channel_context("facebook", "facebook", cfg, env or {"FB_TOKEN": FB_TOKEN},
                                           tmp_path / "var"))


def ig_build(fake, tmp_path, base, env=None, **kw):
    from outreach.channels.instagram import InstagramChannel
    cfg = {"ig_user_id": fake.ig_user_id, "token_env": "IG_TOKEN", "api_base": base,
           "public_base_url": "https://media.example.kr", "poll_interval": 0, **FAST, **kw}
    return InstagramChannel(channel_context("instagram", "instagram", cfg,
                                            env or {"IG_TOKEN": FB_TOKEN}, tmp_path / "var"))


def fb_many(fake, n):
    pid = fake.add_post("게시물")
    for i in range(n):
        fake.add_comment(pid, f"댓글 {i}")


def ig_many(fake, n):
    mid = fake.add_ig_media("사진")
    for i in range(n):
        fake.add_comment(mid, f"댓글 {i}", instagram=True)


def graph_expire(fake):
    fake.expired = True
    return {}


# -- WordPress ---------------------------------------------------------------------
WP_PASS = "abcd efgh ijkl mnop qrst uvwx"


def wp_build(fake, tmp_path, base, env=None, **kw):
    from outreach.channels.wordpress import WordPressChannel
    cfg = {"site_url": base, "username": "cityhall", "app_password_env": "WP_PASS", "categories": [],
           **FAST, **kw}
    return WordPressChannel(channel_context("blog", "wordpress", cfg, env or {"WP_PASS": WP_PASS},
                                            tmp_path / "var"))


def wp_many(fake, n):
    pid = fake.add_post("글")
    for i in range(n):
        fake.add_comment(pid, f"댓글 {i}")


# -- YouTube -----------------------------------------------------------------------
YT_ENV = {"YT_ID": "client-1.apps", "YT_SECRET": "yt-client-secret", "YT_REFRESH": "1//refresh-token-yt"}


def yt_build(fake, tmp_path, base, env=None, **kw):
    from outreach.channels.youtube import YouTubeChannel
    cfg = {"channel_id": fake.channel_id, "client_id_env": "YT_ID", "client_secret_env": "YT_SECRET",
           "refresh_token_env": "YT_REFRESH", "api_base": base + "/", "token_uri": base + "/token",
           "timeout": FAST["timeout"], **kw}
    return YouTubeChannel(channel_context("youtube", "youtube", cfg, env or YT_ENV, tmp_path / "var"))


def yt_create(ch, fake, tmp_path):
    tid = fake.add_thread("vid1", "질문입니다")
    to = Reply(channel="youtube", remote_id=tid, text="질문입니다", created_at=datetime.now(timezone.utc),
               thread_id=tid)
    return ch.reply(to, "답변입니다", "a1")


def yt_many(fake, n):
    for i in range(n):
        fake.add_thread("vid1", f"댓글 {i}")


def yt_expire(fake):
    fake.revoked = True
    return {}


# -- Kakao Event API and Solapi ------------------------------------------------------
KAKAO_ENV = {"KAKAO_REST": "kakao-rest-key-0001", "SOLAPI_KEY": "NCSAYU7YDBXYORXC",
             "SOLAPI_SECRET": "solapi-secret-0001"}


def kakao_build(fake, tmp_path, base, env=None, **kw):
    from outreach.channels.kakao import KakaoChannel
    (tmp_path / "recipients.txt").write_text("010-1234-5678\n", encoding="utf-8")
    cfg = {"bot_id": fake.bot_id, "rest_api_key_env": "KAKAO_REST", "api_base": base,
           "dealer_api_base": base, "solapi_api_key_env": "SOLAPI_KEY",
           "solapi_api_secret_env": "SOLAPI_SECRET", "pf_id": "KA01PF", "sender": "0415212114",
           "publish": "brand_message", "recipients_file": str(tmp_path / "recipients.txt"), **FAST, **kw}
    return KakaoChannel(channel_context("kakao", "kakao", cfg, env or KAKAO_ENV, tmp_path / "var"))


def kakao_reply(ch, fake, tmp_path):
    to = Reply(channel="kakao", remote_id="m1", text="문의", created_at=datetime.now(timezone.utc),
               author_id="bu-1")
    return ch.reply(to, "답변", "a1")


def kakao_task(ch, fake):
    fake.tasks["t1"] = {"taskId": "t1", "status": "ALL_COMPLETED"}
    return ch.events().task("t1")


# -- Naver Blog RSS (read only) --------------------------------------------------------
def naver_build(fake, tmp_path, base, env=None, **kw):
    from outreach.channels.naver_blog import NaverBlogChannel
    cfg = {"blog_id": fake.blog_id, "api_base": base, **FAST, **kw}
    return NaverBlogChannel(channel_context("naver", "naver_blog", cfg, {}, tmp_path / "var"))


def naver_many(fake, n):
    for i in range(n):
        fake.add_post(f"글 {i}")


# -- Threads (graph.threads.net) ------------------------------------------------------
TH_TOKEN = "THQWcontract-threads-token"


def th_build(fake, tmp_path, base, env=None, **kw):
    from outreach.channels.threads import ThreadsChannel
    cfg = {"threads_user_id": fake.user_id, "token_env": "TH_TOKEN", "api_base": base,
           "public_base_url": "https://media.example.kr", "poll_interval": 0, **FAST, **kw}
    return ThreadsChannel(channel_context("threads", "threads", cfg, env or {"TH_TOKEN": TH_TOKEN},
                                          tmp_path / "var"))


def th_many(fake, n):
    pid = fake.add_post("소식")
    for i in range(n):
        fake.add_reply(pid, f"답글 {i}")


# -- Naver Band (openapi.band.us) -----------------------------------------------------
BAND_TOKEN = "ZQAAAband-contract-token"


def band_build(fake, tmp_path, base, env=None, **kw):
    from outreach.channels.band import BandChannel
    cfg = {"band_key": fake.band_key, "token_env": "BAND_TOKEN", "api_base": base, **FAST, **kw}
    return BandChannel(channel_context("band", "band", cfg, env or {"BAND_TOKEN": BAND_TOKEN},
                                       tmp_path / "var"))


def band_many(fake, n):
    pid = fake.add_post("소식")
    for i in range(n):
        fake.add_comment(pid, f"댓글 {i}")


ADAPTERS = [
    Adapter("facebook", lambda: GraphFake(token=FB_TOKEN), fb_build,
            lambda ch, f, t: ch.publish(make_post(t / "var", slides=0), "occ-1-fb"), r"/feed$",
            lambda ch, f: ch.replies(ago(days=1)), r"/posts$", graph_expire,
            error_body=({"error": {"message": "(#100) Invalid parameter", "type": "OAuthException",
                                   "code": 100}}, Rejected),
            many=fb_many, count=lambda b: len(b.items), findable=True),
    Adapter("instagram", lambda: GraphFake(token=FB_TOKEN), ig_build,
            lambda ch, f, t: ch.publish(make_post(t / "var", slides=2), "occ-1-ig"), r"/media_publish$",
            lambda ch, f: ch.replies(ago(days=1)), r"/media$", graph_expire,
            error_body=({"error": {"message": "An unknown error occurred", "code": 1,
                                   "is_transient": True}}, UnknownOutcome),
            many=ig_many, count=lambda b: len(b.items), findable=True),
    Adapter("wordpress", lambda: WordPressFake(password=WP_PASS), wp_build,
            lambda ch, f, t: ch.publish(make_post(t / "var", slides=1), "occ-1-wp"), r"/wp/v2/posts$",
            lambda ch, f: ch.replies(ago(days=1)), r"/comments$",
            lambda f: {"env": {"WP_PASS": "revoked password 0000"}},
            error_body=({"code": "rest_error", "message": "Something went wrong"}, UnknownOutcome),
            many=wp_many, count=lambda b: len(b.items), findable=True),
    Adapter("youtube", YouTubeFake, yt_build, yt_create, r"/youtube/v3/comments$",
            lambda ch, f: ch.replies(ago(days=1)), r"/commentThreads$", yt_expire,
            error_body=({"kind": "youtube#comment"}, UnknownOutcome),
            many=yt_many, count=lambda b: len(b.items)),
    Adapter("kakao-event", KakaoFake, kakao_build, kakao_reply, r"/talk$", kakao_task, r"/v1/tasks/",
            lambda f: {"env": {**KAKAO_ENV, "KAKAO_REST": "revoked-rest-key"}},
            error_body=({"taskId": None, "status": "FAIL", "message": "event not found"}, Rejected)),
    Adapter("kakao-solapi", KakaoFake, kakao_build,
            lambda ch, f, t: ch.publish(make_post(t / "var", slides=0), "occ-1-bm"),
            r"/groups/[^/]+/send$",   # the one call that reaches citizens
            lambda ch, f: ch.dealer().http.json(ch.dealer().http.get("/cash/v1/balance")), r"/cash/",
            lambda f: {"env": {**KAKAO_ENV, "SOLAPI_SECRET": "revoked-secret-0"}},
            error_body=({"errorCode": "ValidationError", "errorMessage": "text is required"}, Rejected),
            findable=True),
    Adapter("threads", lambda: ThreadsFake(token=TH_TOKEN), th_build,
            lambda ch, f, t: ch.publish(make_post(t / "var", slides=2), "occ-1-th"), r"/threads_publish$",
            lambda ch, f: ch.replies(ago(days=1)), r"/threads$", graph_expire,
            error_body=({"error": {"message": "An unknown error occurred", "code": 1,
                                   "is_transient": True}}, UnknownOutcome),
            many=th_many, count=lambda b: len(b.items), findable=True),
    Adapter("band", lambda: BandFake(token=BAND_TOKEN), band_build,
            lambda ch, f, t: ch.publish(make_post(t / "var", slides=0), "occ-1-band"),
            r"/v2\.2/band/post/create$",
            lambda ch, f: ch.replies(ago(days=1)), r"/v2/band/posts$", graph_expire,
            error_body=({"result_code": 2300, "result_data": {"message": "Invalid response"}},
                        UnknownOutcome),
            many=band_many, count=lambda b: len(b.items), findable=True),
    Adapter("naver_blog", NaverRssFake, naver_build, None, None,
            lambda ch, f: ch.feed(), r"\.xml$", lambda f: {},
            many=naver_many, count=len),
]
CREATORS = [a for a in ADAPTERS if a.create]
IDS = [a.name for a in ADAPTERS]


@pytest.fixture(params=ADAPTERS, ids=IDS)
def adapter(request):
    return request.param


@pytest.fixture(params=CREATORS, ids=[a.name for a in CREATORS])
def creator(request):
    return request.param


def run(adapter: Adapter, tmp_path, what: str, prepare: Callable[[Any], dict[str, Any]] | None = None,
        base: str | None = None) -> Any:
    with adapter.fake() as fake:
        overrides = prepare(fake) if prepare else {}
        ch = adapter.build(fake, tmp_path, base or fake.url, **overrides)
        try:
            if what == "create":
                return adapter.create(ch, fake, tmp_path)
            return adapter.read(ch, fake)
        finally:
            ch.close()


def test_connection_refused_is_retryable_on_create_and_read(adapter, tmp_path):
    url = refused_url()
    if adapter.create:
        with pytest.raises(Retryable, match="nothing was sent"):
            run(adapter, tmp_path, "create", base=url)
    with pytest.raises(Retryable):
        run(adapter, tmp_path, "read", base=url)


def test_read_timeout_after_sending_a_create_is_unknown(creator, tmp_path):
    with pytest.raises(UnknownOutcome):
        run(creator, tmp_path, "create", lambda f: f.fail("hang", method="POST", path=creator.create_path) or HANG)


def test_read_timeout_on_a_read_is_retryable(adapter, tmp_path):
    with pytest.raises(Retryable):
        run(adapter, tmp_path, "read", lambda f: f.fail("hang", method="GET", path=adapter.read_path) or HANG)


def test_429_with_retry_after_is_retryable_with_that_wait(adapter, tmp_path):
    def throttle(method, path):
        return lambda f: f.fail("answer", method=method, path=path, status=429,
                                body={"message": "Too Many Requests"}, headers={"Retry-After": "120"}) or {}
    if adapter.create:
        with pytest.raises(Retryable) as err:
            run(adapter, tmp_path, "create", throttle("POST", adapter.create_path))
        assert err.value.retry_after == 120
    with pytest.raises(Retryable) as err:
        run(adapter, tmp_path, "read", throttle("GET", adapter.read_path))
    assert err.value.retry_after == 120


def test_500_on_a_create_is_unknown_and_on_a_read_retryable(adapter, tmp_path):
    def boom(method, path):
        return lambda f: f.fail("answer", method=method, path=path, status=500,
                                body="Internal Server Error") or {}
    if adapter.create:
        with pytest.raises(UnknownOutcome):
            run(adapter, tmp_path, "create", boom("POST", adapter.create_path))
    with pytest.raises(Retryable):
        run(adapter, tmp_path, "read", boom("GET", adapter.read_path))


def test_expired_credentials_are_auth_expired(adapter, tmp_path):
    if adapter.name == "naver_blog":
        pytest.skip("the Naver RSS feed is public: no credential to expire")
    with pytest.raises(AuthExpired):
        run(adapter, tmp_path, "create" if adapter.create else "read", adapter.expire)


def test_200_with_an_error_body_is_not_a_success(creator, tmp_path):
    body, expected = creator.error_body
    with pytest.raises(expected):
        run(creator, tmp_path, "create",
            lambda f: f.fail("answer", method="POST", path=creator.create_path, status=200, body=body) or {})


def test_malformed_json_is_unknown_on_create_and_retryable_on_read(adapter, tmp_path):
    if adapter.create:
        with pytest.raises(UnknownOutcome):
            run(adapter, tmp_path, "create", lambda f: f.fail("malformed", method="POST",
                                                              path=adapter.create_path) or {})
    with pytest.raises(Retryable):   # for Naver: an HTML page where the RSS should be
        run(adapter, tmp_path, "read", lambda f: f.fail("malformed", method="GET", path=adapter.read_path) or {})


@pytest.mark.parametrize("adapter", [a for a in ADAPTERS if a.many], ids=[a.name for a in ADAPTERS if a.many])
def test_paging_over_several_pages_reads_everything(adapter, tmp_path):
    n = 30 if adapter.name == "naver_blog" else 230
    # a generous read timeout: paging is under test here, not timeouts (a busy machine is slow)
    result = run(adapter, tmp_path, "read", lambda f: adapter.many(f, n) or {"timeout": 5.0})
    assert adapter.count(result) == n


@pytest.mark.parametrize("adapter", [a for a in ADAPTERS if a.findable], ids=[a.name for a in ADAPTERS if a.findable])
def test_find_after_crash_finds_the_post_whose_answer_was_lost(adapter, tmp_path):
    with adapter.fake() as fake:
        ch = adapter.build(fake, tmp_path, fake.url)
        fake.fail("lose", method="POST", path=adapter.create_path)
        with pytest.raises(UnknownOutcome):
            adapter.create(ch, fake, tmp_path)
        key = {"facebook": "occ-1-fb", "instagram": "occ-1-ig", "wordpress": "occ-1-wp",
               "kakao-solapi": "occ-1-bm", "threads": "occ-1-th", "band": "occ-1-band"}[adapter.name]
        found = ch.find(key)
        assert found is not None and found.remote_id
        assert ch.find("occ-never") is None


# -- answers whose response is lost ----------------------------------------------------
def _fb_question(fake):
    cid = fake.add_comment(fake.add_post("소식"), "문의드립니다")
    return Reply(channel="facebook", remote_id=cid, text="문의드립니다", created_at=datetime.now(timezone.utc))


def _ig_question(fake):
    cid = fake.add_comment(fake.add_ig_media("사진"), "문의드립니다", instagram=True)
    return Reply(channel="instagram", remote_id=cid, text="문의드립니다", created_at=datetime.now(timezone.utc))


def _wp_question(fake):
    pid = fake.add_post("글")
    cid = fake.add_comment(pid, "문의드립니다")
    return Reply(channel="blog", remote_id=str(cid), text="문의드립니다", created_at=datetime.now(timezone.utc),
                 post_remote_id=str(pid))


def _th_question(fake):
    rid = fake.add_reply(fake.add_post("소식"), "문의드립니다")
    return Reply(channel="threads", remote_id=rid, text="문의드립니다", created_at=datetime.now(timezone.utc))


def _band_question(fake):
    pid = fake.add_post("소식")
    cid = fake.add_comment(pid, "문의드립니다")
    return Reply(channel="band", remote_id=cid, text="문의드립니다", created_at=datetime.now(timezone.utc),
                 post_remote_id=pid)


ANSWERERS = {   # name -> (question seeder, answer create path, our answers under the question)
    "threads": (_th_question, r"/threads_publish$",
                lambda f, q: [r for r in f.replies.values() if r["parent"] == q.remote_id and r["own"]]),
    "band": (_band_question, r"/comment/create$",
             lambda f, q: [c for c in f.comments.values()
                           if c["post_key"] == q.post_remote_id and c["author"]["user_key"] == f.user_key]),
    "facebook": (_fb_question, r"/comments$",
                 lambda f, q: [c for c in f.comments.values()
                               if c["parent_id"] == q.remote_id and c["from"]["id"] == f.page_id]),
    "instagram": (_ig_question, r"/replies$",
                  lambda f, q: [c for c in f.comments.values()
                                if c["parent_id"] == q.remote_id and c["from"]["id"] == f.ig_self[0]]),
    "wordpress": (_wp_question, r"/wp/v2/comments$",
                  lambda f, q: [c for c in f.comments.values()
                                if str(c["parent"]) == q.remote_id and c["author"] == f.user_id]),
}


@pytest.mark.parametrize("adapter", [a for a in ADAPTERS if a.name in ANSWERERS],
                         ids=[a.name for a in ADAPTERS if a.name in ANSWERERS])
def test_an_answer_whose_response_was_lost_is_found_not_sent_twice(adapter, tmp_path):
    seed, path, ours = ANSWERERS[adapter.name]
    with adapter.fake() as fake:
        ch = adapter.build(fake, tmp_path, fake.url, timeout=2.0)
        question = seed(fake)
        fake.fail("lose", method="POST", path=path)
        with pytest.raises(UnknownOutcome):
            ch.reply(question, "확인 후 안내드리겠습니다.", "answer-1")
        again = ch.reply(question, "확인 후 안내드리겠습니다.", "answer-1")
        made = ours(fake, question)
        assert len(made) == 1 and again.remote_id == str(made[0]["id"]) and again.extra.get("existing")
        ch.close()
