"""``capacity headroom``: the load each service's latency SLO and CPU range can take, and when the
forecast traffic reaches it."""

from __future__ import annotations

import argparse

from ..app import headroom as app_headroom
from ..core.errors import ConfigError
from ..present.headroom import view
from ._common import (
    add_format_args,
    add_source_args,
    emit,
    exit_status,
    output_format,
    print_warnings,
    project_from_args,
    source_from_args,
)

HELP = "the load the latency SLO and CPU range can take, and the date forecast growth breaks them"
DESCRIPTION = (
    "Fit each service's load models on its history (latency quantile and CPU against the request rate "
    "per replica, the Universal Scalability Law on throughput against concurrency) and say the highest "
    "request rate that keeps the latency SLO and the CPU range at today's replicas, when the forecast "
    "daily peak reaches it, and how many replicas hold it through the horizon."
)
EXAMPLES = """\
examples:
  capacity headroom                                   the bundled platform's API, 90 days ahead
  capacity headroom --horizon 180d --format json
  capacity headroom --replicas 5 --traffic +50%       what-if: today's peak +50% on 5 replicas
  capacity headroom --services services.yaml --source http://127.0.0.1:9090

Intervals are 80% (residual bootstrap of each fit; the date combines it with the forecast's). An
answer the history cannot support is refused with the reason: too little load variation (the range
seen is given), no latency histogram, or an interval wider than useful (more than 2x). The latency
curve is base + scale * rho^m / (1 - rho), rho = rate per replica / capacity, m from the workers a
replica serves at once (Sakasegawa's approximation); quantiles are read from the histogram's buckets
by a log-normal through the two bounds around the rank, not linearly. Exit 1 when a service got no answer.
"""


def _traffic(text: str | None) -> float | None:
    if text is None:
        return None
    t = text.strip()
    try:
        value = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        raise ConfigError(
            f"--traffic: expected a change like +20% or -10% (or 0.2), got {text!r}", field="traffic"
        ) from None
    if not value > -1:
        raise ConfigError(f"--traffic: {text} would leave no traffic (expected above -100%)", field="traffic")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("headroom")
    g.add_argument(
        "--services", metavar="FILE", help="services file (default: capacity.yaml's services:, else the bundled API)"
    )
    g.add_argument(
        "--horizon", default="90d", metavar="H", help="how far ahead the request rate is forecast (default: 90d)"
    )
    g.add_argument(
        "--start",
        metavar="T",
        help="start of the history the models learn from (default: each service's history: before --end)",
    )
    g.add_argument(
        "--end", metavar="T", help="end of that history (default: the end of a sample/file source, else now)"
    )
    g.add_argument("--replicas", type=float, metavar="N", help="what-if: run today's peak on N replicas")
    g.add_argument(
        "--traffic", metavar="+X%", help="what-if: today's peak changed by X (+20%%; a fall as --traffic=-10%%)"
    )
    g.add_argument("--no-forecast", action="store_true", help="skip the request-rate forecast (no dates)")
    add_source_args(p)
    add_format_args(p)


def run(args: argparse.Namespace) -> int:
    fmt = output_format(args)
    if args.replicas is not None and not args.replicas > 0:
        raise ConfigError(f"--replicas: expected a positive number, got {args.replicas:g}", field="replicas")
    project = project_from_args(args)
    got = app_headroom.headroom(
        args.services,
        source=source_from_args(args),
        start=args.start,
        end=args.end,
        horizon=args.horizon,
        replicas=args.replicas,
        traffic=_traffic(args.traffic),
        forecast=not args.no_forecast,
        project=project,
    )
    print_warnings("headroom", got.warnings)
    table = got.table
    print_warnings("headroom", [f"{s}: {n}" for s, n in zip(table["service"], table["note"], strict=True) if n])
    if fmt == "table" and args.out is None:
        emit(view(table, project.time_zone), args)
    else:
        emit(table, args)
    return exit_status(got.complete)
