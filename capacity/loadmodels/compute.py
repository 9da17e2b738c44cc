"""A service's headroom from its aligned history: the three load models and what they say about
today's capacity. Pure: numpy arrays in, a :class:`Fitted` out; no forecast (see :mod:`.answers`).

Every answer carries a status: ``ok``, or why it is not given (``no data``: a series is missing;
``too little data``: the load did not vary enough to fit, with the range seen; ``too uncertain``:
the interval is wider than the answer is useful). Never a made-up number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core.status import NO_DATA, OK, TOO_LITTLE
from ._fit import MIN_PER_BIN, bin_by_load
from .cpu import CpuFit, fit_cpu
from .latency import LatencyFit, fit_latency
from .quantile import bucket_quantile
from .spec import Service
from .usl import USLFit, fit_usl

__all__ = ["LEVEL", "MIN_SPREAD", "NOT_SET", "Fitted", "Limit", "Series", "TOO_UNCERTAIN", "fit_service"]

TOO_UNCERTAIN = "too uncertain"
#: the service sets no such limit (``cpu_range: null``)
NOT_SET = "not set"
#: intervals are 80%, as the forecasts'
LEVEL = 0.8
#: fewest points (steps with a request rate) a service's models are fitted on: four bins' worth
MIN_POINTS = 4 * MIN_PER_BIN
#: the busiest load must be this many times the quietest (5th to 95th percentile) to fit a curve
MIN_SPREAD = 1.5
#: an answer whose interval's high end is more than this many times its low end is not given
MAX_INTERVAL_RATIO = 2.0
#: nor one more than this many times the busiest load seen (the curve is then all assumption)
MAX_EXTRAPOLATION = 3.0


@dataclass(frozen=True)
class Series:
    """A service's history on one grid (equal-length arrays; NaN = no sample)."""

    throughput: np.ndarray
    replicas: np.ndarray
    bounds: np.ndarray | None = None  # the histogram's le bounds (ascending, last +Inf)
    buckets: np.ndarray | None = None  # cumulative bucket rates, (points, len(bounds))
    latency_mean: np.ndarray | None = None
    concurrency: np.ndarray | None = None
    cpu: np.ndarray | None = None


@dataclass(frozen=True)
class Limit:
    """A rate (all replicas, today's count) a model says the service can take, with its interval."""

    status: str
    note: str = ""
    rate: float = math.nan
    lo: float = math.nan
    hi: float = math.nan

    @property
    def ok(self) -> bool:
        return self.status == OK


@dataclass(frozen=True)
class Fitted:
    service: Service
    replicas: float  # today's
    latency: Limit
    cpu: Limit
    usl: Limit  # rate = peak throughput; note says where it is reached
    latency_fit: LatencyFit | None = None
    cpu_fit: CpuFit | None = None
    usl_fit: USLFit | None = None

    @property
    def usl_at(self) -> float:
        """Concurrency per replica at the USL peak (inf when throughput only levels off; NaN unfitted)."""
        return self.usl_fit.peak[1] if self.usl_fit is not None and self.usl.ok else math.nan

    @property
    def limit(self) -> tuple[str, Limit]:
        """The binding limit (the lower of latency and CPU) and its name; ("", not ok) when neither."""
        given = [(name, lim) for name, lim in (("latency", self.latency), ("cpu", self.cpu)) if lim.ok]
        if not given:
            return "", Limit(self.latency.status if self.latency.status != OK else self.cpu.status)
        return min(given, key=lambda p: p[1].rate)


def _check(rate: float, lo: float, hi: float, busiest_per_replica: float, what: str) -> tuple[str, str]:
    if not all(math.isfinite(v) for v in (rate, lo, hi)):
        return TOO_UNCERTAIN, f"{what}: the fit does not bound it (no saturation in the load seen)"
    if lo <= 0 or hi / lo > MAX_INTERVAL_RATIO:
        return TOO_UNCERTAIN, (
            f"{what}: 80% interval {lo:,.4g} to {hi:,.4g} req/s per replica is wider than useful "
            f"(more than {MAX_INTERVAL_RATIO:g}x)"
        )
    if rate > MAX_EXTRAPOLATION * busiest_per_replica:
        return TOO_UNCERTAIN, (
            f"{what}: {rate:,.4g} req/s per replica is more than {MAX_EXTRAPOLATION:g}x the busiest load seen "
            f"({busiest_per_replica:,.4g}); the history says too little about that load"
        )
    return OK, ""


def _latency(s: Series, svc: Service, x: np.ndarray, reps: float, top: float) -> tuple[Limit, LatencyFit | None]:
    if s.buckets is None or s.bounds is None:
        return (
            Limit(NO_DATA, f"latency: no data for the latency histogram ({svc.latency_buckets or 'not configured'})"),
            None,
        )
    y = bucket_quantile(svc.objective.quantile, s.bounds, s.buckets)
    fit = fit_latency(bin_by_load(x, y), workers=svc.workers)
    if fit is None:
        return Limit(TOO_LITTLE, "latency: too few points with both a request rate and a latency to fit"), None
    objective = svc.objective.latency
    if fit.base >= objective:
        return (
            Limit(
                OK, f"latency: {fit.base * 1000:,.0f} ms with no queue, over the objective at any load", 0.0, 0.0, 0.0
            ),
            fit,
        )
    rate = fit.rate_at(objective)
    lo, hi = fit.rate_interval(objective, LEVEL)
    status, note = _check(rate, lo, hi, top, "latency")
    return Limit(status, note, rate * reps, lo * reps, hi * reps), fit


def _cpu(s: Series, svc: Service, x: np.ndarray, reps: float, top: float) -> tuple[Limit, CpuFit | None]:
    if svc.cpu_range is None:
        return Limit(NOT_SET), None
    if s.cpu is None:
        return Limit(NO_DATA, f"cpu: no data for {svc.cpu or 'a CPU series (not configured)'}"), None
    fit = fit_cpu(bin_by_load(x, s.cpu))
    if fit is None:
        return Limit(TOO_LITTLE, "cpu: too few points with both a request rate and a CPU value to fit"), None
    high = svc.cpu_range[1]
    rate = fit.rate_at(high)
    lo, hi = fit.rate_interval(high, LEVEL)
    if rate == 0.0:
        return Limit(OK, f"cpu: {fit.floor:.0%} with no load, over {high:.0%} at any load", 0.0, 0.0, 0.0), fit
    status, note = _check(rate, lo, hi, top, "cpu")
    return Limit(status, note, rate * reps, lo * reps, hi * reps), fit


def _usl(s: Series, x: np.ndarray, reps_series: np.ndarray, reps: float) -> tuple[Limit, USLFit | None]:
    if s.concurrency is not None:
        n = s.concurrency / reps_series
    elif s.latency_mean is not None:
        n = x * s.latency_mean  # Little's law, per replica
    else:
        return Limit(NO_DATA, "usl: no in-flight gauge and no mean latency (Little's law needs one)"), None
    fit = fit_usl(bin_by_load(n, x))
    if fit is None:
        return Limit(TOO_LITTLE, "usl: too few points with both a concurrency and a throughput to fit"), None
    top, at = fit.peak
    ints = fit.intervals(LEVEL)
    lo, hi = ints["peak"]
    if not math.isfinite(top) or not (lo > 0 and hi / lo <= MAX_INTERVAL_RATIO):
        return Limit(
            TOO_UNCERTAIN, f"usl: peak 80% interval {lo:,.4g} to {hi:,.4g} req/s per replica is wider than useful"
        ), fit
    return Limit(OK, "", top * reps, lo * reps, hi * reps), fit


def fit_service(svc: Service, s: Series) -> Fitted:
    """Fit the latency, CPU and USL models of ``svc`` on its history ``s``."""
    reps_series = np.where(np.isfinite(s.replicas) & (s.replicas > 0), s.replicas, np.nan)
    known = reps_series[np.isfinite(reps_series)]
    reps = float(known[-1]) if len(known) else math.nan
    x = s.throughput / reps_series
    finite = x[np.isfinite(x) & (x > 0)]
    nothing = Limit(NO_DATA)
    if not np.isfinite(s.throughput).any():  # before the replicas: without a request rate there is nothing to size
        note = f"no data for the request rate ({svc.throughput})"
        return Fitted(svc, reps, Limit(NO_DATA, note), nothing, nothing)
    if not math.isfinite(reps):
        note = f"no data for replicas ({svc.replicas})"
        return Fitted(svc, reps, Limit(NO_DATA, note), nothing, nothing)
    if not len(finite):
        note = f"no data for the request rate ({svc.throughput})"
        return Fitted(svc, reps, Limit(NO_DATA, note), nothing, nothing)
    if len(finite) < MIN_POINTS:
        have = f"{len(finite)} point" + ("s" if len(finite) > 1 else "")
        note = f"too little data (have {have} of the request rate, the models need {MIN_POINTS})"
        little = Limit(TOO_LITTLE, note)
        return Fitted(svc, reps, little, little, little)
    p5, p95 = (float(v) for v in np.percentile(finite, [5, 95]))
    top = float(finite.max())
    if p5 <= 0 or p95 / p5 < MIN_SPREAD:
        note = (
            f"too little load variation to fit: the rate per replica ran from {p5:,.4g} to {p95:,.4g} req/s "
            f"(5th to 95th percentile, {p95 / p5:.2g}x); the models need at least {MIN_SPREAD:g}x"
        )
        little = Limit(TOO_LITTLE, note)
        return Fitted(svc, reps, little, little, little)
    latency, lfit = _latency(s, svc, x, reps, top)
    cpu, cfit = _cpu(s, svc, x, reps, top)
    usl, ufit = _usl(s, x, reps_series, reps)
    return Fitted(svc, reps, latency, cpu, usl, lfit, cfit, ufit)
