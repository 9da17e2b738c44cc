"""``capacity pull METRIC...``: series from a source into a canonical frame file."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from ..app import history
from ..core.errors import ConfigError
from ..core.timeutil import parse_duration
from ..sources import series_of
from ._common import (
    RANGE_FIELDS,
    _kind,
    add_format_args,
    add_range_args,
    add_source_args,
    emit,
    output_format,
    print_warnings,
    progress_bar,
    project_from_args,
    source_from_args,
    write_frame,
)

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
"""  # noqa: E501 (help examples, one per line)


HELP = "pull series (catalog names or PromQL) from a source into Parquet/CSV or the terminal"
DESCRIPTION = (
    "Pull series from the bundled sample, a Prometheus-API server or a file into the canonical frame "
    "(unique_id, ds UTC, y)."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("metrics", nargs="*", metavar="METRIC", help="catalog name or PromQL expression (several allowed)")
    p.add_argument(
        "--list",
        action="store_true",
        help="list the catalog (or, with a file --source, the series in the file) and exit",
    )
    add_source_args(p)
    add_range_args(p)
    add_format_args(p)
    p.add_argument("--labels", metavar="FILE", help="also write the labels table to FILE (.parquet or .csv)")


def _list(args: argparse.Namespace) -> int:
    if _kind(str(args.source)) == "file":
        listed = series_of(source_from_args(args))
        if listed is not None:
            emit(pd.DataFrame({"unique_id": listed}), args)
            return 0
    table = project_from_args(args).catalog.to_frame()
    emit(table[["name", "group", "kind", "unit", "step", "description"]], args)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list(args)
    if not args.metrics:
        raise ConfigError(
            "pull: give at least one METRIC (a catalog name or a PromQL expression; see --list)", field="metrics"
        )
    fmt = output_format(args)  # check --out/--format before any work
    if args.out is not None and fmt not in ("parquet", "csv", "json"):
        raise ConfigError(f"--out {args.out}: write the frame as .parquet, .csv or .json", field="out", file=args.out)
    labels_fmt = None
    if args.labels is not None:
        labels_fmt = output_format(argparse.Namespace(out=args.labels, format=None), option="--labels")
        if labels_fmt not in ("parquet", "csv", "json"):
            raise ConfigError(
                f"--labels {args.labels}: use a .parquet, .csv or .json file", field="labels", file=args.labels
            )
    src = source_from_args(args)
    step = parse_duration(args.step, field="--step") if args.step is not None else None
    with progress_bar(args.progress, desc="pull") as bar:
        got = history.pull(
            args.metrics,
            source=src,
            start=args.start,
            end=args.end,
            step=step,
            progress=bar,
            fields=RANGE_FIELDS,
            project=project_from_args(args),
        )
    print_warnings("pull", got.warnings)
    if args.labels is not None and labels_fmt is not None:
        write_frame(got.labels, args.labels, labels_fmt)
    if args.out is not None:
        write_frame(got.frame, args.out, fmt)
        print(
            f"capacity pull: wrote {len(got.frame)} rows of {got.frame['unique_id'].nunique()} series to {args.out}",
            file=sys.stderr,
        )
        return 0
    emit(got.frame, args)
    return 0
