"""The HTTP service under load, on loopback: ``explain`` of the pi2017 examples at 1, 8 and
32 concurrent clients (requests per second, p50 and p99 latency), a 10,000-line ``run``,
and the server's memory under sustained load.

The service runs as ``ruleengine serve`` in a process of its own on 127.0.0.1 (a free port);
the clients are asyncio tasks on one httpx connection pool each, in this process, so on a
2-core machine clients and server share the cores. Every request loop is bounded in count
and time; the server is stopped at the end.

    python bench/bench_server.py [--requests 400] [--soak 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "examples" / "pi2017").glob("*.json"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "ruleengine"), "serve", "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/rulebooks", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    sys.exit("the server did not start within 60 s")


def bodies() -> list[bytes]:
    """Each example as a case file (its facts and date; no 'expect')."""
    out = []
    for path in CASES:
        data = json.loads(path.read_text())
        case = {"facts": data["facts"]} | ({"as_of": data["as_of"]} if "as_of" in data else {})
        out.append(json.dumps(case).encode())
    return out


async def load(url: str, clients: int, total: int, budget: float) -> dict:
    """``total`` explain requests from ``clients`` concurrent clients (stopping at
    ``budget`` seconds); each must answer 200."""
    cases = bodies()
    latencies: list[float] = []
    sent = 0
    deadline = time.monotonic() + budget

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal sent
        while sent < total and time.monotonic() < deadline:
            body = cases[sent % len(cases)]
            sent += 1
            t0 = time.perf_counter()
            r = await http.post(f"{url}/rulebooks/pi2017/explain", content=body)
            latencies.append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise SystemExit(f"explain answered {r.status_code}: {r.text[:200]}")

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=120) as http:
        t0 = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "clients": clients,
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
    }


def batch(url: str, lines: int) -> dict:
    """One ``run`` of ``lines`` cases (the examples in turn), read as it streams."""
    cases = [json.dumps(json.loads(b)) for b in bodies()]
    body = "\n".join(cases[i % len(cases)] for i in range(lines)).encode() + b"\n"
    first = None
    answered = errors = 0
    t0 = time.perf_counter()
    with httpx.stream("POST", f"{url}/rulebooks/pi2017/run", content=body, timeout=600) as r:
        for line in r.iter_lines():
            if not line:
                continue
            if first is None:
                first = time.perf_counter() - t0
            answered += 1
            errors += "error" in json.loads(line)
    elapsed = time.perf_counter() - t0
    return {
        "lines": lines,
        "answered": answered,
        "errors": errors,
        "seconds": elapsed,
        "lines_per_second": answered / elapsed,
        "first_line_ms": 1000 * (first or 0),
        "body_bytes": len(body),
    }


def line_cpu(lines: int = 2000, rounds: int = 3) -> dict:
    """CPU time of deciding one ``/run`` line in this process (no HTTP), as the service does
    (``service.run_line``: ``decide_chunk`` of one line, by the per-case path) and by the
    columnar path ``ruleengine run`` takes for a chunk, interleaved; ms per line, each
    round's, so the load of a shared machine touches both alike."""
    from ruleengine.batch.running import decide_auto
    from ruleengine.server import service
    from ruleengine.server.library import load_library

    library = load_library()
    book = library.books["pi2017"].book
    served = service.batch_context(book, library.pm, "pi2017")
    columnar = service.batch_context(book, library.pm, "pi2017")
    columnar.decide = decide_auto
    cases = [b.decode() for b in bodies()]
    out: dict[str, list[float]] = {"per-case path (served)": [], "columnar path": []}
    for _ in range(rounds):
        for name, context in (("per-case path (served)", served), ("columnar path", columnar)):
            t0 = time.process_time()
            for n in range(lines):
                service.run_line(context, n + 1, cases[n % len(cases)], None)
            out[name].append(1000 * (time.process_time() - t0) / lines)
    return out


async def soak(url: str, pid: int, seconds: float, clients: int) -> list[tuple[float, int]]:
    """Explain at ``clients`` concurrent clients for ``seconds``; the server's RSS sampled
    every second."""
    samples: list[tuple[float, int]] = []
    stop = time.monotonic() + seconds

    async def sample() -> None:
        t0 = time.monotonic()
        while time.monotonic() < stop:
            samples.append((time.monotonic() - t0, rss_kib(pid)))
            await asyncio.sleep(1)

    await asyncio.gather(sample(), load(url, clients, 10**9, seconds))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="explain requests per level")
    parser.add_argument("--lines", type=int, default=10_000, help="lines of the run")
    parser.add_argument("--soak", type=float, default=30, help="seconds of sustained load")
    args = parser.parse_args()
    print("CPU of one /run line in process, ms (rounds):")
    for name, ms in line_cpu().items():
        print(f"  {name}: " + ", ".join(f"{x:.3f}" for x in ms))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start(port)
    try:
        print(f"server pid {server.pid}, RSS at start {rss_kib(server.pid) / 1024:.1f} MiB")
        asyncio.run(load(url, 4, 40, 60))  # warm up
        print(f"\nexplain, pi2017 examples ({len(CASES)} in turn), {args.requests} requests:")
        print("| clients | requests | req/s | p50 ms | p99 ms |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        for clients in (1, 8, 32):
            r = asyncio.run(load(url, clients, args.requests, 120))
            print(
                f"| {r['clients']} | {r['requests']} | {r['per_second']:.0f} | "
                f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} |"
            )
        r = batch(url, args.lines)
        print(
            f"\nrun: {r['lines']:,} lines ({r['body_bytes'] / 1e6:.1f} MB): {r['answered']:,} "
            f"answered, {r['errors']} errors, {r['seconds']:.1f} s, "
            f"{r['lines_per_second']:.0f} lines/s, first line after {r['first_line_ms']:.0f} ms"
        )
        print(f"RSS after the run {rss_kib(server.pid) / 1024:.1f} MiB")
        samples = asyncio.run(soak(url, server.pid, args.soak, 8))
        mib = [kib / 1024 for _, kib in samples]
        third = max(1, len(mib) // 3)
        print(
            f"\nsustained explain at 8 clients for {args.soak:.0f} s: RSS (MiB) first third "
            f"{statistics.mean(mib[:third]):.1f}, last third {statistics.mean(mib[-third:]):.1f}, "
            f"min {min(mib):.1f}, max {max(mib):.1f}"
        )
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        if os.environ.get("BENCH_SERVER_LOG"):
            print(server.stderr.read())


if __name__ == "__main__":
    main()
