from __future__ import annotations

import numpy as np
import pytest

from capacity.forecasting import metrics


def test_mase_scale_is_mean_seasonal_difference() -> None:
    y = np.array([1, 2, 3, 2, 4, 6], dtype=float)  # lag-3 diffs: 1, 2, 3
    assert metrics.mase_scale(y, 3) == pytest.approx(2.0)
    assert np.isnan(metrics.mase_scale(np.ones(10), 1))  # no variation: no scale, never 0


def test_smape_known_values() -> None:
    assert metrics.smape(np.array([100.0, 0.0]), np.array([50.0, 0.0])) == pytest.approx([200 * 50 / 150, 0.0])


def test_winkler_penalises_misses_by_two_over_alpha() -> None:
    y = np.array([5.0, 12.0, 0.0])
    lo, hi = np.full(3, 2.0), np.full(3, 10.0)
    # width 8; misses: 0, 2 above, 2 below; alpha 0.2 -> factor 10
    assert list(metrics.winkler(y, lo, hi, 80)) == pytest.approx([8.0, 28.0, 28.0])
    assert list(metrics.covered(y, lo, hi)) == [1.0, 0.0, 0.0]
