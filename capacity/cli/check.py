"""``capacity check``: does everything the project asks for have data, and enough history?"""

from __future__ import annotations

import argparse
import sys

from ..app import onboard
from ..core.errors import ConfigError
from ..present import Col
from ..present.text import render
from ._common import add_config_arg, progress_bar, project_from_args

HELP = "which catalog metrics, SLOs, alerts and planning rules have data (and enough history) on the source"
DESCRIPTION = (
    "For every catalog entry, SLO (its queries), alert and planning rule of the project in effect: ok, "
    "no data, or too little data (the history found against what it needs: an SLO its window, a forecast "
    "28 days, a growth rule its period), with the query used. Coarse and fast: one uncached range query "
    "of at most 600 points per distinct query (count_over_time for plain selectors). "
    "Exit code 0 when everything required has data and enough history, 1 otherwise."
)
EXAMPLES = """\
examples:
  capacity check                                        the project file's source (capacity.yaml)
  capacity check --source http://127.0.0.1:9090 --format json
  capacity check --config ops/capacity.yaml

Required: with a project file, the catalog entries it defines and everything its SLOs, alerts and
planning rules use (bundled catalog entries nothing uses are shown, not required); without one, all.
"""

DISPLAY = {
    "history_days": Col("history (d)", "number", 1),
    "needs_days": Col("needs (d)", "number", 1),
}
TABLE_COLUMNS = ["kind", "name", "status", "history_days", "needs_days", "required", "query", "note"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("source")
    add_config_arg(g)
    g.add_argument("--source", metavar="URL", help="the Prometheus-API server (default: the project file's source)")
    g.add_argument("--progress", action="store_true", help="show a progress bar even when stderr is not a terminal")
    p.add_argument("--format", choices=("table", "json"), default="table", help="table (default) or json (for CI)")


def run(args: argparse.Namespace) -> int:
    project = project_from_args(args)
    source = args.source or (None if project.source != "sample" else "")
    if source == "":
        raise ConfigError("capacity check needs a server: --source URL or `source:` in capacity.yaml", field="source")
    with progress_bar(args.progress, desc="check") as bar:
        got = onboard.check(source, project, progress=bar)
    table = got.table
    if args.format == "json":
        sys.stdout.write(render(table, "json"))
    else:
        sys.stdout.write(render(table[TABLE_COLUMNS], "table", specs=DISPLAY))
    print(f"capacity check: {onboard.summary_line(got)}", file=sys.stderr)
    return 0 if got.ok else 1
