"""``capacity alerts``: replay the runbook's alerts (and burn-rate alerts) on history."""
from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..metrics.catalog import default_catalog
from ..core.errors import ConfigError
from ..slo import alerts as _alerts
from ..slo import engine
from ..slo.spec import Spec
from ..core.windows import rolling
from ._common import Column, display_value, emit, human_duration, output_format, percent, warn
from .slo import calendar_tz, end_from_args, finish_spec_command, load, source_for, spec_command, spec_from_args, windows_from_args
from ..core.timeutil import format_time

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
    catalog = default_catalog()
    units = {a.name: catalog[a.metric.text].unit for a in spec.alerts if a.metric.text in catalog.names()}
    peak = [_peak_text(v, units.get(a)) for a, v in zip(eps["alert"], eps["peak"])]
    return eps.assign(peak=pd.Series(peak, index=eps.index, dtype=object))


EPISODE_DISPLAY = {
    "duration_seconds": Column("duration", human_duration),
    "peak": Column("peak", str, right=True),
}


def run(args: argparse.Namespace) -> int:
    output_format(args)
    spec = spec_from_args(args)
    known = {a.name for a in spec.alerts}
    names = list(dict.fromkeys(args.alert or []))
    bad = [n for n in names if n not in known]
    if bad:
        raise ConfigError(f"--alert: no alert named {bad[0]!r} in {spec.source} (have: {', '.join(sorted(known))})", field="alert")
    src = source_for(args)
    ws = windows_from_args(args, spec, src) or [rolling("30d", end_from_args(args, src))]
    start, end = min(w.start for w in ws), max(w.end for w in ws)
    queries = spec.query_texts(None if args.burn else (), names or None)
    data = load(args, spec, src, queries, ws, command="alerts", warm=True)
    parts = [engine.replay_alerts(spec, data, start, end, names or None)]
    if args.burn:
        parts.append(engine.replay_burn_alerts(spec, data, start, end))
    eps = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[0]
    eps = eps[eps["start"] <= end].sort_values(["start", "alert", "series"], kind="stable").reset_index(drop=True)
    if args.summary:
        summary = _alerts.summarize(eps, calendar_tz(args, spec), args.summary)
        rank = summary["priority"].map(_PRIORITY_ORDER).fillna(len(_PRIORITY_ORDER))
        summary = summary.assign(_rank=rank).sort_values(["period", "_rank", "alert"], kind="stable")
        emit(summary.drop(columns="_rank").reset_index(drop=True), args, columns=SUMMARY_DISPLAY)
        return 0
    if eps.empty:
        warn("alerts", f"no alert fired in {format_time(start)} .. {format_time(end)}")
    if output_format(args) == "table" and not eps.empty:
        emit(episodes_for_table(eps, spec), args, columns=EPISODE_DISPLAY)
        return 0
    emit(eps, args)
    return 0
