"""Webhook benchmark: the Kakao chatbot skill under concurrent load, over loopback.

    .venv/bin/python bench/webhooks.py                                  # SQLite, 25 clients, 20 s
    .venv/bin/python bench/webhooks.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/webhooks.py --concurrency 25 --seconds 30 --warmup 3

Starts ``outreach serve`` (uvicorn, one process) in a temporary workspace with
the sample inbox rules, bound to 127.0.0.1 on a free port, then drives it with
an asyncio client: ``--concurrency`` keep-alive connections, each sending its
next skill request as soon as the previous answer arrives (a closed loop, so
the load is bounded by the concurrency). Requests mix complaints (ticket,
triage, search index, deadlines) and menu taps from a pool of users, like a
city's chatbot. After ``--warmup`` seconds, every answer's latency is recorded
for ``--seconds``. Prints requests per second, p50/p90/p99/max latency, the
server's CPU time per request (from /proc: steadier than wall-clock figures
when other jobs share the machine; 1000 / it is the most one core can serve)
and the status counts. Goals (issue 9): p99 <= 1 s at 25 concurrent requests and
>= 200 requests/s, on SQLite and on PostgreSQL.

The client runs on the same machine and takes CPU from the server: the figures
are a floor. For PostgreSQL the URL's database is used as is: the script
creates and drops its own schema in it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKILL_KEY = "bench-skill-key-0123456789"
PLACES = ["우리 아파트 앞", "시청 사거리", "초등학교 정문 앞", "버스 정류장 옆", "하천 산책로",
          "전통시장 입구", "주민센터 뒤", "골목길", "공영주차장", "체육공원"]
PROBLEMS = ["가로등이 며칠째 꺼져 있어요", "불법주차 차량 때문에 지나갈 수가 없어요",
            "도로가 움푹 패여서 위험합니다", "눈이 쌓였는데 제설이 안 됐어요",
            "쓰레기 무단투기가 너무 심해요", "신호등이 고장났어요", "밤마다 소음이 심합니다",
            "어르신 돌봄 서비스 신청하고 싶어요", "버스 배차 간격이 너무 길어요"]
MENU = ["블로그", "복지 상담", "안녕하세요"]


def workspace(folder: Path, database_url: str) -> Path:
    import shutil

    root = folder / "ws"
    root.mkdir()
    shutil.copytree(ROOT / "inbox", root / "inbox")
    (root / "outreach.toml").write_text(f"""timezone = "Asia/Seoul"
database_url = "{database_url}"
[server.kakao]
secret_env = "BENCH_SKILL_KEY"
[inbox.kakao]
links = [{{label = "블로그", url = "https://blog.naver.com/city"}},
         {{label = "복지 상담", url = "https://www.bokjiro.go.kr/"}}]
""", encoding="utf-8")
    (root / ".env").write_text(f"BENCH_SKILL_KEY={SKILL_KEY}\n")
    return root


def skill_request(rng: random.Random) -> bytes:
    user = f"botuser-{rng.randrange(2000):05d}"
    if rng.random() < 0.3:
        utterance = rng.choice(MENU)
    else:
        utterance = f"{rng.choice(PLACES)} {rng.choice(PROBLEMS)} 확인 부탁드립니다"
    payload = {"intent": {"id": "fallback", "name": "폴백 블록"},
               "userRequest": {"timezone": "Asia/Seoul", "utterance": utterance, "lang": "ko",
                               "user": {"id": user, "type": "botUserKey",
                                        "properties": {"plusfriendUserKey": "pf-" + user}}},
               "bot": {"id": "bench-bot", "name": "시청 민원봇"}}
    body = json.dumps(payload, ensure_ascii=False).encode()
    return (b"POST /webhooks/kakao/skill HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nX-Outreach-Skill-Key: " + SKILL_KEY.encode() +
            b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    match = re.search(rb"(?i)content-length:\s*(\d+)", head)
    await reader.readexactly(int(match.group(1)) if match else 0)
    return status


async def client(port: int, seed: int, start: float, warmup: float, stop: float,
                 latencies: list[float], statuses: dict[int, int]) -> None:
    rng = random.Random(seed)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            sent = time.perf_counter()
            if sent >= stop:
                return
            writer.write(skill_request(rng))
            try:
                status = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                statuses[-1] = statuses.get(-1, 0) + 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            done = time.perf_counter()
            if sent >= start + warmup:
                latencies.append(done - sent)
                statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (Linux /proc): on a shared machine the
    server's CPU per request is steadier than its wall-clock throughput."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def drive(port: int, concurrency: int, warmup: float, seconds: float,
                server_pid: int) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    start = time.perf_counter()
    stop = start + warmup + seconds

    async def cpu_window() -> tuple[float, float]:
        await asyncio.sleep(warmup)
        first = cpu_seconds(server_pid)
        await asyncio.sleep(seconds)
        return first, cpu_seconds(server_pid)

    window, *_ = await asyncio.gather(cpu_window(), *(
        client(port, n, start, warmup, stop, latencies, statuses) for n in range(concurrency)))
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {"requests": len(latencies), "per_second": len(latencies) / seconds,
            "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p99_ms": pct(0.99),
            "max_ms": latencies[-1] * 1000, "statuses": statuses,
            "server_cpu_ms_per_request": (window[1] - window[0]) * 1000 / max(1, len(latencies))}


def serve(root: Path) -> tuple[subprocess.Popen, int]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen([sys.executable, "-m", "outreach", "--root", str(root), "serve",
                             "--host", "127.0.0.1", "--port", "0"],
                            stdout=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    match = re.search(r":(\d+)\s*$", line)
    if not match:
        proc.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    port = int(match.group(1))
    import socket

    for _ in range(100):                     # bound, but listening only once uvicorn runs
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server does not accept connections")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="",
                        help="PostgreSQL URL (default: SQLite in a temporary folder)")
    parser.add_argument("--concurrency", type=int, default=25)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.seconds + args.warmup > 240:
        parser.error("keep a run under 4 minutes (shared machine)")

    schema = None
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url
        if url:
            import sqlalchemy as sa

            schema = "bench_" + uuid.uuid4().hex[:10]
            admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
            with admin.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
        else:
            url = f"sqlite:///{Path(tmp) / 'outreach.db'}"
        root = workspace(Path(tmp), url)
        proc, port = serve(root)
        try:
            result = asyncio.run(drive(port, args.concurrency, args.warmup, args.seconds,
                                       proc.pid))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            if schema:
                with admin.begin() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
                admin.dispose()
    result["database"] = "postgresql" if schema else "sqlite"
    result["concurrency"] = args.concurrency
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['database']}: {args.concurrency} concurrent, {result['requests']} "
              f"requests in {args.seconds:.0f} s = {result['per_second']:.0f} requests/s; "
              f"p50 {result['p50_ms']:.0f} ms, p90 {result['p90_ms']:.0f} ms, "
              f"p99 {result['p99_ms']:.0f} ms, max {result['max_ms']:.0f} ms; "
              f"server CPU {result['server_cpu_ms_per_request']:.1f} ms/request; "
              f"statuses {result['statuses']}")
    ok = result["p99_ms"] <= 1000 and result["per_second"] >= 200 and \
        set(result["statuses"]) == {200}
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
