"""Reading YAML the same way everywhere: specs, catalogs, planning rules, burn-rate tables, configs.

Every reader goes through :func:`parse` (text) or :func:`read` (a file): ``yaml.safe_load`` only,
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


def parse(
    text: str, *, file: str, what: str = "YAML", many: bool = False, error: type[ConfigError] = ConfigError
) -> Any:
    """The document in ``text`` (with ``many``, the list of its non-empty documents).

    ``file`` names the text in messages; ``what`` says what it holds (``catalog``, ``SLO spec``...).
    """
    try:
        if many:
            return [d for d in yaml.safe_load_all(text) if d is not None]
        return yaml.safe_load(text)
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
