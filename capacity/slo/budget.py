"""Compliance, error budgets and burn rates over windows, from per-step events.

Full precision throughout; rounding is the presenter's job. A window with no
traffic has ``compliance = NaN`` and ``met = <NA>``, and its no-data and
zero-traffic minutes are counted in their own columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..core.status import NO_DATA, OK, TOO_LITTLE
from ..core.timeutil import format_duration
from ..core.windows import Window
from .model import SLO
from .sli import Events

COMPLIANCE_COLUMNS = (
    "slo",
    "window",
    "window_kind",
    "start",
    "end",
    "sli_kind",
    "unit",
    "objective",
    "good",
    "bad",
    "total",
    "compliance",
    "met",
    "budget_total",
    "budget_consumed",
    "budget_remaining",
    "allowed_bad",
    "bad_remaining",
    "bad_minutes",
    "share_above",
    "share_below",
    "minutes",
    "observed_minutes",
    "no_data_minutes",
    "zero_traffic_minutes",
    "coverage",
    "status",
    "reason",
)

#: what a compliance row's ``status`` says: scored, no sample at all, or too little of the window seen
STATUS_OK, STATUS_NO_DATA, STATUS_TOO_LITTLE = OK, NO_DATA, TOO_LITTLE


def _prefix(x: np.ndarray) -> np.ndarray:
    out = np.empty(len(x) + 1)
    out[0] = 0.0
    np.cumsum(x, out=out[1:])
    return out


def _span(ev: Events, w: Window) -> tuple[int, int]:
    """Grid index range [lo, hi) of the steps inside ``(w.start, w.end]``, clipped to the grid."""
    g = ev.grid
    lo = g.index(w.start) + 1
    hi = g.index(w.end) + 1
    return max(lo, 0), min(max(hi, 0), g.n)


def status(coverage: float, floor: float) -> tuple[str, str]:
    """``(status, reason)`` of a window whose ``coverage`` (share of its steps with data) is known:
    below ``floor`` (a share, 0.5 = half the window) it is not scored."""
    if not coverage > 0:
        return STATUS_NO_DATA, "no sample in the window"
    if coverage < floor:
        have = f"{coverage:.0%}" if coverage >= 0.01 else f"{coverage:.2%}" if coverage >= 0.0001 else "<0.01%"
        return STATUS_TOO_LITTLE, f"too little data (have {have} of the window, need {floor:.0%})"
    return STATUS_OK, ""


def compliance_row(slo: SLO, ev: Events, w: Window, floor: float = 0.0) -> dict[str, object]:
    """One SLO over one window; below ``floor`` coverage (or without data) ``met`` is NA: neither met
    nor missed."""
    lo, hi = _span(ev, w)
    step_min = ev.grid.step / pd.Timedelta(minutes=1)
    good = float(ev.good[lo:hi].sum())
    total = float(ev.total[lo:hi].sum())
    bad = total - good
    expected = int(w.length // ev.grid.step)
    observed = int(ev.observed[lo:hi].sum())
    zero = int((ev.observed[lo:hi] & (ev.total[lo:hi] == 0)).sum())
    compliance = good / total if total > 0 else np.nan
    budget = 1.0 - slo.objective
    allowed = budget * total
    consumed = bad / allowed if total > 0 else np.nan
    coverage = observed / expected if expected else np.nan
    state, reason = status(coverage, floor)
    met: object = pd.NA if total == 0 or state != STATUS_OK else bool(compliance >= slo.objective)
    if state != STATUS_OK:  # a budget of a window mostly unseen would read as a verdict: none
        consumed = np.nan
    above = float(ev.above[lo:hi].sum()) if ev.above is not None else np.nan
    below = float(ev.below[lo:hi].sum()) if ev.below is not None else np.nan
    if ev.time_based:
        bad_minutes = bad * step_min / max(1.0, total / max(observed, 1)) if total else 0.0
    else:
        bad_minutes = np.nan
    return {
        "slo": slo.name,
        "window": w.label,
        "window_kind": w.kind,
        "start": w.start,
        "end": w.end,
        "sli_kind": slo.sli.kind,
        "unit": "minutes" if ev.time_based else "events",
        "objective": slo.objective,
        "good": good,
        "bad": bad,
        "total": total,
        "compliance": compliance,
        "met": met,
        "budget_total": budget,
        "budget_consumed": consumed,
        "budget_remaining": 1.0 - consumed if total > 0 else np.nan,
        "allowed_bad": allowed,
        "bad_remaining": allowed - bad if state == STATUS_OK else np.nan,
        "bad_minutes": bad_minutes,
        "share_above": above / total if total > 0 and ev.above is not None else np.nan,
        "share_below": below / total if total > 0 and ev.below is not None else np.nan,
        "minutes": expected * step_min,
        "observed_minutes": observed * step_min,
        "no_data_minutes": (expected - observed) * step_min,
        "zero_traffic_minutes": zero * step_min,
        "coverage": coverage,
        "status": state,
        "reason": reason,
    }


def compliance_table(
    items: Iterable[tuple[SLO, Events]], windows: Sequence[Window], floor: float = 0.0
) -> pd.DataFrame:
    """One row per (SLO, window) with the columns in COMPLIANCE_COLUMNS (``floor``: see :func:`status`)."""
    rows = [compliance_row(slo, ev, w, floor) for slo, ev in items for w in windows]
    out = pd.DataFrame(rows, columns=list(COMPLIANCE_COLUMNS))
    out["met"] = out["met"].astype("boolean")
    return out


def window_sums(x: np.ndarray, k: int) -> np.ndarray:
    """Sum of the ``k`` steps ending at each index; NaN until ``k`` steps of history exist."""
    p = _prefix(x)
    out = np.full(len(x), np.nan)
    if k <= len(x):
        out[k - 1 :] = p[k:] - p[: len(x) - k + 1]
    return out


def burn_rates(ev: Events, objective: float, windows: Sequence[pd.Timedelta]) -> dict[pd.Timedelta, np.ndarray]:
    """Burn rate over each window at every grid step: (bad / total over the window) / (1 - objective).

    NaN where the window reaches before the data (cold start) or holds no traffic.
    """
    out = {}
    first = int(np.argmax(ev.observed)) if ev.observed.any() else len(ev.observed)
    pb, pt = _prefix(ev.bad), _prefix(ev.total)
    n = len(ev.total)
    scale = 1.0 / (1.0 - objective)
    for w in windows:
        k = int(w // ev.grid.step)
        br = np.full(n, np.nan)
        if k <= n:
            bad = pb[k:] - pb[: n - k + 1]
            tot = pt[k:] - pt[: n - k + 1]
            np.divide(bad, tot, out=br[k - 1 :], where=tot > 0)
            br[k - 1 :] *= scale
        br[: min(first + k - 1, n)] = np.nan  # the window reaches before the first data: cold start
        out[w] = br
    return out


def burn_rate_frame(
    slo: SLO,
    ev: Events,
    windows: Sequence[pd.Timedelta],
    start: pd.Timestamp,
    end: pd.Timestamp,
    rates: dict[pd.Timedelta, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Tidy burn-rate series: slo, window, ds, error_ratio, burn_rate for grid steps in ``[start, end]``."""
    g = ev.grid
    lo, hi = max(g.index(start), 0), min(g.index(end) + 1, g.n)
    if start > g.start + (g.index(start)) * g.step:
        lo += 1
    times = g.times[lo:hi]
    parts = []
    for w, br in (rates if rates is not None else burn_rates(ev, slo.objective, windows)).items():
        parts.append(
            pd.DataFrame(
                {
                    "slo": slo.name,
                    "window": format_duration(w),
                    "ds": times,
                    "error_ratio": br[lo:hi] * (1.0 - slo.objective),
                    "burn_rate": br[lo:hi],
                }
            )
        )
    cols = ["slo", "window", "ds", "error_ratio", "burn_rate"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
