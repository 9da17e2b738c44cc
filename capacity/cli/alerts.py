"""``capacity alerts``: replay the runbook's alerts (and burn-rate alerts) on history."""

from __future__ import annotations

import argparse
from dataclasses import replace

import pandas as pd

from .. import present
from ..app import slo as app_slo
from ..core.timeutil import format_time
from ..metrics.catalog import Catalog, catalog
from ..slo import alerts as _alerts
from ..slo.model import Spec
from ._common import emit, exit_status, output_format, print_warnings, progress_bar, project_from_args, warn
from .slo import add_spec_args, add_spec_tail, calendar_tz, request_from_args, spec_from_args

EXAMPLES = """\
examples:
  capacity alerts --window 30d                      every firing episode of the last 30 days of the source
  capacity alerts --quarter 2026Q3 --summary month  counts and time firing per month, by priority
  capacity alerts --month 2026-09 --alert HighErrorRate --format json
  capacity alerts --window 30d --burn                the spec's SLOs' multiwindow burn-rate alerts too
                                                    (none for the default cpu/memory range SLOs: alerting.burn_rate none)

Rules are evaluated every step of the spec (1m) with Prometheus' `for:`
semantics; the replay fetches the longest `for:` / burn window of history
before the window so nothing fires from a cold start. An episode runs from
its first firing evaluation to its resolution (end); `ongoing` marks one
still firing at the end of the data, `clipped` one already firing when the
window starts. The table shows durations as 1d 2h 16m and each peak in its
metric's unit (ratios as %, seconds as a duration; a burn-rate alert's as a
burn rate, 8.333×); json/csv keep seconds
and raw values.
"""  # noqa: E501 (help examples, one per line)

#: summary rows: priorities in the runbook's order, not alphabetical
_PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}
SUMMARY_DISPLAY = {"firing_seconds": present.Col("firing", "seconds")}


HELP = "replay the runbook's Critical Alerts on history (episodes, counts per month/quarter)"
DESCRIPTION = "Replay the spec's alerts with Prometheus for: semantics over a window."


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_spec_args(p)
    p.add_argument("--alert", action="append", metavar="NAME", help="only this alert (repeatable)")
    p.add_argument(
        "--burn",
        action="store_true",
        help="also replay the multiwindow burn-rate alerts of every SLO (the rows its alerting.burn_rate allows)",
    )
    p.add_argument(
        "--summary", choices=("month", "quarter"), help="counts and time firing per period instead of episodes"
    )
    add_spec_tail(p)


def peak_units(eps: pd.DataFrame, spec: Spec, cat: Catalog | None = None) -> dict[str, str]:
    """The unit of each episode's ``peak`` by alert name: the catalog unit of a runbook alert's metric,
    ``×`` for a burn-rate alert (its peak is a burn rate)."""
    cat = cat if cat is not None else catalog()
    units = {a.name: cat[a.metric.text].unit for a in spec.alerts if a.metric.text in cat.names()}
    rules = {a.name for a in spec.alerts}
    slos = {s.name for s in spec.slos}
    pairs = zip(eps.get("alert", ()), eps.get("series", ()), strict=True)
    burn = {a: "×" for a, s in pairs if a not in rules and s in slos}
    return {**units, **burn}


#: the episodes table: durations as 1d 2h 16m, each peak in its unit (:data:`capacity.present.ALERT_EPISODES`)
EPISODE_DISPLAY = {
    "duration_seconds": present.Col("duration", "seconds"),
    "peak": replace(present.ALERT_EPISODES["peak"], header="peak"),
}


def run(args: argparse.Namespace) -> int:
    output_format(args)
    spec = spec_from_args(args)
    tz = calendar_tz(args, spec)
    with progress_bar(args.progress, desc="alerts") as bar:
        got = app_slo.alert_replay(request_from_args(args, spec, args.alert), burn=args.burn, progress=bar)
    print_warnings("alerts", got.warnings)
    eps = got.table
    if args.summary:
        summary = _alerts.summarize(eps, tz, args.summary)
        rank = summary["priority"].map(_PRIORITY_ORDER).fillna(len(_PRIORITY_ORDER))
        summary = summary.assign(_rank=rank).sort_values(["period", "_rank", "alert"], kind="stable")
        emit(summary.drop(columns="_rank").reset_index(drop=True), args, specs=SUMMARY_DISPLAY)
        return exit_status(got.complete)
    if eps.empty:
        start, end = min(w.start for w in got.windows), max(w.end for w in got.windows)
        warn("alerts", f"no alert fired in {format_time(start)} .. {format_time(end)}")
    # times on the same clock as --month/--quarter (the calendar zone); json/csv keep UTC
    emit(eps, args, specs=EPISODE_DISPLAY, units=peak_units(eps, spec, project_from_args(args).catalog), tz=tz)
    return exit_status(got.complete)
