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
