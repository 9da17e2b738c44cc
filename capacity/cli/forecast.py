"""``capacity forecast [METRIC...] --horizon 90d``: per-series model choice by backtest, then the forecast."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pandas as pd

from ..app import forecast as app_forecast
from ..core.errors import ConfigError
from ..forecasting.executors import cpu_count
from ..present.text import table
from ..report.summary import crossing_words
from ._common import (
    RANGE_FIELDS,
    add_format_args,
    add_range_args,
    add_source_args,
    duration,
    emit,
    exit_status,
    output_format,
    print_warnings,
    project_from_args,
    source_from_args,
    warn,
)

EXAMPLES = """\
examples:
  capacity forecast users_total db_size_bytes --horizon 90d
  capacity forecast request_rate --horizon 7d --step 1h --format json
  capacity forecast --source my-series.csv --horizon 30d --format csv      (a file of one series: timestamp,value or ds,y)
  capacity forecast --source wp.csv --horizon 90d --models seasonal_naive,stl_ets --explain

Each series gets the model with the best rolling-origin backtest (MASE) among the baselines (naive,
seasonal_naive, and drift where a drift term lowers a random walk's AICc), ETS without a trend or with a
damped one (by AICc), the optimised Theta method and STL/MSTL+ETS (on log scale for positive series;
seasonal ETS for monthly and quarterly data), or the mean of the two best; intervals are calibrated on
earlier backtest windows that did not choose the model (widened halfway towards the choosing windows'
errors where those were larger). Catalog bounds are respected (ratios stay in 0..1, sizes non-negative).
Output columns: unique_id, ds, model, mean, lo-80, hi-80, lo-95, hi-95, note.
--explain prints the choice per series on stderr: model, backtest MASE beside seasonal naive's, the
coverage of the held-out calibration's intervals on windows that did not calibrate them, and the
calibration.
"""  # noqa: E501 (help examples, one per line)


# what load_history uses when --start is not given (help text of forecast and backtest)
HISTORY_START = "the whole history of a sample/file source; for a server, 4 horizons (at least 28 days) before --end"


def add_model_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--horizon", required=True, metavar="H", help="how far ahead: 90d, 12h, 2w")
    from ..forecasting import model_names

    g.add_argument(
        "--models",
        default="auto",
        metavar="A,B",
        help="'auto' (default), 'all', or model aliases separated by commas: " + ", ".join(model_names()),
    )
    g.add_argument(
        "--windows",
        type=int,
        metavar="N",
        help="backtest windows (default: 3; to choose a model for a series with a fixed step and a season, "
        "as many as span its longest season up to a week, at most 7: a day ahead of an hourly series is "
        "chosen on every weekday)",
    )
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
        periods = tuple(int(x) for x in text.split(","))
    except ValueError:
        raise ConfigError(
            f"--season: expected periods in steps like 7 or 24,168, got {text!r}", field="season"
        ) from None
    bad = [p for p in periods if p < 1]
    if bad:
        raise ConfigError(
            f"--season: a period is a number of steps, at least 1 (1 = no season), got {bad[0]}", field="season"
        )
    return periods


def windows_arg(n: int | None) -> int | None:
    """``--windows``: at least one backtest window (zero would silently skip the choice); None: the default."""
    if n is not None and n < 1:
        raise ConfigError(f"--windows must be at least 1, got {n}", field="windows")
    return n


def executor_arg(text: str | None, command: str = "forecast") -> Any:
    """``--jobs N``: processes to forecast with, at most the machine's CPUs (clamped, and said so)."""
    if text is None:
        return None
    try:
        n = int(text)
    except ValueError:
        raise ConfigError(f"--jobs: expected a number of processes, got {text!r}", field="jobs") from None
    if n < 1:
        raise ConfigError(f"--jobs: must be at least 1, got {n}", field="jobs")
    most = cpu_count()
    if n > most:
        warn(command, f"--jobs {n}: this machine has {most} CPU{'s' if most > 1 else ''}; using {most}")
        n = most
    return "serial" if n == 1 else n


def add_history_head(p: argparse.ArgumentParser) -> None:
    """METRIC... and the model options of a forecasting command."""
    p.add_argument(
        "metrics",
        nargs="*",
        metavar="METRIC",
        help="catalog name or series of a file source (optional when the file holds one series)",
    )
    add_model_args(p)


def add_history_tail(p: argparse.ArgumentParser) -> None:
    """The source, history range and output options after a forecasting command's own."""
    add_source_args(p)
    add_range_args(p, start_default=HISTORY_START)
    add_format_args(p)


HELP = "forecast series with intervals; model chosen per series by backtest"
DESCRIPTION = "Forecast series with 80%/95% intervals; the model is chosen per series by a rolling-origin backtest."


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_history_head(p)
    p.add_argument("--explain", action="store_true", help="print the model choice per series on stderr")
    p.add_argument(
        "--thorough",
        action="store_true",
        help="choose among every model, SARIMAX and seasonal/multiplicative ETS included (slower)",
    )
    p.add_argument(
        "--ci",
        action="store_true",
        help="CI mode: forecast the planning thresholds into --ci-dir "
        "(capacity-forecast.md + PNG charts, capacity-forecast.json); "
        "exit 0 clear, 1 crossed, 2 error or nothing forecast",
    )
    p.add_argument("--ci-dir", default="reports", metavar="DIR", help="where --ci writes (default: reports/)")
    add_history_tail(p)


def inputs_from_args(args: argparse.Namespace, *, step: str | None = None) -> app_forecast.Inputs:
    """The history options (METRIC..., --source, --start, --end, --step) as the use cases take them."""
    step_text = args.step or step
    return app_forecast.Inputs(
        args.metrics,
        source_from_args(args),
        args.start,
        args.end,
        duration(step_text, "--step"),
        project_from_args(args),
        RANGE_FIELDS,
    )


def models_from_args(args: argparse.Namespace) -> app_forecast.Models:
    """--models, --windows, --season and --jobs as the use cases take them."""
    return app_forecast.Models(
        models_arg(args.models),
        windows_arg(args.windows),
        season_arg(args.season),
        executor_arg(args.jobs, args.command),
    )


def run(args: argparse.Namespace) -> int:
    if args.ci:
        return run_ci(args)
    output_format(args)  # check --out/--format before any work
    horizon = duration(args.horizon, "--horizon")
    got = app_forecast.forecast(inputs_from_args(args), horizon, models_from_args(args), thorough=args.thorough)
    if args.explain and got.choice is not None:
        cols = [
            "unique_id",
            "model",
            "mase",
            "seasonal_naive_mase",
            "coverage-80",
            "coverage-95",
            "calibration-80",
            "calibration_windows",
            "windows",
            "fallback",
            "note",
        ]
        sys.stderr.write(table(got.choice[cols].fillna({"note": ""})))  # no "NaN" for "no note"
    print_warnings("forecast", got.warnings)
    emit(note_once(got.forecast) if output_format(args) == "table" else got.forecast, args)
    return exit_status(not got.skipped)  # 1: a series had too little history to forecast


def note_once(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as read on a terminal: a series' note on its first row only (json and csv keep it on
    every row, each row a record of its own)."""
    if "note" not in frame or frame.empty:
        return frame
    same = frame["unique_id"].eq(frame["unique_id"].shift()) & frame["note"].eq(frame["note"].shift())
    return frame.assign(note=frame["note"].mask(same, ""))


def run_ci(args: argparse.Namespace) -> int:
    """``capacity forecast --ci --horizon 90d``: the planning thresholds' forecast as CI files.

    Writes ``<ci-dir>/capacity-forecast.md`` (+ PNG charts) and ``.json``; returns 0 when no
    threshold is crossed within the horizon, 1 when one is (named on stderr).
    """
    from ..report.summary import exit_code

    if args.metrics:
        raise ConfigError(
            "forecast --ci: the metrics come from the planning thresholds; give no METRIC", field="metrics"
        )
    # hourly history: thresholds are checked on each day's worst hour
    inputs = inputs_from_args(args, step="1h")
    horizon = duration(args.horizon, "--horizon")
    result = app_forecast.forecast_ci(inputs, horizon, out_dir=args.ci_dir, windows=windows_arg(args.windows))
    for path in (result.markdown, result.json, *result.charts):
        print(f"wrote {path}")
    verdict = result.summary.table
    crossing = verdict[verdict["within"]]
    for name, when, days, already in zip(
        crossing["name"], crossing["crossing"], crossing["days"], crossing["already"], strict=True
    ):
        words = crossing_words(when, days, already)
        print(f"capacity forecast: forecast to cross within {args.horizon}: {name}, {words}", file=sys.stderr)
    if result.chart_trouble:
        print(f"capacity forecast: warning: charts not drawn: {result.chart_trouble}", file=sys.stderr)
    for name in result.no_data:
        why = result.reasons.get(name)
        print(f"capacity forecast: not forecast: {name}" + (f" ({why})" if why else ""), file=sys.stderr)
    if result.summary.table.empty:  # exit 2, as any error, but after writing the files that say why
        print("capacity forecast: error: no threshold could be forecast", file=sys.stderr)
    return exit_code(result.summary)
