"""Forecasting at scale: 1,000 daily series of two years, model choice by backtest + a 90-day forecast
with 80/95% intervals, serially and in parallel processes; Prophet (the usual peer) on a subset.

Accuracy is measured on 90 held-out days per series (the methods see 730 days, the next 90 are
the truth), as MASE against the training set's weekly seasonal-naive error, on the same series for
both. Prophet runs with its defaults. "Same work" for Prophet = the 3 backtest fits our choice makes
(so its intervals could be checked the same way) + the final fit; the final-fit-only time is shown too.
On the subset, ours and Prophet alternate series by series so that both see the same machine load.

Environment: BENCH_FORECAST_SERIES (1000), BENCH_FORECAST_SERIAL (series run serially, default all),
BENCH_FORECAST_PROPHET (50).
"""

from __future__ import annotations

import logging
import os
import time
import warnings

import numpy as np
import pandas as pd

from capacity.forecasting import auto_forecast
from capacity.forecasting.executors import AUTO_MIN_SERIES, cpu_count

HISTORY, H, WINDOWS = 730, 90, 3
#: the speed asked of us against Prophet (issue 11: 10x; 3x when the benchmark was written)
TARGET_RATIO, TARGET_SECONDS = 10.0, 300.0


def make_series(n_series: int, seed: int = 2026) -> pd.DataFrame:
    """Daily series with level, linear or exponential trend, weekly (and some yearly) seasonality, noise,
    occasional level shifts: the shapes capacity metrics take (users, bytes, requests)."""
    rng = np.random.default_rng(seed)
    t = np.arange(HISTORY + H, dtype="float64")
    ds = pd.date_range("2024-01-01", periods=len(t), freq="D", tz="UTC").as_unit("ns")
    parts = []
    for i in range(n_series):
        level = rng.uniform(50, 5000)
        kind = i % 4
        if kind == 0:
            trend = level * (1 + rng.uniform(-0.2, 1.0) * t / 365)
        elif kind == 1:
            trend = level * np.exp(rng.uniform(0.0, 0.8) * t / 365)
        elif kind == 2:
            trend = level + np.cumsum(rng.normal(0, level * 0.002, len(t)))
        else:
            trend = level * (1 + 0.3 * np.tanh((t - rng.uniform(200, 700)) / 60))
        weekly = rng.uniform(0, 0.3) * np.sin(2 * np.pi * (t + rng.integers(7)) / 7)
        yearly = rng.uniform(0, 0.15) * np.sin(2 * np.pi * t / 365.25) if i % 3 == 0 else 0.0
        noise = rng.normal(0, rng.uniform(0.01, 0.08), len(t))
        y = np.maximum(trend * (1 + weekly + yearly + noise), 0.0)
        parts.append(pd.DataFrame({"unique_id": f"s{i:04d}", "ds": ds, "y": y}))
    return pd.concat(parts, ignore_index=True)


def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    cut = frame["ds"].min() + pd.Timedelta(days=HISTORY - 1)
    return frame[frame["ds"] <= cut].reset_index(drop=True), frame[frame["ds"] > cut].reset_index(drop=True)


def mase(train: pd.DataFrame, test: pd.DataFrame, fc: pd.DataFrame, col: str = "mean") -> pd.Series:
    out = {}
    fc_by = dict(tuple(fc.groupby("unique_id")))
    for uid, g in train.groupby("unique_id"):
        y = g["y"].to_numpy()
        scale = np.mean(np.abs(y[7:] - y[:-7]))
        truth = test[test["unique_id"] == uid].set_index("ds")["y"]
        pred = fc_by[uid].set_index("ds")[col].reindex(truth.index)
        out[uid] = float(np.mean(np.abs(truth - pred)) / scale)
    return pd.Series(out)


def run_ours(train: pd.DataFrame, executor: object) -> tuple[pd.DataFrame, float]:
    t0 = time.perf_counter()
    fc, _ = auto_forecast(train, H, n_windows=WINDOWS, executor=executor)
    return fc, time.perf_counter() - t0


def _prophet_one(g: pd.DataFrame) -> tuple[pd.DataFrame, float, float]:
    from prophet import Prophet

    df = pd.DataFrame({"ds": g["ds"].dt.tz_localize(None), "y": g["y"].to_numpy()})
    t0 = time.perf_counter()
    for w in range(WINDOWS):  # the backtest fits (rolling origins 90 days apart)
        end = len(df) - H * (WINDOWS - w)
        m = Prophet()
        m.fit(df.iloc[:end])
        m.predict(m.make_future_dataframe(H, include_history=False))
    t1 = time.perf_counter()
    m = Prophet()
    m.fit(df)
    f = m.predict(m.make_future_dataframe(H, include_history=False))
    t2 = time.perf_counter()
    out = pd.DataFrame(
        {
            "unique_id": g["unique_id"].iloc[0],
            "ds": f["ds"].dt.tz_localize("UTC").dt.as_unit("ns"),
            "mean": np.maximum(f["yhat"].to_numpy(), 0.0),
        }
    )
    return out, t2 - t0, t2 - t1


def run_pair(train: pd.DataFrame) -> tuple[pd.DataFrame | None, pd.DataFrame, dict[str, float], str]:
    """Ours and Prophet series by series, alternating, so both see the same load on a shared machine."""
    try:
        import prophet  # noqa: F401
    except Exception as exc:  # ImportError, or cmdstan missing at import
        return None, pd.DataFrame(), {}, f"prophet unavailable: {type(exc).__name__}: {exc}"
    for name in ("cmdstanpy", "prophet"):
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.getLogger("cmdstanpy").disabled = True  # it logs every chain at INFO whatever its level
    times = {"ours": 0.0, "prophet": 0.0, "prophet_final": 0.0}
    ours, theirs = [], []
    for _, g in train.groupby("unique_id"):
        t0 = time.perf_counter()
        fc, _ = auto_forecast(g, H, n_windows=WINDOWS, executor="serial")
        times["ours"] += time.perf_counter() - t0
        ours.append(fc)
        p, t_all, t_final = _prophet_one(g)
        times["prophet"] += t_all
        times["prophet_final"] += t_final
        theirs.append(p)
    return pd.concat(theirs, ignore_index=True), pd.concat(ours, ignore_index=True), times, ""


def _traced(fn) -> tuple[float, float]:
    """(seconds, peak traced MiB) of ``fn()``: timed on a plain run, memory on a separate traced one."""
    import tracemalloc

    fn()
    t0 = time.perf_counter()
    fn()
    seconds = time.perf_counter() - t0
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 2**20


def _decomposition() -> None:
    """The daily + weekly decomposition of a two-year hourly series (what ``stl_ets`` does first): ours in
    numpy against statsmodels' MSTL with the same settings, the peer, time and peak traced memory."""
    from statsmodels.tsa.seasonal import MSTL

    from capacity.forecasting.stl import mstl

    n = 2 * 365 * 24
    t = np.arange(n, dtype="float64")
    rng = np.random.default_rng(7)
    y = 100 + 10 * np.sin(2 * np.pi * t / 24) + 5 * np.sin(2 * np.pi * t / 168) + np.cumsum(rng.normal(0, 0.1, n))
    kw = {"seasonal_deg": 0, "seasonal_jump": 1, "trend_jump": 4, "low_pass_jump": 4}
    ours = _traced(lambda: mstl(y, (24, 168), (11, 15), **kw))
    peer = _traced(lambda: MSTL(y, periods=(24, 168), windows=[11, 15], stl_kwargs=dict(kw)).fit())
    print(
        f"decomposition of {n} hourly points (24 + 168): ours {ours[0] * 1000:.0f} ms, peak {ours[1]:.0f} MiB; "
        f"statsmodels MSTL {peer[0] * 1000:.0f} ms, peak {peer[1]:.0f} MiB (x{peer[0] / ours[0]:.1f} faster, "
        f"memory x{ours[1] / max(peer[1], 1e-9):.1f})"
    )


def main() -> None:
    warnings.simplefilter("ignore")
    n = int(os.environ.get("BENCH_FORECAST_SERIES", 1000))
    n_serial = int(os.environ.get("BENCH_FORECAST_SERIAL", n))
    n_prophet = int(os.environ.get("BENCH_FORECAST_PROPHET", 50))
    train, test = split(make_series(n))
    ids = sorted(train["unique_id"].unique())
    print(
        f"{n} daily series x {HISTORY} days; choice by {WINDOWS}-window backtest + {H}-day forecast with "
        f"80/95% intervals; {cpu_count()} CPU(s)"
    )

    auto_forecast(train[train["unique_id"] == ids[0]], H, executor="serial")  # warm imports
    serial_ids = ids[:n_serial]
    fc_serial, t_serial = run_ours(train[train["unique_id"].isin(serial_ids)], "serial")
    print(
        f"serial:   {len(serial_ids):5d} series in {t_serial:7.1f} s = {len(serial_ids) / t_serial:6.1f} series/s "
        f"({t_serial / len(serial_ids) * 1000:.0f} ms/series)"
    )
    fc_par, t_par = run_ours(train, "processes")
    print(
        f"parallel: {n:5d} series in {t_par:7.1f} s = {n / t_par:6.1f} series/s ({t_par / n * 1000:.0f} ms/series, "
        f"x{(n / t_par) / (len(serial_ids) / t_serial):.2f} vs serial; the default executor picks it from "
        f"{AUTO_MIN_SERIES} series on)"
    )
    same = fc_par[fc_par["unique_id"].isin(serial_ids)].reset_index(drop=True)
    print(f"parallel result identical to serial: {same.equals(fc_serial.reset_index(drop=True))}")
    print(
        f"target 1,000 series < {TARGET_SECONDS:.0f} s on 2 cores: "
        f"{'PASS' if t_par * 1000 / n < TARGET_SECONDS else 'FAIL'} ({t_par * 1000 / n:.0f} s for 1,000)"
    )

    m_ours = mase(train, test, fc_par)
    snaive = fc_par.assign(mean=np.nan)
    last_week = {u: g["y"].to_numpy()[-7:] for u, g in train.groupby("unique_id")}
    nth = snaive.groupby("unique_id").cumcount()
    snaive["mean"] = [last_week[u][i % 7] for u, i in zip(snaive["unique_id"], nth, strict=False)]
    m_snaive = mase(train, test, snaive)
    inside = (test.set_index(["unique_id", "ds"])["y"] >= fc_par.set_index(["unique_id", "ds"])["lo-80"]) & (
        test.set_index(["unique_id", "ds"])["y"] <= fc_par.set_index(["unique_id", "ds"])["hi-80"]
    )
    print(
        f"holdout MASE, all {n}: ours mean {m_ours.mean():.3f} median {m_ours.median():.3f}; seasonal naive mean "
        f"{m_snaive.mean():.3f} median {m_snaive.median():.3f}; 80% interval coverage {inside.mean():.3f}"
    )

    _decomposition()

    sub = ids[:n_prophet]
    sub_train, sub_test = train[train["unique_id"].isin(sub)], test[test["unique_id"].isin(sub)]
    fc_p, fc_o, times, why = run_pair(sub_train)
    if fc_p is None:
        print(f"prophet: not run: {why}")
        return
    per_ours, per_p, per_p_final = (times[k] / len(sub) for k in ("ours", "prophet", "prophet_final"))
    m_p = mase(sub_train, sub_test, fc_p)
    mo = mase(sub_train, sub_test, fc_o)
    print(f"{len(sub)} series, ours and prophet alternating series by series (same load):")
    print(
        f"  ours {per_ours * 1000:.0f} ms/series; prophet same work ({WINDOWS} backtest fits + final) "
        f"{per_p * 1000:.0f} ms/series, final fit alone {per_p_final * 1000:.0f} ms/series"
    )
    print(
        f"  speed ratio prophet/ours: same work x{per_p / per_ours:.1f}; vs prophet's final fit alone "
        f"x{per_p_final / per_ours:.1f}"
    )
    print(
        f"  holdout MASE: ours mean {mo.mean():.3f} median {mo.median():.3f}; prophet mean {m_p.mean():.3f} "
        f"median {m_p.median():.3f}; ours better on {(mo < m_p).mean():.0%} of series"
    )
    ok = per_p / per_ours >= TARGET_RATIO and mo.mean() <= m_p.mean()
    print(
        f"target >= {TARGET_RATIO:.0f}x faster than prophet (same work) at equal or better MASE: "
        f"{'PASS' if ok else 'FAIL'}"
    )
