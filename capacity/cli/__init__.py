"""The ``capacity`` command: a thin layer over the library.

Each subcommand lives in its own module ``capacity.cli.<name>`` exposing
``HELP``, ``DESCRIPTION`` and ``EXAMPLES`` (the ``--help`` texts),
``add_arguments(parser)`` and ``run(args) -> int``; :func:`build_parser`
registers them by name. Every error becomes one line on stderr (secrets
blanked) and exit code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import warnings
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
    "headroom",
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
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the traceback of an error and a report kernel's stderr (also CAPACITY_DEBUG=1; may go anywhere)",
    )
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


_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]*@")


def scrub(text: str) -> str:
    """``text`` fit for stderr: user info in URLs and the secrets of the environment blanked, one line."""
    from ..present.text import printable
    from ..sources.prometheus.auth import secret_values

    text = str(text)
    for secret in secret_values():  # before joining lines: a secret may hold a newline
        text = text.replace(secret, "***")
    text = _USERINFO.sub(r"\1***@", printable(" ".join(text.split())))
    return text[:500]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Every failure is one line on stderr and exit code 2 (130 when interrupted):
    library errors as they are worded, files the system refused (a directory, no permission, a full
    disk) by name, anything else as an unexpected error; ``--debug`` (anywhere on the line) or
    ``CAPACITY_DEBUG=1`` shows the traceback instead."""
    words = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in words or os.environ.get("CAPACITY_DEBUG", "") not in ("", "0")
    words = [w for w in words if w != "--debug"]
    parser = build_parser()
    args = parser.parse_args(words)
    args.debug = debug  # (commands that can show more with it: the kernel's own stderr of a report)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    where = f"capacity {args.command}"
    try:
        with warnings.catch_warnings():
            if not debug:
                _warnings_as_lines(where)
            rc = int(args.func(args) or 0)
        if getattr(args, "_sample_notice", False):
            print(SAMPLE_NOTICE.format(command=args.command), file=sys.stderr)
        return rc
    except KeyboardInterrupt:
        print(f"{where}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if debug:
            raise
        print(f"{where}: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR


def _warnings_as_lines(where: str) -> None:
    """Inside ``warnings.catch_warnings()``: numeric RuntimeWarnings (0/0, the mean of an empty slice:
    results are checked for NaN where they matter) are dropped; any other warning is one scrubbed
    line ``capacity CMD: warning: ...``, never a file name and source line."""
    warnings.simplefilter("ignore", RuntimeWarning)

    def show(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
        print(f"{where}: warning: {scrub(f'{category.__name__}: {message}')}", file=sys.stderr)

    warnings.showwarning = show


def _one_line(exc: Exception) -> str:
    if isinstance(exc, CapacityError):
        return scrub(str(exc))
    if isinstance(exc, OSError) and exc.strerror:
        name = f"{exc.filename}: " if exc.filename else ""
        return scrub(f"{name}{exc.strerror}")
    if isinstance(exc, RecursionError):
        return "input nested too deeply (RecursionError); run with --debug for the traceback"
    return scrub(
        f"unexpected {type(exc).__name__}: {exc} (a bug or an input not yet checked: run again with --debug "
        "for the traceback, and report it)"
    )


def entry() -> None:  # pragma: no cover - console script shim
    sys.exit(main())
