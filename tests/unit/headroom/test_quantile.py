"""The histogram quantile the latency model reads, against scipy's log-normal (an independent oracle)
and Prometheus' own rule where it falls back."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import lognorm

from capacity.loadmodels.quantile import bucket_quantile, share_within
from capacity.metrics.histogram import histogram_quantile

LE = np.array([0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, np.inf])


def _counts(median: float, sigma: float, total: float = 1e6) -> np.ndarray:
    dist = lognorm(s=sigma, scale=median)
    return np.append(dist.cdf(LE[:-1]) * total, total)[None, :]


@pytest.mark.parametrize("median,sigma", [(0.05, 0.65), (0.08, 0.4), (0.2, 0.9), (0.6, 0.3), (0.03, 1.2)])
@pytest.mark.parametrize("q", [0.5, 0.9, 0.95, 0.99])
def test_exact_for_log_normal_latencies_at_any_bucket_width(median: float, sigma: float, q: float) -> None:
    truth = lognorm(s=sigma, scale=median).ppf(q)
    got = bucket_quantile(q, LE, _counts(median, sigma))[0]
    assert got == pytest.approx(truth, rel=1e-6)


def test_linear_interpolation_is_what_it_replaces() -> None:
    # the reason for the module: Prometheus' rule reads this p95 of 0.155 s as 0.21 s
    counts = _counts(0.053, 0.65)
    truth = lognorm(s=0.65, scale=0.053).ppf(0.95)
    assert histogram_quantile(0.95, LE, counts)[0] > 1.3 * truth
    assert bucket_quantile(0.95, LE, counts)[0] == pytest.approx(truth, rel=1e-6)


def test_falls_back_to_prometheus_where_a_log_normal_cannot_pass() -> None:
    # every observation in one bucket: shares 0 and 1 at its bounds
    counts = np.array([[0, 0, 50, 50, 50, 50, 50, 50]], dtype=float)
    assert bucket_quantile(0.95, LE, counts)[0] == histogram_quantile(0.95, LE, counts)[0]
    # no observations
    assert np.isnan(bucket_quantile(0.95, LE, np.zeros((1, len(LE)))))[0]
    # two buckets only (no pair of finite bounds)
    two = np.array([0.5, np.inf])
    c = np.array([[90.0, 100.0]])
    assert bucket_quantile(0.95, two, c)[0] == histogram_quantile(0.95, two, c)[0]


def test_rows_are_independent() -> None:
    rows = np.vstack([_counts(0.05, 0.65), np.zeros((1, len(LE))), _counts(0.2, 0.5)])
    got = bucket_quantile(0.95, LE, rows)
    assert got[0] == pytest.approx(lognorm(s=0.65, scale=0.05).ppf(0.95), rel=1e-6)
    assert np.isnan(got[1])
    assert got[2] == pytest.approx(lognorm(s=0.5, scale=0.2).ppf(0.95), rel=1e-6)


def test_share_within_a_bound_is_exact_and_other_values_are_refused() -> None:
    counts = _counts(0.1, 0.5)
    assert share_within(0.5, LE, counts)[0] == pytest.approx(lognorm(s=0.5, scale=0.1).cdf(0.5), rel=1e-12)
    with pytest.raises(ValueError, match="0.3 s is not a bucket bound"):
        share_within(0.3, LE, counts)
