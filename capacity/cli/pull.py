"""``capacity pull METRIC...``: series from a source into a canonical frame file."""
from __future__ import annotations

import argparse
import sys

import pandas as pd

from ..core import frame as _frame
from ..core.errors import ConfigError
from ..sources import Pulled, Source, fetch_all
from ._common import (
    add_format_args,
    add_range_args,
    add_source_args,
    emit,
    output_format,
    progress_bar,
    range_from_args,
    source_from_args,
    warn,
    write_frame,
)
from ..core.timeutil import format_time

EXAMPLES = """\
examples:
  capacity pull --list                                   the catalog's metric names
  capacity pull request_rate error_ratio --start 2026-09-01 --end 2026-09-08 --step 5m
  capacity pull cpu_utilization --start 2026-09-01 --step 1h --out cpu.parquet      (the sample ends 2026-10-01)
  capacity pull 'sum by (job) (rate(http_requests_total[5m]))' --source http://127.0.0.1:9090 \\
      --start 2026-11-01T00:00:00Z --end 2026-11-02T00:00:00Z --step 1m --out rps.csv --labels rps-labels.csv
  capacity pull --source data/real/wikipedia-pageviews/wp_R_daily_views.csv --list
  capacity pull views --source data/real/wikipedia-pageviews/wp_R_daily_views.csv --start 2015-01-01 --step 7d --format json

METRIC is a catalog name (see --list) or, for a server source, any PromQL
expression. For a file source, METRIC is a series of the file (its unique_id);
a one-series file answers any name, and the series is returned under that name.
T is RFC 3339 (2026-10-01T00:00:00Z), a date (2026-10-01, midnight UTC), a
Unix timestamp or now-7d. S is a duration: 30s, 5m, 1h, 1d.

The frame has the columns unique_id, ds (UTC), y. --out FILE writes it as
Parquet (.parquet, .pq) or CSV (.csv, .csv.gz) by extension, atomically: an
existing FILE is replaced only once the new file is complete. --labels FILE
writes the labels table (unique_id + one column per label) the same way.
Warnings of the source (duplicate timestamps dropped, naive time zones...)
go to stderr. Credentials for a server are read from the environment
(CAPACITY_BEARER_TOKEN, ...), never from the command line.
"""


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> argparse.ArgumentParser:
    p = sub.add_parser(
        "pull",
        help="pull series (catalog names or PromQL) from a source into Parquet/CSV or the terminal",
        description="Pull series from the bundled sample, a Prometheus-API server or a file into the canonical "
        "frame (unique_id, ds UTC, y).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("metrics", nargs="*", metavar="METRIC", help="catalog name or PromQL expression (several allowed)")
    p.add_argument("--list", action="store_true",
                   help="list the catalog (or, with a file --source, the series in the file) and exit")
    add_source_args(p)
    add_range_args(p)
    add_format_args(p)
    p.add_argument("--labels", metavar="FILE", help="also write the labels table to FILE (.parquet or .csv)")
    p.set_defaults(func=run)
    return p


def _list(args: argparse.Namespace) -> int:
    from ..metrics.catalog import catalog

    spec = str(args.source)
    if spec != "sample" and not spec.startswith(("http://", "https://")):
        src = source_from_args(args)
        series = getattr(src, "series", None)
        if callable(series):
            emit(pd.DataFrame({"unique_id": list(series())}), args)
            return 0
    table = catalog().to_frame()
    emit(table[["name", "group", "kind", "unit", "step", "description"]], args)
    return 0


def _step_for(metric: str, step: pd.Timedelta | None) -> pd.Timedelta:
    if step is not None:
        return step
    from ..metrics.catalog import catalog

    entry = catalog().find(metric)
    return entry.step if entry is not None else pd.Timedelta(minutes=1)


def pull_frames(
    src: Source, metrics: list[str], start: pd.Timestamp, end: pd.Timestamp, step: pd.Timedelta | None,
    *, show_progress: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Fetch every metric; return ``(frame, labels, warnings)``."""
    results: list[Pulled] = []
    notes: list[str] = []
    with progress_bar(show_progress, desc="pull") as bar:
        for metric, got in zip(metrics, fetch_all(src, [(m, start, end, _step_for(m, step)) for m in metrics], progress=bar)):
            results.append(got)
            notes.extend(w for w in got.warnings if w not in notes)
            if got.frame.empty:
                notes.append(f"no data for {metric!r} in {format_time(start)} .. {format_time(end)} from {src.name}")
    frame = _frame.validate(_frame.concat(r.frame for r in results), name=f"pull from {src.name}")
    tables = [r.labels for r in results if len(r.labels)]
    labels = pd.concat(tables, ignore_index=True) if tables else _frame.empty_labels()
    labels = labels.drop_duplicates("unique_id", keep="last").sort_values("unique_id").reset_index(drop=True)
    return frame, labels, notes


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list(args)
    if not args.metrics:
        raise ConfigError("pull: give at least one METRIC (a catalog name or a PromQL expression; see --list)",
                          field="metrics")
    metrics = list(dict.fromkeys(args.metrics))
    fmt = output_format(args)  # check --out/--format before any work
    if args.out is not None and fmt not in ("parquet", "csv", "json"):
        raise ConfigError(f"--out {args.out}: write the frame as .parquet, .csv or .json", field="out", file=args.out)
    labels_fmt = None
    if args.labels is not None:
        labels_fmt = output_format(argparse.Namespace(out=args.labels, format=None), option="--labels")
        if labels_fmt not in ("parquet", "csv", "json"):
            raise ConfigError(f"--labels {args.labels}: use a .parquet, .csv or .json file", field="labels",
                              file=args.labels)
    src = source_from_args(args)
    start, end, step = range_from_args(args, src)
    frame, labels, notes = pull_frames(src, metrics, start, end, step, show_progress=args.progress)
    for note in notes:
        warn("pull", note)
    if args.labels is not None and labels_fmt is not None:
        write_frame(labels, args.labels, labels_fmt)
    if args.out is not None:
        write_frame(frame, args.out, fmt)
        print(f"capacity pull: wrote {len(frame)} rows of {frame['unique_id'].nunique()} series to {args.out}",
              file=sys.stderr)
        return 0
    emit(frame, args)
    return 0
