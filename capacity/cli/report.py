"""``capacity report NAME [-p key=value ...]``: render a parameterized notebook."""

from __future__ import annotations

import argparse
import sys

from ..core.errors import ParameterError, ReportError
from ._common import add_config_arg, project_from_args

EXAMPLES = """\
examples:
  capacity report --list                                    the notebooks and their parameters (type, default, meaning)
  capacity report quarterly_review -p quarter=2026Q2        what 'make report' renders, for another quarter
  capacity report slo_compliance -p slo=error-rate -p window=2026-09
  capacity report capacity_forecast --source http://127.0.0.1:9090 -p horizon_days=30
  capacity report explore --out-dir /tmp/explore --no-html
  capacity report quarterly_review --pdf -p today=2026-12-01   also the PDF; due dates said against that day

A failing cell is reported with the notebook, the cell index and the error; the partial notebook is kept as
OUT_DIR/NAME.partial.ipynb. Outputs are written atomically.
"""


HELP = "render a notebook report (executed .ipynb + self-contained HTML) into reports/"
DESCRIPTION = (
    "Execute notebooks/NAME.ipynb with papermill and write reports/NAME.ipynb and reports/NAME.html "
    "(inputs hidden, plotly.js embedded once, no network needed to view it). Parameters are checked "
    "against the notebook's parameters cell before anything runs."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", help="notebook name, e.g. quarterly_review (see --list)")
    p.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a notebook parameter (repeatable); converted to the type declared in the notebook",
    )
    p.add_argument(
        "--source",
        help="data source: 'sample', an http(s):// Prometheus URL, or a CSV/Parquet file "
        "(sets the notebook's 'source' parameter); a bearer token is read from "
        "CAPACITY_BEARER_TOKEN, never from the command line",
    )
    add_config_arg(p)
    p.add_argument("--out-dir", default="reports", metavar="DIR", help="where to write the outputs (default: reports/)")
    p.add_argument("--name", dest="stem", help="base name of the outputs (default: the notebook's name)")
    p.add_argument("--no-html", action="store_true", help="write only the executed notebook")
    p.add_argument(
        "--pdf", action="store_true", help="also print the HTML to NAME.pdf (headless Chromium, A4, offline)"
    )
    p.add_argument(
        "--timeout", type=float, default=None, metavar="SECONDS", help="seconds allowed per cell (default: no limit)"
    )
    p.add_argument("--list", action="store_true", help="list the notebooks and their parameters, then exit")


def _list() -> int:
    from ..report.params import read_parameters
    from ..report.rendering import available, find_notebook, notebook_dirs

    names = available()
    if not names:
        looked = ", ".join(str(d) for d in notebook_dirs())
        raise ReportError(f"no notebooks (*.ipynb) found; looked in {looked} (set $CAPACITY_NOTEBOOKS)", notebook="")
    for name in names:
        print(name)
        for param in read_parameters(find_notebook(name)).values():
            note = f"  # {param.help}" if param.help else ""
            print(f"    {param.name}: {param.type_label} = {param.default!r}{note}")
    return 0


def run(args: argparse.Namespace) -> int:
    from ..report.params import parse_cli_pairs
    from ..report.rendering import render

    if args.list:
        return _list()
    if not args.name:
        raise ParameterError("report: give a notebook NAME (see 'capacity report --list')", notebook="")
    given = parse_cli_pairs(args.param, notebook=args.name)
    for option, name in ((args.source, "source"), (args.config, "config")):
        if option is None:
            continue
        if name in given:
            raise ParameterError(
                f"{args.name}: give the {name} once (--{name} or -p {name}=)", notebook=args.name, parameter=name
            )
        given[name] = option
    if given.get("source") is None and project_from_args(args).uses_sample_by_default:
        args._sample_notice = True  # the notebook falls back to the bundled history
    result = render(
        args.name,
        given,
        text_parameters=list(given),
        out_dir=args.out_dir,
        stem=args.stem,
        html=not args.no_html,
        timeout=args.timeout,
        pdf=args.pdf,
        kernel_stderr=getattr(args, "debug", False),
    )
    print(f"wrote {result.notebook}", file=sys.stdout)
    if result.html is not None:
        print(f"wrote {result.html}", file=sys.stdout)
    if result.pdf is not None:
        print(f"wrote {result.pdf}", file=sys.stdout)
    print(f"capacity report: rendered {result.name} in {result.seconds:.1f} s", file=sys.stderr)
    return 0
