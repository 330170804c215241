"""Request economy of the channel adapters, counted against the local platform fakes.

    .venv/bin/python bench/channel_requests.py            # 100 posts, 2,000 comments
    .venv/bin/python bench/channel_requests.py --posts 200 --comments 5000

Counts what each operation costs on the platform (HTTP requests, YouTube quota
units, paid Solapi sends) and how long it takes against a local fake, so a
change that adds a round trip shows up as a number. Goals: a Facebook harvest
of 100 quiet posts in at most 3 requests; a brand message sent exactly once
whatever answer is lost; a YouTube resend lookup of a few units, never a second
50-unit insert.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes import channel_context  # noqa: E402
from fakes.graph import GraphFake  # noqa: E402
from fakes.kakao import KakaoFake  # noqa: E402
from fakes.posts import make_post  # noqa: E402
from fakes.youtube import YouTubeFake  # noqa: E402

from outreach.errors import ChannelError  # noqa: E402
from outreach.model import Reply  # noqa: E402


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - started) * 1000


def facebook(tmp: Path, posts: int, comments: int) -> None:
    from outreach.channels.facebook import FacebookChannel

    with GraphFake(token="t") as fake:
        now = datetime.now(timezone.utc).replace(microsecond=0)
        ids = [fake.add_post(f"게시물 {i}", created=now - timedelta(hours=i + 1)) for i in range(posts)]
        for i in range(comments):
            fake.add_comment(ids[i % len(ids)], f"댓글 {i}", created=now - timedelta(minutes=30, seconds=i))
        cfg = {"page_id": fake.page_id, "page_token_env": "T", "api_base": fake.url, "retries": 0}
        ch = FacebookChannel(channel_context("facebook", "facebook", cfg, {"T": "t"}, tmp / "var"))
        first, ms = timed(lambda: ch.replies((now - timedelta(days=1)).isoformat()))
        print(f"facebook  harvest {posts} posts / {len(first.items)} new comments: "
              f"{len(fake.requests)} requests, {ms:.0f} ms")
        before = len(fake.requests)
        quiet, ms = timed(lambda: ch.replies(first.cursor))
        print(f"facebook  harvest {posts} posts, nothing new: {len(fake.requests) - before} requests, "
              f"{len(quiet.items)} items, {ms:.0f} ms")


def solapi(tmp: Path) -> None:
    from outreach.channels.kakao import KakaoChannel

    (tmp / "r.txt").write_text("".join(f"0101234{i:04d}\n" for i in range(1000)), encoding="utf-8")
    for lost in (None, r"/messages$", r"/groups/[^/]+/send$"):
        with KakaoFake() as fake:
            cfg = {"publish": "brand_message", "dealer_api_base": fake.url, "pf_id": "KA01PF",
                   "solapi_api_key_env": "K", "solapi_api_secret_env": "S", "sender": "0415212114",
                   "recipients_file": str(tmp / "r.txt"), "retries": 0, "timeout": 5}
            env = {"K": fake.solapi_key, "S": fake.solapi_secret}
            folder = tmp / f"var-{len(str(lost))}"
            ch = KakaoChannel(channel_context("kakao", "kakao", cfg, env, folder))
            post = make_post(folder, slides=0)
            if lost:
                fake.fail("lose", method="PUT" if "messages" in lost else "POST", path=lost)
            attempts, started = 0, time.perf_counter()
            while True:   # what the ledger does: retry, or look up after an unknown outcome
                attempts += 1
                try:
                    ch.publish(post, "occ-bench")
                    break
                except ChannelError:
                    if ch.find("occ-bench") is not None:
                        break
            ms = (time.perf_counter() - started) * 1000
            print(f"solapi    1,000 recipients, lost answer on {lost or 'nothing'}: {attempts} attempts, "
                  f"{len(fake.requests)} requests, {len(fake.solapi_messages)} messages sent, {ms:.0f} ms")


def youtube(tmp: Path, replies: int) -> None:
    from outreach.channels.youtube import YouTubeChannel

    with YouTubeFake() as fake:
        tid = fake.add_thread("vid1", "질문")
        for i in range(replies):
            fake.add_reply(tid, f"다른 답글 {i}")
        cfg = {"channel_id": fake.channel_id, "client_id_env": "A", "client_secret_env": "B",
               "refresh_token_env": "C", "api_base": fake.url + "/", "token_uri": fake.url + "/token",
               "timeout": 2}
        env = {"A": fake.client_id, "B": fake.client_secret, "C": fake.refresh_token}
        ch = YouTubeChannel(channel_context("youtube", "youtube", cfg, env, tmp / "var-yt"))
        to = Reply(channel="youtube", remote_id=tid, text="질문", created_at=datetime.now(timezone.utc),
                   thread_id=tid)
        fake.fail("lose", method="POST", path=r"/youtube/v3/comments$")
        try:
            ch.reply(to, "답변드립니다", "k")
        except ChannelError:
            pass
        before = fake.units_used
        found, ms = timed(lambda: ch.find_reply(to, "답변드립니다", "k"))
        print(f"youtube   resend lookup in a thread of {replies + 1} replies: found={found is not None}, "
              f"{fake.units_used - before} units (an insert costs 50), {ms:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--replies", type=int, default=250)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        facebook(tmp, args.posts, args.comments)
        solapi(tmp)
        youtube(tmp, args.replies)


if __name__ == "__main__":
    main()
