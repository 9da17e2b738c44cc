from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_frame(series: dict[str, np.ndarray], start: str = "2025-01-01", freq: str = "D") -> pd.DataFrame:
    parts = []
    for uid, y in series.items():
        ds = pd.date_range(start, periods=len(y), freq=freq, tz="UTC").as_unit("ns")
        parts.append(pd.DataFrame({"unique_id": uid, "ds": ds, "y": np.asarray(y, dtype="float64")}))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(42)


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Models called directly (not through an executor) get the executor's BLAS setting."""
    from capacity.forecasting.executors import _one_blas_thread as limit

    with limit():
        yield
