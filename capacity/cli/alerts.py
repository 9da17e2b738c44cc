"""``capacity alerts``: replay the runbook's alerts (and burn-rate alerts) on history."""
from __future__ import annotations

import argparse

import pandas as pd

from ..errors import ConfigError
from ..slo import alerts as _alerts
from ..slo import engine
from ..slo.windows import rolling
from ._common import add_format_args, emit, output_format, warn
from .slo import add_calendar_source_args, add_spec_args, calendar_tz, end_from_args, fetch, source_for, spec_from_args, windows_from_args

EXAMPLES = """\
examples:
  capacity alerts --window 30d                      every firing episode of the last 30 days of the source
  capacity alerts --quarter 2026Q3 --summary month  counts and time firing per month, by priority
  capacity alerts --month 2026-09 --alert HighErrorRate --format json
  capacity alerts --window 30d --burn                the spec's SLOs' multiwindow burn-rate alerts too

Rules are evaluated every step of the spec (1m) with Prometheus' `for:`
semantics; the replay fetches the longest `for:` / burn window of history
before the window so nothing fires from a cold start. An episode runs from
its first firing evaluation to its resolution (end); `ongoing` marks one
still firing at the end of the data, `clipped` one already firing when the
window starts.
"""


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> argparse.ArgumentParser:
    p = sub.add_parser(
        "alerts",
        help="replay the runbook's Critical Alerts on history (episodes, counts per month/quarter)",
        description="Replay the spec's alerts with Prometheus for: semantics over a window.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_spec_args(p)
    p.add_argument("--alert", action="append", metavar="NAME", help="only this alert (repeatable)")
    p.add_argument("--burn", action="store_true", help="also replay the multiwindow burn-rate alerts of every SLO")
    p.add_argument("--summary", choices=("month", "quarter"), help="counts and time firing per period instead of episodes")
    add_calendar_source_args(p)
    add_format_args(p)
    p.set_defaults(func=run)
    return p


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
    queries = [a.metric.text for a in spec.alerts if not names or a.name in names]
    if args.burn:
        queries += [q.text for s in spec.slos for q in s.sli.queries()]
    queries = list(dict.fromkeys(queries))
    fstart, _ = engine.data_range(spec, ws)
    data = fetch(spec, src, queries, fstart, end, command="alerts", show_progress=args.progress)
    parts = [engine.replay_alerts(spec, data, start, end, names or None)]
    if args.burn:
        parts.append(engine.replay_burn_alerts(spec, data, start, end))
    eps = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[0]
    eps = eps[eps["start"] <= end].sort_values(["start", "alert", "series"], kind="stable").reset_index(drop=True)
    if args.summary:
        emit(_alerts.summarize(eps, calendar_tz(args, spec), args.summary), args)
        return 0
    if eps.empty:
        warn("alerts", f"no alert fired in {start.isoformat()} .. {end.isoformat()}")
    emit(eps, args)
    return 0
