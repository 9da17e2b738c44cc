"""Generator of the raw exporter series of the bundled Artisan Platform history.

Every series is a float64 array over the 613,440 minutes of the span plus a
``present`` mask (False = no sample: scrape gap or target down). Each
component draws from its own seeded numpy Generator, so the output depends
only on the seed and the numpy version. Gauges are rounded to the resolution
an exporter reports (bytes, milliseconds, cents of a CPU second) so that
last-bit differences of libm between machines cannot leak into the data.

Latency and CPU follow a documented queueing model with a known capacity, so
a fitted headroom model can be checked against the generator's truth
(:func:`truth`):

- ``rate`` is the request rate (requests/s, all replicas) the API's handlers
  see: business-hour shape x traffic growth x smooth noise. The catalog's
  ``request_rate`` measures it up to Poisson counting noise and the uploads
  (well under 1 request/s).
- The API runs :data:`API_REPLICAS` replicas (the runbook scales the backend
  deployment to 3) sharing the load evenly. Each replica is a single queue
  whose response times scale as an M/M/1 queue's do: every quantile of the
  response time is the unloaded one divided by ``1 - rho``, with utilisation
  ``rho = (rate / API_REPLICAS) / REPLICA_CAPACITY`` (clipped at
  :data:`RHO_MAX`). The response time of a minute is lognormal with sigma
  :data:`LATENCY_SIGMA` and median ``LATENCY_MEDIAN0 / (1 - rho)``, so its p95
  is ``LATENCY_MEDIAN0 * exp(1.6448536 * LATENCY_SIGMA) / (1 - rho)``; the
  latency incidents override the median (and sigma) for their minutes.
- CPU follows the utilisation law: busy share of the node's 2 cores =
  ``CPU_FLOOR + CPU_PER_REQUEST * rate`` plus smooth noise (the cpu_saturation
  incident overrides it).

At the last month's business-hour peaks (about 206 requests/s without the noise)
rho is about 0.46 (p95 about 0.27 s) and CPU about 0.63: CPU leaves the runbook's
30-60% range first (at about 187 requests/s), latency would reach the runbook's
0.5 s p95 only at about 319 requests/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from . import events as ev

SEED = 20250801
GiB = float(2**30)
TiB = float(2**40)
LE = ("0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf")
QUARTER_DAYS = 365.25 / 4

#: growth rates the history is built with (per day, continuous)
USER_GROWTH = np.log(1.65) / QUARTER_DAYS  # +65% a quarter (plan: +50%)
DB_GROWTH = np.log(1.60) / 365.0  # +60% a year (plan: +100%)
STORAGE_GROWTH = np.log(1.09) / (365.25 / 12)  # +9% a month
TRAFFIC_GROWTH = np.log(1.80) / 365.0
CONNECTIONS_GROWTH = np.log(1.40) / QUARTER_DAYS
#: mean size of an uploaded file (a compressed product photo): with storage growing ~100 GiB a month
#: this is some 10-40 uploads a minute, so one failed upload is not a 10% failure ratio
UPLOAD_BYTES = float(2**18)
UPLOAD_FAILURE_BASELINE = 0.003
#: the API (see the module docstring): API_REPLICAS replicas, each an M/M/1-like queue serving at most
#: REPLICA_CAPACITY requests/s; chosen so that the last month's business-hour peaks (about 206 requests/s
#: without the noise, daily maxima about 227 with it) run at rho about 0.46 (0.50)
API_REPLICAS = 3
REPLICA_CAPACITY = 150.0  # requests/s per replica: 450 requests/s in all
#: unloaded response time: lognormal, median LATENCY_MEDIAN0 s (p95 0.146 s), every quantile / (1 - rho) under load
LATENCY_MEDIAN0 = 0.05
LATENCY_SIGMA = 0.65
RHO_MAX = 0.97  # rho is clipped here so that nothing explodes (the sample never comes near it)
#: the runbook's latency objective (p95 under 0.5 s) and upper bound of CPU's normal operating range (30-60%)
P95_TARGET = 0.5
CPU_UPPER = 0.60
#: CPU of the node (2 cores), by the utilisation law: a floor (background workers, Prometheus, nightly jobs)
#: plus CPU_PER_REQUEST per request/s (2.88 ms of CPU per request, over 2 cores); with traffic growth the
#: business-hour peaks leave the runbook's 30-60% range in 2026 (about 0.63 at the end of the span)
CPU_CORES = 2
CPU_FLOOR = 0.33
CPU_PER_REQUEST = 0.00288 / CPU_CORES
#: slow statements (> 5 s): a stray one a day or so, plus short bursts (lock waits, a cold plan cache)
#: about once a month in business hours, each a few minutes long
SLOW_BACKGROUND_PER_MIN = 0.001
SLOW_BURSTS_PER_DAY = 1.2 / 30.0


_Z95 = NormalDist().inv_cdf(0.95)  # 1.6448536...


@dataclass(frozen=True)
class Truth:
    """What the generator's latency and CPU are built from, and the capacity that follows.

    Rates are requests/s over all replicas (what the catalog's ``request_rate`` measures).
    """

    replicas: int
    replica_capacity: float  # requests/s one replica serves at rho = 1
    latency_median0: float  # s, unloaded median response time
    latency_sigma: float  # lognormal sigma of the response time
    rho_max: float  # rho is clipped here
    p95_target: float  # s, the runbook's p95 objective
    latency_max_rate: float  # requests/s at which the true p95 equals p95_target
    cpu_floor: float  # busy share of the node's cores with no requests
    cpu_per_request: float  # busy share per request/s
    cpu_upper: float  # upper bound of the runbook's CPU range
    cpu_max_rate: float  # requests/s at which the CPU reaches cpu_upper

    @property
    def capacity(self) -> float:
        """Requests/s all replicas serve at rho = 1."""
        return self.replicas * self.replica_capacity

    @property
    def max_rate(self) -> float:
        """The binding limit: the lower of latency_max_rate and cpu_max_rate."""
        return min(self.latency_max_rate, self.cpu_max_rate)

    def rho(self, rate: float | np.ndarray) -> float | np.ndarray:
        """Utilisation of each replica at request rate ``rate`` (clipped at rho_max as the generator does)."""
        return np.clip(np.asarray(rate, dtype=float) / self.capacity, 0.0, self.rho_max)

    def latency_quantile(self, q: float, rate: float | np.ndarray) -> float | np.ndarray:
        """The true ``q`` quantile of the response time (s) at ``rate``, outside incidents."""
        z = NormalDist().inv_cdf(q)
        return self.latency_median0 * math.exp(z * self.latency_sigma) / (1.0 - self.rho(rate))

    def p95(self, rate: float | np.ndarray) -> float | np.ndarray:
        return self.latency_quantile(0.95, rate)

    def cpu(self, rate: float | np.ndarray) -> float | np.ndarray:
        """The CPU utilisation at ``rate`` without noise, outside incidents."""
        return self.cpu_floor + self.cpu_per_request * np.asarray(rate, dtype=float)


def truth() -> Truth:
    """The generator's latency and CPU model and the capacity it implies (see the module docstring).

    ``latency_max_rate``: the rate at which the true p95 is ``P95_TARGET``:
    ``rho* = 1 - LATENCY_MEDIAN0 * exp(1.6448536 * LATENCY_SIGMA) / P95_TARGET``, times
    ``REPLICA_CAPACITY * API_REPLICAS``; ``cpu_max_rate``: ``(CPU_UPPER - CPU_FLOOR) / CPU_PER_REQUEST``.
    """
    rho_star = 1.0 - LATENCY_MEDIAN0 * math.exp(_Z95 * LATENCY_SIGMA) / P95_TARGET
    return Truth(
        replicas=API_REPLICAS,
        replica_capacity=REPLICA_CAPACITY,
        latency_median0=LATENCY_MEDIAN0,
        latency_sigma=LATENCY_SIGMA,
        rho_max=RHO_MAX,
        p95_target=P95_TARGET,
        latency_max_rate=rho_star * REPLICA_CAPACITY * API_REPLICAS,
        cpu_floor=CPU_FLOOR,
        cpu_per_request=CPU_PER_REQUEST,
        cpu_upper=CPU_UPPER,
        cpu_max_rate=(CPU_UPPER - CPU_FLOOR) / CPU_PER_REQUEST,
    )


@dataclass
class Raw:
    """One raw series: metric name, labels (without __name__), kind, values, present mask."""

    name: str
    labels: dict[str, str]
    kind: str
    values: np.ndarray
    present: np.ndarray


@dataclass
class Base:
    """Shared time features of the span."""

    n: int
    day: np.ndarray  # days since START (float)
    load: np.ndarray  # 0..1 activity shape: business hours, weekends (local time)
    weight: np.ndarray  # load-shaped weights with mean 1 over each UTC day
    traffic: np.ndarray  # traffic growth factor (1 at START)
    gaps: np.ndarray  # Prometheus itself down


def _rng(component: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([SEED, component]))


def _sig(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _ar1(rng: np.random.Generator, n: int, sd: float, phi: float = 0.98) -> np.ndarray:
    """Smooth noise: AR(1) with stationary standard deviation ``sd``."""
    from scipy.signal import lfilter  # imported here: scipy.signal takes ~2 s to import

    e = rng.normal(0.0, sd * np.sqrt(1 - phi * phi), n)
    return lfilter([1.0], [1.0, -phi], e)


def base() -> Base:
    n = ev.MINUTES
    ts = pd.date_range(ev.START, periods=n, freq="min")
    local = ts.tz_convert(ev.TIMEZONE)
    hour = local.hour.to_numpy() + local.minute.to_numpy() / 60.0
    weekend = local.day_of_week.to_numpy() >= 5
    shape = (
        0.10
        + 0.90 * _sig((hour - 8.3) / 0.7) * _sig((18.7 - hour) / 0.9)
        + 0.12 * np.exp(-(((hour - 21.0) / 1.5) ** 2))
    )
    load = np.round(shape * np.where(weekend, 0.45, 1.0), 6)
    day = np.arange(n) / 1440.0
    raw_w = 0.25 + load
    daily = raw_w.reshape(-1, 1440).mean(axis=1)
    weight = raw_w / np.repeat(daily, 1440)
    gaps = np.zeros(n, dtype=bool)
    for start, minutes in ev.GLOBAL_GAPS:
        gaps |= ev.span_mask(start, minutes)
    return Base(n, day, load, weight, np.round(np.exp(TRAFFIC_GROWTH * day), 9), gaps)


def counter(inc: np.ndarray, resets: np.ndarray, offset: float = 0.0, decimals: int | None = None) -> np.ndarray:
    """Counter values from per-minute increments; at a reset minute the count restarts from that minute's increment."""
    c = np.cumsum(inc, dtype=np.float64)
    starts = np.flatnonzero(resets)
    starts = starts[starts > 0]
    seg = np.zeros(len(inc), dtype=np.int64)
    seg[starts] = 1
    seg = np.cumsum(seg)
    base_ = np.concatenate([[-offset], c[starts - 1]])
    out = c - base_[seg]
    return np.round(out, decimals) if decimals is not None else out


def _steps(pairs: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    out = np.zeros(n)
    for when, value in pairs:
        out[max(ev.minute_index(when), 0) :] = value
    return out


def _mask(name: str, b: Base) -> np.ndarray:
    return ev.window_mask(name, b.n)


def _target_gap(job: str, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    for j, start, minutes in ev.TARGET_GAPS:
        if j == job:
            out |= ev.span_mask(start, minutes, n)
    return out


def _at(times: tuple[str, ...], n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[[ev.minute_index(t) for t in times]] = True
    return out


# --------------------------------------------------------------------------- components


def application(b: Base) -> tuple[list[Raw], dict[str, np.ndarray]]:
    """http_requests_total, the request-duration histogram, business counters and gauges, up{job="artisan-api"}."""
    from scipy.special import ndtr

    rng = _rng(1)
    n = b.n
    down = _mask("outage", b)
    present = ~(b.gaps | down)
    restarts = ev.api_restarts(n)
    alive = (~down).astype(float)
    rate = 100.0 * b.traffic * (0.04 + b.load) * np.exp(_ar1(rng, n, 0.06)) * alive  # requests/s
    err = 0.0025 + 0.001 * b.load
    err = np.where(_mask("error_spike", b), np.where(b.day < 200, 0.08, 0.12), err)
    per_min = rate * 60.0

    # business: users, posts, platform connections, uploads and storage
    users_mu = 20000.0 * USER_GROWTH * np.exp(USER_GROWTH * b.day) / 1440.0 * b.weight * alive
    regs = rng.poisson(users_mu).astype(float)
    users = 20000.0 + np.cumsum(regs)
    posts = rng.poisson(0.05 * users / 1440.0 * b.weight * alive).astype(float)
    conns = np.round(5200.0 * np.exp(CONNECTIONS_GROWTH * b.day) + rng.normal(0, 4.0, n))
    s0 = 1.2 * TiB
    upload_mu = s0 * STORAGE_GROWTH * np.exp(STORAGE_GROWTH * b.day) / 1440.0 * b.weight * alive / UPLOAD_BYTES
    ok = rng.poisson(upload_mu).astype(float)
    fail_share = np.full(n, UPLOAD_FAILURE_BASELINE)  # S3 PUT retries exhausted now and then: a fraction of a percent
    fail_share[_mask("upload_failures", b)] = np.where(b.day[_mask("upload_failures", b)] < 300, 0.15, 0.25)
    failed = rng.poisson(upload_mu * fail_share / (1 - fail_share)).astype(float)
    stored = s0 + np.cumsum(np.round(ok * UPLOAD_BYTES * rng.lognormal(0.0, 0.15, n)))
    quota = _steps(tuple((w, q * TiB) for w, q in ev.STORAGE_QUOTA_TIB), n)

    series = [  # handler, method, status, share of traffic (None = uploads)
        ("/api", "GET", "2xx", 0.74 * (1 - err - 0.02)),
        ("/api", "GET", "4xx", 0.74 * 0.02),
        ("/api", "GET", "5xx", 0.74 * err),
        ("/api", "POST", "2xx", 0.26 * (1 - err)),
        ("/api", "POST", "5xx", 0.26 * err),
        ("/upload", "POST", "2xx", None),
    ]
    out: list[Raw] = []
    total = np.zeros(n)
    for handler, method, status, share in series:
        inc = ok if share is None else rng.poisson(per_min * share).astype(float)
        total += inc
        out.append(
            Raw(
                "http_requests_total",
                {"handler": handler, "method": method, "status": status},
                "counter",
                counter(inc, restarts),
                present,
            )
        )

    # latency: lognormal per minute, every quantile the unloaded one / (1 - rho) (see the module docstring),
    # counted into the buckets by sequential binomials
    rho = np.minimum(rate / API_REPLICAS / REPLICA_CAPACITY, RHO_MAX)
    median = LATENCY_MEDIAN0 / (1.0 - rho)
    sigma = np.full(n, LATENCY_SIGMA)
    median[_mask("latency_regression", b)] = 0.22
    severe = _mask("latency_severe", b)
    median[severe], sigma[severe] = 1.9, 0.5
    count = total.astype(np.int64)
    remaining, cum, prev = count.copy(), np.zeros(n, dtype=np.int64), np.zeros(n)
    for le in LE[:-1]:
        f = ndtr((np.log(float(le)) - np.log(median)) / sigma)
        p = np.clip(np.where(prev < 1, (f - prev) / np.maximum(1 - prev, 1e-12), 1.0), 0.0, 1.0)
        c = rng.binomial(remaining, p)
        cum += c
        remaining -= c
        prev = f
        out.append(
            Raw(
                "http_request_duration_seconds_bucket",
                {"le": le},
                "histogram",
                counter(cum.astype(float), restarts),
                present,
            )
        )
    out.append(
        Raw("http_request_duration_seconds_bucket", {"le": "+Inf"}, "histogram", counter(total, restarts), present)
    )
    dur = np.round(total * median * np.exp(sigma**2 / 2) * np.exp(rng.normal(0, 0.02, n)), 3)
    out.append(Raw("http_request_duration_seconds_sum", {}, "histogram", counter(dur, restarts, decimals=3), present))
    out.append(Raw("http_request_duration_seconds_count", {}, "histogram", counter(total, restarts), present))

    out.append(Raw("up", {"job": "artisan-api"}, "gauge", (~down).astype(float), ~b.gaps))
    out += [
        Raw("artisan_user_registrations_total", {}, "counter", counter(regs, restarts), present),
        Raw("artisan_posts_created_total", {}, "counter", counter(posts, restarts), present),
        Raw("artisan_users_total", {}, "gauge", users, present),
        Raw("artisan_platform_connections", {}, "gauge", conns, present),
        Raw("artisan_file_storage_bytes", {}, "gauge", stored, present),
        Raw("artisan_file_storage_quota_bytes", {}, "gauge", quota, present),
        Raw("artisan_file_uploads_total", {"result": "success"}, "counter", counter(ok, restarts), present),
        Raw("artisan_file_uploads_total", {"result": "failure"}, "counter", counter(failed, restarts), present),
    ]
    shared = {"rate": rate, "upload_bytes": np.diff(stored, prepend=s0), "users": users}
    return out, shared


def node(b: Base, shared: dict[str, np.ndarray], db_size: np.ndarray) -> list[Raw]:
    """node_exporter: CPU, memory, filesystems, network; one node, rebooted once."""
    rng = _rng(2)
    n = b.n
    gap = _target_gap("node-exporter", n)
    present = ~(b.gaps | gap)
    reboot = _at((ev.NODE_REBOOT,), n)
    util = CPU_FLOOR + CPU_PER_REQUEST * shared["rate"] + _ar1(rng, n, 0.02)  # the utilisation law
    cpu_hot = _mask("cpu_saturation", b)
    util[cpu_hot] = 0.88 + rng.normal(0, 0.015, int(cpu_hot.sum()))
    out: list[Raw] = []
    for cpu, offset in (("0", 1.9e6), ("1", 1.8e6)):
        u = np.clip(util + rng.normal(0, 0.02, n), 0.01, 0.99)
        idle = np.round(60.0 * (1 - u), 2)
        out.append(
            Raw(
                "node_cpu_seconds_total",
                {"cpu": cpu, "mode": "idle"},
                "counter",
                counter(idle, reboot, offset, 2),
                present,
            )
        )
        out.append(
            Raw(
                "node_cpu_seconds_total",
                {"cpu": cpu, "mode": "user"},
                "counter",
                counter(60.0 - idle, reboot, offset / 3, 2),
                present,
            )
        )

    total = 64 * GiB
    since = np.arange(n) - np.maximum.accumulate(np.where(ev.api_restarts(n), np.arange(n), 0))
    used = (
        0.40
        + 0.16 * b.load
        + 0.04 * b.day / b.day[-1]
        + np.minimum(0.05 * since / (7 * 1440), 0.06)
        + _ar1(rng, n, 0.01)
    )
    leak = _mask("memory_pressure", b)
    k = np.arange(int(leak.sum()))
    used[leak] = np.maximum(used[leak], np.minimum(0.70 + 0.25 * k / 15.0, 0.945)) + rng.normal(0, 0.003, len(k))
    avail = np.round(total * (1 - np.clip(used, 0.05, 0.99)) / 4096) * 4096
    out.append(Raw("node_memory_MemAvailable_bytes", {}, "gauge", avail, present))
    out.append(Raw("node_memory_MemTotal_bytes", {}, "gauge", np.full(n, total), present))

    root_size, data_size = 100 * GiB, 250 * GiB
    minute_of_day = np.arange(n) % 1440
    root_used = 36 * GiB + 8 * GiB * b.day / 365 + 3 * GiB * minute_of_day / 1440
    burst = _mask("disk_filling", b)
    k = np.arange(int(burst.sum()))
    root_used[burst] += 46 * GiB * np.minimum(k / 360.0, 1.0)
    wal = 1 * GiB + 1 * GiB * (np.arange(n) % 30) / 30
    data_used = db_size + 6 * GiB + wal
    for mount, device, size, used_b in (
        ("/", "/dev/nvme0n1p1", root_size, root_used),
        ("/var/lib/postgresql", "/dev/nvme1n1", data_size, data_used),
    ):
        lbl = {"device": device, "fstype": "ext4", "mountpoint": mount}
        out.append(Raw("node_filesystem_avail_bytes", lbl, "gauge", np.round((size - used_b) / 4096) * 4096, present))
        out.append(Raw("node_filesystem_size_bytes", lbl, "gauge", np.full(n, size), present))

    traffic = shared["rate"] / 100.0
    rx = np.round(60 * 1.8e6 * traffic * np.exp(rng.normal(0, 0.05, n)) + shared["upload_bytes"])
    tx = np.round(60 * 5.5e6 * traffic * np.exp(rng.normal(0, 0.05, n)))
    out.append(
        Raw("node_network_receive_bytes_total", {"device": "eth0"}, "counter", counter(rx, reboot, 7.3e11), present)
    )
    out.append(
        Raw("node_network_transmit_bytes_total", {"device": "eth0"}, "counter", counter(tx, reboot, 2.1e12), present)
    )
    out.append(Raw("up", {"job": "node-exporter"}, "gauge", (~gap).astype(float), ~b.gaps))
    return out


def db_size_bytes(b: Base) -> np.ndarray:
    vacuum = 1 + 0.002 * np.sin(2 * np.pi * b.day / 7)
    return np.round(120 * GiB * np.exp(DB_GROWTH * b.day) * vacuum / 8192) * 8192


def postgres(b: Base, shared: dict[str, np.ndarray], size: np.ndarray) -> list[Raw]:
    rng = _rng(3)
    n = b.n
    gap = _target_gap("postgres-exporter", n)
    present = ~(b.gaps | gap)
    pileup = _mask("slow_queries", b) | _mask("latency_severe", b)
    active = np.maximum(np.round(3 + 22 * b.load * b.traffic + rng.normal(0, 1.5, n)) + 60 * pileup, 1)
    idle = np.maximum(np.round(30 + 55 * b.load * b.traffic + rng.normal(0, 2.0, n)), 0)
    lbl = {"datname": "artisan"}
    calls = np.round(shared["rate"] * 60 * 2.2 * np.exp(rng.normal(0, 0.02, n)))
    mean_q = 0.0032 + 0.0025 * b.load + 0.006 * _mask("latency_regression", b) + 0.35 * pileup
    seconds = np.round(calls * mean_q * np.exp(rng.normal(0, 0.05, n)), 3)
    resets = _at(ev.PG_STATS_RESETS, n)
    slow = slow_queries(b, _rng(6))
    lag = 0.05 + 0.2 * b.load + rng.exponential(0.1, n)
    hot = _mask("replication_lag", b)
    k = np.arange(int(hot.sum()))
    lag[hot] += 180.0 * np.sin(np.pi * (k + 0.5) / len(k))
    return [
        Raw("pg_stat_activity_count", {**lbl, "state": "active"}, "gauge", active, present),
        Raw("pg_stat_activity_count", {**lbl, "state": "idle"}, "gauge", idle, present),
        Raw("pg_settings_max_connections", {}, "gauge", _steps(ev.MAX_CONNECTIONS, n), present),
        Raw("pg_stat_statements_calls_total", lbl, "counter", counter(calls, resets, 8.1e8), present),
        Raw("pg_stat_statements_seconds_total", lbl, "counter", counter(seconds, resets, 3.3e6, 3), present),
        Raw("pg_slow_queries_total", lbl, "counter", counter(slow, np.zeros(n, bool), 1520), present),
        Raw("pg_replication_lag_seconds", {"replica": "postgres-replica-0"}, "gauge", np.round(lag, 3), present),
        Raw("pg_database_size_bytes", lbl, "gauge", size, present),
        Raw("pg_up", {}, "gauge", np.ones(n), present),
        Raw("up", {"job": "postgres-exporter"}, "gauge", (~gap).astype(float), ~b.gaps),
    ]


def slow_queries(b: Base, rng: np.random.Generator) -> np.ndarray:
    """Statements over 5 s per minute: rare strays, a few short bursts a month (weighted to busy
    minutes), the incidents."""
    n = b.n
    mu = SLOW_BACKGROUND_PER_MIN * (0.3 + b.load) + 30.0 * _mask("slow_queries", b)
    bursts = int(rng.poisson(SLOW_BURSTS_PER_DAY * n / 1440.0))
    starts = rng.choice(n, size=bursts, p=b.load / b.load.sum())
    lengths = rng.integers(1, 13, size=bursts)  # minutes
    rates = rng.uniform(0.5, 4.0, size=bursts)  # slow statements per minute
    for s, k, r in zip(starts, lengths, rates, strict=False):
        mu[s : s + k] += r
    return rng.poisson(mu).astype(float)


def redis(b: Base, shared: dict[str, np.ndarray]) -> list[Raw]:
    rng = _rng(4)
    n = b.n
    gap = _target_gap("redis-exporter", n)
    present = ~(b.gaps | gap)
    restarts = _at(ev.REDIS_RESTARTS, n)
    lookups = rng.poisson(shared["rate"] * 60 * 3.2)
    miss = np.clip(0.045 + 0.02 * (1 - b.load) + _ar1(rng, n, 0.005), 0.005, 0.99)
    warm = np.ones(n)
    for r in np.flatnonzero(restarts):
        k = np.arange(min(240, int(n - r)))
        miss[r : r + len(k)] = np.where(
            k < 20, 0.85, np.maximum(0.06 + 0.79 * np.exp(-(k - 20) / 10.0), miss[r : r + len(k)])
        )
        warm[r : r + len(k)] = 0.1 + 0.9 * (1 - np.exp(-k / 45.0))
    misses = rng.binomial(lookups, miss).astype(float)
    hits = lookups - misses
    mem = (0.6 * GiB + 0.000013 * GiB * shared["users"] + 0.25 * GiB * b.load) * warm
    clients = np.maximum(np.round(12 + 50 * b.load * b.traffic + rng.normal(0, 2.0, n)), 1)
    return [
        Raw("redis_keyspace_hits_total", {}, "counter", counter(hits, restarts, 4.4e9), present),
        Raw("redis_keyspace_misses_total", {}, "counter", counter(misses, restarts, 2.1e8), present),
        Raw("redis_memory_used_bytes", {}, "gauge", np.round(mem), present),
        Raw("redis_memory_max_bytes", {}, "gauge", np.full(n, 8 * GiB), present),
        Raw("redis_connected_clients", {}, "gauge", clients, present),
        Raw("up", {"job": "redis-exporter"}, "gauge", (~gap).astype(float), ~b.gaps),
    ]


def operations(b: Base) -> list[Raw]:
    """kube-state-metrics backup jobs and cert-manager certificate expiry."""
    n = b.n
    present = ~b.gaps
    out = []
    hours = {"postgres-backup": 2, "redis-backup": 3}
    for job, hour in hours.items():
        v = np.zeros(n)
        for j, day in ev.BACKUP_FAILURES:
            if j == job:
                t0 = pd.Timestamp(day, tz="UTC") + pd.Timedelta(hours=hour, minutes=20)  # the run fails 20 minutes in
                v[ev.minute_index(t0) : ev.minute_index(t0 + pd.Timedelta(hours=23, minutes=40))] = 1.0
        out.append(
            Raw("kube_job_status_failed", {"namespace": "artisan-platform", "job_name": job}, "gauge", v, present)
        )
    expiry = np.zeros(n)
    late = pd.Timestamp(ev.TLS_LATE_EXPIRY, tz="UTC")
    issued = late - pd.Timedelta(days=90)
    chain = []  # (renewed at, new expiry) going back 60 days at a time
    t = issued
    while t > ev.START - pd.Timedelta(days=60):
        chain.append((t, t + pd.Timedelta(days=90)))
        t -= pd.Timedelta(days=60)
    renewal = pd.Timestamp(ev.TLS_LATE_RENEWAL, tz="UTC")
    chain.append((renewal, renewal + pd.Timedelta(days=90)))
    for at, exp in sorted(chain):
        expiry[max(ev.minute_index(at), 0) :] = exp.timestamp()
    out.append(
        Raw(
            "certmanager_certificate_expiration_timestamp_seconds",
            {"name": "artisan-platform-tls", "namespace": "artisan-platform"},
            "gauge",
            expiry,
            present,
        )
    )
    return out


def generate() -> list[Raw]:
    """All raw series of the span (unsorted)."""
    b = base()
    app, shared = application(b)
    size = db_size_bytes(b)
    return app + node(b, shared, size) + postgres(b, shared, size) + redis(b, shared) + operations(b)
