"""Small hand-built canonical frames for the SLO unit tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from capacity.core import frame as F

T0 = pd.Timestamp("2026-09-01T00:00:00Z")


def minutes(n: int, start: pd.Timestamp = T0) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="1min")


def series(uid: str, values: Sequence[float], start: pd.Timestamp = T0, *, drop: Sequence[int] = ()) -> pd.DataFrame:
    """One series on a 1-minute grid from ``start``; indexes in ``drop`` are missing rows (a gap)."""
    ds = minutes(len(values), start)
    keep = np.ones(len(values), dtype=bool)
    keep[list(drop)] = False
    return F.from_arrays(uid, ds[keep], np.asarray(values, dtype=float)[keep])


def frames(*parts: pd.DataFrame) -> pd.DataFrame:
    return F.validate(F.concat(parts))
