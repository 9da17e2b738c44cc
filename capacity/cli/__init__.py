"""The ``capacity`` command: a thin layer over the library.

Each subcommand lives in its own module ``capacity.cli.<name>`` exposing
``HELP``, ``DESCRIPTION`` and ``EXAMPLES`` (the ``--help`` texts),
``add_arguments(parser)`` and ``run(args) -> int``; :func:`build_parser`
registers them by name. Library errors
(:class:`capacity.errors.CapacityError`) become one line on stderr and exit
code 2; no traceback is shown for them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from .._version import __version__
from ..core.errors import CapacityError

# name -> module under capacity.cli; order is the order shown in --help
COMMANDS: tuple[str, ...] = (
    "pull",
    "report",
    "slo",
    "alerts",
    "rules",
    "forecast",
    "backtest",
    "init",
    "check",
    "cache",
)

#: said once by a command that read the bundled history because nothing named a source
SAMPLE_NOTICE = "capacity {command}: note: used the bundled sample history; set --source or capacity.yaml"

EXIT_OK = 0
EXIT_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose usage errors are one line too (subcommand parsers inherit the class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="capacity",
        description="Capacity planning and SLO analytics for Prometheus-monitored platforms.",
        epilog="Run 'capacity COMMAND --help' for the options of one command.",
    )
    parser.add_argument("--version", action="version", version=f"capacity {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"{__name__}.{name}")
        p = sub.add_parser(
            name,
            help=module.HELP,
            description=module.DESCRIPTION,
            epilog=module.EXAMPLES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(p)
        p.set_defaults(func=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        rc = int(args.func(args) or 0)
        if getattr(args, "_sample_notice", False):
            print(SAMPLE_NOTICE.format(command=args.command), file=sys.stderr)
        return rc
    except CapacityError as exc:
        print(f"capacity {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"capacity {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


def entry() -> None:  # pragma: no cover - console script shim
    sys.exit(main())
