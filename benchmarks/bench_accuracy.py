"""Forecast accuracy out of sample on a real panel: the published forecast (``capacity.auto_forecast``,
default choice and calibration: what ``capacity forecast`` publishes) against seasonal naive and
the peers, from 4-5 origins per series (``benchmarks/accuracy.py`` says how it is scored).

Peers, when installed (``pip install '.[bench]'``): statsforecast (SeasonalNaive, AutoETS, AutoTheta,
AutoARIMA where affordable, MSTL with every season the history allows, and ``sf_auto``: its lowest
3-window backtest MASE) and Prophet (defaults).

Printed: one row per series (MASE ratio to seasonal naive for ours, statsforecast's auto choice,
its best model in hindsight and Prophet; our 80/95% coverage; seconds per origin), then the panel
pooled (geometric mean of the ratios, coverage over every point) and the issue's targets.

Peers' forecasts are cached in ``.bench-cache/accuracy`` (keyed by peer version and data given;
statsforecast's backtested choice takes about a minute per origin of a 5-minute series), so the first
run is long and later ones are not; ours are computed every run. The speed line re-times
statsforecast's AutoETS and Prophet fresh, on the 5-minute series, in every run.

Environment: BENCH_ACCURACY_SERIES (comma-separated names, default all), BENCH_ACCURACY_PEERS
(``statsforecast,prophet`` by default when installed; ``none`` for ours only), BENCH_CACHE_DIR
(default ``.bench-cache``; ``none`` recomputes the peers).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import accuracy as acc
from benchmarks.panel import load_panel

PEERS = ("statsforecast", "prophet")


def _peers() -> list[str]:
    asked = os.environ.get("BENCH_ACCURACY_PEERS")
    names = PEERS if asked is None else tuple(p for p in asked.split(",") if p and p != "none")
    out = []
    for p in names:
        if importlib.util.find_spec(p) is None:
            print(f"(peer {p} not installed: pip install '.[bench]')")
        else:
            out.append(p)
    return out


def _methods(s, peers: list[str]) -> dict:
    methods = {"capacity": partial(_ours, h=s.h)}
    if "statsforecast" in peers:
        methods["statsforecast"] = partial(_sf, h=s.h, freq=s.freq, season=s.season)
    if "prophet" in peers:
        methods["prophet"] = partial(_prophet, h=s.h)
    return methods


def _ours(o, h):
    return acc.ours(o, h)


def _sf(o, h, freq, season):
    return acc.statsforecast(o, h, freq, season)


def _prophet(o, h):
    return acc.prophet(o, h)


def _fmt(x: float, spec: str = ".2f") -> str:
    return format(x, spec) if np.isfinite(x) else "-"


def main() -> None:
    names = [n for n in os.environ.get("BENCH_ACCURACY_SERIES", "").split(",") if n]
    panel = load_panel(names or None)
    peers = _peers()
    cache = _cache()
    print(f"{len(panel)} series, peers: {', '.join(peers) or 'none'}", flush=True)
    parts = []
    for s in panel:
        t0 = time.perf_counter()
        got = acc.run_series(s, _methods(s, peers), cache=cache)
        parts.append(got.assign(kind=s.kind))
        errors = got[got["error"].notna()] if "error" in got else got.iloc[0:0]
        for r in errors.itertuples():
            print(f"  {s.name} {r.origin:%Y-%m-%d %H:%M} {r.method}: {r.error}", file=sys.stderr)
        print(f"  {s.name}: {time.perf_counter() - t0:.1f} s", flush=True)
    scores = pd.concat(parts, ignore_index=True)
    table = acc.pooled(scores)
    _print(table, panel, peers)
    if peers:
        _speed(panel, peers)


def _cache() -> acc.PeerCache:
    root = os.environ.get("BENCH_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".bench-cache"))
    return acc.PeerCache(None if root == "none" else Path(root) / "accuracy")


def _speed(panel, peers: list[str]) -> None:
    """Fresh timings on the 5-minute series of two weeks or more, at their last origin: our whole
    published forecast (choice by backtest + calibration) against one AutoETS fit, and Prophet."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    five = [s for s in panel if s.freq == "5min" and len(s.frame) >= 14 * 288]
    if not five:
        return
    ratios, prophet_ratios = [], []
    for s in five[:3]:
        o = list(acc.origins(s.frame, s.freq, s.h, 1, s.season))[-1]
        ours = acc.ours(o, s.h).seconds
        y = acc.filled(o)
        df = pd.DataFrame({"unique_id": s.name, "ds": o.grid["ds"].dt.tz_localize(None), "y": y})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            StatsForecast(models=[AutoETS(season_length=s.season[0])], freq=s.freq, n_jobs=1).forecast(
                df=df, h=s.h, level=[80, 95]
            )
            ets = time.perf_counter() - t0
        ratios.append(ets / ours)
        line = f"  {s.name}: ours {ours:.2f} s, statsforecast AutoETS {ets:.2f} s ({ets / ours:.1f}x)"
        if "prophet" in peers:
            pr = acc.prophet(o, s.h).seconds
            prophet_ratios.append(pr / ours)
            line += f", Prophet {pr:.2f} s ({pr / ours:.1f}x)"
        print(line)
    print(
        f"speed: one AutoETS fit / our published forecast, 5-minute series: median {np.median(ratios):.1f}x "
        f"(target >= 5x)" + (f"; Prophet / ours {np.median(prophet_ratios):.1f}x" if prophet_ratios else "")
    )


def _print(table: pd.DataFrame, panel, peers: list[str]) -> None:
    kinds = {s.name: s.kind for s in panel}
    by = {m: g.set_index("series") for m, g in table.groupby("method")}
    sf_models = [m for m in by if m not in ("capacity", "seasonal_naive", "sf_auto", "prophet")]
    rows = []
    for s in panel:
        n = s.name
        ours = by["capacity"].loc[n] if n in by.get("capacity", pd.DataFrame()).index else None
        if ours is None:
            continue
        best_sf = min(
            ((by[m].loc[n, "ratio"], m) for m in sf_models if n in by[m].index and np.isfinite(by[m].loc[n, "ratio"])),
            default=(np.nan, ""),
        )
        rows.append(
            {
                "series": n,
                "kind": kinds[n],
                "ours": ours["ratio"],
                "cov80": ours["cov80"],
                "cov95": ours["cov95"],
                "model": ours["models"],
                "sf_auto": by["sf_auto"].loc[n, "ratio"] if "sf_auto" in by and n in by["sf_auto"].index else np.nan,
                "sf_best": best_sf[0],
                "sf_best_model": best_sf[1],
                "sn_is_best_sf": best_sf[1] == "SeasonalNaive",
                "prophet": by["prophet"].loc[n, "ratio"] if "prophet" in by and n in by["prophet"].index else np.nan,
                "s_ours": ours["seconds"],
                "s_sf": by["sf_auto"].loc[n, "seconds"] if "sf_auto" in by and n in by["sf_auto"].index else np.nan,
                "s_prophet": by["prophet"].loc[n, "seconds"]
                if "prophet" in by and n in by["prophet"].index
                else np.nan,
                "points": ours["points"],
                "in80": ours["inside80"],
                "in95": ours["inside95"],
            }
        )
    t = pd.DataFrame(rows)
    print("\nMASE ratio to seasonal naive per series (pooled over its origins; below 1 beats it)")
    head = (
        f"{'series':28} {'kind':26} {'ours':>6} {'cov80':>6} {'cov95':>6} {'sf auto':>8} {'sf best':>8} "
        f"{'prophet':>8} {'s/origin ours':>13} {'sf':>7} {'prophet':>8}  model (ours) / best sf"
    )
    print(head)
    for r in t.itertuples():
        print(
            f"{r.series:28.28} {r.kind:26.26} {_fmt(r.ours):>6} {_fmt(r.cov80):>6} {_fmt(r.cov95):>6} "
            f"{_fmt(r.sf_auto):>8} {_fmt(r.sf_best):>8} {_fmt(r.prophet):>8} {_fmt(r.s_ours, '.1f'):>13} "
            f"{_fmt(r.s_sf, '.1f'):>7} {_fmt(r.s_prophet, '.1f'):>8}  {r.model} / {r.sf_best_model}"
        )
    cov80 = t["in80"].sum() / t["points"].sum()
    cov95 = t["in95"].sum() / t["points"].sum()
    print(
        f"\npanel ({len(t)} series): geometric-mean MASE ratio ours {_fmt(acc.gmean(t['ours']), '.3f')}, "
        f"statsforecast auto {_fmt(acc.gmean(t['sf_auto']), '.3f')}, best statsforecast in hindsight "
        f"{_fmt(acc.gmean(t['sf_best']), '.3f')}, Prophet {_fmt(acc.gmean(t['prophet']), '.3f')}"
    )
    print(f"coverage pooled over every point: 80% -> {cov80:.3f}, 95% -> {cov95:.3f}")
    limit = np.where(t["sn_is_best_sf"], 1.05, 1.0)
    over = t[t["ours"] > limit]
    print(
        f"targets: ratio <= 1.0 (1.05 where seasonal naive is statsforecast's best): "
        f"{len(t) - len(over)} of {len(t)} series"
        + (f" (over: {', '.join(f'{r.series} {r.ours:.2f}' for r in over.itertuples())})" if len(over) else "")
    )
    low = t[t["cov80"] < 0.6]
    print(
        f"targets: 80% coverage in 0.72-0.88 pooled: {'yes' if 0.72 <= cov80 <= 0.88 else 'NO'}; "
        f"95% in 0.90-0.98: {'yes' if 0.90 <= cov95 <= 0.98 else 'NO'}; "
        f"series below 0.60 at 80%: {', '.join(low['series']) or 'none'}"
    )
    if peers:
        print(
            f"targets: ours below statsforecast auto (gmean): "
            f"{'yes' if acc.gmean(t['ours']) < acc.gmean(t['sf_auto']) else 'NO'}; below Prophet: "
            f"{'yes' if acc.gmean(t['ours']) < acc.gmean(t['prophet']) else 'NO'}"
        )
        speed = t["s_sf"] / t["s_ours"]
        print(f"seconds per origin, statsforecast auto / ours: median {_fmt(float(np.nanmedian(speed)), '.1f')}x")


if __name__ == "__main__":
    main()
