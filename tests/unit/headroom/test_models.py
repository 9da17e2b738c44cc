"""The load models against truths that do not come from their own code: the M/M/1 queue's published
sojourn-time distribution (and a simulation of the queue), and known USL and CPU parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest

from capacity.loadmodels._fit import Binned, bin_by_load
from capacity.loadmodels.cpu import fit_cpu
from capacity.loadmodels.latency import fit_latency, queue_shape
from capacity.loadmodels.usl import fit_usl, peak

LN20 = math.log(20.0)  # M/M/1: the sojourn time is exponential with rate mu - lambda, so p95 = ln 20 / (mu - lambda)


def _mm1_p95(rate: np.ndarray, service: float) -> np.ndarray:
    return LN20 / (1 / service - rate)


def _simulate_mm1(rate: float, service: float, n: int, rng: np.random.Generator) -> float:
    """The empirical p95 sojourn time of ``n`` customers of an M/M/1 queue (Lindley's recursion)."""
    gaps = rng.exponential(1 / rate, n)
    work = rng.exponential(service, n)
    wait = np.zeros(n)
    for i in range(1, n):
        wait[i] = max(0.0, wait[i - 1] + work[i - 1] - gaps[i])
    return float(np.quantile(wait + work, 0.95))


def test_queue_shape_is_sakasegawas_exponent() -> None:
    assert queue_shape(1) == pytest.approx(1.0)
    assert queue_shape(4) == pytest.approx(math.sqrt(10) - 1)


def test_latency_curve_recovers_the_mm1_capacity_from_points_below_saturation() -> None:
    service, objective = 0.01, 0.1  # capacity 100/s; p95 reaches 0.1 s at rho = 1 - ln20 * 0.01 / 0.1
    truth = (1 - LN20 * service / objective) / service
    rng = np.random.default_rng(3)
    x = np.linspace(5, 60, 30)  # up to 60% of capacity
    y = _mm1_p95(x, service) * np.exp(rng.normal(0, 0.02, len(x)))
    fit = fit_latency(Binned(x, y, len(x)))
    assert fit is not None
    assert fit.capacity == pytest.approx(100, rel=0.05)
    assert fit.rate_at(objective) == pytest.approx(truth, rel=0.03)
    lo, hi = fit.rate_interval(objective)
    assert lo <= truth <= hi
    assert hi / lo < 1.2


def test_latency_curve_on_a_simulated_queue() -> None:
    rng = np.random.default_rng(11)
    service, objective = 0.01, 0.1
    truth = (1 - LN20 * service / objective) / service  # 70 req/s
    rates = np.linspace(5, 60, 12)
    p95 = np.array([_simulate_mm1(r, service, 40_000, rng) for r in rates])
    fit = fit_latency(Binned(rates, p95, len(rates)))
    assert fit is not None
    assert fit.rate_at(objective) == pytest.approx(truth, rel=0.10)


def test_an_objective_under_the_unloaded_latency_is_no_rate() -> None:
    x = np.linspace(5, 60, 20)
    fit = fit_latency(Binned(x, _mm1_p95(x, 0.01), len(x)))
    assert fit is not None
    assert fit.rate_at(0.01) == 0.0


def test_binning_uses_medians_so_an_incident_does_not_move_the_curve() -> None:
    rng = np.random.default_rng(5)
    x = rng.uniform(5, 60, 20_000)
    y = _mm1_p95(x, 0.01)
    spoiled = y.copy()
    spoiled[:200] = 5.0  # 1% of the points: a latency incident at whatever load
    clean, dirty = fit_latency(bin_by_load(x, y)), fit_latency(bin_by_load(x, spoiled))
    assert clean is not None and dirty is not None
    assert dirty.rate_at(0.1) == pytest.approx(clean.rate_at(0.1), rel=0.02)


def test_usl_recovers_known_parameters_and_the_peak() -> None:
    lam, sigma, kappa = 90.0, 0.03, 1e-4
    n = np.array([1, 4, 8, 16, 24, 32, 48, 64, 96, 128, 160, 200], dtype=float)
    x = lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))
    rng = np.random.default_rng(2)
    fit = fit_usl(Binned(n, x * np.exp(rng.normal(0, 0.01, len(n))), len(n)))
    assert fit is not None
    top, at = fit.peak
    true_top, true_at = peak(np.array([lam, sigma, kappa]))
    assert true_at == pytest.approx(math.sqrt((1 - sigma) / kappa))
    assert top == pytest.approx(true_top, rel=0.03)
    assert at == pytest.approx(true_at, rel=0.2)
    ints = fit.intervals()
    assert ints["peak"][0] <= true_top <= ints["peak"][1]


def test_usl_without_coherency_levels_off() -> None:
    assert peak(np.array([10.0, 0.1, 0.0])) == (pytest.approx(100.0), math.inf)


def test_cpu_line_and_the_rate_at_the_top_of_the_range() -> None:
    rng = np.random.default_rng(4)
    x = rng.uniform(10, 100, 5000)
    y = 0.3 + 0.002 * x + rng.normal(0, 0.02, len(x))
    fit = fit_cpu(bin_by_load(x, y))
    assert fit is not None
    assert fit.floor == pytest.approx(0.3, abs=0.01)
    assert fit.rate_at(0.6) == pytest.approx(150, rel=0.03)
    lo, hi = fit.rate_interval(0.6)
    assert lo <= 150 <= hi


def test_too_few_points_is_no_fit() -> None:
    tiny = Binned(np.array([1.0, 2.0, 3.0]), np.array([0.1, 0.1, 0.1]), 3)
    assert fit_latency(tiny) is None and fit_usl(tiny) is None and fit_cpu(tiny) is None
