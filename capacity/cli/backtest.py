"""``capacity backtest METRIC --horizon H --windows N``: how each model would have done on this history."""

from __future__ import annotations

import argparse

from ..app import forecast as app_forecast
from ._common import duration, emit, output_format
from .forecast import add_history_head, add_history_tail, inputs_from_args, models_from_args

EXAMPLES = """\
examples:
  capacity backtest users_total --horizon 30d --windows 4
  capacity backtest --source data/real/wikipedia-pageviews/wp_R_daily_views.csv --horizon 90d --windows 5 --format json

Rolling-origin backtest: the last window ends at the last observation, earlier ones --step-size apart
(default: the horizon). One row per series and model: MASE (against the in-sample seasonal naive
error), sMAPE (%), coverage of the 80% and 95% intervals, Winkler interval scores, windows, failed
windows, and chosen (the lowest MASE among models that never failed, as 'capacity forecast' chooses).
The row 'published' replays what 'capacity forecast' would have published from each origin (its own
choice on the history before the origin, combination, calibrated intervals): its coverage is the one
a user of the forecast would have seen (out of sample); 'picked' lists what it chose.
"""


HELP = "rolling-origin backtest: MASE, sMAPE, interval coverage per model"
DESCRIPTION = "Backtest every model on a series' history from several origins."


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_history_head(p)
    p.add_argument("--step-size", metavar="D", help="distance between origins (default: the horizon)")
    p.add_argument(
        "--refit",
        action="store_true",
        help="re-estimate every model in every window (default: estimate in the first window and "
        "re-filter with those parameters later, as 'capacity forecast' does when it chooses)",
    )
    add_history_tail(p)


def run(args: argparse.Namespace) -> int:
    output_format(args)
    horizon = duration(args.horizon, "--horizon")
    size = duration(args.step_size, "--step-size")
    table, _ = app_forecast.backtest(
        inputs_from_args(args), horizon, models_from_args(args), step_size=size, refit=args.refit
    )
    emit(table, args)
    return 0
