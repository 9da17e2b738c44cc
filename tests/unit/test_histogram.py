"""capacity.metrics.histogram: the one histogram_quantile, against Prometheus' own rule written out
as a scalar transcription of bucketQuantile (promql/quantile.go, Prometheus 2.x)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from capacity.metrics.histogram import histogram_quantile

INF = math.inf


def bucket_quantile(q: float, les: list[float], counts: list[float]) -> float:
    """Prometheus' bucketQuantile for one histogram, step by step as the Go code does it."""
    if math.isnan(q):
        return math.nan
    if q < 0:
        return -INF
    if q > 1:
        return INF
    if not (math.isinf(les[-1]) and les[-1] > 0):
        return math.nan
    c = list(counts)
    top = -INF
    for i, x in enumerate(c):  # ensureMonotonic
        if x > top:
            top = x
        elif x < top:
            c[i] = top
    if len(c) < 2:
        return math.nan
    observations = c[-1]
    if observations == 0:
        return math.nan
    rank = q * observations
    b = next((i for i in range(len(c) - 1) if c[i] >= rank), len(c) - 1)  # sort.Search
    if b == len(c) - 1:
        return les[-2]
    if b == 0 and les[0] <= 0:
        return les[0]
    start, end, count = 0.0, les[b], c[b]
    if b > 0:
        start = les[b - 1]
        count -= c[b - 1]
        rank -= c[b - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(start + (end - start) * (np.float64(rank) / np.float64(count)))  # Go: 0/0 is NaN


def test_equals_prometheus_rule_bit_for_bit_on_random_histograms() -> None:
    rng = np.random.default_rng(7)
    choices = np.array([-1.0, 0.0, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
    checked = 0
    for trial in range(300):
        b = int(rng.integers(2, 10))
        les = np.r_[np.sort(rng.choice(choices, size=b - 1, replace=False)), INF]
        inc = rng.integers(0, 4, size=(40, b)) * rng.choice([1.0, 0.1, 1 / 3], size=(40, b))
        counts = np.cumsum(inc, axis=1) if trial % 2 else inc * 7.3  # odd trials: not monotonic
        counts[rng.random(40) < 0.1] = 0.0
        q = float(rng.choice([0.0, 0.25, 0.5, 0.9, 0.95, 0.99, 1.0, rng.random()]))
        got = histogram_quantile(q, les, counts)
        want = np.array([bucket_quantile(q, les.tolist(), row.tolist()) for row in counts])
        np.testing.assert_array_equal(got, want)
        checked += int(np.isfinite(want).sum())
    assert checked > 5000  # the comparison was mostly on real values, not NaN


def test_hand_worked() -> None:
    les = np.array([0.1, 0.25, 1.0, INF])
    counts = np.array(
        [
            [10.0, 40.0, 100.0, 100.0],  # rank 95 in (0.25, 1]: 0.25 + 0.75 * 55/60
            [0.0, 0.0, 0.0, 0.0],  # no observations
            [0.0, 0.0, 10.0, 100.0],  # rank in +Inf: the largest finite bound
            [50.0, 40.0, 45.0, 100.0],  # made monotonic: [50, 50, 50, 100] -> rank 95 in +Inf
        ]
    )
    got = histogram_quantile(0.95, les, counts)
    assert got[0] == 0.25 + 0.75 * (55 / 60)
    assert math.isnan(got[1])
    assert got[2] == 1.0
    assert got[3] == 1.0
    assert histogram_quantile(0.5, les, counts[[0]])[0] == 0.25 + 0.75 * (10 / 60)  # rank 50 in (0.25, 1]


def test_non_positive_first_bucket_gives_its_bound() -> None:
    les = np.array([-1.0, 0.0, 1.0, INF])
    assert histogram_quantile(0.1, les, np.array([[20.0, 30.0, 90.0, 100.0]]))[0] == -1.0
    # rank in the second bucket: interpolated from the first bound
    assert histogram_quantile(0.25, les, np.array([[20.0, 30.0, 90.0, 100.0]]))[0] == -1.0 + 1.0 * (5 / 10)


@pytest.mark.parametrize("q,expected", [(-0.1, -INF), (1.5, INF)])
def test_quantile_out_of_range(q: float, expected: float) -> None:
    got = histogram_quantile(q, np.array([1.0, INF]), np.array([[1.0, 2.0], [0.0, 0.0]]))
    assert got.tolist() == [expected, expected]


def test_nan_quantile_missing_inf_bucket_and_single_bucket_give_nan() -> None:
    counts = np.array([[1.0, 2.0]])
    assert math.isnan(histogram_quantile(math.nan, np.array([1.0, INF]), counts)[0])
    assert math.isnan(histogram_quantile(0.5, np.array([1.0, 2.0]), counts)[0])
    assert math.isnan(histogram_quantile(0.5, np.array([INF]), np.array([[5.0]]))[0])


def test_zero_quantile_with_an_empty_first_bucket_is_nan_like_prometheus() -> None:
    # rank 0 lands in the first bucket, which holds 0 observations: 0/0 in Prometheus
    got = histogram_quantile(0.0, np.array([0.1, 1.0, INF]), np.array([[0.0, 5.0, 5.0], [2.0, 5.0, 5.0]]))
    assert math.isnan(got[0])
    assert got[1] == 0.0


def test_no_rows() -> None:
    assert histogram_quantile(0.5, np.array([1.0, INF]), np.zeros((0, 2))).shape == (0,)
