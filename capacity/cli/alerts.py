"""``capacity alerts``: replay the runbook's alerts (and burn-rate alerts) on history."""
from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..app import slo as app_slo
from ..core.timeutil import format_time
from ..metrics.catalog import catalog
from ..slo import alerts as _alerts
from ..slo.spec import Spec
from ._common import Column, display_value, emit, human_duration, output_format, percent, print_warnings, progress_bar, warn
from .slo import calendar_tz, finish_spec_command, source_for, spec_command, spec_from_args, window_options

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
metric's unit (ratios as %, seconds as a duration); json/csv keep seconds
and raw values.
"""

#: summary rows: priorities in the runbook's order, not alphabetical
_PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}
SUMMARY_DISPLAY = {"firing_seconds": Column("firing", human_duration)}


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> argparse.ArgumentParser:
    p = spec_command(
        sub, "alerts",
        help="replay the runbook's Critical Alerts on history (episodes, counts per month/quarter)",
        description="Replay the spec's alerts with Prometheus for: semantics over a window.",
        epilog=EXAMPLES,
    )
    p.add_argument("--alert", action="append", metavar="NAME", help="only this alert (repeatable)")
    p.add_argument("--burn", action="store_true",
                   help="also replay the multiwindow burn-rate alerts of every SLO (the rows its alerting.burn_rate allows)")
    p.add_argument("--summary", choices=("month", "quarter"), help="counts and time firing per period instead of episodes")
    return finish_spec_command(p, run)


def _peak_text(value: Any, unit: str | None) -> str:
    """A peak in its metric's unit: ratios as %, seconds as a duration (sub-minute ones as 2.31s), rates as 0.03/s."""
    if unit == "ratio":
        return percent(1)(value)
    if unit == "seconds" and not pd.isna(value) and abs(float(value)) >= 60:
        return human_duration(value)
    if unit == "seconds" and not pd.isna(value):
        return f"{float(value):.3g}s"
    if unit == "1/s" and not pd.isna(value):
        return f"{float(value):.3g}/s"
    return display_value(value)


def episodes_for_table(eps: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """The episodes with ``peak`` as text in each alert's unit (the table only; json/csv keep the raw peak)."""
    cat = catalog()
    units = {a.name: cat[a.metric.text].unit for a in spec.alerts if a.metric.text in cat.names()}
    peak = [_peak_text(v, units.get(a)) for a, v in zip(eps["alert"], eps["peak"])]
    return eps.assign(peak=pd.Series(peak, index=eps.index, dtype=object))


EPISODE_DISPLAY = {
    "duration_seconds": Column("duration", human_duration),
    "peak": Column("peak", str, right=True),
}


def run(args: argparse.Namespace) -> int:
    output_format(args)
    spec = spec_from_args(args)
    tz = calendar_tz(args, spec)
    with progress_bar(args.progress, desc="alerts") as bar:
        got = app_slo.alert_replay(source=source_for(args), spec=spec, alerts=args.alert, burn=args.burn, tz=tz,
                                   progress=bar, **window_options(args))
    print_warnings("alerts", got.warnings)
    eps = got.table
    if args.summary:
        summary = _alerts.summarize(eps, tz, args.summary)
        rank = summary["priority"].map(_PRIORITY_ORDER).fillna(len(_PRIORITY_ORDER))
        summary = summary.assign(_rank=rank).sort_values(["period", "_rank", "alert"], kind="stable")
        emit(summary.drop(columns="_rank").reset_index(drop=True), args, columns=SUMMARY_DISPLAY)
        return 0
    if eps.empty:
        start, end = min(w.start for w in got.windows), max(w.end for w in got.windows)
        warn("alerts", f"no alert fired in {format_time(start)} .. {format_time(end)}")
    if output_format(args) == "table" and not eps.empty:
        emit(episodes_for_table(eps, spec), args, columns=EPISODE_DISPLAY)
        return 0
    emit(eps, args)
    return 0
