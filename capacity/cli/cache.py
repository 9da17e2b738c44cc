"""``capacity cache info|prune|clear``: the local pull cache of server sources."""

from __future__ import annotations

import argparse

import pandas as pd

from ..app import cache as _cache
from ..core.errors import ConfigError
from ..present import Col
from ._common import add_config_arg, add_format_args, emit, output_format, project_from_args

EXAMPLES = """\
examples:
  capacity cache info                       directory, files, size, limit, oldest and newest use
  capacity cache prune                      remove the least recently used files down to the limit
  capacity cache prune --max-size 500MiB    ... down to 500 MiB
  capacity cache clear --format json        remove every cached pull, say what was removed as JSON

The cache keeps what pulls from a server fetched (one Arrow file per server, query
and step grid) in $CAPACITY_CACHE_DIR, else ~/.cache/capacity/pulls. Its size
limit is the project file's `cache: {max_size: 500MiB}`, else 2 GiB; every pull
removes the least recently used files above it (never the one it just wrote).
Sizes: bytes, or with a unit: 500MiB, 2GiB, 1GB, 10M.
"""

HELP = "show, prune or clear the local pull cache of server sources"
DESCRIPTION = "Show what the pull cache holds, prune it to its size limit (least recently used first), or clear it."

_SIZES = {"size": "size", "max_size": "max size", "freed": "freed"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("info", "prune", "clear"), help="info, prune or clear")
    add_config_arg(p)
    p.add_argument(
        "--max-size",
        metavar="SIZE",
        help="prune: the size to prune down to (500MiB, 2GiB); default: the project's cache.max_size, else 2GiB",
    )
    p.add_argument("--dir", metavar="DIR", help="the cache directory (default: $CAPACITY_CACHE_DIR, else ~/.cache/...)")
    add_format_args(p)


def run(args: argparse.Namespace) -> int:
    if args.max_size is not None and args.action != "prune":
        raise ConfigError("--max-size applies to 'capacity cache prune' only", field="max_size")
    if args.action == "info":
        table = _cache.info(directory=args.dir, project=project_from_args(args)).table()
    elif args.action == "prune":
        table = _cache.prune(
            args.max_size, directory=args.dir, project=project_from_args(args), field="--max-size"
        ).table()
    else:
        table = _cache.clear(directory=args.dir).table().drop(columns="max_size")
    if output_format(args) == "table":  # sizes in binary units, as they are configured (json/csv: bytes)
        size = lambda v: "" if pd.isna(v) else _cache.format_size(int(v))  # noqa: E731
        shown = {c: table[c].map(size) for c in _SIZES if c in table}
        table = table.assign(**shown)
    emit(table, args, specs={c: Col(h, "text") for c, h in _SIZES.items()})
    return 0
