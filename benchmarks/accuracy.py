"""Out-of-sample scoring of forecasts on the real panel (``benchmarks/panel.py``): the core that
``bench_accuracy`` prints and ``tests/integration/test_forecast_accuracy.py`` checks.

For each series, ``origins`` forecast origins spaced ``h`` apart end at ``len - h``: a method is given
the series *as the user has it* up to the origin (the raw rows, gaps and duplicates included; peers
that need a regular grid get it filled by linear interpolation) and forecasts ``h`` steps; its
forecast is compared, step by step, with the series' values on its grid after the origin.

Scores per origin: MASE (mean absolute error over the in-sample seasonal-naive MAE of the history
given, season = the series' primary period), its ratio to seasonal naive's MASE on the same origin,
sMAPE, 80/95% coverage, Winkler scores (interval width plus 2/alpha times the miss, over the MASE
scale), and seconds. Pooled per series: the mean MASE over its origins (ratios of those means), the
coverage over every scored point.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

LEVELS = (80, 95)


@dataclass(frozen=True)
class Origin:
    """One forecast origin of one series: what the methods are given and what happened after."""

    series: str
    index: int  # position of the origin on the series' grid
    cutoff: pd.Timestamp  # the grid time of the origin (the last point given)
    given: pd.DataFrame  # the raw rows up to the origin (canonical frame)
    grid: pd.DataFrame  # the given history on the grid: ds, y (NaN where the grid has no sample)
    truth: np.ndarray  # the next h grid values (NaN where the series has no sample)
    future: pd.DatetimeIndex  # their grid times
    scale: float  # in-sample seasonal-naive MAE of the history given
    season: int  # the primary seasonal period used for the scale and seasonal naive


@dataclass(frozen=True)
class Prediction:
    """A method's forecast at one origin, aligned by position with the truth."""

    mean: np.ndarray
    lo: dict[int, np.ndarray] = field(default_factory=dict)
    hi: dict[int, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0
    model: str = ""


def on_grid(frame: pd.DataFrame, freq: str) -> pd.Series:
    """The series on its grid (left-labelled bins of ``freq``, mean of the samples in a bin)."""
    s = frame.set_index("ds")["y"].sort_index()
    offset = pd.tseries.frequencies.to_offset(freq)
    if isinstance(offset, pd.offsets.Tick):
        return s.resample(freq, label="left", closed="left", origin="start").mean()
    return s.resample(freq, label="left", closed="left").mean()


def origins(frame: pd.DataFrame, freq: str, h: int, n: int, season: tuple[int, ...]) -> Iterator[Origin]:
    """The ``n`` origins of a series, oldest first."""
    grid = on_grid(frame, freq)
    times = grid.index
    values = grid.to_numpy(dtype="float64")
    m = season[0] if season else 1
    name = str(frame["unique_id"].iloc[0])
    for j in range(n, 0, -1):
        c = len(grid) - 1 - j * h
        edge = times[c + 1]  # the raw rows of the bins up to the origin
        given = frame[frame["ds"] < edge].reset_index(drop=True)
        hist = values[: c + 1]
        yield Origin(
            name,
            c,
            times[c],
            given,
            pd.DataFrame({"ds": times[: c + 1], "y": hist}),
            values[c + 1 : c + 1 + h],
            times[c + 1 : c + 1 + h],
            scale_of(hist, m),
            m,
        )


def scale_of(y: np.ndarray, m: int) -> float:
    """In-sample seasonal-naive MAE (naive when the history is shorter than two seasons)."""
    m = m if len(y) > 2 * m else 1
    d = np.abs(y[m:] - y[:-m])
    d = d[np.isfinite(d)]
    return float(d.mean()) if len(d) and d.mean() > 0 else 1.0


def filled(o: Origin) -> np.ndarray:
    """The given history on the grid, gaps filled linearly (ends held): what grid-only peers need."""
    return pd.Series(o.grid["y"].to_numpy()).interpolate(limit_direction="both").to_numpy(dtype="float64")


def seasonal_naive(o: Origin) -> Prediction:
    """Repeat the last season of the filled grid history."""
    t0 = time.perf_counter()
    y = filled(o)
    m = o.season if len(y) >= o.season else 1
    h = len(o.truth)
    mean = np.array([y[len(y) - m + (k % m)] for k in range(h)])
    return Prediction(mean, seconds=time.perf_counter() - t0, model="seasonal_naive")


# ------------------------------------------------------------------ methods


def ours(o: Origin, h: int, **options: Any) -> Prediction:
    """The published forecast: ``capacity.auto_forecast`` with its default choice and calibration."""
    from capacity.forecasting import auto_forecast

    t0 = time.perf_counter()
    # what `capacity forecast --source FILE` is given: a duplicated timestamp keeps the row written last
    given = o.given.drop_duplicates("ds", keep="last").reset_index(drop=True)
    fc, choice = auto_forecast(given, h, executor="serial", **options)
    seconds = time.perf_counter() - t0
    fc = fc.sort_values("ds").head(h)
    return Prediction(
        fc["mean"].to_numpy(dtype="float64"),
        {lv: fc[f"lo-{lv}"].to_numpy(dtype="float64") for lv in LEVELS},
        {lv: fc[f"hi-{lv}"].to_numpy(dtype="float64") for lv in LEVELS},
        seconds,
        str(choice["model"].iloc[0]),
    )


def statsforecast_models(season: tuple[int, ...], n: int) -> list[Any]:
    """SeasonalNaive, AutoETS, AutoTheta, AutoARIMA (where affordable) and MSTL with every season
    the history allows (two full cycles)."""
    from statsforecast.models import MSTL, AutoARIMA, AutoETS, AutoTheta, SeasonalNaive

    m = season[0] if season and n > 2 * season[0] else 1
    models: list[Any] = [SeasonalNaive(season_length=m), AutoETS(season_length=m), AutoTheta(season_length=m)]
    if n <= 1000 and m <= 24:  # longer histories or a period of 52: many minutes per fit
        models.append(AutoARIMA(season_length=m))
    seasons = [p for p in season if n > 2 * p]
    if seasons:
        models.append(MSTL(season_length=seasons, trend_forecaster=AutoETS(model="ZZN"), alias="MSTL"))
    return models


def statsforecast(o: Origin, h: int, freq: str, season: tuple[int, ...]) -> dict[str, Prediction]:
    """Every statsforecast model's forecast, and ``sf_auto``: the model with the lowest MASE on a
    3-window backtest (windows of ``h``) of the history given, timed with its backtest."""
    from statsforecast import StatsForecast

    y = filled(o)
    df = pd.DataFrame({"unique_id": o.series, "ds": o.grid["ds"].dt.tz_localize(None), "y": y})
    models = statsforecast_models(season, len(y))
    out: dict[str, Prediction] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        sf = StatsForecast(models=models, freq=freq, n_jobs=1)
        cv_ok = len(y) > 3 * h + 2 * (season[0] if season else 1)
        cv = sf.cross_validation(df=df, h=h, n_windows=3, step_size=h) if cv_ok else None
        t_cv = time.perf_counter() - t0
        fc = sf.forecast(df=df, h=h, level=list(LEVELS))
        t_all = time.perf_counter() - t0
    names = [repr(mdl) if not hasattr(mdl, "alias") else mdl.alias for mdl in models]
    for name in names:
        if name not in fc.columns:
            continue
        out[name] = Prediction(
            fc[name].to_numpy(dtype="float64"),
            {lv: fc[f"{name}-lo-{lv}"].to_numpy(dtype="float64") for lv in LEVELS if f"{name}-lo-{lv}" in fc},
            {lv: fc[f"{name}-hi-{lv}"].to_numpy(dtype="float64") for lv in LEVELS if f"{name}-hi-{lv}" in fc},
            (t_all - t_cv) / len(names),
            name,
        )
    if cv is not None:
        err = {n: float(np.nanmean(np.abs(cv[n] - cv["y"]))) for n in names if n in cv.columns}
        best = min(err, key=lambda k: err[k] if np.isfinite(err[k]) else np.inf)
    else:
        best = next(iter(out))
    chosen = out[best]
    out["sf_auto"] = Prediction(chosen.mean, chosen.lo, chosen.hi, t_all, best)
    return out


def prophet(o: Origin, h: int) -> Prediction:
    """Prophet with its defaults on the raw rows given; 80 and 95% intervals from one fit's samples."""
    import logging

    from prophet import Prophet

    for name in ("prophet", "cmdstanpy"):
        logging.getLogger(name).setLevel(logging.ERROR)
    t0 = time.perf_counter()
    g = o.given.groupby("ds", as_index=False)["y"].mean()
    df = pd.DataFrame({"ds": g["ds"].dt.tz_localize(None), "y": g["y"]})
    m = Prophet(uncertainty_samples=400)
    m.fit(df)
    future = pd.DataFrame({"ds": o.future.tz_localize(None)})
    mean = m.predict(future)["yhat"].to_numpy(dtype="float64")
    samples = m.predictive_samples(future)["yhat"]
    lo = {lv: np.quantile(samples, (1 - lv / 100) / 2, axis=1) for lv in LEVELS}
    hi = {lv: np.quantile(samples, 1 - (1 - lv / 100) / 2, axis=1) for lv in LEVELS}
    return Prediction(mean, lo, hi, time.perf_counter() - t0, "prophet")


# ------------------------------------------------------------------ scores


def score(o: Origin, p: Prediction) -> dict[str, float]:
    """One origin's scores of one prediction (NaN-safe: points without truth are left out)."""
    y = o.truth
    n = min(len(y), len(p.mean))
    y, mean = y[:n], p.mean[:n]
    ok = np.isfinite(y)
    err = np.abs(mean[ok] - y[ok])
    out: dict[str, float] = {
        "mase": float(err.mean() / o.scale) if ok.any() else np.nan,
        "smape": float(np.mean(2 * err / np.maximum(np.abs(mean[ok]) + np.abs(y[ok]), 1e-12))) if ok.any() else np.nan,
        "points": float(ok.sum()),
        "seconds": p.seconds,
    }
    for lv in LEVELS:
        if lv not in p.lo:
            out[f"inside-{lv}"] = np.nan
            out[f"winkler-{lv}"] = np.nan
            continue
        lo, hi = p.lo[lv][:n][ok], p.hi[lv][:n][ok]
        inside = (y[ok] >= lo) & (y[ok] <= hi)
        alpha = 1 - lv / 100
        wink = (hi - lo) + (2 / alpha) * (np.maximum(lo - y[ok], 0) + np.maximum(y[ok] - hi, 0))
        out[f"inside-{lv}"] = float(inside.sum())
        out[f"winkler-{lv}"] = float(wink.mean() / o.scale)
    return out


class PeerCache:
    """Peers' predictions on disk, keyed by the peer's version and everything its answer depends on
    (series, origin, horizon, grid, seasons, the data given), so a second ``make bench`` does not spend
    hours refitting statsforecast on 5-minute series. Our own forecasts are never cached; the speed
    comparison in ``bench_accuracy`` re-times a peer fresh in every run."""

    def __init__(self, root: Path | None) -> None:
        self.root = root

    def key(self, peer: str, o: Origin, *parts: object) -> str:
        from importlib.metadata import version

        h = hashlib.sha256()
        h.update(f"{peer} {version(peer)} {o.series} {o.cutoff} {parts}".encode())
        h.update(pd.DatetimeIndex(o.given["ds"]).asi8.tobytes())
        h.update(o.given["y"].to_numpy(dtype="float64").tobytes())
        return h.hexdigest()[:32]

    def get(self, key: str) -> dict[str, Prediction] | None:
        if self.root is None or not (self.root / f"{key}.json").exists():
            return None
        doc = json.loads((self.root / f"{key}.json").read_text())
        return {
            name: Prediction(
                np.array(p["mean"], dtype="float64"),
                {int(k): np.array(v, dtype="float64") for k, v in p["lo"].items()},
                {int(k): np.array(v, dtype="float64") for k, v in p["hi"].items()},
                float(p["seconds"]),
                str(p["model"]),
            )
            for name, p in doc.items()
        }

    def put(self, key: str, preds: dict[str, Prediction]) -> None:
        if self.root is None:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        doc = {
            name: {
                "mean": [float(x) for x in p.mean],
                "lo": {str(k): [float(x) for x in v] for k, v in p.lo.items()},
                "hi": {str(k): [float(x) for x in v] for k, v in p.hi.items()},
                "seconds": p.seconds,
                "model": p.model,
            }
            for name, p in preds.items()
        }
        tmp = self.root / f".{key}.tmp"
        tmp.write_text(json.dumps(doc))
        tmp.replace(self.root / f"{key}.json")


def run_series(
    s: Any,
    methods: dict[str, Callable[[Origin], Prediction | dict[str, Prediction]]],
    *,
    cache: PeerCache | None = None,
    cached: tuple[str, ...] = ("statsforecast", "prophet"),
) -> pd.DataFrame:
    """Every method at every origin of one panel series: one row per (origin, method). The methods
    named in ``cached`` are read from and written to ``cache``."""
    rows = []
    for o in origins(s.frame, s.freq, s.h, s.origins, s.season):
        preds: dict[str, Prediction] = {"seasonal_naive": seasonal_naive(o)}
        for name, method in methods.items():
            key = cache.key(name, o, s.h, s.freq, s.season) if cache is not None and name in cached else None
            hit = cache.get(key) if cache is not None and key is not None else None
            if hit is not None:
                preds.update(hit)
                continue
            try:
                got = method(o)
            except Exception as exc:  # a peer failing on one origin is a gap in its row, not the end
                rows.append({"series": s.name, "origin": o.cutoff, "method": name, "error": repr(exc)[:200]})
                continue
            got = got if isinstance(got, dict) else {name: got}
            if cache is not None and key is not None:
                cache.put(key, got)
            preds.update(got)
        for name, p in preds.items():
            rows.append({"series": s.name, "origin": o.cutoff, "method": name, "model": p.model, **score(o, p)})
    return pd.DataFrame(rows)


def pooled(scores: pd.DataFrame) -> pd.DataFrame:
    """Per series and method: mean MASE over the origins, its ratio to seasonal naive's, coverage over
    all scored points, mean Winkler, seconds per origin, and the models chosen."""
    ok = scores[scores.get("mase").notna()] if "mase" in scores else scores.iloc[0:0]
    g = ok.groupby(["series", "method"], sort=False)
    out = g.agg(
        mase=("mase", "mean"),
        smape=("smape", "mean"),
        points=("points", "sum"),
        inside80=("inside-80", lambda v: v.sum(min_count=1)),
        inside95=("inside-95", lambda v: v.sum(min_count=1)),
        winkler80=("winkler-80", "mean"),
        seconds=("seconds", "mean"),
        origins=("mase", "size"),
        models=("model", lambda m: ",".join(sorted(set(map(str, m))))),
    ).reset_index()
    out["cov80"] = out["inside80"] / out["points"]
    out["cov95"] = out["inside95"] / out["points"]
    sn = out[out["method"] == "seasonal_naive"].set_index("series")["mase"]
    out["ratio"] = out["mase"] / out["series"].map(sn)
    return out


def gmean(x: pd.Series) -> float:
    v = x[np.isfinite(x) & (x > 0)]
    return float(np.exp(np.log(v).mean())) if len(v) else np.nan
