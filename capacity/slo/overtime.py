"""SLOs over time: compliance over each SLO's rolling window at checkpoints, and the burn-down of
a period's error budget. Pure: fetched data in, tidy frames out (the report's charts show them)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..core.timeutil import parse_duration
from ..core.windows import Window, rolling
from . import engine
from .model import Spec

__all__ = ["budget_burndown", "checkpoints", "rolling_compliance"]

Data = dict[str, pd.DataFrame]
Names = Sequence[str] | None


def checkpoints(start: pd.Timestamp, end: pd.Timestamp, every: str | pd.Timedelta = "1d") -> pd.DatetimeIndex:
    """``start + every, start + 2 every, ...`` up to ``end``, and ``end`` itself."""
    step = parse_duration(every, field="every")
    times = pd.date_range(start + step, end, freq=step)
    if len(times) == 0 or times[-1] != end:
        times = pd.DatetimeIndex(times.append(pd.DatetimeIndex([end])))
    return times


def rolling_compliance(spec: Spec, data: Data, times: pd.DatetimeIndex, slos: Names = None) -> pd.DataFrame:
    """Each SLO's compliance over its own rolling window (``30d``...) ending at each of ``times``
    (:func:`checkpoints`).

    Columns ``slo, ds, window, compliance, target, met, coverage``. Data must reach back one SLO
    window before the first time; a window without data has NaN compliance.
    """
    parts = []
    for slo in [spec.slo(n) for n in slos] if slos else spec.slos:
        windows: list[Window] = [rolling(slo.window, t) for t in times]
        got = engine.compliance(spec, data, windows, [slo.name])
        parts.append(
            pd.DataFrame(
                {
                    "slo": slo.name,
                    "ds": got["end"].to_numpy(),
                    "window": got["window"].str.split(" ").str[0].to_numpy(),
                    "compliance": got["compliance"].to_numpy(dtype=float),
                    "target": slo.objective,
                    "met": got["met"].to_numpy(),
                    "coverage": got["coverage"].to_numpy(dtype=float),
                }
            )
        )
    cols = ["slo", "ds", "window", "compliance", "target", "met", "coverage"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def budget_burndown(
    spec: Spec, data: Data, start: pd.Timestamp, times: pd.DatetimeIndex, slos: Names = None
) -> pd.DataFrame:
    """How much of the error budget of the period ``(start, times[-1]]`` is left at each of ``times``.

    The budget is the whole period's: ``allowed_bad = (1 - objective) x total`` over
    ``(start, end]``; at time t, ``budget_remaining = 1 - bad(start, t] / allowed_bad``
    (negative once overspent). Columns ``slo, ds, bad, allowed_bad, budget_remaining``.
    """
    end = times[-1]
    windows = [Window(f"to {t.isoformat()}", start, t, "cumulative") for t in times]
    got = engine.compliance(spec, data, windows, list(slos) if slos else None)
    out = got[["slo", "end", "bad"]].rename(columns={"end": "ds"})
    full = got[got["end"] == end].set_index("slo")["allowed_bad"]
    out["allowed_bad"] = out["slo"].map(full).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["budget_remaining"] = np.where(out["allowed_bad"] > 0, 1.0 - out["bad"] / out["allowed_bad"], np.nan)
    return out[["slo", "ds", "bad", "allowed_bad", "budget_remaining"]].reset_index(drop=True)
