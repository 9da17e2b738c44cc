"""Pull benchmark on a real local Prometheus holding 90 days at 1-minute resolution.

Every raw exporter series the catalog reads (the bundled history's 57 series)
over 90 days, one ``query_range`` per metric name, step 1m, pieces of 11,000
points. For the same series and range it times:

- floor: sequential ``curl`` of the same ``query_range`` requests (one curl
  process, keep-alive, bodies discarded: transfer only, no parsing);
- peer: prometheus-api-client's own path: the same pieces through
  ``custom_query_range``, then ``MetricRangeDataFrame``;
- capacity cold (empty cache dir) and warm (same cache dir): ``PrometheusSource.fetch_many``
  (the stream of requests ``capacity.pull`` uses), floor and cold alternating over
  5 rounds (medians); then one fetch per metric, a cold pull into a cache directory already
  holding 5,000 other pulls, and ``capacity.pull`` (one validated frame).

The TSDB is backfilled once with promtool and kept under benchmarks/.work/.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
END = pd.Timestamp("2026-10-01T00:00:00Z")
START = END - pd.Timedelta(days=90)
STEP = pd.Timedelta(minutes=1)
PIECE = 11_000


def _tsdb() -> tuple[Path, list[str]]:
    """The backfilled TSDB (made once) and the metric names it holds."""
    from capacity.sample import generator as _sample_gen
    from capacity.sample.source import metric_kinds, raw_history
    from capacity.testing.openmetrics import backfill

    stamp = hashlib.sha256(Path(_sample_gen.__file__).read_bytes() + f"{START}{END}".encode()).hexdigest()[:12]
    tsdb = WORK / f"pull-tsdb-{stamp}"
    names_file = tsdb.parent / f"{tsdb.name}.names"
    if not (tsdb / ".complete").exists():
        shutil.rmtree(tsdb, ignore_errors=True)
        t0 = time.perf_counter()
        frame, labels = raw_history(START, END + STEP)
        backfill(frame, labels, tsdb, kinds=metric_kinds())
        (tsdb / ".complete").write_text("ok\n")
        names_file.write_text("\n".join(sorted(labels["__name__"].unique())) + "\n")
        print(
            f"backfilled {len(frame):,} samples of {len(labels)} series "
            f"into {tsdb} in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
    return tsdb, names_file.read_text().split()


def _pieces() -> list[tuple[float, float]]:
    out, t = [], START
    while t <= END:
        hi = min(END, t + STEP * (PIECE - 1))
        out.append((t.timestamp(), hi.timestamp()))
        t = hi + STEP
    return out


def _server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the server process has used so far; NaN where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu(who: int) -> float:
    use = resource.getrusage(who)
    return use.ru_utime + use.ru_stime


def _floor(url: str, queries: list[str]) -> float:
    lines = []
    for q in queries:
        for lo, hi in _pieces():
            lines.append(
                f'url = "{url}/api/v1/query_range?{urlencode({"query": q, "start": lo, "end": hi, "step": "60"})}"'
            )
            lines.append('output = "/dev/null"')
    with tempfile.NamedTemporaryFile("w", suffix=".curl", delete=False) as fh:
        fh.write("\n".join(lines) + "\n")
    t0 = time.perf_counter()
    subprocess.run(["curl", "-sS", "--fail", "-K", fh.name], check=True)
    took = time.perf_counter() - t0
    Path(fh.name).unlink()
    return took


def _peer(url: str, queries: list[str]) -> tuple[float, int]:
    from prometheus_api_client import MetricRangeDataFrame, PrometheusConnect

    pc = PrometheusConnect(url)
    t0 = time.perf_counter()
    rows = 0
    for q in queries:
        data = []
        for lo, hi in _pieces():
            data += pc.custom_query_range(
                q,
                pd.Timestamp(lo, unit="s", tz="UTC").to_pydatetime(),
                pd.Timestamp(hi, unit="s", tz="UTC").to_pydatetime(),
                "60",
            )
        rows += len(MetricRangeDataFrame(data))
    return time.perf_counter() - t0, rows


def _capacity(url: str, queries: list[str], cache_dir: Path) -> tuple[float, int]:
    """capacity.pull, the public entry point (source + one validated frame of all series)."""
    import capacity
    from capacity.sources.prometheus.cache import PullCache

    t0 = time.perf_counter()
    frame = capacity.pull(queries, source=url, start=START, end=END, step="1m", cache_dir=cache_dir)
    PullCache(cache_dir).flush()  # background cache writes are part of the pull
    return time.perf_counter() - t0, len(frame)


def _source(url: str, queries: list[str], cache_dir: Path, *, many: bool = True) -> tuple[float, int]:
    """PrometheusSource.fetch_many (what capacity.pull uses), or one fetch per query:
    the pull itself, without the final concatenation."""
    from capacity.sources.prometheus.source import PrometheusSource

    t0 = time.perf_counter()
    src = PrometheusSource(url, cache_dir=cache_dir)
    if many:
        rows = sum(len(p.frame) for p in src.fetch_many([(q, START, END, STEP) for q in queries]))
    else:
        rows = sum(len(src.fetch(q, START, END, STEP).frame) for q in queries)
    src.close()  # cache writes finished: they are part of the cold pull
    return time.perf_counter() - t0, rows


def _reader() -> str:
    from capacity.sources.prometheus import _matrix

    return (
        "C reader (capacity/sources/_valuesc.c)"
        if _matrix._valuesc is not None
        else "Arrow CSV reader (the C reader is not built)"
    )


#: files already in the cache directory of the "crowded" cold pull: every store used to list them all
#: (46 ms a metric at 5,000 files; that pull took 2.9x the empty one)
CROWD = 5000


def _crowded(path: Path) -> Path:
    """A cache directory already holding ``CROWD`` small pulls (of other queries) and nothing of ours."""
    path.mkdir(parents=True)
    for i in range(CROWD):
        (path / f"{i:040x}.arrow").write_bytes(b"\0" * 1024)
    return path


ROUNDS = 5  # floor and cold pull alternate; medians are reported (the machine is shared and noisy)


def main() -> None:
    sys.path.insert(0, str(HERE.parent))
    from capacity.testing.servers import start_prometheus

    if shutil.which("curl") is None:
        raise SystemExit("bench_pull needs curl for its floor")
    tsdb, names = _tsdb()
    # raw series by name: 'name{}' is never a catalog name (a bare 'redis_memory_used_bytes' would be the catalog's sum)
    queries = [f"{n}{{}}" for n in names]
    with start_prometheus(tsdb) as srv, tempfile.TemporaryDirectory(prefix="capacity-bench-cache-") as cache:
        print(
            f"prometheus {srv.url} (pid {srv.pid}); {len(queries)} queries x {len(_pieces())} pieces, "
            f"{START:%Y-%m-%d}..{END:%Y-%m-%d} step 1m; values read by the {_reader()}",
            flush=True,
        )
        _capacity(srv.url, queries[:1], Path(cache) / "warmup")  # imports
        _floor(srv.url, queries)  # untimed: the TSDB's pages in memory for every path alike
        floors, colds, warms, cpu_floor, cpu_cold = [], [], [], [], []
        for r in range(ROUNDS):
            cpu = (_server_cpu(srv.pid), _cpu(resource.RUSAGE_CHILDREN))
            floors.append(_floor(srv.url, queries))
            cpu_floor.append((_server_cpu(srv.pid) - cpu[0], _cpu(resource.RUSAGE_CHILDREN) - cpu[1]))
            cpu = (_server_cpu(srv.pid), _cpu(resource.RUSAGE_SELF))
            cold, points = _source(srv.url, queries, Path(cache) / f"pulls{r}")
            colds.append(cold)
            cpu_cold.append((_server_cpu(srv.pid) - cpu[0], _cpu(resource.RUSAGE_SELF) - cpu[1]))
            warm, points_warm = _source(srv.url, queries, Path(cache) / f"pulls{r}")
            warms.append(warm)
            print(f"round {r + 1}: floor {floors[-1]:.2f} s, capacity cold {cold:.2f} s, warm {warm:.3f} s", flush=True)
        one_by_one, _ = _source(srv.url, queries, Path(cache) / "one-by-one", many=False)
        crowded, _ = _source(srv.url, queries, _crowded(Path(cache) / "crowded"))
        api_cold, points_api = _capacity(srv.url, queries, Path(cache) / "pulls-api")
        api_warm, _ = _capacity(srv.url, queries, Path(cache) / "pulls-api")
        peer, points_peer = _peer(srv.url, queries)
    assert points == points_warm == points_peer == points_api, (points, points_warm, points_peer, points_api)
    floor, cold, warm = (statistics.median(v) for v in (floors, colds, warms))
    k = colds.index(sorted(colds)[len(colds) // 2])
    print(f"{'path (medians of ' + str(ROUNDS) + ' rounds where repeated)':<58}{'seconds':>9}{'points/s':>14}")
    for label, secs in (
        ("floor: sequential curl (no parse)", floor),
        ("peer: prometheus-api-client + MetricRangeDataFrame", peer),
        ("capacity cold (PrometheusSource.fetch_many, empty cache)", cold),
        ("capacity warm (PrometheusSource.fetch_many, cache)", warm),
        ("capacity cold, one fetch per metric", one_by_one),
        (f"capacity cold, cache dir holding {CROWD:,} other pulls", crowded),
        ("capacity.pull cold (one validated frame)", api_cold),
        ("capacity.pull warm (one validated frame)", api_warm),
    ):
        print(f"{label:<58}{secs:>9.3f}{points / secs:>14,.0f}")
    print(f"points: {points:,}")
    print(
        f"CPU seconds, server + client: floor {cpu_floor[k][0]:.2f} + {cpu_floor[k][1]:.2f} (curl); "
        f"capacity cold {cpu_cold[k][0]:.2f} + {cpu_cold[k][1]:.2f} "
        f"(this process) on {os.cpu_count()} cores (median round)"
    )
    print(
        f"cold vs floor: {floor / cold:.2f}x the floor's speed (target >= 1); rounds: "
        + ", ".join(f"{f / c:.2f}x" for f, c in zip(floors, colds, strict=False))
    )
    print(f"cold vs peer:  {peer / cold:.2f}x faster (target >= 2)")
    print(
        f"warm vs cold:  {cold / warm:.1f}x faster (target >= 20); rounds: "
        + ", ".join(f"{c / w:.1f}x" for c, w in zip(colds, warms, strict=False))
    )
    print(f"crowded cache: {crowded / cold:.2f}x the time into an empty one (target <= 1.2)")
    print(
        f"capacity.pull: cold {floor / api_cold:.2f}x the floor, {peer / api_cold:.2f}x the peer; "
        f"warm {api_cold / api_warm:.1f}x faster than cold"
    )


if __name__ == "__main__":
    main()
