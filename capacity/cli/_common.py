"""Options and output shared by every ``capacity`` subcommand.

Use in a subcommand module::

    p = subparsers.add_parser("x", ...)
    add_source_args(p); add_range_args(p); add_format_args(p)
    ...
    def run(args):
        src = source_from_args(args)
        start, end, step = range_from_args(args, src)
        ...
        emit(result_frame, args)

Output (:mod:`capacity.present.text`): ``table`` (aligned, numbers rounded for display only), ``json``
(records, ISO-8601 UTC timestamps, NaN -> null, +/-Inf -> "+Inf"/"-Inf"),
``csv`` (full precision, NaN written as ``NaN``), and with ``--out FILE``
also Parquet (``.parquet``/``.pq``). With ``--out`` and no ``--format`` the
format follows the file's extension. Files are written atomically: a
temporary file beside the target, then a rename, so an existing file is
never half overwritten.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import pandas as pd

from ..app.project import Project, source_of
from ..app.project import current as current_project
from ..core.errors import ConfigError
from ..core.files import atomic_path
from ..core.timeutil import parse_duration
from ..present.text import FORMATS, Specs, render
from ..sources import Source

_BY_SUFFIX = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".json": "json", ".txt": "table"}


# -- source --------------------------------------------------------------------
def add_source_args(parser: argparse.ArgumentParser) -> None:
    """``--source``, ``--tz``, ``--refresh``, ``--no-cache``, ``--progress``."""
    g = parser.add_argument_group("source")
    add_config_arg(g)
    g.add_argument(
        "--source",
        metavar="sample|URL|PATH",
        help="where series come from: 'sample' (the bundled history), the http(s):// URL of a "
        "Prometheus-API server (Prometheus, Thanos, Mimir, VictoriaMetrics), or a CSV/Parquet file; "
        "default: the project file's source, else the bundled sample",
    )
    g.add_argument("--tz", metavar="ZONE", help="time zone of naive timestamps in a file source (default: UTC)")
    g.add_argument("--refresh", action="store_true", help="ignore the local cache and pull again (server sources)")
    g.add_argument("--no-cache", action="store_true", help="neither read nor write the local cache (server sources)")
    g.add_argument("--progress", action="store_true", help="show a progress bar even when stderr is not a terminal")
    g.add_argument(
        "--max-points",
        metavar="N",
        type=int,
        help="refuse a pull of more than N points a series, before any request (default: the project "
        "file's limits: {max_points: N}, else 10,000,000)",
    )


def add_config_arg(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--config FILE``: the project file (capacity.yaml)."""
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="the project file (source, time zone, catalog, SLOs, planning rules); "
        "default: $CAPACITY_CONFIG, else ./capacity.yaml if there is one",
    )


def project_from_args(args: argparse.Namespace) -> Project:
    """The project in effect for this command (``--config``, ``$CAPACITY_CONFIG``, ``./capacity.yaml``), read once."""
    project = getattr(args, "_project", None)
    if project is None:
        project = current_project(config=getattr(args, "config", None))
        try:
            project = project.with_limits(max_points=getattr(args, "max_points", None))
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("limits.max_points", "--max-points"), field="max_points") from None
        args._project = project
    return project


def _kind(spec: str) -> str:
    from ..sources import kind

    return kind(spec)


def source_from_args(args: argparse.Namespace, *, tz_reaches_files_only: bool = False) -> Source:
    """The Source named by ``--source``, with the options that apply to it.

    ``tz_reaches_files_only``: ``--tz`` has another meaning in this command (a calendar time zone)
    and reaches only a file source; otherwise ``--tz`` with a server or the sample is refused.
    """
    project = project_from_args(args)
    given = getattr(args, "source", None)
    spec = str(given or project.source)
    if given is None and project.uses_sample_by_default:
        args._sample_notice = True  # said once, after the command's output (capacity.cli.main)
    kind = _kind(spec)
    options: dict[str, Any] = {}
    tz = getattr(args, "tz", None)
    if tz is not None and kind == "file":
        options["tz"] = tz
    elif tz is not None and not tz_reaches_files_only:
        raise ConfigError("--tz applies to file sources only (naive timestamps in a CSV/Parquet file)", field="tz")
    if kind == "server":
        options["cache"] = not getattr(args, "no_cache", False)
        options["refresh"] = bool(getattr(args, "refresh", False))
    src = source_of(spec, project, **options)
    client = getattr(src, "client", None)
    if client is not None and hasattr(client, "on_retry"):
        client.on_retry = _say_waits(args.command, src.name)
    return src


def _say_waits(command: str, name: str) -> Callable[[int | str, float], None]:
    """A retry callback that says on stderr when a pull waits a second or more before trying again."""

    def said(status: int | str, delay: float) -> None:
        if delay >= 1:
            why = {"timeout": "did not answer in time", "connection": "dropped or refused the connection"}.get(
                str(status), f"answered HTTP {status}" if isinstance(status, int) else "failed"
            )
            warn(command, f"{name} {why}; waiting {delay:.0f} s before trying again")

    return said


# -- range ---------------------------------------------------------------------
RANGE_FIELDS = ("--start", "--end")


def add_range_args(
    parser: argparse.ArgumentParser, *, step: bool = True, start_default: str = "7 days before --end"
) -> None:
    """``--start``, ``--end`` and (unless ``step=False``) ``--step``; ``start_default`` describes the
    command's default ``--start`` in the help."""
    g = parser.add_argument_group("time range")
    g.add_argument(
        "--start",
        metavar="T",
        help=f"RFC 3339 (2026-09-01T00:00:00Z), a date (2026-09-01, midnight UTC), a Unix time or now-30d "
        f"(floored to the step); default: {start_default}",
    )
    g.add_argument(
        "--end",
        metavar="T",
        help="same forms as --start; default: the end of a sample/file source, else now (floored to the step)",
    )
    if step:
        g.add_argument("--step", metavar="S", help="resolution: 30s, 1m, 5m, 1h, 1d; default: the catalog entry's step")


def range_from_args(args: argparse.Namespace, source: Source) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timedelta | None]:
    """``(start, end, step)`` in UTC (:func:`capacity.app.history.time_range`); ``step`` is None
    when ``--step`` was not given."""
    from ..app.history import time_range

    step_arg = getattr(args, "step", None)
    step = parse_duration(step_arg, field="--step") if step_arg is not None else None
    start, end = time_range(
        source, getattr(args, "start", None), getattr(args, "end", None), step=step, fields=RANGE_FIELDS
    )
    return start, end, step


def duration(text: str | None, option: str) -> pd.Timedelta | None:
    """``text`` as a duration (None when the option was not given); errors name ``option``."""
    return parse_duration(text, field=option) if text is not None else None


#: exit status of a command that computed everything it was asked for / what it could (some metric
#: had no data, or too little of a window); errors are 2 (capacity.cli.EXIT_ERROR)
EXIT_COMPLETE, EXIT_INCOMPLETE = 0, 1


def exit_status(complete: bool) -> int:
    """0 when everything was computed, 1 when something was missing (said on stderr)."""
    return EXIT_COMPLETE if complete else EXIT_INCOMPLETE


def print_warnings(command: str, notes: Iterable[str]) -> None:
    """Each note of a use case's result as a ``capacity COMMAND: warning: ...`` line."""
    for note in notes:
        warn(command, note)


# -- output --------------------------------------------------------------------
def add_format_args(parser: argparse.ArgumentParser) -> None:
    """``--format table|json|csv`` and ``--out FILE``."""
    g = parser.add_argument_group("output")
    g.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="table (the default, also when piped), json or csv; with --out, the extension decides when omitted",
    )
    g.add_argument(
        "--out",
        metavar="FILE",
        help="write to FILE (.parquet, .csv, .json, .txt) instead of stdout, "
        "atomically: an existing FILE is replaced only when the new one is complete",
    )


def output_format(args: argparse.Namespace, *, option: str = "--out") -> str:
    """The format ``emit`` will use: ``--format``, else the ``--out`` extension, else table.

    Also checks that the ``--out`` directory exists, so a long pull is not wasted on an unwritable
    target. ``option`` names the option holding ``args.out`` in messages (``--labels``...).
    """
    fmt = getattr(args, "format", None)
    out = getattr(args, "out", None)
    if out is not None:
        directory = Path(out).parent
        if str(directory) and not directory.is_dir():
            raise ConfigError(
                f"{option} {out}: directory {directory} does not exist", field=option.lstrip("-"), file=str(out)
            )
        if Path(out).is_dir():
            raise ConfigError(
                f"{option} {out}: is a directory; give a file name", field=option.lstrip("-"), file=str(out)
            )
        if not os.access(directory if str(directory) else ".", os.W_OK):
            raise ConfigError(f"{option} {out}: cannot write in {directory}", field=option.lstrip("-"), file=str(out))
        name = Path(out).name.lower()
        by_ext = "csv" if name.endswith(".csv.gz") else _BY_SUFFIX.get(Path(out).suffix.lower())
        if fmt is None:
            if by_ext is None:
                raise ConfigError(
                    f"{option} {out}: cannot tell the format from the extension (use .parquet, .csv, .json, .txt"
                    + (" or --format)" if option == "--out" else ")"),
                    field=option.lstrip("-"),
                    file=str(out),
                )
            return by_ext
        if by_ext == "parquet":
            raise ConfigError(
                f"{option} {out}: a .parquet file cannot hold --format {fmt}", field="format", file=str(out)
            )
    return fmt or "table"


def emit(
    frame: pd.DataFrame,
    args: argparse.Namespace,
    *,
    stream: IO[str] | None = None,
    specs: Specs | None = None,
    units: Mapping[str, str] | None = None,
    tz: str | None = None,
) -> None:
    """Present ``frame`` as ``--format`` says, to ``--out`` (atomically) or ``stream`` (stdout).

    ``specs`` (column name -> :class:`capacity.present.Col`), ``units`` and ``tz`` (times as that
    zone's wall clock) change how the table format shows some columns
    (:func:`capacity.present.text.table`); json/csv keep the raw values.
    """
    fmt = output_format(args)
    out = getattr(args, "out", None)
    if out is not None:
        write_frame(frame, out, fmt, specs=specs, units=units, tz=tz)
        return
    if fmt == "parquet":  # pragma: no cover - output_format never gives parquet without --out
        raise ConfigError("parquet output needs --out FILE", field="format")
    stream = stream if stream is not None else sys.stdout
    stream.write(render(frame, fmt, specs=specs, units=units, tz=tz))


def write_frame(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    fmt: str,
    *,
    specs: Specs | None = None,
    units: Mapping[str, str] | None = None,
    tz: str | None = None,
) -> None:
    """Write ``frame`` to ``path`` as ``fmt`` (parquet, csv, json, table), atomically."""
    if fmt == "parquet":
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
        return
    text = render(frame, fmt, specs=specs, units=units, tz=tz)
    if str(path).lower().endswith(".gz"):
        import gzip

        with atomic_path(path) as tmp, gzip.open(tmp, "wt", encoding="utf-8", newline="") as fh:
            fh.write(text)
        return
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


# -- progress ------------------------------------------------------------------
class ProgressBar:
    """A ``(done, total)`` callback drawing a tqdm bar on stderr; a no-op when disabled.

    Use as a context manager (or call ``close()``) so the bar is finished.
    """

    def __init__(
        self, enabled: bool, *, desc: str = "pull", unit: str = "pt", delay: float = 0.5, file: IO[str] | None = None
    ) -> None:
        self._bar: Any = None
        if enabled:
            from tqdm import tqdm

            # delay: a pull finishing within `delay` seconds draws nothing
            self._bar = tqdm(
                total=0,
                desc=desc,
                unit=unit,
                unit_scale=True,
                file=file if file is not None else sys.stderr,
                delay=delay,
                leave=False,
            )

    def __call__(self, done: int, total: int) -> None:
        bar = self._bar
        if bar is None:
            return
        if total != bar.total:
            bar.total = total
        if done != bar.n:
            bar.update(done - bar.n)  # redraws at most every tqdm mininterval
        if total and done >= total:
            bar.refresh()  # always show completion

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress_bar(enabled: bool | None = None, *, desc: str = "pull") -> ProgressBar:
    """A progress callback drawing on stderr when ``enabled`` (``--progress``) or, otherwise, when stderr is a TTY."""
    return ProgressBar(bool(enabled) or _stderr_is_tty(), desc=desc)


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def warn(command: str, message: str, *, stream: IO[str] | None = None) -> None:
    """One warning line on stderr: ``capacity COMMAND: warning: ...``."""
    from . import scrub

    print(f"capacity {command}: warning: {scrub(message)}", file=stream if stream is not None else sys.stderr)
