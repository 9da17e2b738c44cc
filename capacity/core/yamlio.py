"""Reading YAML the same way everywhere: specs, catalogs, planning rules, burn-rate tables, configs.

Every reader goes through :func:`parse` (text) or :func:`read` (a file): a safe loader only, that also
refuses documents that expand past ``MAX_NODES`` values or nest deeper than ``MAX_DEPTH``,
and one kind of error, a :class:`ConfigError` (or the subclass the caller names) that says which
file and which line, never a traceback. Files are UTF-8.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

__all__ = ["parse", "read"]

#: what a document may expand to once its aliases are followed, and how deep it may nest: a "billion
#: laughs" document (aliases of aliases) is a few hundred bytes and expands to billions of nodes, and
#: error messages that echo a value would then run for minutes; no spec or catalog comes near either
MAX_NODES = 200_000
MAX_DEPTH = 100


class _TooLarge(yaml.YAMLError):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def _check(root: yaml.Node) -> None:
    """Count the nodes ``root`` expands to (aliases counted each time they are used), memoised by node."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise _TooLarge(f"nested more than {MAX_DEPTH} levels deep")
        key = id(node)
        if key in sizes:
            return sizes[key]
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        if total > MAX_NODES:
            raise _TooLarge(f"expands to more than {MAX_NODES:,} values (aliases of aliases?)")
        sizes[key] = total
        return total

    size(root, 0)


class _Loader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses documents too large once expanded, or nested too deep."""

    def construct_document(self, node: yaml.Node) -> Any:
        _check(node)
        return super().construct_document(node)


def parse(
    text: str, *, file: str, what: str = "YAML", many: bool = False, error: type[ConfigError] = ConfigError
) -> Any:
    """The document in ``text`` (with ``many``, the list of its non-empty documents).

    ``file`` names the text in messages; ``what`` says what it holds (``catalog``, ``SLO spec``...).
    """
    try:
        if many:
            return [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]  # noqa: S506 (a safe loader)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a safe loader)
    except RecursionError:
        raise error(f"{file}: invalid YAML in {what}: nested too deeply", file=file) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{file}: invalid YAML in {what}{where}: {problem}", file=file) from exc


def read(
    path: str | os.PathLike[str], *, what: str = "YAML", many: bool = False, error: type[ConfigError] = ConfigError
) -> Any:
    """The document(s) of the file at ``path`` (see :func:`parse`); a missing, unreadable or
    non-UTF-8 file is an ``error`` naming it."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{p}: {what} file not found", file=str(p)) from None
    except UnicodeDecodeError as exc:
        raise error(f"{p}: {what} file is not UTF-8 text (byte {exc.start})", file=str(p)) from None
    except OSError as exc:
        raise error(f"{p}: cannot read {what} file: {exc.strerror or exc}", file=str(p)) from None
    return parse(text, file=str(p), what=what, many=many, error=error)
