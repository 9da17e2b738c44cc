"""A service with a known redline on loopback, and an open-loop load generator to drive it.

    python -m capacity.testing.redline serve --port P --metrics-port M --workers 4 --cost 0.02
    python -m capacity.testing.redline load --port P --plan "30:15,60:15,90:15"

``serve``: asyncio HTTP/1.1 (keep-alive) on 127.0.0.1:P; each request but ``/healthz`` waits for
one of ``workers`` slots, then sleeps ``cost`` s (sleep, not CPU: capacity ``workers / cost``
requests/s whatever the machine). Its time in server, from the moment it is read (waiting
included), goes into the histogram ``redline_request_duration_seconds`` (:data:`BUCKETS`) on
127.0.0.1:M/metrics. It exits by itself after ``--lifetime`` s.

``load``: per ``RATE:SECONDS`` level, ``round(RATE*SECONDS)`` arrivals at uniform random times (a
Poisson process given its count), each sent when due, answered or not (open loop), over a pool of
keep-alive connections; at most ``--max-in-flight`` outstanding (more are dropped and counted),
all within the plan plus ``--drain`` s. Shared cores stall the whole machine now and then: more
than ``--stall`` s late, the generator pauses its schedule (the level ends that much later)
rather than send a burst the service would otherwise never see. One JSON line per level on stdout
at the end (:class:`Level`). ``--nice -10`` raises either's priority where allowed.

From Python: :func:`start_redline_server`, :func:`start_redline_prometheus` (scrapes it every
second), :func:`run_load`; every process keeps its own PID and is stopped by it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .exporters import start_scraping_prometheus
from .servers import Server, ServerError, _launch, free_port

__all__ = ["BUCKETS", "METRIC", "Level", "Redline", "run_load", "start_redline_prometheus", "start_redline_server"]

METRIC = "redline_request_duration_seconds"
#: fine around the usual objectives (0.1 s among them), + Inf added by the client library
BUCKETS = (0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.075, 0.1, 0.125, 0.15, 0.2, 0.3, 0.5, 1, 2.5)
HOST = "127.0.0.1"
_REQUEST = b"GET / HTTP/1.1\r\nHost: redline\r\n\r\n"
_MAX_ARRIVALS = 2_000_000


@dataclass(frozen=True)
class Level:
    """One level of a load run, as the client saw it (times: Unix seconds)."""

    rate: float  # asked, requests/s
    seconds: float
    start: float
    end: float
    sent: int
    ok: int
    errors: int
    dropped: int  # not sent: max-in-flight reached
    achieved: float  # ok / (end - start): the level lasts longer by its stalls
    p95: float | None  # client side, from the arrival's due time to the full answer
    late_p99: float  # how late the generator sent (s), 99th percentile
    stalls: int  # times the machine stalled the generator: its schedule paused


def parse_plan(text: str) -> list[tuple[float, float]]:
    """``"30:15,60:15"`` -> ``[(30.0, 15.0), (60.0, 15.0)]`` (rate requests/s, seconds)."""
    plan: list[tuple[float, float]] = []
    for part in text.split(","):
        rate, _, secs = part.strip().partition(":")
        r, s = float(rate), float(secs)
        if not (r >= 0 and s > 0 and math.isfinite(r) and math.isfinite(s)):
            raise ValueError(f"bad plan level {part!r}: want RATE:SECONDS, RATE >= 0, SECONDS > 0")
        plan.append((r, s))
    if not plan or sum(r * s for r, s in plan) > _MAX_ARRIVALS:
        raise ValueError(f"plan {text!r} is empty or asks for more than {_MAX_ARRIVALS} requests")
    return plan


async def _serve(port: int, metrics_port: int, workers: int, cost: float, lifetime: float) -> None:
    from prometheus_client import Histogram, start_http_server

    hist = Histogram(METRIC, "Time in server of a request, waiting for a worker included.", buckets=BUCKETS)
    start_http_server(metrics_port, addr=HOST)
    slots = asyncio.Semaphore(workers)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for _ in range(10_000_000):  # keep-alive: one request after another, idle ones closed
                async with asyncio.timeout(60):
                    head = await reader.readuntil(b"\r\n\r\n")
                t0 = time.perf_counter()
                first, _, rest = head.partition(b"\r\n")
                parts = first.split(b" ")
                path, version = (parts[1], parts[2]) if len(parts) >= 3 else (b"/", b"HTTP/1.0")
                close = b"connection: close" in rest.lower() or version == b"HTTP/1.0"
                if path != b"/healthz":
                    async with slots:
                        await asyncio.sleep(cost)
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
                    + (b"Connection: close\r\n" if close else b"")
                    + b"\r\nok\n"
                )
                await writer.drain()
                if path != b"/healthz":
                    hist.observe(time.perf_counter() - t0)
                if close:
                    break
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, HOST, port, backlog=4096)
    async with server:
        await asyncio.sleep(lifetime)  # bounded: an orphaned server goes away by itself


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


async def _load(
    port: int, plan: list[tuple[float, float]], cap: int, timeout: float, drain: float, stall: float, seed: int
) -> list[Level]:
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    latencies: list[list[float]] = [[] for _ in plan]
    late: list[list[float]] = [[] for _ in plan]
    sent, dropped = [0] * len(plan), [0] * len(plan)
    in_flight = 0

    async def one(i: int, due: float) -> None:
        nonlocal in_flight
        conn = idle.pop() if idle else None
        try:
            async with asyncio.timeout(timeout):
                if conn is None:
                    conn = await asyncio.open_connection(HOST, port)
                reader, writer = conn
                writer.write(_REQUEST)
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (int(x.split(b":", 1)[1]) for x in head.lower().split(b"\r\n") if x.startswith(b"content-length:")),
                    0,
                )
                await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200 "):
                raise ValueError(f"answered {head[:40]!r}")
            latencies[i].append(loop.time() - due)
            idle.append(conn)  # the server closes only when asked to
        except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            if conn is not None:  # counted as an error: sent, not answered
                conn[1].close()
        finally:
            in_flight -= 1

    t0 = loop.time() + 0.2
    wall0 = time.time() - loop.time()
    arrivals: list[tuple[float, int]] = []
    offsets = [0.0]
    for i, (rate, secs) in enumerate(plan):
        arrivals += sorted((t0 + offsets[-1] + rng.uniform(0, secs), i) for _ in range(round(rate * secs)))
        offsets.append(offsets[-1] + secs)
    tasks: set[asyncio.Task[None]] = set()
    shift, shifts, stalls, level = 0.0, [0.0] * (len(plan) + 1), [0] * len(plan), 0
    for due, i in arrivals:
        while level < i:  # shifts[i]: the schedule's delay when level i began
            level += 1
            shifts[level] = shift
        due += shift
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if loop.time() - due > stall:  # the machine stalled: pause the schedule rather than burst
            stalls[i] += 1
            shift += loop.time() - due
            due = loop.time()
        if in_flight >= cap:
            dropped[i] += 1
            continue
        in_flight += 1
        sent[i] += 1
        late[i].append(max(0.0, loop.time() - due))
        task = asyncio.create_task(one(i, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    while level < len(plan):
        level += 1
        shifts[level] = shift
    if tasks:
        await asyncio.wait(set(tasks), timeout=drain)
    for _, writer in idle:
        writer.close()
    starts = [wall0 + t0 + offset + shifts[i] for i, offset in enumerate(offsets)]
    return [
        Level(
            rate=rate,
            seconds=secs,
            start=starts[i],
            end=starts[i + 1],
            sent=sent[i],
            ok=len(latencies[i]),
            errors=sent[i] - len(latencies[i]),  # failed, or unanswered after the drain
            dropped=dropped[i],
            achieved=len(latencies[i]) / (starts[i + 1] - starts[i]),
            p95=_quantile(latencies[i], 0.95),
            late_p99=_quantile(late[i], 0.99) or 0.0,
            stalls=stalls[i],
        )
        for i, (rate, secs) in enumerate(plan)
    ]


@dataclass
class Redline:
    """The running ``serve`` subprocess: ``server`` (its PID, log), its metrics port."""

    server: Server
    metrics_port: int
    workers: int
    cost: float

    @property
    def port(self) -> int:
        return self.server.port

    def stop(self) -> None:
        self.server.stop(timeout=10)


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "capacity.testing.redline", *args]


def start_redline_server(
    work_dir: str | os.PathLike[str], *, workers: int = 4, cost: float = 0.02, lifetime: float = 3600.0, nice: int = -10
) -> Redline:
    """``serve`` on free loopback ports, at a higher priority where allowed (``nice``); returns once
    ``/healthz`` answers (its log under ``work_dir``'s parent)."""
    data = Path(work_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    port, metrics_port = free_port(), free_port()
    cmd = _cmd("serve", f"--port={port}", f"--metrics-port={metrics_port}", f"--workers={workers}")
    cmd += [f"--cost={cost}", f"--lifetime={lifetime}", f"--nice={nice}"]
    server = _launch("redline", cmd, port, data, "/healthz", 60.0)
    return Redline(server, metrics_port, workers, cost)


def start_redline_prometheus(tsdb_dir: str | os.PathLike[str], target: Redline) -> Server:
    """A Prometheus on loopback scraping ``target``'s metrics (and itself) every second."""
    return start_scraping_prometheus(tsdb_dir, [f"{HOST}:{target.metrics_port}"], interval="1s")


def run_load(
    port: int, plan: Sequence[tuple[float, float]], *, seed: int = 0, drain: float = 15.0, nice: int = -10
) -> list[Level]:
    """Run ``load`` against ``port`` as a subprocess (its own PID, SIGKILLed by it past the plan's
    length + ``drain`` + 30 s); the levels it reports."""
    bound = sum(s for _, s in plan) + drain + 30.0
    text = ",".join(f"{r:g}:{s:g}" for r, s in plan)
    cmd = _cmd("load", f"--port={port}", f"--plan={text}", f"--seed={seed}", f"--drain={drain}", f"--nice={nice}")
    pipe = subprocess.PIPE
    proc = subprocess.Popen(cmd, stdout=pipe, stderr=pipe, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        raise ServerError(f"load generator (pid {proc.pid}) still running after {bound:.0f} s: killed") from None
    if proc.returncode != 0:
        raise ServerError(f"load generator exited with {proc.returncode}:\n{err.decode(errors='replace')[-2000:]}")
    return [Level(**json.loads(line)) for line in out.decode().splitlines() if line.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m capacity.testing.redline")
    sub = parser.add_subparsers(dest="command", required=True)
    serve, load = sub.add_parser("serve"), sub.add_parser("load")
    for command in (serve, load):
        command.add_argument("--port", type=int, required=True)
        command.add_argument("--nice", type=int, default=0, help="added to the niceness (< 0 where allowed)")
    serve.add_argument("--metrics-port", type=int, required=True)
    serve.add_argument("--workers", type=int, default=4)
    serve.add_argument("--cost", type=float, default=0.02, help="service time of a request, seconds")
    serve.add_argument("--lifetime", type=float, default=3600.0, help="exit after this many seconds")
    load.add_argument("--plan", required=True, help="RATE:SECONDS,RATE:SECONDS,...")
    load.add_argument("--max-in-flight", type=int, default=2000)
    load.add_argument("--request-timeout", type=float, default=10.0)
    load.add_argument("--drain", type=float, default=15.0, help="wait this long for answers after the plan")
    load.add_argument("--stall", type=float, default=0.02, help="late by more: pause the schedule (inf: never)")
    load.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.nice:
        with contextlib.suppress(OSError):  # a higher priority needs privileges: best effort
            os.nice(args.nice)
    if args.command == "serve":
        asyncio.run(_serve(args.port, args.metrics_port, args.workers, args.cost, args.lifetime))
        return 0
    plan = parse_plan(args.plan)
    coro = _load(args.port, plan, args.max_in_flight, args.request_timeout, args.drain, args.stall, args.seed)
    levels = asyncio.run(asyncio.wait_for(coro, sum(s for _, s in plan) + args.drain + 10))
    sys.stdout.write("".join(json.dumps(asdict(level)) + "\n" for level in levels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
