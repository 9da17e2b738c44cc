"""Headroom: the fits for every service of the bundled history, against a floor and for scale.

Workload:
  * ``capacity.app.headroom.headroom(forecast=False)`` over the whole bundled history (400 days at
    the services' 5-minute step: latency, CPU and USL fits with their bootstrap intervals, for every
    service of the project), best of 3 after a warm-up run (the sample source's parquet read once);
  * the same with the request-rate forecast (90 days) and the default 28-day history, as
    ``capacity headroom`` runs;
  * one USL fit of the R ``usl`` package's size (a dozen points, its own bootstrap), best of 5.
Prints the wall times, the ratio of the 400-day fit to the 5 s floor (the issue's bar: below 1),
the ratio to one small USL fit, and the recovered limits against the generator's truth.
"""

from __future__ import annotations

import time

import numpy as np

from capacity.app.headroom import headroom
from capacity.loadmodels._fit import Binned
from capacity.loadmodels.usl import fit_usl
from capacity.sample.generator import truth

FLOOR_SECONDS = 5.0
START = "2025-08-01"  # the bundled history's first day: the whole 400 days


def _best(fn, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    got = headroom(forecast=False, start=START)  # warm-up: reads the sample's parquet
    services = len(got.table)
    fit_400 = _best(lambda: headroom(forecast=False, start=START), 3)
    full = _best(lambda: headroom(), 1)
    n = np.array([1, 4, 8, 12, 16, 20, 24, 28, 32, 48, 64], dtype=float)
    x = 95 * n / (1 + 0.03 * (n - 1) + 2e-4 * n * (n - 1)) * np.exp(np.random.default_rng(1).normal(0, 0.02, len(n)))
    small = _best(lambda: fit_usl(Binned(n, x, len(n))), 5)
    print(f"services fitted: {services} ({', '.join(got.table['service'])})")
    print(
        f"headroom fits over 400 days, all services: {fit_400:.2f} s (best of 3); floor {FLOOR_SECONDS:.0f} s: "
        f"ratio {fit_400 / FLOOR_SECONDS:.2f} (below 1 = within the bar)"
    )
    print(f"capacity headroom as run (28 d fits + 90 d request-rate forecast): {full:.2f} s")
    print(
        f"one USL fit of {len(n)} points (R usl size, 200 bootstrap refits): {small * 1000:.0f} ms; "
        f"the 400-day headroom is {fit_400 / small:.0f}x that"
    )
    t = truth()
    row = got.table.iloc[0]
    print(
        f"recovered vs the generator's truth (400 d): latency SLO max rate {row['latency_max_rate']:.1f} req/s "
        f"vs {t.latency_max_rate:.1f} ({row['latency_max_rate'] / t.latency_max_rate - 1:+.1%}), "
        f"CPU range max rate {row['cpu_max_rate']:.1f} vs {t.cpu_max_rate:.1f} "
        f"({row['cpu_max_rate'] / t.cpu_max_rate - 1:+.1%})"
    )
