"""``capacity forecast [METRIC...] --horizon 90d``: per-series model choice by backtest, then the forecast."""
from __future__ import annotations

import argparse
import sys
from typing import Any

import pandas as pd

from ..core import frame as _frame
from ..core.errors import ConfigError
from ..sources import Source, fetch_all
from ..core.timeutil import format_time, parse_duration, parse_time
from ._common import (
    _short, add_format_args, add_range_args, add_source_args, emit, format_table, output_format, source_from_args, warn,
)

EXAMPLES = """\
examples:
  capacity forecast users_total db_size_bytes --horizon 90d
  capacity forecast request_rate --horizon 7d --step 1h --format json
  capacity forecast --source my-series.csv --horizon 30d --format csv      (a file of one series: timestamp,value or ds,y)
  capacity forecast --source wp.csv --horizon 90d --models seasonal_naive,stl_ets --explain

Each series gets the model with the best rolling-origin backtest (MASE) among the baselines (naive,
seasonal_naive, drift, linear_trend) and statsmodels models (ETS, STL/MSTL+ETS, on log scale for positive
series); intervals are calibrated on that backtest. Catalog bounds are respected (ratios stay in 0..1,
sizes non-negative). Output columns: unique_id, ds, model, mean, lo-80, hi-80, lo-95, hi-95, note.
--explain prints the choice per series (model, backtest MASE beside seasonal naive's, coverage) on stderr.
"""


# what load_history uses when --start is not given (help text of forecast and backtest)
HISTORY_START = "the whole history of a sample/file source; for a server, 4 horizons (at least 28 days) before --end"


def add_model_args(p: argparse.ArgumentParser, *, windows_default: int) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--horizon", required=True, metavar="H", help="how far ahead: 90d, 12h, 2w")
    from ..forecasting import model_names

    g.add_argument("--models", default="auto", metavar="A,B",
                   help="'auto' (default), 'all', or model aliases separated by commas: " + ", ".join(model_names()))
    g.add_argument("--windows", type=int, default=windows_default, metavar="N",
                   help=f"backtest windows (default: {windows_default})")
    g.add_argument("--season", metavar="P[,P]", help="seasonal period(s) in steps (default: inferred from the step)")
    g.add_argument("--jobs", metavar="N", help="worker processes (default: auto; 1 = serial)")


def models_arg(text: str) -> str | list[str]:
    if text in ("auto", "all"):
        return text
    items = [m.strip() for m in text.split(",") if m.strip()]
    if not items:
        raise ConfigError("--models: give 'auto', 'all' or model aliases", field="models")
    return items


def season_arg(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        return tuple(int(x) for x in text.split(","))
    except ValueError:
        raise ConfigError(f"--season: expected periods in steps like 7 or 24,168, got {text!r}", field="season") from None


def windows_arg(n: int) -> int:
    """``--windows``: at least one backtest window (zero would silently skip the choice)."""
    if n < 1:
        raise ConfigError(f"--windows must be at least 1, got {n}", field="windows")
    return n


def executor_arg(text: str | None) -> Any:
    if text is None:
        return None
    try:
        n = int(text)
    except ValueError:
        raise ConfigError(f"--jobs: expected a number of processes, got {text!r}", field="jobs") from None
    if n < 1:
        raise ConfigError(f"--jobs: must be at least 1, got {n}", field="jobs")
    return "serial" if n == 1 else n


def _is_file(src: Source) -> bool:
    return callable(getattr(src, "series", None))


def _default_step(metric: str, horizon: pd.Timedelta) -> pd.Timedelta:
    from ..metrics.catalog import catalog

    entry = catalog().find(metric)
    step = entry.step if entry is not None else pd.Timedelta(minutes=1)
    bucket = pd.Timedelta(days=1) if horizon >= pd.Timedelta(days=30) else (
        pd.Timedelta(hours=1) if horizon >= pd.Timedelta(days=2) else step)
    return max(step, bucket)


def bounds_for(metrics: list[str]) -> dict[str, tuple[float | None, float | None]]:
    """Physical bounds from the catalog; series not in it: non-negative if their history is."""
    from ..metrics.catalog import catalog

    cat = catalog()
    out = {}
    for m in metrics:
        entry = cat.find(m)
        if entry is not None:
            out[m] = (entry.lower, entry.upper)
    return out


def load_history(args: argparse.Namespace, horizon: pd.Timedelta, command: str) -> tuple[pd.DataFrame, list[str]]:
    """The series named on the command line (or the only one in a file) over the history range."""
    src = source_from_args(args)
    metrics = list(dict.fromkeys(args.metrics))
    if not metrics:
        if not _is_file(src):
            raise ConfigError(f"{command}: give at least one METRIC (a catalog name; see 'capacity pull --list')",
                              field="metrics")
        ids = list(src.series())  # type: ignore[attr-defined]
        if len(ids) != 1:
            raise ConfigError(f"{command}: {src.name} holds {len(ids)} series; name the ones to use: "
                              f"{', '.join(ids[:10])}", field="metrics")
        metrics = ids
    span = src.span()
    end = parse_time(args.end, field="--end") if args.end else (span[1] if span else pd.Timestamp.now(tz="UTC"))
    if args.start:
        start = parse_time(args.start, field="--start")
    elif span:
        start = span[0]
    else:
        start = end - max(4 * horizon, pd.Timedelta(days=28))
    if start >= end:
        why = f" (the end of the data of {src.name}; give --end)" if span and not args.end else ""
        raise ConfigError(f"--start {_short(start)} is not before --end {_short(end)}{why}", field="start")
    frames = []
    fixed = parse_duration(args.step, field="--step") if args.step else None
    steps = [fixed if fixed is not None else (None if _is_file(src) else _default_step(m, horizon)) for m in metrics]
    for m, got in zip(metrics, fetch_all(src, [(m, start, end, step) for m, step in zip(metrics, steps)])):  # type: ignore[misc]
        for w in got.warnings:
            warn(command, w)
        if got.frame.empty:
            raise ConfigError(f"{command}: no data for {m!r} in {format_time(start)} .. {format_time(end)} from {src.name}",
                              field="metrics")
        frames.append(got.frame)
    return _frame.validate(_frame.concat(frames), name=f"{command} input from {src.name}"), metrics


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> argparse.ArgumentParser:
    p = sub.add_parser("forecast", help="forecast series with intervals; model chosen per series by backtest",
                       description="Forecast series with 80%/95% intervals; the model is chosen per series by a "
                       "rolling-origin backtest.", epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("metrics", nargs="*", metavar="METRIC",
                   help="catalog name or series of a file source (optional when the file holds one series)")
    add_model_args(p, windows_default=3)
    p.add_argument("--explain", action="store_true", help="print the model choice per series on stderr")
    p.add_argument("--thorough", action="store_true",
                   help="choose among every model, SARIMAX and seasonal/multiplicative ETS included (slower)")
    p.add_argument("--ci", action="store_true", help="CI mode: forecast the planning thresholds into --ci-dir "
                   "(capacity-forecast.md + PNG charts, capacity-forecast.json); exit 0 clear, 1 crossed, 2 error")
    p.add_argument("--ci-dir", default="reports", metavar="DIR", help="where --ci writes (default: reports/)")
    add_source_args(p)
    add_range_args(p, start_default=HISTORY_START)
    add_format_args(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from ..forecasting import auto_forecast, forecast

    if args.ci:
        from .report import run_forecast_ci

        return run_forecast_ci(args)
    output_format(args)  # check --out/--format before any work
    horizon = parse_duration(args.horizon, field="--horizon")
    models = models_arg(args.models)
    windows_arg(args.windows)
    if args.thorough and models != "auto":
        raise ConfigError("--thorough chooses among every model; leave out --models", field="thorough")
    frame, metrics = load_history(args, horizon, "forecast")
    common = dict(season=season_arg(args.season), bounds=bounds_for(metrics) or None, executor=executor_arg(args.jobs))
    if models == "auto" or args.thorough:
        fc, choice = auto_forecast(frame, horizon, models="all" if args.thorough else "auto",
                                   n_windows=windows_arg(args.windows), **common)
        if args.explain:
            cols = ["unique_id", "model", "mase", "seasonal_naive_mase", "coverage-80", "coverage-95",
                    "calibration-80", "windows", "fallback", "note"]
            sys.stderr.write(format_table(choice[cols].fillna({"note": ""})))  # no "NaN" for "no note"
    else:
        fc = forecast(frame, horizon, models=models, **common)
    for uid, note in fc.drop_duplicates("unique_id")[["unique_id", "note"]].itertuples(index=False):
        if isinstance(note, str) and "fallback" in note:
            warn("forecast", f"{uid}: {note}")
    emit(fc, args)
    return 0
