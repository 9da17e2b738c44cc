"""``capacity slo``: compliance and error budgets of the SLO spec over a window."""
from __future__ import annotations

import argparse
import copy
from collections.abc import Callable

import pandas as pd

from ..core.errors import ConfigError
from ..slo import engine
from ..slo.spec import SLO, Spec, default_spec, load_spec
from ..core.windows import Window, month, quarter, rolling
from ..sources import Source
from ..core.timeutil import parse_time
from ._common import (
    Column, add_format_args, add_source_args, count, emit, minutes_duration, output_format, percent, progress_bar,
    source_from_args, warn,
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

TABLE_COLUMNS = ["slo", "window", "objective", "compliance", "met", "budget_remaining", "bad", "allowed_bad", "unit",
                 "share_above", "share_below", "no_data_minutes", "coverage"]
#: how the table shows the columns (json/csv keep the field names and full precision)
TABLE_DISPLAY = {
    "objective": Column("objective", percent(3, trim=True)),
    "compliance": Column("compliance", percent(3)),
    "budget_remaining": Column("budget left", percent(1)),
    "bad": Column("bad", count),
    "allowed_bad": Column("allowed bad", count),
    "share_above": Column("above", percent(1)),
    "share_below": Column("below", percent(1)),
    "no_data_minutes": Column("no data", minutes_duration),
    "coverage": Column("coverage", percent(2)),
}


def add_spec_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("SLO spec and window")
    g.add_argument("--spec", metavar="FILE", help="capacity/v1 or OpenSLO v1 YAML (default: the runbook's baselines)")
    g.add_argument("--window", metavar="D", help="rolling window ending at --end: 7d, 28d, 30d (default: each SLO's own)")
    g.add_argument("--end", metavar="T", help="end of a rolling window: RFC 3339, a date or now-1d (default: source end or now)")
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
    return load_spec(args.spec) if getattr(args, "spec", None) else default_spec()


def calendar_tz(args: argparse.Namespace, spec: Spec) -> str:
    """``--tz`` (checked even when no calendar window uses it), else the spec's time zone."""
    tz = getattr(args, "tz", None)
    if tz is None:
        return spec.tz
    try:
        pd.Timestamp("2026-01-01", tz=tz)
    except Exception:  # noqa: BLE001 - pytz/zoneinfo raise different types
        raise ConfigError(f"--tz: unknown time zone {tz!r} (use an IANA name like America/New_York)",
                          field="tz") from None
    return str(tz)


def source_for(args: argparse.Namespace) -> Source:
    """The --source; --tz is the calendar time zone here and reaches only file sources."""
    a = copy.copy(args)
    src_text = str(getattr(args, "source", "sample") or "sample")
    if src_text == "sample" or src_text.startswith(("http://", "https://")):
        a.tz = None
    return source_from_args(a)


def end_from_args(args: argparse.Namespace, src: Source) -> pd.Timestamp:
    if getattr(args, "end", None):
        return parse_time(args.end, field="--end")
    span = src.span()
    return span[1] if span else pd.Timestamp.now(tz="UTC").floor("1min")


def windows_from_args(args: argparse.Namespace, spec: Spec, src: Source) -> list[Window] | None:
    """Explicit windows, or None for "each SLO over its own window ending at --end"."""
    tz = calendar_tz(args, spec)
    out = [month(m, tz) for m in (args.month or [])] + [quarter(q, tz) for q in (args.quarter or [])]
    if args.window:
        out.insert(0, rolling(args.window, end_from_args(args, src)))
    elif out and args.end:
        raise ConfigError("--end applies to a rolling --window, not to --month/--quarter", field="end")
    return out or None


def own_window(slo: SLO, end: pd.Timestamp) -> Window:
    """An SLO's own window ending at ``end``: rolling, or its calendar month/quarter to date."""
    if slo.calendar is None:
        return rolling(slo.window, end)
    tz = dict(slo.labels).get("tz", "UTC")
    local = (end - pd.Timedelta(1)).tz_convert(tz)  # a window ending exactly at a boundary is the period before it
    label = f"{local.year:04d}-{local.month:02d}" if slo.calendar == "month" else f"{local.year}Q{(local.month - 1) // 3 + 1}"
    w = month(label, tz) if slo.calendar == "month" else quarter(label, tz)
    return Window(f"{w.label} to date" if end < w.end else w.label, w.start, min(end, w.end), w.kind)


def spec_command(sub: "argparse._SubParsersAction[argparse.ArgumentParser]", name: str, *, help: str, description: str,
                 epilog: str) -> argparse.ArgumentParser:
    """A subcommand parser taking the SLO spec and window options; finish it with :func:`finish_spec_command`."""
    p = sub.add_parser(name, help=help, description=description, epilog=epilog,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    add_spec_args(p)
    return p


def finish_spec_command(p: argparse.ArgumentParser, run: "Callable[[argparse.Namespace], int]") -> argparse.ArgumentParser:
    """The source and output options after the command's own, and its handler."""
    add_calendar_source_args(p)
    add_format_args(p)
    p.set_defaults(func=run)
    return p


def load(args: argparse.Namespace, spec: Spec, src: Source, queries: list[str], windows: list[Window], *,
         command: str, warm: bool) -> dict[str, pd.DataFrame]:
    """Each of ``queries`` over the span of ``windows``, from the step before the first window
    (and with the spec's warm-up history, the longest ``for:`` or burn window, before it when ``warm``)."""
    if warm:
        start, end = engine.data_range(spec, windows)
    else:
        start, end = min(w.start for w in windows).floor(spec.step), max(w.end for w in windows)
    return fetch(spec, src, list(dict.fromkeys(queries)), start, end, command=command, show_progress=args.progress)


def fetch(spec: Spec, src: Source, queries: list[str], start: pd.Timestamp, end: pd.Timestamp, *, command: str,
          show_progress: bool = False) -> dict[str, pd.DataFrame]:
    """Each query of ``queries`` from ``src`` over ``start..end`` on the spec's step."""
    from ..api import spec_data

    with progress_bar(show_progress, desc=command) as bar:
        data, notes = spec_data(spec, src, queries, start, end, progress=bar)
    for note in notes:
        warn(command, note)
    return data


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> argparse.ArgumentParser:
    p = spec_command(
        sub, "slo",
        help="SLO compliance, error budgets and burn rates over a rolling or calendar window",
        description="Compliance and error budget of each SLO (the runbook's baselines by default) over a window.",
        epilog=EXAMPLES,
    )
    p.add_argument("--slo", action="append", metavar="NAME", help="only this SLO (repeatable)")
    p.add_argument("--burn-rates", action="store_true",
                   help="print the burn-rate series (every window of the burn-rate table) over the window instead")
    return finish_spec_command(p, run)


def run(args: argparse.Namespace) -> int:
    output_format(args)
    spec = spec_from_args(args)
    names = list(dict.fromkeys(args.slo or []))
    slos = [spec.slo(n) for n in names] if names else list(spec.slos)
    if not slos:
        raise ConfigError(f"{spec.source}: the spec has no SLO", field="slos")
    src = source_for(args)
    explicit = windows_from_args(args, spec, src)
    queries = spec.query_texts([s.name for s in slos])
    if explicit is None:
        end = end_from_args(args, src)
        groups: dict[Window, list[str]] = {}
        for s in slos:
            groups.setdefault(own_window(s, end), []).append(s.name)
        plan = [([w], ns) for w, ns in groups.items()]
    else:
        plan = [(explicit, [s.name for s in slos])]
    all_w = [w for ws, _ in plan for w in ws]
    data = load(args, spec, src, queries, all_w, command="slo", warm=args.burn_rates)
    if args.burn_rates:
        w0 = all_w[0]
        out = engine.burn_rate_series(spec, data, w0.start, w0.end, [s.name for s in slos])
        emit(out, args, columns={"error_ratio": Column("error_ratio", percent(4))})
        return 0
    out = pd.concat([engine.compliance(spec, data, ws, ns) for ws, ns in plan], ignore_index=True)
    if output_format(args) == "table" and args.out is None:
        out = out[TABLE_COLUMNS]
    emit(out, args, columns=TABLE_DISPLAY)
    return 0
