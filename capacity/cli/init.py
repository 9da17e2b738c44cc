"""``capacity init``: a starter capacity.yaml mapped to what a Prometheus server holds."""

from __future__ import annotations

import argparse
import sys

from ..app import onboard
from ..app.discover import summary
from ..core.timeutil import parse_duration

HELP = "write a starter capacity.yaml (catalog, SLOs, alerts, planning) mapped to your Prometheus"
DESCRIPTION = (
    "Read the server's metric names, types and label sets and write a project file mapped to what exists "
    "(node_exporter, cAdvisor/kube-state-metrics, postgres_exporter, redis_exporter, FastAPI, Micrometer, "
    "Istio, ingress-nginx, Prometheus' own HTTP metrics, and generic *_requests_total / *_seconds_bucket / "
    "*_free* shapes). Each choice is commented with why; what cannot be mapped is listed as comments. "
    "The SLOs and alerts go to a capacity/v1 spec beside it (capacity.yaml -> capacity.slos.yaml)."
)
EXAMPLES = """\
examples:
  capacity init --source http://prometheus:9090                 writes ./capacity.yaml and ./capacity.slos.yaml
  capacity init --source http://prometheus:9090 --out ops/capacity.yaml --force
  capacity init --source http://prometheus:9090 --out -         print the file instead
  capacity init --source http://prometheus:9090 && capacity check && capacity slo

Credentials come from the environment (CAPACITY_BEARER_TOKEN and friends), never from the file.
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", required=True, metavar="URL", help="the Prometheus-API server to read")
    p.add_argument(
        "--out",
        default="capacity.yaml",
        metavar="FILE",
        help="where to write (default: ./capacity.yaml; '-' prints it); written atomically",
    )
    p.add_argument("--force", action="store_true", help="replace an existing --out (and its .slos.yaml)")
    p.add_argument(
        "--lookback",
        default="1d",
        metavar="D",
        help="read the names and labels of series with samples in this last stretch (default: 1d)",
    )


def run(args: argparse.Namespace) -> int:
    lookback = parse_duration(args.lookback, field="--lookback")
    to_stdout = args.out == "-"
    got = onboard.init(args.source, None if to_stdout else args.out, force=args.force, lookback=lookback)
    if to_stdout:
        sys.stdout.write(got.config_text)
        if got.spec_text:
            sys.stdout.write("---\n# capacity.slos.yaml\n" + got.spec_text)
    for line in summary(got.discovery):
        print(f"capacity init: {line}", file=sys.stderr)
    for path in got.written:
        print(f"capacity init: wrote {path}", file=sys.stderr)
    return 0
