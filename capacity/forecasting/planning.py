"""What capacity planning asks of a forecast: growth against the plan, and time to a threshold.

Both take a canonical frame whose ``unique_id`` are catalog names (``users_total``, ``disk_free_ratio``...)
and return tidy frames; series a rule needs but the frame lacks give a row with status ``no data``,
and series shorter than the rule needs (:func:`needs`) a row with status ``too little data`` and a
note that says how much there is: neither is forecast.

Probabilities come from the forecast's predictive distribution: its quantiles (2.5%, 10%, 50%, 90%,
97.5%: lo-95, lo-80, mean, hi-80, hi-95) are interpolated linearly on the normal-score scale (and
extrapolated from the outer segment beyond them), so asymmetric (log-model) intervals are respected.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core.status import NO_DATA, TOO_LITTLE, history_length, too_little
from ..core.timeutil import parse_duration
from .pipeline import auto_forecast
from .rules import GrowthRule, Planning, Threshold, load_rules

if TYPE_CHECKING:
    from pandas._libs.tslibs.nattype import NaTType

_P = np.array([0.025, 0.10, 0.5, 0.90, 0.975])
_N = NormalDist()
_Z = np.array([_N.inv_cdf(p) for p in _P])
_QCOLS = ["lo-95", "lo-80", "mean", "hi-80", "hi-95"]

TIGHT, COVERS, GENEROUS = "plan too tight", "plan covers the forecast", "plan far too generous"

#: a threshold forecast learns from at least four weeks (a weekly season seen four times)
THRESHOLD_NEEDS = pd.Timedelta(days=28)


def needs(rule: GrowthRule | Threshold) -> pd.Timedelta:
    """How much history a rule's forecast needs: a growth rule, one of its periods (growth over a
    quarter is judged on a quarter of history at least); a threshold, :data:`THRESHOLD_NEEDS`."""
    return rule.period if isinstance(rule, GrowthRule) else THRESHOLD_NEEDS


def horizon_needs(h: pd.Timedelta) -> pd.Timedelta:
    """How much history a forecast ``h`` ahead needs: as long as ``h``, up to :data:`THRESHOLD_NEEDS`
    (45 minutes say nothing about tomorrow; four weeks say what a weekly pattern does, and longer
    horizons rest on at least those)."""
    return min(pd.Timedelta(h), THRESHOLD_NEEDS)


def _too_short(frame: pd.DataFrame, uid: str, need: pd.Timedelta) -> str | None:
    """The note of a series shorter than ``need`` (None when long enough)."""
    have = history_length(frame.loc[(frame["unique_id"] == uid) & frame["y"].notna(), "ds"])
    return f"{uid}: {too_little(have, need)}" if have < need else None


def exceed_probability(x: float, quantiles: np.ndarray) -> float:
    """P(Y > x) for Y with the 2.5/10/50/90/97.5% ``quantiles``."""
    q = np.maximum.accumulate(np.asarray(quantiles, dtype="float64"))
    if q[-1] - q[0] <= 0:
        return float(x < q[2])
    qz = np.concatenate([[q[0] - (q[1] - q[0] or 1e-12) * 10], q, [q[-1] + (q[-1] - q[-2] or 1e-12) * 10]])
    zz = np.concatenate([[_Z[0] - (_Z[1] - _Z[0]) * 10], _Z, [_Z[-1] + (_Z[-1] - _Z[-2]) * 10]])
    keep = np.concatenate([[True], np.diff(qz) > 0])
    zx = float(np.interp(x, qz[keep], zz[keep], left=-40.0, right=40.0))
    return 1.0 - _N.cdf(zx)


def _last(frame: pd.DataFrame, uid: str) -> tuple[pd.Timestamp, float] | None:
    g = frame[(frame["unique_id"] == uid) & frame["y"].notna()]
    if g.empty:
        return None
    row = g.iloc[int(g["ds"].argmax())]  # the latest sample
    return row["ds"], float(row["y"])


def _value_at(frame: pd.DataFrame, uid: str, when: pd.Timestamp) -> float:
    g = frame[(frame["unique_id"] == uid) & frame["y"].notna() & (frame["ds"] <= when)]
    return float(g["y"].iloc[int(g["ds"].argmax())]) if len(g) else np.nan


def growth_vs_plan(
    frame: pd.DataFrame,
    *,
    rules: Planning | None = None,
    min_history: pd.Timedelta | None = None,
    **forecast_options: Any,
) -> pd.DataFrame:
    """One row per growth rule: the forecast growth over the rule's period beside the plan.

    A series shorter than ``min_history`` (default: the rule's :func:`needs`) is not forecast: its
    verdict is ``too little data``.

    Columns: rule, metric, period, text, last_ds, last, past_growth (over the previous period),
    growth, growth_lo_80, growth_hi_80, growth_lo_95, growth_hi_95 (fractions: 0.5 = +50%), plan,
    p_exceed (P(growth > plan); for a watch rule P(value > capacity) at the period's end), capacity,
    verdict, model, note.
    """
    rules = rules or load_rules()
    rows = []
    for rule in rules.growth:
        base: dict[str, Any] = {
            "rule": rule.name,
            "metric": rule.metric,
            "period": rule.period,
            "text": rule.text,
            "plan": rule.plan,
            "capacity": np.nan,
        }
        last = _last(frame, rule.metric)
        if last is None:
            rows.append({**base, "verdict": NO_DATA, "note": f"no series {rule.metric!r} in the frame"})
            continue
        short = _too_short(frame, rule.metric, min_history if min_history is not None else needs(rule))
        if short:
            rows.append({**base, "last_ds": last[0], "last": last[1], "verdict": TOO_LITTLE, "note": short})
            continue
        t0, y0 = last
        sub = frame[frame["unique_id"] == rule.metric]
        fc, choice = auto_forecast(sub, rule.period, executor="serial", **forecast_options)
        end = fc.iloc[-1]
        q = end[_QCOLS].to_numpy(dtype="float64")
        g = q / y0 - 1 if y0 else np.full(5, np.nan)
        prev = _value_at(frame, rule.metric, t0 - rule.period)
        row = {
            **base,
            "last_ds": t0,
            "last": y0,
            "past_growth": y0 / prev - 1 if prev else np.nan,
            "growth": g[2],
            "growth_lo_80": g[1],
            "growth_hi_80": g[3],
            "growth_lo_95": g[0],
            "growth_hi_95": g[4],
            "model": end["model"],
            "note": choice.loc[0, "note"],
        }
        if rule.plan is not None:
            p = exceed_probability(y0 * (1 + rule.plan), q)
            if p > rules.too_tight_above:
                verdict = TIGHT
            elif rule.plan > rules.far_too_generous_ratio * max(g[4], 0.0):
                verdict = GENEROUS
            else:
                verdict = COVERS
        else:
            cap = _last(frame, rule.capacity) if rule.capacity else None
            if cap is None:
                rows.append(
                    {
                        **row,
                        "p_exceed": np.nan,
                        "verdict": NO_DATA,
                        "note": f"no series {rule.capacity!r} to watch {rule.metric} against",
                    }
                )
                continue
            row["capacity"] = cap[1]
            p = exceed_probability(cap[1], q)
            verdict = "capacity at risk within the period" if p > rules.too_tight_above else "headroom for the period"
        rows.append({**row, "p_exceed": p, "verdict": verdict})
    return pd.DataFrame(rows, columns=_PLAN_COLUMNS)


_PLAN_COLUMNS = [
    "rule", "metric", "period", "text", "plan", "capacity", "last_ds", "last", "past_growth", "growth",
    "growth_lo_80", "growth_hi_80", "growth_lo_95", "growth_hi_95", "model", "note", "p_exceed", "verdict",
]  # fmt: skip


_DAY = pd.Timedelta(days=1)


def worst_per_period(
    sub: pd.DataFrame,
    direction: str,
    period: pd.Timedelta = _DAY,
    *,
    name: str | None = None,
    tz: str = "UTC",
) -> pd.DataFrame:
    """One series' worst value per ``period``: the max, the min for ``direction="below"``, without a
    last period the data does not cover to its end. The one reduction every threshold view uses (the
    table's crossing dates, the fan charts, the CI files): capacity is sized for the worst hour.

    A one-day period is the calendar days of ``tz`` (the platform's: a local day's worst hour), each
    labelled by its date at 00:00 UTC, so a daily series is a plain sequence of dates the forecasts
    step through and every view prints the same date. ``name`` becomes the ``unique_id``."""
    how = "min" if direction == "below" else "max"
    uid = name if name is not None else (str(sub["unique_id"].iloc[0]) if len(sub) else "")
    values = sub.set_index("ds")["y"]
    if tz != "UTC" and period == _DAY and len(values) > 0:
        # calendar days of the zone (23 or 25 hours across a DST change), by their wall-clock date
        wall = pd.DatetimeIndex(values.index).tz_convert(tz).tz_localize(None)
        by_day = values.groupby(wall.normalize()).agg(how).dropna()
        days = pd.DataFrame({"unique_id": uid, "ds": by_day.index, "y": by_day.to_numpy(dtype=float)})
        days = _complete_buckets(days, pd.Series(wall), period)
        return days.assign(ds=days["ds"].dt.tz_localize("UTC"))  # each date as its UTC midnight
    buckets = values.resample(period).agg(how).dropna().rename("y").reset_index().assign(unique_id=uid)
    return _complete_buckets(buckets[["unique_id", "ds", "y"]], values.index.to_series(), period)


def _complete_buckets(buckets: pd.DataFrame, raw_ds: pd.Series, period: pd.Timedelta) -> pd.DataFrame:
    """``buckets`` without a last bucket the raw data does not cover to its end.

    A history ending at midnight (``end`` is inclusive) leaves a last "day" of one point, whose worst
    value is that point's, not the day's: it would pose as the latest daily worst value.
    """
    if len(buckets) < 2 or len(raw_ds) < 2:
        return buckets
    raw_step = pd.Timedelta(raw_ds.sort_values().diff().median())
    if raw_step >= period:
        return buckets
    if raw_ds.max() < buckets["ds"].iloc[-1] + period - raw_step:
        return buckets.iloc[:-1].reset_index(drop=True)
    return buckets


def _first(ds: pd.Series, hit: np.ndarray) -> pd.Timestamp | NaTType:
    idx = np.flatnonzero(hit)
    return ds.iloc[int(idx[0])] if len(idx) else pd.NaT


_TTT_COLUMNS = [
    "threshold", "metric", "text", "direction", "level", "last_ds", "last", "status",
    "earliest", "most_likely", "latest", "horizon_end", "model", "note",
]  # fmt: skip


def time_to_threshold(
    frame: pd.DataFrame,
    h: int | str | pd.Timedelta = "365d",
    *,
    rules: Planning | None = None,
    resample: str | None = "1d",
    min_history: pd.Timedelta = THRESHOLD_NEEDS,
    tz: str = "UTC",
    **forecast_options: Any,
) -> pd.DataFrame:
    """When each threshold will be crossed, with the 95% interval's earliest and latest dates
    (dates of ``tz``'s days when ``resample`` is daily: :func:`worst_per_period`).

    A series shorter than ``min_history`` is not forecast (status ``too little data``).

    Sub-daily series are first reduced to their daily maximum (minimum for a "below" threshold) with
    ``resample``: capacity is sized for the worst hour, not the average one. A threshold relative to
    another series (volume, quota) uses that series' last value, assumed constant over the horizon.
    Columns: threshold, metric, text, direction, level, last_ds, last, status (already crossed /
    crosses within horizon / may cross within horizon / not within horizon / no data / too little data),
    earliest,
    most_likely, latest (UTC timestamps; NaT when not within the horizon), horizon_end, model, note.
    """
    rules = rules or load_rules()
    rows = []
    for t in rules.thresholds:
        base: dict[str, Any] = {"threshold": t.name, "metric": t.metric, "text": t.text, "direction": t.direction}
        last = _last(frame, t.metric)
        ref = _last(frame, t.relative_to) if t.relative_to else None
        if last is None or (t.relative_to and ref is None):
            missing = t.metric if last is None else t.relative_to
            rows.append({**base, "status": NO_DATA, "note": f"no series {missing!r} in the frame"})
            continue
        short = _too_short(frame, t.metric, min_history)
        if short:
            rows.append({**base, "last_ds": last[0], "last": last[1], "status": TOO_LITTLE, "note": short})
            continue
        level = t.value if t.value is not None else t.fraction * ref[1]  # type: ignore[index]
        sub = frame[frame["unique_id"] == t.metric]
        if resample is not None:
            period = parse_duration(resample, field="resample")
            sub = worst_per_period(sub, t.direction, period, name=t.metric, tz=tz)
        fc, choice = auto_forecast(sub, h, executor="serial", **forecast_options)
        y_last = float(sub["y"].iloc[-1])
        if t.direction == "above":
            crossed = y_last >= level
            early, likely, late = fc["hi-95"] >= level, fc["mean"] >= level, fc["lo-95"] >= level
        else:
            crossed = y_last <= level
            early, likely, late = fc["lo-95"] <= level, fc["mean"] <= level, fc["hi-95"] <= level
        earliest = _first(fc["ds"], early.to_numpy())
        most = _first(fc["ds"], likely.to_numpy())
        latest = _first(fc["ds"], late.to_numpy())
        if crossed:
            status = "already crossed"
            earliest = most = latest = pd.NaT
        elif most is not pd.NaT:
            status = "crosses within horizon"
        elif earliest is not pd.NaT:
            status = "may cross within horizon"
        else:
            status = "not within horizon"
        rows.append(
            {
                **base,
                "level": level,
                "last_ds": last[0],
                "last": y_last,
                "status": status,
                "earliest": earliest,
                "most_likely": most,
                "latest": latest,
                "horizon_end": fc["ds"].iloc[-1],
                "model": fc["model"].iloc[0],
                "note": choice.loc[0, "note"],
            }
        )
    out = pd.DataFrame(rows, columns=_TTT_COLUMNS)
    for c in ("earliest", "most_likely", "latest", "last_ds", "horizon_end"):
        if c in out.columns:
            out[c] = pd.to_datetime(out[c], utc=True)
    return out
