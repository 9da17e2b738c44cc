"""``capacity slo``: compliance and error budgets of the SLO spec over a window."""

from __future__ import annotations

import argparse

from ..app import slo as app_slo
from ..core.errors import ConfigError
from ..core.timeutil import parse_time
from ..core.windows import check_tz
from ..present import Col
from ..slo.model import Spec
from ..sources import Source
from ._common import (
    add_format_args,
    add_source_args,
    emit,
    exit_status,
    output_format,
    print_warnings,
    progress_bar,
    project_from_args,
    source_from_args,
)

EXAMPLES = """\
examples:
  capacity slo                                  every SLO of the default spec, each over its own window (30d)
  capacity slo --window 7d --end 2026-10-01T00:00:00Z
  capacity slo --month 2026-09 --month 2026-08  calendar months in --tz (default: the spec's, America/New_York)
  capacity slo --quarter 2026Q3 --format json
  capacity slo --spec my-slos.yaml --slo error-rate --burn-rates --window 1d
  capacity slo --source http://127.0.0.1:9090 --window 30d --format csv

A window is (start, end]. --end defaults to the end of a sample/file source,
else now. --spec takes a capacity/v1 file (add `extends: default` to keep the
default SLOs) or OpenSLO v1 documents (kind SLO / SLI).
Numbers are full precision in json/csv; the table rounds for display only:
shares as percentages, events and minutes as whole counts, the minutes
without data as a duration, `above`/`below` (range SLIs) as the share of
minutes above / below the range, `budget left` negative when overspent.
"""

TABLE_COLUMNS = [
    "slo",
    "window",
    "objective",
    "compliance",
    "met",
    "budget_remaining",
    "bad",
    "allowed_bad",
    "unit",
    "share_above",
    "share_below",
    "no_data_minutes",
    "coverage",
    "status",
]
#: how the table shows the columns (:mod:`capacity.present` specs; json/csv keep the field names and full precision)
TABLE_DISPLAY = {
    "objective": Col("objective", "ratio_trim", 3),
    "compliance": Col("compliance", "ratio", 3),
    "budget_remaining": Col("budget left", "ratio", 1),
    "bad": Col("bad", "count"),
    "allowed_bad": Col("allowed bad", "count"),
    "share_above": Col("above", "ratio", 1),
    "share_below": Col("below", "ratio", 1),
    "no_data_minutes": Col("no data", "minutes"),
    "coverage": Col("coverage", "ratio", 2),
}
#: the burn-rate table (``--burn-rates``)
BURN_RATE_DISPLAY = {"error_ratio": Col("error_ratio", "ratio", 4)}
RUNS_OUT_DISPLAY = {
    "budget_remaining": Col("budget left", "ratio", 1),
    "burn_rate": Col("burn rate", "multiple"),
    "rate_window": Col("over", "text"),
    "days_left": Col("days left", "number", 1),
}


def add_spec_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("SLO spec and window")
    g.add_argument("--spec", metavar="FILE", help="capacity/v1 or OpenSLO v1 YAML (default: the runbook's baselines)")
    g.add_argument(
        "--window", metavar="D", help="rolling window ending at --end: 7d, 28d, 30d (default: each SLO's own)"
    )
    g.add_argument(
        "--end", metavar="T", help="end of a rolling window: RFC 3339, a date or now-1d (default: source end or now)"
    )
    g.add_argument("--month", action="append", metavar="YYYY-MM", help="a calendar month in --tz (repeatable)")
    g.add_argument("--quarter", action="append", metavar="YYYYQn", help="a calendar quarter in --tz (repeatable)")


def add_calendar_source_args(p: argparse.ArgumentParser) -> None:
    """The shared source options; ``--tz`` is also the calendar windows' time zone here."""
    add_source_args(p)
    p.set_defaults(tz=None)
    for action in p._actions:
        if "--tz" in action.option_strings:
            action.help = "time zone of calendar windows (default: the spec's) and of naive timestamps in a file source"


def spec_from_args(args: argparse.Namespace) -> Spec:
    return app_slo.spec_of(getattr(args, "spec", None), project_from_args(args))


def calendar_tz(args: argparse.Namespace, spec: Spec) -> str:
    """``--tz`` (checked even when no calendar window uses it), else the project's zone for ``spec``."""
    tz = getattr(args, "tz", None)
    return project_from_args(args).zone_for(spec) if tz is None else check_tz(tz, field="--tz")


def source_for(args: argparse.Namespace) -> Source:
    """The --source; --tz is the calendar time zone here and reaches only file sources."""
    return source_from_args(args, tz_reaches_files_only=True)


def request_from_args(args: argparse.Namespace, spec: Spec, names: list[str] | None) -> app_slo.Request:
    """The use cases' request: --source, the spec, the names asked for and the window options."""
    if args.end is not None:
        parse_time(args.end, field="--end")  # a bad --end named as the option, not the library's field
    windows = app_slo.Windows(
        args.window, tuple(args.month or ()), tuple(args.quarter or ()), args.end, calendar_tz(args, spec)
    )
    return app_slo.Request(source_for(args), spec, names, windows, project_from_args(args))


def add_spec_tail(p: argparse.ArgumentParser) -> None:
    """The source and output options after a spec command's own."""
    add_calendar_source_args(p)
    add_format_args(p)


HELP = "SLO compliance, error budgets and burn rates over a rolling or calendar window"
DESCRIPTION = "Compliance and error budget of each SLO (the runbook's baselines by default) over a window."


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_spec_args(p)
    p.add_argument("--slo", action="append", metavar="NAME", help="only this SLO (repeatable)")
    p.add_argument(
        "--burn-rates",
        action="store_true",
        help="print the burn-rate series (every window of the burn-rate table) over the window instead",
    )
    p.add_argument(
        "--runs-out",
        action="store_true",
        help="when each SLO's budget runs out at its burn rate over the last 6h (not counting the budget "
        "old bad events give back as the window rolls on)",
    )
    add_spec_tail(p)


def run(args: argparse.Namespace) -> int:
    output_format(args)
    spec = spec_from_args(args)
    req = request_from_args(args, spec, list(dict.fromkeys(args.slo or [])) or None)
    if args.runs_out and args.burn_rates:
        raise ConfigError("--runs-out and --burn-rates are two reports: give one", field="runs_out")
    with progress_bar(args.progress, desc="slo") as bar:
        use_case = (
            app_slo.budget_runs_out if args.runs_out else app_slo.burn_rates if args.burn_rates else app_slo.compliance
        )
        got = use_case(req, progress=bar)
    print_warnings("slo", got.warnings)
    if args.runs_out:
        emit(got.table, args, specs=RUNS_OUT_DISPLAY)
        return exit_status(got.complete)
    if args.burn_rates:
        emit(got.table, args, specs=BURN_RATE_DISPLAY)
        return exit_status(got.complete)
    out = got.table
    print_warnings("slo", [f"{r.slo} ({r.window}): {r.reason}" for r in out.itertuples() if r.status != "ok"])
    if output_format(args) == "table" and args.out is None:
        out = out[TABLE_COLUMNS]
    emit(out, args, specs=TABLE_DISPLAY)
    return exit_status(got.complete)
