"""``capacity backtest METRIC --horizon H --windows N``: how each model would have done on this history."""
from __future__ import annotations

import argparse

import numpy as np

from ..core.timeutil import parse_duration
from ._common import add_format_args, add_range_args, add_source_args, emit, output_format
from .forecast import (
    HISTORY_START, add_model_args, bounds_for, executor_arg, load_history, models_arg, season_arg, windows_arg,
)

EXAMPLES = """\
examples:
  capacity backtest users_total --horizon 30d --windows 4
  capacity backtest --source data/real/wikipedia-pageviews/wp_R_daily_views.csv --horizon 90d --windows 5 --format json

Rolling-origin backtest: the last window ends at the last observation, earlier ones --step-size apart
(default: the horizon). One row per series and model: MASE (against the in-sample seasonal naive
error), sMAPE (%), coverage of the 80% and 95% intervals, Winkler interval scores, windows, failed
windows, and chosen (the lowest MASE among models that never failed, as 'capacity forecast' chooses).
"""


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> argparse.ArgumentParser:
    p = sub.add_parser("backtest", help="rolling-origin backtest: MASE, sMAPE, interval coverage per model",
                       description="Backtest every model on a series' history from several origins.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("metrics", nargs="*", metavar="METRIC",
                   help="catalog name or series of a file source (optional when the file holds one series)")
    add_model_args(p, windows_default=3)
    p.add_argument("--step-size", metavar="D", help="distance between origins (default: the horizon)")
    p.add_argument("--refit", action="store_true",
                   help="re-estimate every model in every window (default: estimate in the first window and "
                   "re-filter with those parameters later, as 'capacity forecast' does when it chooses)")
    add_source_args(p)
    add_range_args(p, start_default=HISTORY_START)
    add_format_args(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from ..forecasting import cross_validation, evaluate
    from ..forecasting.freq import horizon_steps, infer_step

    output_format(args)
    windows_arg(args.windows)
    horizon = parse_duration(args.horizon, field="--horizon")
    step_size_td = parse_duration(args.step_size, field="--step-size") if args.step_size else None
    frame, metrics = load_history(args, horizon, "backtest")
    step_size = None
    if args.step_size:
        step = infer_step(frame["ds"][frame["unique_id"] == frame["unique_id"].iloc[0]])
        step_size = horizon_steps(step_size_td, step)
    cv = cross_validation(frame, horizon, args.windows, step_size, models=models_arg(args.models), refit=args.refit,
                          season=season_arg(args.season), bounds=bounds_for(metrics) or None,
                          executor=executor_arg(args.jobs))
    table = evaluate(cv)
    ok = table["mase"].notna()
    table["chosen"] = False
    for uid, g in table[ok].groupby("unique_id"):
        table.loc[g["mase"].idxmin(), "chosen"] = True
    table = table.sort_values(["unique_id", "mase"], na_position="last", kind="stable").reset_index(drop=True)
    table["mase"] = table["mase"].astype(np.float64)
    emit(table, args)
    return 0
