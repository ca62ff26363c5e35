"""Load test of ``fraudwarn serve`` on loopback: throughput, latency, errors, overload, memory.

    python benchmarks/bench_web.py [--clients 4] [--seconds 20] [--overload-clients 48]

Two runs against a fresh ``fraudwarn serve`` process each:

1. *stated concurrency*: ``--clients`` keep-alive clients post ``/api/v1/classify`` (one
   message per request, messages cycled from a fixed list) for ``--seconds``; requests/s,
   p50/p99 latency and the non-200 count, with the server's RSS sampled every second;
2. *overload*: ``--overload-clients`` clients against a server started with
   ``--max-concurrent`` below that: the answers must be 200 or 503 (never a reset or a 5xx
   other than 503), and the server must still answer ``/api/v1/health`` afterwards.

Needs ``psutil`` (``pip install ".[bench]"``). Clients are threads in this process, on the
same machine as the server: on 2 shared cores they compete with it, so the figures are a
floor. Nothing is asserted; the script prints a Markdown table.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter

import psutil

MESSAGES = [
    "您好，我是京东客服，您误开通了百万保障服务，每月将扣费800元，取消请下载腾讯会议共享屏幕",
    "妈我到家了，晚饭不用等我",
    "刷单兼职日结，先垫付后返佣，加V：jz_rijie668",
    "这里是市公安局，你的身份证涉嫌洗钱，请把资金转入安全账户配合调查",
    "【工商银行】您尾号1234的账户于11月22日支出500.00元，余额3,210.55元。",
    "你的校园贷账户未注销，将影响征信，请联系客服处理",
    "明天上午九点开会，记得带材料",
    "宝宝，这个平台是我舅舅内部的，稳赚不赔，今晚再充五万就能提现",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(max_concurrent: int) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "fraudwarn", "serve", "--port", str(port),
                             "--max-concurrent", str(max_concurrent)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/api/v1/health")
            if c.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("fraudwarn serve did not start")


def run(port: int, clients: int, seconds: float, server: psutil.Process) -> dict[str, object]:
    stop = time.perf_counter() + seconds
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    lock = threading.Lock()

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = k
        mine: list[float] = []
        seen: Counter[str] = Counter()
        while time.perf_counter() < stop:
            body = json.dumps({"texts": [MESSAGES[i % len(MESSAGES)]]}, ensure_ascii=False).encode()
            i += 1
            t = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/classify", body, {"content-type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                seen[str(resp.status)] += 1
                if resp.status == 200:
                    mine.append(time.perf_counter() - t)
                if resp.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            except (OSError, http.client.HTTPException) as e:
                seen[type(e).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        with lock:
            latencies.extend(mine)
            statuses.update(seen)

    rss: list[float] = []
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        rss.append(server.memory_info().rss / 2**20)
        time.sleep(1)
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    latencies.sort()
    ok = statuses.get("200", 0)

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")

    return {
        "clients": clients, "seconds": round(elapsed, 1), "requests": sum(statuses.values()), "ok": ok,
        "rps_ok": round(ok / elapsed, 1), "p50_ms": round(pct(0.50), 1), "p99_ms": round(pct(0.99), 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "statuses": dict(statuses), "rss_mb": [round(x, 1) for x in rss],
    }


def health(port: int) -> int:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/api/v1/health")
    return c.getresponse().status


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--max-concurrent", type=int, default=8, help="the server's limit for the first run")
    ap.add_argument("--overload-clients", type=int, default=48)
    ap.add_argument("--overload-limit", type=int, default=4, help="the server's limit for the overload run")
    args = ap.parse_args()

    rows = []
    for label, clients, limit in (("stated", args.clients, args.max_concurrent),
                                  ("overload", args.overload_clients, args.overload_limit)):
        proc, port = start_server(limit)
        try:
            server = psutil.Process(proc.pid)
            run(port, min(clients, 2), 3, server)  # warm-up: first-request paths, caches
            r = run(port, clients, args.seconds, server)
            r["label"], r["limit"], r["health_after"] = label, limit, health(port)
            r["alive_after"] = proc.poll() is None
            rows.append(r)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    print("| run | clients | --max-concurrent | requests | 200 | other answers | req/s (200) | p50 ms | p99 ms "
          "| RSS MB first → max → last | health after |")
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|---|---|")
    for r in rows:
        other = {k: v for k, v in r["statuses"].items() if k != "200"}  # type: ignore[union-attr]
        rss = r["rss_mb"]
        print(f"| {r['label']} | {r['clients']} | {r['limit']} | {r['requests']} | {r['ok']} | "
              f"{', '.join(f'{k}: {v}' for k, v in other.items()) or 'none'} | {r['rps_ok']} | {r['p50_ms']} | "
              f"{r['p99_ms']} | {rss[0]} → {max(rss)} → {rss[-1]} | {r['health_after']} |")  # type: ignore[index]
    print()
    print(json.dumps(rows, ensure_ascii=False))


if __name__ == "__main__":
    main()
